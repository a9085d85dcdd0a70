"""Grid reads: axes and metadata, financial aggregation, variance, editability, and the rollup invariant."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.errors import InvalidQuery, UnknownObject
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.models import DimensionKind, Member
from tests.planning.test_cells import at

pytestmark = pytest.mark.django_db


def write(cube, *cells):
    cells_write(cube=cube, cells=[CellWrite(coordinate, v) for coordinate, v in cells], user=None)


def test_rows_and_columns_carry_codes_names_levels_and_children(cube):
    write(cube, (at("SALES"), 10.0))
    answer = grid_read(
        cube=cube,
        query=GridQuery(
            rows=(Selection("account", children_of="NI", include_parent="after"),),
            columns=(Selection("time", children_of="FY2026"),),
            filters={"entity": "E1", "version": "budget"},
        ),
    )
    assert [h[0]["code"] for h in answer["rows"]["headers"]] == ["REV", "COST", "NI"]
    assert answer["rows"]["headers"][2][0] == {"code": "NI", "name": "Net income", "level": 0, "has_children": True}
    assert [h[0]["code"] for h in answer["columns"]["headers"]] == ["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"]
    assert answer["values"][0] == [10.0, None, None, None]
    assert answer["filters"]["entity"]["code"] == "E1"
    assert answer["editable"] == [[False] * 4] * 3


def test_weights_time_balance_and_ratios_follow_finance_rules(cube):
    write(
        cube,
        (at("SALES"), 100.0),
        (at("DISC"), 10.0),
        (at("RENT"), 30.0),
        (at("SALES", "W1"), 50.0),
        (at("HC", time="2026-01"), 5.0),
        (at("HC", time="2026-03"), 7.0),
        (at("HC", time="2026-02"), 6.0),
    )
    answer = grid_read(
        cube=cube,
        query=GridQuery(
            rows=(Selection("account", members=("REV", "NI", "HC", "MARGIN")),),
            columns=(Selection("time", members=("2026-01", "FY2026-Q1")),),
            filters={"entity": "WORLD", "version": "budget"},
        ),
    )
    rev, ni, hc, margin = answer["values"]
    assert rev == [140.0, 140.0]  # 100 − 10 discount + 50
    assert ni == [110.0, 110.0]
    assert hc == [5.0, 7.0]  # headcount of the quarter is its closing month, not 18
    assert margin == pytest.approx([100 * 110 / 140] * 2)  # a ratio of totals, never a sum of ratios


def test_a_variance_names_favourable_by_account_polarity(cube):
    write(
        cube,
        (at("SALES", version="actual"), 120.0),
        (at("SALES"), 100.0),
        (at("RENT", version="actual"), 40.0),
        (at("RENT"), 30.0),
    )
    answer = grid_read(
        cube=cube,
        query=GridQuery(
            rows=(Selection("account", members=("SALES", "RENT")),),
            columns=(Selection("version", members=("actual", "budget")), Selection("time", members=("2026-01",))),
            filters={"entity": "E1"},
            variance=("actual", "budget"),
        ),
    )
    assert answer["values"] == [[120.0, 100.0], [40.0, 30.0]]
    variance = answer["variance"]
    assert variance["absolute"] == [[20.0], [10.0]]
    assert [row[0] for row in variance["percent"]] == pytest.approx([20.0, 100 / 3])
    assert variance["favourable"] == [[True], [False]]  # more revenue is good, more rent is not


def test_leaf_cells_are_editable_with_their_row_versions_unless_the_version_is_locked(cube):
    write(cube, (at("SALES"), 1.0))
    query = GridQuery(
        rows=(Selection("account", members=("SALES", "REV")),),
        columns=(Selection("version", members=("budget",)),),
        filters={"entity": "E1", "time": "2026-01"},
    )
    answer = grid_read(cube=cube, query=query)
    assert answer["editable"] == [[True], [False]] and answer["row_versions"] == [[1], [None]]
    structure.version_lock(version=Member.objects.get(dimension__model=cube.model, code="budget"), locked=True)
    assert grid_read(cube=cube, query=query)["editable"] == [[False], [False]]


@pytest.mark.parametrize(
    ("query", "error", "message"),
    [
        (
            GridQuery(rows=(Selection("account", members=("NI",)),), columns=(Selection("time", members=("FY2026",)),)),
            InvalidQuery,
            "Choose a member of 'version'",
        ),
        (
            GridQuery(
                rows=(Selection("account", members=("XX",)),), columns=(Selection("version", members=("budget",)),)
            ),
            UnknownObject,
            "no member 'XX'",
        ),
        (
            GridQuery(
                rows=(Selection("colour", members=("red",)),), columns=(Selection("version", members=("budget",)),)
            ),
            UnknownObject,
            "no dimension 'colour'",
        ),
        (
            GridQuery(rows=(Selection("account", members=("NI",)),), columns=(Selection("account", members=("NI",)),)),
            InvalidQuery,
            "used twice",
        ),
    ],
)
def test_a_bad_query_says_what_is_wrong(cube, query, error, message):
    with pytest.raises(error, match=message):
        grid_read(cube=cube, query=query)


LEAF_ACCOUNTS = ["SALES", "DISC", "RENT", "WAGES"]
LEAF_ENTITIES = ["E1", "E2", "W1"]
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
VERSIONS = ["actual", "budget"]
writes = st.lists(
    st.tuples(
        st.sampled_from(LEAF_ACCOUNTS),
        st.sampled_from(LEAF_ENTITIES),
        st.sampled_from(MONTHS),
        st.sampled_from(VERSIONS),
        st.one_of(st.none(), st.integers(-10_000, 10_000).map(float)),
    ),
    min_size=1,
    max_size=25,
)
moves = st.lists(st.tuples(st.sampled_from(["E1", "E2", "W1"]), st.sampled_from(["EAST", "WEST"])), max_size=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(writes, min_size=1, max_size=3), structure_moves=moves)
def test_every_parent_equals_the_weighted_sum_of_its_children_after_writes_and_moves(cube, batches, structure_moves):
    with transaction.atomic():
        expected: dict[tuple[str, str, str, str], float] = {}
        for batch in batches:
            cells = {(a, e, t, v): value for a, e, t, v, value in batch}
            cells_write(
                cube=cube, cells=[CellWrite(at(a, e, t, v), value) for (a, e, t, v), value in cells.items()], user=None
            )
            expected.update(cells)
        entity = cube.model.dimensions.get(kind=DimensionKind.ENTITY)
        for code, parent in structure_moves:
            structure.member_update(member=entity.members.get(code=code), parent=parent)
        for version in VERSIONS:
            answer = grid_read(
                cube=cube,
                query=GridQuery(
                    rows=(Selection("account", descendants_of="NI", include_parent="before"),),
                    columns=(
                        Selection("entity", descendants_of="WORLD", include_parent="before"),
                        Selection("time", descendants_of="FY2026", include_parent="before"),
                    ),
                    filters={"version": version},
                ),
            )
            _check_rollups(answer)
            sign = {"SALES": 1, "DISC": -1, "RENT": -1, "WAGES": -1}
            total = sum(sign[a] * v for (a, _, _, ver), v in expected.items() if ver == version and v is not None)
            has_data = any(ver == version and v is not None for (_, _, _, ver), v in expected.items())
            assert answer["values"][0][0] == (pytest.approx(total) if has_data else None)
        transaction.set_rollback(True)


def _check_rollups(answer):
    rows = [h[0] for h in answer["rows"]["headers"]]
    columns = answer["columns"]["headers"]
    values = answer["values"]
    children = {
        "NI": [("REV", 1), ("COST", -1)],
        "REV": [("SALES", 1), ("DISC", -1)],
        "COST": [("RENT", 1), ("WAGES", 1)],
    }
    index = {h["code"]: i for i, h in enumerate(rows)}
    for parent, kids in children.items():
        for c in range(len(columns)):
            parts = [(values[index[k]][c], w) for k, w in kids]
            if all(v is None for v, _ in parts):
                assert values[index[parent]][c] is None
            else:
                assert values[index[parent]][c] == pytest.approx(sum((v or 0.0) * w for v, w in parts), abs=1e-6)
    # along entity × time: the WORLD/FY2026 column equals the sum of the leaf entity × month columns
    leaf_columns = [c for c, (e, t) in enumerate(columns) if not e["has_children"] and not t["has_children"]]
    for r in range(len(rows)):
        leaf_values = [values[r][c] for c in leaf_columns if values[r][c] is not None]
        assert values[r][0] == (pytest.approx(sum(leaf_values), abs=1e-6) if leaf_values else None)


def test_read_only_cells_say_why(cube):
    from opencorpo.accounts.roles import Role
    from opencorpo.planning import structure
    from opencorpo.planning.models import Member
    from tests.accounts.test_access import grant
    from tests.factories import make_user

    structure.member_update(member=Member.objects.get(dimension__model=cube.model, code="2026-02"), locked=True)
    planner = make_user("pia", Role.PLANNER)
    grant(cube, planner, "entity", "EAST", "write")
    grant(cube, planner, "entity", "W1", "read")
    query = GridQuery(
        rows=(Selection("account", members=("SALES", "MARGIN", "REV")),),
        columns=(Selection("entity", members=("E1", "W1")), Selection("time", members=("2026-01", "2026-02"))),
        filters={"version": "budget"},
    )
    answer = grid_read(cube=cube, query=query, user=planner)
    assert answer["reasons"] == [
        [None, "locked", "no_access", "locked"],
        ["calculated", "locked", "no_access", "locked"],
        ["total", "locked", "no_access", "locked"],
    ]
    assert answer["editable"][0] == [True, False, False, False]
