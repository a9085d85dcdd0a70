"""Step-down allocations: the pool is conserved, amounts are traceable, reruns replace, access and locks hold."""

from __future__ import annotations

import pytest

from opencorpo.accounts.roles import Role
from opencorpo.planning import structure
from opencorpo.planning.allocations import allocation_run
from opencorpo.planning.cells import CellForbidden, CellWrite, cells_write
from opencorpo.planning.errors import VersionLocked
from opencorpo.planning.models import Allocation, AllocationRun, DimensionKind, FactChange, Member
from tests.accounts.test_access import grant
from tests.factories import make_user
from tests.planning.test_cells import at, value

pytestmark = pytest.mark.django_db

EXTRA = [
    {"code": "ALLOC_IN", "name": "Allocated in", "parent": "COST", "account_type": "expense"},
    {"code": "ALLOC_OUT", "name": "Allocated out", "parent": "COST", "account_type": "expense"},
]


@pytest.fixture
def allocation(cube):
    structure.members_bulk(dimension=cube.model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=EXTRA)
    definition = {
        "dimension": "entity",
        "pool": ["RENT"],
        "driver": "HC",
        "received": "ALLOC_IN",
        "charged": "ALLOC_OUT",
        "steps": [{"source": "E1", "targets": ["E2", "WEST"]}, {"source": "E2", "targets": ["W1"]}],
    }
    cells = [CellWrite(at("RENT", "E1"), 100.0), CellWrite(at("RENT", "E2"), 50.0)]
    cells += [CellWrite(at("HC", "E2"), 1.0), CellWrite(at("HC", "W1"), 2.0)]
    cells_write(cube=cube, cells=cells, user=None)
    return Allocation.objects.create(model=cube.model, cube=cube, code="rent", name="Rent", definition=definition)


def test_a_step_down_allocation_conserves_the_pool_and_is_traceable(cube, allocation):
    before = value(cube, "COST", "WORLD", "2026-01")
    result = allocation_run(allocation=allocation, version="budget", periods=["2026-01"], user=None)
    assert value(cube, "COST", "WORLD", "2026-01") == before == 150.0  # nothing created or lost at the top
    # step 1: E1's 100 → E2 33.33, W1 66.67; step 2: E2's own 50 + 33.33 received → W1
    assert value(cube, "ALLOC_OUT", "E1", "2026-01") == -100.0
    assert value(cube, "ALLOC_IN", "E2", "2026-01") == 33.33
    assert value(cube, "ALLOC_OUT", "E2", "2026-01") == -83.33
    assert value(cube, "ALLOC_IN", "W1", "2026-01") == 150.0
    assert value(cube, "COST", "E1", "2026-01") == 0.0 and value(cube, "COST", "E2", "2026-01") == 0.0
    assert [(line["step"], line["source"], line["target"], line["amount"]) for line in result["lines"]] == [
        (1, "E1", "E2", 33.33),
        (1, "E1", "W1", 66.67),
        (2, "E2", "W1", 83.33),
    ]
    run = AllocationRun.objects.get(pk=result["run"])
    assert FactChange.objects.filter(batch=run.batch, source="allocation").count() == result["changed"] == 4


def test_running_again_replaces_rather_than_adds(cube, allocation):
    allocation_run(allocation=allocation, version="budget", periods=["2026-01"], user=None)
    again = allocation_run(allocation=allocation, version="budget", periods=["2026-01"], user=None)
    assert again["changed"] == 0 and value(cube, "ALLOC_IN", "W1", "2026-01") == 150.0
    cells_write(cube=cube, cells=[CellWrite(at("RENT", "E1"), 10.0)], user=None)
    allocation_run(allocation=allocation, version="budget", periods=["FY2026"], user=None)
    assert value(cube, "ALLOC_OUT", "E1", "2026-01") == -10.0


def test_a_locked_version_or_a_user_without_write_access_is_refused(cube, allocation):
    planner = make_user("pam", Role.PLANNER)
    grant(cube, planner, "entity", "EAST", "write")
    grant(cube, planner, "entity", "WEST", "read")
    with pytest.raises(CellForbidden, match="'W1'"):
        allocation_run(allocation=allocation, version="budget", periods=["2026-01"], user=planner)
    structure.version_lock(version=Member.objects.get(dimension__model=cube.model, code="budget"), locked=True)
    with pytest.raises(VersionLocked):
        allocation_run(allocation=allocation, version="budget", periods=["2026-01"], user=None)
    assert not FactChange.objects.filter(source="allocation").exists()
