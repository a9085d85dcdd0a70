"""Step-down allocations: the pool is conserved, amounts are traceable, reruns replace, access and locks hold."""

from __future__ import annotations

import pytest
from django.test import Client

from opencorpo.accounts.roles import Role
from opencorpo.core.models import AuditEvent
from opencorpo.planning import structure
from opencorpo.planning.allocations import allocation_create, allocation_run
from opencorpo.planning.cells import CellForbidden, CellWrite, cells_write
from opencorpo.planning.errors import InvalidStructure, VersionLocked
from opencorpo.planning.models import Allocation, AllocationRun, DimensionKind, FactChange, Member, Model
from tests.accounts.test_access import grant
from tests.factories import make_user
from tests.planning.test_cells import at, value

pytestmark = pytest.mark.django_db

EXTRA = [
    {"code": "ALLOC_IN", "name": "Allocated in", "parent": "COST", "account_type": "expense"},
    {"code": "ALLOC_OUT", "name": "Allocated out", "parent": "COST", "account_type": "expense"},
]


DEFINITION = {
    "dimension": "entity",
    "pool": ["RENT"],
    "driver": "HC",
    "received": "ALLOC_IN",
    "charged": "ALLOC_OUT",
    "steps": [{"source": "E1", "targets": ["E2", "WEST"]}, {"source": "E2", "targets": ["W1"]}],
}


@pytest.fixture
def accounts(cube):
    structure.members_bulk(dimension=cube.model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=EXTRA)
    return cube


@pytest.fixture
def allocation(accounts):
    cube = accounts
    cells = [CellWrite(at("RENT", "E1"), 100.0), CellWrite(at("RENT", "E2"), 50.0)]
    cells += [CellWrite(at("HC", "E2"), 1.0), CellWrite(at("HC", "W1"), 2.0)]
    cells_write(cube=cube, cells=cells, user=None)
    return allocation_create(model=cube.model, cube="pl", code="rent", name="Rent", definition=DEFINITION)


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


BAD_DEFINITIONS = {
    "not an object": (["E1"], "it must be an object with dimension, pool"),
    "a key missing": ({k: v for k, v in DEFINITION.items() if k != "driver"}, "driver missing."),
    "an unknown key": ({**DEFINITION, "target": "E2"}, "unknown key(s) 'target'; the keys are"),
    "a number for a code": ({**DEFINITION, "driver": 7}, "driver must be a code (text), not 7."),
    "a pool that is no list": ({**DEFINITION, "pool": "RENT"}, "pool must be a list of account codes"),
    "steps of the wrong shape": ({**DEFINITION, "steps": [{"source": "E1", "target": ["E2"]}]}, "step 1 is not."),
    "steps that are no list": ({**DEFINITION, "steps": {"source": "E1"}}, "step 1 is not."),
    "an unknown dimension": ({**DEFINITION, "dimension": "region"}, "Cube 'pl' has no dimension 'region'"),
    "along the accounts": ({**DEFINITION, "dimension": "account"}, "along a dimension other than 'account'"),
    "an unknown account": ({**DEFINITION, "pool": ["RENT", "NOPE"]}, "Dimension 'account' has no member 'NOPE'"),
    "a total received": ({**DEFINITION, "received": "COST"}, "received 'COST' is a total; name a leaf account."),
    "a ratio as driver": ({**DEFINITION, "driver": "MARGIN"}, "driver 'MARGIN' is a ratio"),
    "a total as source": ({**DEFINITION, "steps": [{"source": "EAST", "targets": ["W1"]}]}, "source 'EAST' is a total"),
    "an unknown target": ({**DEFINITION, "steps": [{"source": "E1", "targets": ["E9"]}]}, "has no member 'E9'"),
    "a fixed unknown dimension": ({**DEFINITION, "fixed": {"product": "P1"}}, "has no dimension 'product'"),
    "a precision as text": ({**DEFINITION, "precision": "2"}, "precision must be a whole number of decimals"),
}


@pytest.mark.parametrize("case", list(BAD_DEFINITIONS))
def test_a_malformed_definition_is_refused_when_submitted_and_nothing_is_stored(accounts, case):
    definition, message = BAD_DEFINITIONS[case]
    with pytest.raises(InvalidStructure) as refused:
        allocation_create(model=accounts.model, cube="pl", code="rent", name="Rent", definition=definition)
    assert refused.value.message.startswith("The allocation's definition is not valid: ")
    assert message in refused.value.message and refused.value.fields is not None
    assert refused.value.message.endswith(refused.value.fields["definition"][0])
    assert not Allocation.objects.exists() and not AuditEvent.objects.filter(action="allocation.create").exists()


def test_every_other_dimension_needs_a_fixed_leaf(accounts):
    model = accounts.model
    product = structure.dimension_create(model=model, code="product", name="Product")
    structure.members_bulk(
        dimension=product, upserts=[{"code": "ALL", "name": "All"}, {"code": "P1", "name": "P1", "parent": "ALL"}]
    )
    structure.cube_create(
        model=model, code="sales", name="Sales", dimensions=["account", "entity", "product", "time", "version"]
    )
    for fixed, message in [
        ({}, "Say which member of 'product'"),
        ({"product": "ALL"}, "'ALL' is a total of 'product'"),
    ]:
        with pytest.raises(InvalidStructure, match=message):
            allocation_create(
                model=model, cube="sales", code="rent", name="Rent", definition={**DEFINITION, "fixed": fixed}
            )
    made = allocation_create(
        model=model, cube="sales", code="rent", name="Rent", definition={**DEFINITION, "fixed": {"product": "P1"}}
    )
    assert made.cube.code == "sales"
    assert AuditEvent.objects.get(action="allocation.create").target == "acme/rent"


def test_through_the_api_a_bad_definition_is_a_400_and_planners_may_not_define_allocations(accounts):
    modeller, planner = Client(), Client()
    modeller.force_login(make_user("mo", Role.MODELLER))
    planner.force_login(make_user("pia", Role.PLANNER))
    path = "/api/v1/models/acme/allocations/"
    body = {"code": "rent", "name": "Rent", "cube": "pl", "definition": {**DEFINITION, "pool": ["NOPE"]}}
    bad = modeller.post(path, body, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_structure"
    assert bad.json()["error"]["message"] == (
        "The allocation's definition is not valid: Dimension 'account' has no member 'NOPE'."
    )
    unknown_cube = modeller.post(path, {**body, "cube": "nope"}, content_type="application/json")
    assert unknown_cube.status_code == 400 and "has no cube 'nope'" in unknown_cube.json()["error"]["message"]
    good = {**body, "definition": DEFINITION}
    assert planner.post(path, good, content_type="application/json").status_code == 403
    assert not Allocation.objects.exists()
    assert modeller.post(path, good, content_type="application/json").status_code == 201
    again = modeller.post(path, good, content_type="application/json")
    assert again.status_code == 400 and "exists already" in again.json()["error"]["message"]
    assert Allocation.objects.get().definition == DEFINITION


def test_a_bundle_with_a_malformed_allocation_is_refused_naming_it(allocation, tmp_path):
    import yaml

    from opencorpo.planning.bundle_import import bundle_import
    from opencorpo.planning.bundles import BundleError, bundle_export

    bundle_export(model=allocation.model, path=tmp_path / "acme")
    where = tmp_path / "acme" / "allocations.yaml"
    items = yaml.safe_load(where.read_text())
    items[0]["definition"]["steps"] = [{"source": "EAST", "targets": ["W1"]}]
    where.write_text(yaml.safe_dump(items))
    with pytest.raises(BundleError) as refused:
        bundle_import(path=tmp_path / "acme", code="copy")
    assert refused.value.message == (
        "allocations.yaml, allocation 1: The allocation's definition is not valid: "
        "step 1: source 'EAST' is a total; allocate from a leaf."
    )
    assert not Model.objects.filter(code="copy").exists()
