"""Calculated line items: validated formulas, results stored as facts and recalculated in the writer's
transaction, cross-cube references, pins and attribute lookups, locks, and 4xx errors that write nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.errors import InvalidCell, InvalidStructure
from opencorpo.planning.models import Cube, DimensionKind, FactChange, Member
from tests.planning.test_cells import at, value

pytestmark = pytest.mark.django_db

DRIVERS = [
    {"code": "DRV", "name": "Drivers", "account_type": "statistical"},
    {"code": "UNITS", "name": "Units", "parent": "DRV", "account_type": "statistical"},
    {"code": "PRICE", "name": "Price", "parent": "DRV", "account_type": "statistical", "time_balance": "average"},
]
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


@pytest.fixture
def accounts(cube: Cube):
    dimension = cube.model.dimensions.get(kind=DimensionKind.ACCOUNT)
    structure.members_bulk(dimension=dimension, upserts=DRIVERS)
    return dimension


def formula(accounts, code: str, text: str) -> Member:
    return structure.member_update(member=accounts.members.get(code=code), formula=text)


def stored(cube: Cube, account: str) -> dict[tuple[str, str, str], float]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT e.code, t.code, v.code, f.value FROM planning_fact f
               JOIN planning_member a ON a.id = f.m1 JOIN planning_member e ON e.id = f.m2
               JOIN planning_member t ON t.id = f.period_id JOIN planning_member v ON v.id = f.version_id
               WHERE f.cube_id = %s AND a.code = %s""",
            [cube.pk, account],
        )
        return {(e, t, v): value for e, t, v, value in cursor.fetchall()}


def test_a_formula_item_is_calculated_stored_and_recalculated_when_an_input_changes(cube, accounts):
    formula(accounts, "SALES", "UNITS * PRICE")
    first = cells_write(cube=cube, cells=[CellWrite(at("UNITS"), 10.0), CellWrite(at("PRICE"), 5.0)], user=None)
    assert value(cube, "SALES", "E1", "2026-01") == 50.0
    assert value(cube, "NI", "WORLD", "FY2026") == 50.0  # the result rolls up like any fact
    recalculated = FactChange.objects.get(batch=first["batch"], source="formula")
    assert (recalculated.old_value, recalculated.new_value) == (None, 50.0)
    cells_write(cube=cube, cells=[CellWrite(at("PRICE"), 6.0)], user=None)
    assert value(cube, "SALES", "E1", "2026-01") == 60.0
    cells_write(cube=cube, cells=[CellWrite(at("UNITS"), None), CellWrite(at("PRICE"), None)], user=None)
    assert value(cube, "SALES", "E1", "2026-01") is None  # no input left: no result


def test_only_the_rows_of_the_changed_cells_are_recalculated(cube, accounts):
    cells_write(cube=cube, cells=[CellWrite(at("UNITS", "E1"), 1.0), CellWrite(at("UNITS", "E2"), 2.0)], user=None)
    formula(accounts, "SALES", "UNITS * 3")
    result = cells_write(cube=cube, cells=[CellWrite(at("UNITS", "E2"), 4.0)], user=None)
    changed = FactChange.objects.filter(batch=result["batch"], source="formula")
    assert {(c.old_value, c.new_value) for c in changed} == {(6.0, 12.0)}  # E2 only; E1 is untouched


def test_a_calculated_cell_cannot_be_entered(cube, accounts):
    formula(accounts, "SALES", "UNITS * PRICE")
    with pytest.raises(InvalidCell, match="calculated by its formula"):
        cells_write(cube=cube, cells=[CellWrite(at("SALES"), 1.0)], user=None)


@pytest.mark.parametrize(
    ("text", "message", "extra"),
    [
        ("UNITS * )", "position 8", {"position": 8}),
        ("UNITS * NOPE", "no account 'NOPE'", {"position": 8}),
        ("other!UNITS", "no cube 'other'", {"position": 0}),
        ("FOO(UNITS)", "FOO", {}),
    ],
)
def test_a_bad_formula_is_refused_with_its_position_and_nothing_is_written(cube, accounts, text, message, extra):
    cells_write(cube=cube, cells=[CellWrite(at("UNITS"), 2.0)], user=None)
    with pytest.raises(InvalidStructure, match=message) as error:
        formula(accounts, "SALES", text)
    assert error.value.extra.items() >= {"member": "SALES", **extra}.items()
    assert accounts.members.get(code="SALES").formula == ""
    assert stored(cube, "SALES") == {}


def test_a_cycle_is_refused_with_its_path(cube, accounts):
    formula(accounts, "RENT", "WAGES + 1")
    with pytest.raises(InvalidStructure, match="cycle") as error:
        formula(accounts, "WAGES", "RENT * 2")
    assert error.value.extra["path"] == ["pl!RENT", "pl!WAGES", "pl!RENT"]
    assert accounts.members.get(code="WAGES").formula == ""


def test_a_formula_on_a_total_or_a_ratio_is_refused(cube, accounts):
    with pytest.raises(InvalidStructure, match="has children"):
        formula(accounts, "REV", "UNITS")
    with pytest.raises(InvalidStructure, match="ratio already"):
        formula(accounts, "MARGIN", "UNITS")


def test_time_functions_run_over_the_whole_year(cube, accounts):
    cells_write(
        cube=cube, cells=[CellWrite(at("UNITS", time=m), float(i + 1)) for i, m in enumerate(MONTHS)], user=None
    )
    formula(accounts, "SALES", "YTD(UNITS) - PREV(UNITS)")
    results = stored(cube, "SALES")
    for i, month in enumerate(MONTHS):
        assert results[("E1", month, "budget")] == sum(range(1, i + 2)) - i


def test_a_locked_period_keeps_its_calculated_values(cube, accounts):
    formula(accounts, "SALES", "CUMUL(UNITS)")
    cells_write(cube=cube, cells=[CellWrite(at("UNITS", time="2026-01"), 1.0)], user=None)
    structure.member_update(member=Member.objects.get(dimension__kind=DimensionKind.TIME, code="2026-03"), locked=True)
    cells_write(cube=cube, cells=[CellWrite(at("UNITS", time="2026-02"), 5.0)], user=None)
    results = stored(cube, "SALES")
    assert results[("E1", "2026-02", "budget")] == 6.0
    assert results[("E1", "2026-03", "budget")] == 1.0  # closed: stays as it was when it closed
    assert results[("E1", "2026-04", "budget")] == 6.0


def test_cross_cube_references_broadcast_sum_and_pin(cube, accounts, model):
    prices = structure.cube_create(model=model, code="prices", name="Prices", dimensions=["account", "time", "version"])
    cells_write(
        cube=prices,
        cells=[CellWrite({"account": "PRICE", "time": "2026-01", "version": "budget"}, 7.0)],
        user=None,
    )
    cells_write(cube=cube, cells=[CellWrite(at("UNITS", "E1"), 2.0), CellWrite(at("UNITS", "W1"), 3.0)], user=None)
    formula(accounts, "SALES", "UNITS * prices!PRICE")  # prices has no entity: the price applies to every entity
    assert value(cube, "SALES", "E1", "2026-01") == 14.0
    assert value(cube, "SALES", "W1", "2026-01") == 21.0
    cells_write(
        cube=prices, cells=[CellWrite({"account": "PRICE", "time": "2026-01", "version": "budget"}, 8.0)], user=None
    )
    assert value(cube, "SALES", "W1", "2026-01") == 24.0  # a change in the source cube recalculates the target
    formula(accounts, "WAGES", "UNITS{entity: E1} * 10")  # pinned to E1's units, in every row that has wages
    formula(accounts, "RENT", "pl!UNITS")  # cross-cube syntax to its own cube is the same as a plain reference
    assert value(cube, "RENT", "W1", "2026-01") == 3.0
    assert value(cube, "WAGES", "E1", "2026-01") == 20.0


def test_a_lookup_by_attribute_reads_the_member_the_attribute_names(cube, accounts, model):
    entity = model.dimensions.get(kind=DimensionKind.ENTITY)
    structure.member_update(member=entity.members.get(code="E2"), attributes={"peer": "E1"})
    cells_write(cube=cube, cells=[CellWrite(at("PRICE", "E1"), 4.0), CellWrite(at("UNITS", "E2"), 5.0)], user=None)
    formula(accounts, "SALES", "UNITS * PRICE{entity: @peer}")
    assert value(cube, "SALES", "E2", "2026-01") == 20.0  # E2's units at E1's price


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    writes=st.lists(
        st.tuples(
            st.sampled_from(["UNITS", "PRICE", "RENT"]),
            st.sampled_from(["E1", "E2", "W1"]),
            st.sampled_from(MONTHS[:4]),
            st.one_of(st.none(), st.integers(-50, 50).map(float)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_stored_results_equal_a_direct_computation_after_random_writes(cube, accounts, writes):
    if not accounts.members.get(code="SALES").formula:
        formula(accounts, "SALES", "UNITS * PRICE + MAX(RENT, 2) - PREV(UNITS)")
    for account, entity, month, amount in writes:
        cells_write(cube=cube, cells=[CellWrite(at(account, entity, month), amount)], user=None)
    inputs = {name: stored(cube, name) for name in ("UNITS", "PRICE", "RENT")}
    results = stored(cube, "SALES")
    for entity in ("E1", "E2", "W1"):
        for i, month in enumerate(MONTHS):

            def get(name: str, m: str = month, e: str = entity) -> float:
                return inputs[name].get((e, m, "budget"), 0.0)

            previous = MONTHS[i - 1] if i else None
            present = any((entity, month, "budget") in inputs[n] for n in inputs) or (
                previous is not None and (entity, previous, "budget") in inputs["UNITS"]
            )
            expected = get("UNITS") * get("PRICE") + max(get("RENT"), 2) - (get("UNITS", previous) if previous else 0)
            assert results.get((entity, month, "budget")) == (expected if present else None), (entity, month)


def test_one_input_read_twice_with_different_pins(cube, accounts):
    cells_write(cube=cube, cells=[CellWrite(at("UNITS", "E1"), 9.0), CellWrite(at("UNITS", "E2"), 4.0)], user=None)
    formula(accounts, "SALES", "UNITS{entity: E1} - UNITS{entity: E2} + UNITS * 0")
    assert value(cube, "SALES", "E1", "2026-01") == value(cube, "SALES", "E2", "2026-01") == 5.0
    assert value(cube, "SALES", "W1", "2026-01") is None  # W1 has no units: the row has no input of its own
