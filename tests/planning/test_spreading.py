"""Spreading a value typed at a total to its leaves: exact totals, holds, fallbacks, locks and access."""

from __future__ import annotations

import pytest

from opencorpo.accounts.roles import Role
from opencorpo.planning import structure
from opencorpo.planning.cells import CellForbidden, CellWrite, cells_write
from opencorpo.planning.errors import InvalidCell, VersionLocked
from opencorpo.planning.models import DimensionKind, FactChange, Member
from opencorpo.planning.spreading import cells_spread
from tests.accounts.test_access import grant
from tests.factories import make_user
from tests.planning.test_cells import at, value

pytestmark = pytest.mark.django_db
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def test_a_year_total_spreads_evenly_to_twelve_months_exactly(cube):
    result = cells_spread(cube=cube, coordinate=at("RENT", time="FY2026"), value=1000.0, method="even", user=None)
    assert result["changed"] == 12
    months = [value(cube, "RENT", "E1", m) for m in MONTHS]
    assert sorted(set(months)) == [83.33, 83.34]
    assert value(cube, "RENT", "E1", "FY2026") == pytest.approx(1000.0, abs=1e-9)
    assert FactChange.objects.filter(batch=result["batch"], source="spread").count() == 12


def test_proportional_spread_keeps_the_shape_and_respects_held_cells(cube):
    cells_write(
        cube=cube,
        cells=[
            CellWrite(at("RENT", "E1", "2026-01"), 10.0),
            CellWrite(at("RENT", "E2", "2026-01"), 30.0),
            CellWrite(at("RENT", "E1", "2026-02"), 60.0),
        ],
        user=None,
    )
    held = [at("RENT", "E1", "2026-02")]
    cells_spread(cube=cube, coordinate=at("RENT", "EAST", "FY2026-Q1"), value=140.0, held=held, user=None)
    assert value(cube, "RENT", "E1", "2026-02") == 60.0  # held
    assert (value(cube, "RENT", "E1", "2026-01"), value(cube, "RENT", "E2", "2026-01")) == (20.0, 60.0)
    assert value(cube, "RENT", "EAST", "FY2026-Q1") == 140.0
    assert value(cube, "RENT", "E2", "2026-03") is None  # empty cells stay empty in a proportional spread


def test_an_empty_total_falls_back_to_even_and_says_so(cube):
    result = cells_spread(cube=cube, coordinate=at("RENT", "EAST", "2026-01"), value=9.0, user=None)
    assert result["method"] == "even" and "evenly" in result["notes"][0]
    assert value(cube, "RENT", "E1", "2026-01") == 4.5


def test_spread_by_another_version(cube):
    cells_write(
        cube=cube,
        cells=[CellWrite(at("RENT", "E1", version="actual"), 1.0), CellWrite(at("RENT", "E2", version="actual"), 3.0)],
        user=None,
    )
    cells_spread(
        cube=cube, coordinate=at("RENT", "EAST"), value=100.0, method="basis", basis_version="actual", user=None
    )
    assert (value(cube, "RENT", "E1", "2026-01"), value(cube, "RENT", "E2", "2026-01")) == (25.0, 75.0)


def test_closed_periods_keep_their_values_and_locked_versions_refuse(cube):
    cells_write(cube=cube, cells=[CellWrite(at("RENT", time="2026-01"), 50.0)], user=None)
    jan = Member.objects.get(dimension__model=cube.model, dimension__kind=DimensionKind.TIME, code="2026-01")
    structure.member_update(member=jan, locked=True)
    result = cells_spread(cube=cube, coordinate=at("RENT", time="FY2026-Q1"), value=110.0, method="even", user=None)
    assert "closed periods kept their values" in result["notes"][0]
    assert [value(cube, "RENT", "E1", m) for m in MONTHS[:3]] == [50.0, 30.0, 30.0]
    structure.version_lock(version=Member.objects.get(dimension__model=cube.model, code="budget"), locked=True)
    with pytest.raises(VersionLocked):
        cells_spread(cube=cube, coordinate=at("RENT", time="FY2026-Q1"), value=1.0, user=None)


def test_totals_that_subtract_or_calculated_accounts_are_handled(cube):
    with pytest.raises(InvalidCell, match="subtracts"):
        cells_spread(cube=cube, coordinate=at("NI"), value=1.0, user=None)


def test_a_spread_may_not_touch_a_cell_the_user_cannot_write(cube):
    planner = make_user("pat", Role.PLANNER)
    grant(cube, planner, "entity", "EAST", "write")
    grant(cube, planner, "entity", "WEST", "read")
    with pytest.raises(CellForbidden, match="may only touch cells you may write"):
        cells_spread(cube=cube, coordinate=at("RENT", "WORLD"), value=10.0, user=planner)
    assert FactChange.objects.count() == 0
    cells_spread(cube=cube, coordinate=at("RENT", "EAST"), value=10.0, user=planner)
    assert value(cube, "RENT", "EAST", "2026-01") == 10.0


def test_spread_by_a_driver_account(cube):
    cells_write(cube=cube, cells=[CellWrite(at("HC", "E1"), 2.0), CellWrite(at("HC", "E2"), 6.0)], user=None)
    cells_spread(cube=cube, coordinate=at("RENT", "EAST"), value=80.0, method="basis", basis_account="HC", user=None)
    assert (value(cube, "RENT", "E1", "2026-01"), value(cube, "RENT", "E2", "2026-01")) == (20.0, 60.0)
    with pytest.raises(InvalidCell, match=r"basis_version .* or basis_account"):
        cells_spread(cube=cube, coordinate=at("RENT", "EAST"), value=1.0, method="basis", user=None)
