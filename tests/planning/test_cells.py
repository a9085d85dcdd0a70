"""Write-back: leaf cells in all-or-nothing batches, optimistic concurrency, locks, audit and the data version."""

from __future__ import annotations

import math

import pytest
from django.db import connection

from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.errors import InvalidCell, StaleWrite, VersionLocked
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.models import Cube, FactChange, Member

pytestmark = pytest.mark.django_db


def at(account: str, entity: str = "E1", time: str = "2026-01", version: str = "budget") -> dict[str, str]:
    return {"account": account, "entity": entity, "time": time, "version": version}


def fact_count(cube: Cube) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM planning_fact WHERE cube_id = %s", [cube.pk])
        return cursor.fetchone()[0]


def value(cube: Cube, account: str, entity: str, time: str, version: str = "budget") -> float | None:
    query = GridQuery(
        rows=(Selection("account", members=(account,)),),
        columns=(Selection("entity", members=(entity,)),),
        filters={"time": time, "version": version},
    )
    return grid_read(cube=cube, query=query)["values"][0][0]


def test_a_batch_is_written_audited_and_bumps_the_data_version(cube):
    result = cells_write(cube=cube, cells=[CellWrite(at("SALES"), 100.0), CellWrite(at("RENT"), 30.0)], user=None)
    assert (result["changed"], result["row_versions"]) == (2, [1, 1])
    cube.refresh_from_db()
    assert cube.data_version == 1
    assert value(cube, "NI", "WORLD", "FY2026") == 70.0
    assert FactChange.objects.filter(batch=result["batch"]).count() == 2


def test_writing_the_same_values_again_changes_nothing(cube):
    cells_write(cube=cube, cells=[CellWrite(at("SALES"), 100.0)], user=None)
    again = cells_write(cube=cube, cells=[CellWrite(at("SALES"), 100.0, row_version=1)], user=None)
    assert (again["changed"], again["unchanged"], again["row_versions"]) == (0, 1, [1])
    assert FactChange.objects.count() == 1


def test_a_stale_write_is_a_conflict_with_the_current_value_and_writes_nothing(cube):
    cells_write(cube=cube, cells=[CellWrite(at("SALES"), 100.0)], user=None)  # someone else, row version 1
    with pytest.raises(StaleWrite) as error:
        cells_write(
            cube=cube,
            cells=[CellWrite(at("RENT"), 1.0, row_version=0), CellWrite(at("SALES"), 5.0, row_version=0)],
            user=None,
        )
    assert error.value.extra["conflicts"] == [{"coordinate": at("SALES"), "value": 100.0, "row_version": 1}]
    assert value(cube, "RENT", "E1", "2026-01") is None and value(cube, "SALES", "E1", "2026-01") == 100.0


def test_clearing_a_cell_deletes_it(cube):
    cells_write(cube=cube, cells=[CellWrite(at("SALES"), 100.0)], user=None)
    cells_write(cube=cube, cells=[CellWrite(at("SALES"), None, row_version=1)], user=None)
    assert fact_count(cube) == 0 and value(cube, "SALES", "E1", "2026-01") is None


@pytest.mark.parametrize(
    ("coordinate", "message"),
    [
        (at("NOPE"), "Cell 2: dimension 'account' has no member 'NOPE'"),
        (at("REV"), "Cell 2: 'REV' is a total of dimension 'account'"),
        (at("MARGIN"), "Cell 2: 'MARGIN' is a ratio"),
        ({"account": "SALES", "entity": "E1", "time": "2026-01"}, "Cell 2: name a member of dimension 'version'"),
        ({**at("SALES"), "colour": "red"}, "Cell 2: cube 'pl' has no dimension colour"),
        (at("SALES", time="FY2026-Q1"), "'FY2026-Q1' is a total of dimension 'time'"),
    ],
)
def test_a_bad_cell_names_what_is_wrong_and_nothing_is_written(cube, coordinate, message):
    with pytest.raises(InvalidCell) as error:
        cells_write(cube=cube, cells=[CellWrite(at("WAGES"), 1.0), CellWrite(coordinate, 2.0)], user=None)
    assert message in error.value.message
    assert fact_count(cube) == 0


def test_non_numbers_and_repeated_cells_are_refused(cube):
    with pytest.raises(InvalidCell, match="not a number"):
        cells_write(cube=cube, cells=[CellWrite(at("SALES"), math.nan)], user=None)
    with pytest.raises(InvalidCell, match="repeats an earlier cell"):
        cells_write(cube=cube, cells=[CellWrite(at("SALES"), 1.0), CellWrite(at("SALES"), 2.0)], user=None)


def test_a_locked_version_refuses_writes_by_name(cube):
    actual = Member.objects.get(dimension__model=cube.model, code="actual")
    structure.version_lock(version=actual, locked=True)
    with pytest.raises(VersionLocked, match="Version 'actual' is locked"):
        cells_write(cube=cube, cells=[CellWrite(at("SALES", version="actual"), 1.0)], user=None)
    assert fact_count(cube) == 0


def test_the_audit_is_append_only_in_the_database(cube):
    cells_write(cube=cube, cells=[CellWrite(at("SALES"), 100.0)], user=None)
    from django.db import DatabaseError, transaction

    for statement in ("UPDATE planning_factchange SET new_value = 1", "DELETE FROM planning_factchange"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)


def test_a_closed_period_refuses_writes_to_its_months_by_name(cube):
    quarter = Member.objects.get(dimension__model=cube.model, code="FY2026-Q1")
    structure.member_update(member=quarter, locked=True)  # closing the quarter closes its months
    with pytest.raises(VersionLocked, match="Period '2026-02' is locked"):
        cells_write(
            cube=cube,
            cells=[CellWrite(at("SALES", time="2026-04"), 1.0), CellWrite(at("SALES", time="2026-02"), 1.0)],
            user=None,
        )
    assert fact_count(cube) == 0
    assert cells_write(cube=cube, cells=[CellWrite(at("SALES", time="2026-04"), 1.0)], user=None)["changed"] == 1
    query = GridQuery(
        rows=(Selection("account", members=("SALES",)),),
        columns=(Selection("time", members=("2026-03", "2026-04")),),
        filters={"entity": "E1", "version": "budget"},
    )
    assert grid_read(cube=cube, query=query)["editable"] == [[False, True]]


def test_the_database_itself_refuses_writes_into_a_locked_version_or_closed_period(cube):
    from django.db import IntegrityError, transaction

    from opencorpo.planning.loads import facts_load

    cells_write(
        cube=cube, cells=[CellWrite(at("SALES"), 100.0), CellWrite(at("SALES", time="2026-05"), 5.0)], user=None
    )
    budget = Member.objects.get(dimension__model=cube.model, code="budget")
    structure.version_lock(version=budget, locked=True)
    for statement in (
        "UPDATE planning_fact SET value = 1 WHERE cube_id = %s",
        "DELETE FROM planning_fact WHERE cube_id = %s",
    ):
        with pytest.raises(IntegrityError, match="opencorpo-closed"), transaction.atomic(), connection.cursor() as c:
            c.execute(statement, [cube.pk])
    structure.version_lock(version=budget, locked=False)
    quarter = Member.objects.get(dimension__model=cube.model, code="FY2026-Q2")
    structure.member_update(member=quarter, locked=True)  # closes April, May and June
    row = (budget.pk, Member.objects.get(dimension__model=cube.model, code="2026-05").pk)
    sales = Member.objects.get(dimension__model=cube.model, code="SALES").pk
    e1 = Member.objects.get(dimension__model=cube.model, code="E1").pk
    with pytest.raises(IntegrityError, match="opencorpo-closed"):  # a system load that checks nothing itself
        facts_load(cube=cube, rows=[(*row, sales, e1, 0, 0, 0, 0, 9.0)], source="api")
    assert value(cube, "SALES", "E1", "2026-05") == 5.0
    structure.member_update(member=quarter, locked=False)
    facts_load(cube=cube, rows=[(*row, sales, e1, 0, 0, 0, 0, 9.0)], source="api")
    assert value(cube, "SALES", "E1", "2026-05") == 9.0


def test_raw_sql_writes_are_audited_by_the_database_and_app_writes_only_once(cube):
    result = cells_write(cube=cube, cells=[CellWrite(at("SALES"), 100.0), CellWrite(at("RENT"), 30.0)], user=None)
    assert FactChange.objects.count() == 2 and FactChange.objects.filter(batch=result["batch"]).count() == 2
    cube.refresh_from_db()
    before = cube.data_version
    with connection.cursor() as cursor:  # an operator's script, outside the application
        cursor.execute("SELECT set_config('opencorpo.audited', '', true)")  # this test runs in one transaction
        cursor.execute("UPDATE planning_fact SET value = value * 2 WHERE cube_id = %s", [cube.pk])
        cursor.execute("DELETE FROM planning_fact WHERE cube_id = %s AND value = 60", [cube.pk])
    changes = list(FactChange.objects.filter(source="sql").order_by("id").values_list("old_value", "new_value"))
    assert changes == [(100.0, 200.0), (30.0, 60.0), (60.0, None)]
    cube.refresh_from_db()
    assert cube.data_version == before + 2  # caches and snapshots see the change
    assert value(cube, "SALES", "E1", "2026-01") == 200.0 and value(cube, "RENT", "E1", "2026-01") is None
