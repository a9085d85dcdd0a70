"""Cube aggregation: sums up hierarchies with weights, time balances, NaN vs 0, query errors, brute-force agreement."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from opencorpo.engine import (
    AccountRule,
    Axis,
    CubeShape,
    EngineError,
    Facts,
    Hierarchy,
    QueryError,
    aggregate,
    cell_value,
)
from tests.engine.builders import hierarchy_from_parents, time_hierarchy

ACCOUNTS = hierarchy_from_parents(
    {"Result": None, "Revenue": "Result", "Costs": "Result", "Salaries": "Costs", "Rent": "Costs", "Refund": "Costs"},
    weights={"Costs": -1.0, "Refund": -1.0},
    first_id=1,
)
ENTITIES = hierarchy_from_parents({"Group": None, "FR": "Group", "DE": "Group", "Dormant": None}, first_id=100)
SHAPE = CubeShape(("Account", "Entity"), {"Account": ACCOUNTS, "Entity": ENTITIES}, None, "Account", {})


def a(code: str) -> int:
    return ACCOUNTS.id_of(code)


def e(code: str) -> int:
    return ENTITIES.id_of(code)


FACTS = Facts.from_rows(
    [
        ((a("Revenue"), e("FR")), 1000.0),
        ((a("Revenue"), e("DE")), 500.0),
        ((a("Salaries"), e("FR")), 300.0),
        ((a("Rent"), e("FR")), 100.0),
        ((a("Refund"), e("FR")), 40.0),
        ((a("Rent"), e("DE")), 50.0),
        ((a("Salaries"), e("DE")), -50.0),  # nets Rent DE to zero
    ],
    d=2,
)


def test_weighted_sums_up_every_hierarchy() -> None:
    grid = aggregate(
        SHAPE,
        FACTS,
        [Axis("Account", (a("Result"), a("Costs"), a("Refund"))), Axis("Entity", (e("Group"), e("FR"), e("DE")))],
    )
    # Costs = Salaries + Rent - Refund; Result = Revenue - Costs.
    np.testing.assert_array_equal(
        grid,
        [
            [1500.0 - 360.0, 1000.0 - 360.0, 500.0 - 0.0],
            [360.0, 360.0, 0.0],
            [40.0, 40.0, np.nan],
        ],
    )


def test_empty_is_nan_and_a_zero_sum_is_zero() -> None:
    grid = aggregate(SHAPE, FACTS, [Axis("Entity", (e("DE"), e("Dormant"))), Axis("Account", (a("Costs"),))])
    assert grid.shape == (2, 1)  # axes order, not cube order
    assert grid[0, 0] == 0.0
    assert np.isnan(grid[1, 0])
    assert cell_value(SHAPE, FACTS, {"Account": a("Costs"), "Entity": e("DE")}) == 0.0
    assert cell_value(SHAPE, FACTS, {"Account": a("Costs"), "Entity": e("Dormant")}) is None


def test_the_same_member_and_overlapping_members_may_be_asked_together() -> None:
    grid = aggregate(
        SHAPE,
        FACTS,
        [Axis("Entity", (e("Group"),)), Axis("Account", (a("Revenue"), a("Result"), a("Revenue"), a("Costs")))],
    )
    np.testing.assert_array_equal(grid, [[1500.0, 1140.0, 1500.0, 360.0]])


def test_empty_axes_and_no_facts() -> None:
    assert aggregate(SHAPE, FACTS, [Axis("Account", ()), Axis("Entity", (e("FR"),))]).shape == (0, 1)
    nothing = Facts.from_rows([], d=2)
    grid = aggregate(SHAPE, nothing, [Axis("Account", (a("Result"),)), Axis("Entity", (e("FR"), e("DE")))])
    assert grid.shape == (1, 2) and np.isnan(grid).all()


@pytest.mark.parametrize(
    ("axes", "expected"),
    [
        ([Axis("Account", (1,))], "no axis for dimension 'Entity'"),
        ([Axis("Account", (1,)), Axis("Entity", (100,)), Axis("Product", (1,))], "Dimension 'Product' is not in"),
        ([Axis("Account", (1,)), Axis("Account", (1,)), Axis("Entity", (100,))], "'Account' has two axes"),
        ([Axis("Account", (1,)), Axis("Entity", (7,))], "Member id 7 is not in dimension 'Entity'"),
    ],
)
def test_query_errors_name_the_dimension(axes: list[Axis], expected: str) -> None:
    with pytest.raises(QueryError, match=expected):
        aggregate(SHAPE, FACTS, axes)


def test_facts_off_the_leaves_are_reported_by_code() -> None:
    on_parent = Facts.from_rows([((a("Costs"), e("FR")), 1.0), ((a("Rent"), 555), 2.0)], d=2)
    axes = [Axis("Account", (a("Result"),)), Axis("Entity", (e("Group"),))]
    with pytest.raises(QueryError, match="dimension 'Account' sit on members that are not leaves: 'Costs'"):
        aggregate(SHAPE, on_parent, axes)
    with pytest.raises(QueryError, match=r"id 555 \(not a member\)"):
        aggregate(SHAPE, Facts.from_rows([((a("Rent"), 555), 2.0)], d=2), axes)
    with pytest.raises(QueryError, match="facts have 3 coordinates per row but the cube has 2"):
        aggregate(SHAPE, Facts.from_rows([((1, 2, 3), 1.0)], d=3), axes)


def test_invalid_facts_and_shapes() -> None:
    with pytest.raises(EngineError, match="has 1 coordinates but the cube has 2"):
        Facts.from_rows([((1,), 1.0)], d=2)
    with pytest.raises(EngineError, match="finite"):
        Facts(np.array([[1, 100]]), np.array([np.nan]))
    with pytest.raises(EngineError, match="one value per fact"):
        Facts(np.array([[1, 100]]), np.array([1.0, 2.0]))
    hierarchies = {"Account": ACCOUNTS, "Entity": ENTITIES}
    with pytest.raises(EngineError, match="'Time' has no hierarchy"):
        CubeShape(("Account", "Time"), hierarchies, "Time", "Account")
    with pytest.raises(EngineError, match="time dimension 'Time' is not in this cube"):
        CubeShape(("Account", "Entity"), hierarchies, "Time", "Account")
    with pytest.raises(EngineError, match="'Account' appears twice"):
        CubeShape(("Account", "Account"), hierarchies, None, "Account")
    with pytest.raises(EngineError, match="member id 999, which is not in the account dimension"):
        CubeShape(("Account", "Entity"), hierarchies, None, "Account", {999: AccountRule()})


# ------------------------------------------------------------------ time balance

TIME_ACCOUNTS = hierarchy_from_parents(
    {"All": None, "Cash": "All", "Sales": "All", "Opening": "All", "Headcount": "All"}, first_id=1
)
TIME_RULES = {
    TIME_ACCOUNTS.id_of("Cash"): AccountRule(time_balance="last"),
    TIME_ACCOUNTS.id_of("Opening"): AccountRule(time_balance="first"),
    TIME_ACCOUNTS.id_of("Headcount"): AccountRule(time_balance="average"),
}
FIRST_QUARTER_MONTHS = {1: ["2026-01", "2026-02", "2026-03"], 4: ["2025-04", "2025-05", "2025-06"]}


def monthly(time: Hierarchy, skip: set[tuple[str, int]] | None = None) -> Facts:
    """Month i (1..12 in fiscal order): Cash 100·i, Sales 10·i, Opening 1000+i, Headcount i, entity E1; half in E2."""
    skip = skip or set()
    rows = []
    for index, month in enumerate(time.leaves(), start=1):
        for code, value in (
            ("Cash", 100 * index),
            ("Sales", 10 * index),
            ("Opening", 1000 + index),
            ("Headcount", index),
        ):
            if (code, index) not in skip:
                rows.append(((TIME_ACCOUNTS.id_of(code), month, 1), float(value)))
                rows.append(((TIME_ACCOUNTS.id_of(code), month, 2), float(value) / 2))
    return Facts.from_rows(rows, d=3)


def time_shape(start_month: int) -> CubeShape:
    entities = hierarchy_from_parents({"Both": None, "E1": "Both", "E2": "Both"}, first_id=0)
    hierarchies = {"Account": TIME_ACCOUNTS, "Time": time_hierarchy(2026, 1, start_month), "Entity": entities}
    return CubeShape(("Account", "Time", "Entity"), hierarchies, "Time", "Account", TIME_RULES)


def by_period(shape: CubeShape, facts: Facts, entity: int = 1) -> dict[tuple[str, str], float]:
    accounts, time = shape.hierarchies["Account"], shape.hierarchies["Time"]
    members = ["Cash", "Sales", "Opening", "Headcount", "All"]
    periods = ["FY2026", "FY2026-Q1", "FY2026-Q2", "FY2026-Q4"]
    grid = aggregate(
        shape,
        facts,
        [
            Axis("Entity", (entity,)),
            Axis("Account", tuple(accounts.id_of(code) for code in members)),
            Axis("Time", tuple(time.id_of(code) for code in periods)),
        ],
    )
    return {(account, period): grid[0, i, j] for i, account in enumerate(members) for j, period in enumerate(periods)}


@pytest.mark.parametrize("start_month", [1, 4])
def test_time_balance_over_quarters_and_the_year(start_month: int) -> None:
    shape = time_shape(start_month)
    time = shape.hierarchies["Time"]
    assert [time.code_of(m) for m in time.leaves(time.id_of("FY2026-Q1"))] == FIRST_QUARTER_MONTHS[start_month]
    values = by_period(shape, monthly(time))
    assert (values["Cash", "FY2026-Q1"], values["Cash", "FY2026-Q2"], values["Cash", "FY2026"]) == (300, 600, 1200)
    assert (values["Sales", "FY2026-Q1"], values["Sales", "FY2026"]) == (60, 780)
    assert (values["Opening", "FY2026-Q2"], values["Opening", "FY2026"]) == (1004, 1001)
    assert (values["Headcount", "FY2026-Q1"], values["Headcount", "FY2026"]) == (2, 6.5)
    # A parent sums each child's own time-aggregated value.
    assert values["All", "FY2026"] == 1200 + 780 + 1001 + 6.5
    both = by_period(shape, monthly(time), entity=0)
    assert (both["Cash", "FY2026"], both["Headcount", "FY2026-Q1"]) == (1800, 3)


@pytest.mark.parametrize("start_month", [1, 4])
def test_an_empty_closing_month_leaves_the_balance_empty(start_month: int) -> None:
    shape = time_shape(start_month)
    facts = monthly(shape.hierarchies["Time"], skip={("Cash", 12), ("Opening", 1), ("Headcount", 2)})
    values = by_period(shape, facts)
    # Cash has data in months 1-11 but not in month 12, the closing month of Q4 and of the year.
    assert np.isnan(values["Cash", "FY2026"]) and np.isnan(values["Cash", "FY2026-Q4"])
    assert values["Cash", "FY2026-Q2"] == 600
    assert np.isnan(values["Opening", "FY2026"]) and np.isnan(values["Opening", "FY2026-Q1"])
    assert values["Opening", "FY2026-Q2"] == 1004
    # An average divides by the months in the period, with or without data.
    assert values["Headcount", "FY2026-Q1"] == pytest.approx((1 + 3) / 3)
    assert values["All", "FY2026"] == pytest.approx(780 + (78 - 2) / 12)


def test_an_average_with_no_data_at_all_is_empty() -> None:
    shape = time_shape(1)
    facts = monthly(shape.hierarchies["Time"], skip={("Headcount", month) for month in (4, 5, 6)})
    assert np.isnan(by_period(shape, facts)["Headcount", "FY2026-Q2"])


def test_without_an_account_dimension_everything_is_a_flow() -> None:
    time = time_hierarchy(2026, 1)
    shape = CubeShape(("Time",), {"Time": time}, "Time", None)
    facts = Facts.from_rows([((month,), 1.0) for month in time.leaves()], d=1)
    assert cell_value(shape, facts, {"Time": time.id_of("FY2026")}) == 12.0


# ------------------------------------------------------------------ brute force


def test_two_hundred_thousand_facts_match_a_brute_force_sum() -> None:
    generator = np.random.default_rng(20260401)
    accounts = hierarchy_from_parents(
        {"R": None, "A": "R", "A1": "A", "A2": "A", "B": "R", "B1": "B", "B2": "B", "B3": "B", "C": None},
        weights={"B": -1.0, "A2": 0.5, "B3": -1.0},
        first_id=1,
    )
    entities = hierarchy_from_parents({f"E{i}": None if i == 0 else f"E{(i - 1) // 3}" for i in range(13)}, first_id=50)
    products = hierarchy_from_parents(
        {f"P{i}": None if i == 0 else f"P{(i - 1) // 4}" for i in range(21)}, first_id=900
    )
    shape = CubeShape(
        ("Account", "Entity", "Product"),
        {"Account": accounts, "Entity": entities, "Product": products},
        None,
        "Account",
    )
    leaves = [accounts.leaves(), entities.leaves(), products.leaves()]
    columns = [generator.choice(options, size=200_000).tolist() for options in leaves]
    amounts = generator.uniform(-1000, 1000, size=200_000).tolist()
    rows = [
        ((account, entity, product), value) for account, entity, product, value in zip(*columns, amounts, strict=True)
    ]
    axes = [
        Axis("Product", (products.id_of("P0"), products.id_of("P1"), products.id_of("P7"), products.id_of("P2"))),
        Axis("Account", tuple(accounts.id_of(code) for code in ("R", "A", "B", "B3", "C"))),
        Axis("Entity", (entities.id_of("E0"), entities.id_of("E1"), entities.id_of("E5"))),
    ]
    grid = aggregate(shape, Facts.from_rows(rows, d=3), axes)

    # Brute force, fact by fact: every (output position, weight) each leaf feeds, per dimension.
    feeds = []
    for dimension in shape.dimensions:
        axis = next(axis for axis in axes if axis.dimension == dimension)
        feed: dict[int, list[tuple[int, float]]] = {}
        for output, member in enumerate(axis.members):
            for leaf, weight in shape.hierarchies[dimension].leaf_weights(member).items():
                feed.setdefault(leaf, []).append((output, weight))
        feeds.append(feed)
    expected = np.zeros(grid.shape)
    seen = np.zeros(grid.shape, dtype=bool)
    for (account, entity, product), value in rows:
        for (ao, aw), (eo, ew), (po, pw) in itertools.product(
            feeds[0].get(account, []), feeds[1].get(entity, []), feeds[2].get(product, [])
        ):
            expected[po, ao, eo] += value * aw * ew * pw
            seen[po, ao, eo] = True
    expected[~seen] = np.nan
    np.testing.assert_allclose(grid, expected, rtol=1e-9, atol=1e-6)
    assert not np.isnan(grid).any()  # 200k facts reach every requested cell
