"""Ratio accounts: computed from aggregated numerator and denominator, never summed, validated up front."""

from __future__ import annotations

import numpy as np
import pytest

from opencorpo.engine import AccountRule, Axis, CubeShape, EngineError, Facts, Hierarchy, Node, aggregate, cell_value
from tests.engine.builders import hierarchy_from_parents, time_hierarchy

ACCOUNTS = hierarchy_from_parents(
    {
        "PL": None,
        "GM": "PL",
        "Revenue": "GM",
        "COGS": "GM",
        "Opex": "PL",
        "GMPct": "PL",
        "KPI": None,
        "Headcount": "KPI",
        "CostPerHead": "KPI",
        "GMPctPerHead": "KPI",
    },
    weights={"COGS": -1.0},
    first_id=1,
)
ENTITIES = hierarchy_from_parents(
    {"Group": None, "E1": "Group", "E2": "Group", "E3": None, "E4": None, "E5": None}, first_id=100
)


def a(code: str) -> int:
    return ACCOUNTS.id_of(code)


def e(code: str) -> int:
    return ENTITIES.id_of(code)


RULES = {
    a("GMPct"): AccountRule(ratio=(a("GM"), a("Revenue")), scale=100.0),
    a("CostPerHead"): AccountRule(ratio=(a("Opex"), a("Headcount"))),
    a("GMPctPerHead"): AccountRule(ratio=(a("GMPct"), a("Headcount"))),
}
SHAPE = CubeShape(("Account", "Entity"), {"Account": ACCOUNTS, "Entity": ENTITIES}, None, "Account", RULES)
FACTS = Facts.from_rows(
    [
        ((a("Revenue"), e("E1")), 100.0),
        ((a("COGS"), e("E1")), 40.0),
        ((a("Opex"), e("E1")), 10.0),
        ((a("Headcount"), e("E1")), 3.0),
        ((a("GMPct"), e("E1")), 999.0),  # a stray fact on a ratio account is ignored
        ((a("Revenue"), e("E2")), 300.0),
        ((a("COGS"), e("E2")), 240.0),
        ((a("Opex"), e("E2")), 20.0),
        ((a("COGS"), e("E3")), 10.0),  # no revenue: the margin % is undefined
        ((a("Revenue"), e("E4")), 0.0),  # zero revenue: undefined too
        ((a("COGS"), e("E4")), 5.0),
        ((a("Revenue"), e("E5")), 50.0),
        ((a("Headcount"), e("E5")), 2.0),  # no Opex: cost per head is 0
    ],
    d=2,
)


def value(account: str, entity: str) -> float | None:
    return cell_value(SHAPE, FACTS, {"Account": a(account), "Entity": e(entity)})


def test_a_total_ratio_is_the_ratio_of_sums() -> None:
    assert value("GMPct", "E1") == pytest.approx(60.0)
    assert value("GMPct", "E2") == pytest.approx(20.0)
    group = value("GMPct", "Group")
    assert group == pytest.approx(100.0 * 120.0 / 400.0)
    assert group != pytest.approx(60.0 + 20.0) and group != pytest.approx((60.0 + 20.0) / 2)


def test_ratio_accounts_contribute_nothing_to_their_parents() -> None:
    assert value("PL", "E1") == pytest.approx(60.0 + 10.0)
    assert value("PL", "Group") == pytest.approx(120.0 + 30.0)
    assert value("KPI", "E1") == pytest.approx(3.0)  # only Headcount, not the two ratios below KPI


@pytest.mark.parametrize(
    ("account", "entity", "expected"),
    [
        ("GMPct", "E3", None),  # denominator empty
        ("GMPct", "E4", None),  # denominator 0
        ("GMPct", "E5", 100.0),
        ("CostPerHead", "E5", 0.0),  # numerator empty, denominator present
        ("CostPerHead", "E1", 10.0 / 3.0),
        ("CostPerHead", "E2", None),  # no headcount
        ("GMPct", "Group", 30.0),
        ("GMPctPerHead", "E1", 20.0),  # a ratio of a ratio
        ("GMPctPerHead", "Group", 10.0),
    ],
)
def test_ratio_edge_cases(account: str, entity: str, expected: float | None) -> None:
    if expected is None:
        assert value(account, entity) is None
    else:
        assert value(account, entity) == pytest.approx(expected)


def test_a_grid_mixing_ratios_their_operands_and_totals() -> None:
    members = ("GMPctPerHead", "Revenue", "GMPct", "PL", "GMPct")
    grid = aggregate(
        SHAPE,
        FACTS,
        [Axis("Entity", (e("E1"), e("Group"))), Axis("Account", tuple(a(code) for code in members))],
    )
    np.testing.assert_allclose(grid, [[20.0, 100.0, 60.0, 70.0, 60.0], [10.0, 400.0, 30.0, 150.0, 30.0]])


def test_a_ratio_over_time_uses_each_operand_time_balance() -> None:
    accounts = hierarchy_from_parents({"Receivables": None, "Sales": None, "DaysSales": None}, first_id=1)
    time = time_hierarchy(2026, 1)
    rules = {
        1: AccountRule(time_balance="last"),
        3: AccountRule(ratio=(1, 2), scale=90.0),  # receivables / quarterly sales x 90 days
    }
    shape = CubeShape(("Account", "Time"), {"Account": accounts, "Time": time}, "Time", "Account", rules)
    months = time.leaves(time.id_of("FY2026-Q1"))
    facts = Facts.from_rows([((1, month), 50.0 * (i + 1)) for i, month in enumerate(months)], d=2)
    facts = Facts(
        np.vstack([facts.coords, [[2, month] for month in months]]),
        np.concatenate([facts.values, [100.0, 100.0, 100.0]]),
    )
    assert cell_value(shape, facts, {"Account": 3, "Time": time.id_of("FY2026-Q1")}) == pytest.approx(150 / 300 * 90)


def test_ratio_accounts_are_validated_when_the_cube_is_described() -> None:
    hierarchies = {"Account": ACCOUNTS, "Entity": ENTITIES}
    dimensions = ("Account", "Entity")
    cycle = {
        a("GMPct"): AccountRule(ratio=(a("GMPctPerHead"), a("Revenue"))),
        a("GMPctPerHead"): AccountRule(ratio=(a("GMPct"), a("Headcount"))),
    }
    with pytest.raises(EngineError, match="cycle: GMPct → GMPctPerHead → GMPct"):
        CubeShape(dimensions, hierarchies, None, "Account", cycle)
    with pytest.raises(EngineError, match=r"Ratio account 'GM' has children \('Revenue', 'COGS'\)"):
        CubeShape(dimensions, hierarchies, None, "Account", {a("GM"): AccountRule(ratio=(a("Opex"), a("Revenue")))})
    with pytest.raises(EngineError, match="The denominator of ratio account 'GMPct' is member id 777"):
        CubeShape(dimensions, hierarchies, None, "Account", {a("GMPct"): AccountRule(ratio=(a("GM"), 777))})
    with pytest.raises(EngineError, match="no account dimension"):
        CubeShape(dimensions, hierarchies, None, None, RULES)


def test_a_ratio_account_may_divide_by_itself_only_through_ordinary_accounts() -> None:
    accounts = Hierarchy([Node(1, "X", None), Node(2, "Self", None)])
    with pytest.raises(EngineError, match="cycle: Self → Self"):
        CubeShape(("Account",), {"Account": accounts}, None, "Account", {2: AccountRule(ratio=(2, 1))})
