"""The demo company: loaded once, idempotent, and its income statement agrees with a plain-SQL recomputation."""

from __future__ import annotations

import pytest
from django.db import connection

from opencorpo.demo.company import demo_company_load
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.models import Cube, DimensionKind, Member

pytestmark = pytest.mark.django_db

INDEPENDENT_SQL = """
WITH RECURSIVE
rows AS (SELECT id FROM planning_member WHERE dimension_id = %(account)s AND code = ANY(%(rows)s)),
account_paths AS (  -- every account under each row, with the product of weights on the way down
    SELECT r.id AS row_id, r.id AS account_id, 1.0::float8 AS sign FROM rows r
    UNION ALL
    SELECT p.row_id, m.id, p.sign * m.weight FROM account_paths p JOIN planning_member m ON m.parent_id = p.account_id
),
regions AS (SELECT id, code FROM planning_member WHERE dimension_id = %(entity)s AND code IN ('EU', 'AM', 'UK')),
entity_paths AS (
    SELECT r.code AS region, r.id AS entity_id FROM regions r
    UNION ALL
    SELECT p.region, m.id FROM entity_paths p JOIN planning_member m ON m.parent_id = p.entity_id
),
quarters AS (SELECT q.code AS quarter, m.id AS month_id FROM planning_member q
             JOIN planning_member m ON m.parent_id = q.id WHERE q.code LIKE 'FY2025-Q_')
SELECT a.code, e.region, q.quarter, sum(f.value * p.sign)
FROM planning_fact f
JOIN account_paths p ON p.account_id = f.m1
JOIN planning_member a ON a.id = p.row_id
JOIN entity_paths e ON e.entity_id = f.m2
JOIN quarters q ON q.month_id = f.period_id
WHERE f.cube_id = %(cube)s AND f.version_id = %(actual)s
GROUP BY a.code, e.region, q.quarter
"""


@pytest.fixture
def demo(db) -> Cube:
    result = demo_company_load(lambda percent, message: None)
    assert result["created"] and result["facts"] > 50_000
    return Cube.objects.get(model__code="demo", code="finance")


def test_loading_again_changes_nothing(demo):
    assert demo_company_load(lambda percent, message: None) == {"model": "demo", "created": False}
    assert demo.model.dimensions.get(kind=DimensionKind.ACCOUNT).members.count() >= 180


def test_the_income_statement_by_region_and_quarter_matches_plain_sql(demo):
    rows = ["REV", "COGS", "GP", "OPEX", "EBIT", "FIN", "TAXG", "NI"]
    answer = grid_read(
        cube=demo,
        query=GridQuery(
            rows=(Selection("account", members=tuple(rows)),),
            columns=(Selection("entity", children_of="GROUP"), Selection("time", children_of="FY2025")),
            filters={"version": "actual", "product": "ALLP"},
        ),
    )
    grid = {
        (row, column[0]["code"], column[1]["code"]): answer["values"][r][c]
        for r, row in enumerate(rows)
        for c, column in enumerate(answer["columns"]["headers"])
    }
    model = demo.model
    ids = {kind: model.dimensions.get(kind=kind).pk for kind in (DimensionKind.ACCOUNT, DimensionKind.ENTITY)}
    with connection.cursor() as cursor:
        cursor.execute(
            INDEPENDENT_SQL,
            {
                "account": ids[DimensionKind.ACCOUNT],
                "entity": ids[DimensionKind.ENTITY],
                "rows": rows,
                "cube": demo.pk,
                "actual": Member.objects.get(dimension__model=model, code="actual").pk,
            },
        )
        expected = {(code, region, quarter): total for code, region, quarter, total in cursor.fetchall()}
    assert len(grid) == 8 * 3 * 4 and len(expected) >= 8 * 4  # financial result and taxes are booked in EU only
    for key, value in grid.items():
        if key in expected:
            assert value == pytest.approx(expected[key], rel=1e-9), key
        else:
            assert value is None, key
    revenue = sum(grid[("REV", region, "FY2025-Q1")] for region in ("EU", "AM", "UK"))
    net_income = sum(grid[("NI", region, "FY2025-Q1")] for region in ("EU", "AM", "UK"))
    assert 0 < net_income < 0.2 * revenue  # a plausible, profitable group


def test_the_demo_has_budget_forecast_and_realistic_ratios(demo):
    answer = grid_read(
        cube=demo,
        query=GridQuery(
            rows=(Selection("account", members=("REV", "GM_PCT", "EBIT_PCT", "HC")),),
            columns=(Selection("version", members=("actual", "budget", "forecast")),),
            filters={"time": "FY2025-Q4", "entity": "GROUP", "product": "ALLP"},
        ),
    )
    revenue, gross_margin, ebit_margin, headcount = answer["values"]
    assert revenue[0] > 0 and revenue[1] is None and revenue[2] is None  # FY2025 has actuals only
    assert 25 < gross_margin[0] < 55 and 5 < ebit_margin[0] < 25
    assert 200 < headcount[0] < 600
    plan = grid_read(
        cube=demo,
        query=GridQuery(
            rows=(Selection("account", members=("REV",)),),
            columns=(Selection("version", members=("actual", "budget", "forecast")),),
            filters={"time": "2026-12", "entity": "GROUP", "product": "ALLP"},
        ),
    )["values"][0]
    assert plan[0] is None and plan[1] > 0 and plan[2] > 0  # December 2026: no actual yet, a budget and a forecast


def total(demo, account: str, version: str, time: str = "FY2026", entity: str = "GROUP", currency=None):
    query = GridQuery(
        rows=(Selection("account", members=(account,)),),
        columns=(Selection("version", members=(version,)),),
        filters={"time": time, "entity": entity, "product": "ALLP"},
        currency=currency,
    )
    return grid_read(cube=demo, query=query)["values"][0][0]


def test_driver_formulas_allocation_rates_and_the_what_if_branch(demo):
    from opencorpo.planning.explain import cell_explain
    from opencorpo.planning.versioning import version_diff

    cell = {"account": "4000", "entity": "US-SLS-SALES", "product": "P-PUMP", "time": "2026-03", "version": "budget"}
    explained = cell_explain(cube=demo, coordinate=cell, user=None)
    units, price = (i["value"] for i in explained["formula"]["inputs"])
    assert explained["formula"]["text"] == "SUNITS * PRICE" and explained["value"] == pytest.approx(units * price)
    salaries = cell_explain(cube=demo, coordinate={**cell, "account": "6000", "product": "P-NONE"}, user=None)
    assert salaries["value"] > 0 and salaries["formula"]["inputs"][0]["account"] == "HC"
    assert total(demo, "5095", "budget") > 0  # standard cost of units sold, calculated
    assert total(demo, "ALLOC", "budget") == pytest.approx(0.0, abs=0.01)  # moved between units, none lost
    assert total(demo, "6991", "budget", entity="EU-SLS") > 0
    assert total(demo, "6992", "budget", entity="EU-HQ-IT") < 0
    in_euro, in_dollars = total(demo, "REV", "budget", currency="EUR"), total(demo, "REV", "budget", currency="USD")
    assert 0.8 < in_euro / in_dollars < 1.0
    diff = version_diff(cube=demo, version="price-up", reference="budget", user=None)
    prices = [c for c in diff["cells"] if c["coordinate"]["account"] == "PRICE"]
    assert prices and all(c["after"] == pytest.approx(c["before"] * 1.03, abs=0.006) for c in prices)
    assert total(demo, "4000", "price-up") == pytest.approx(total(demo, "4000", "budget") * 1.03, rel=1e-3)


def test_the_demo_eu_planner_reads_and_writes_europe_only(db):
    from django.contrib.auth import get_user_model

    from opencorpo.accounts.services import demo_users_ensure

    demo_users_ensure()
    demo_company_load(lambda percent, message: None)
    cube = Cube.objects.get(model__code="demo", code="finance")
    planner = get_user_model().objects.get(username="eu-planner")
    query = GridQuery(
        rows=(Selection("entity", descendants_of="GROUP"),),
        columns=(Selection("time", members=("2026-01",)),),
        filters={"account": "5000", "version": "budget", "product": "P-PUMP"},
    )
    seen = {h[0]["code"] for h in grid_read(cube=cube, query=query, user=planner)["rows"]["headers"]}
    entities = Member.objects.filter(dimension__model__code="demo", dimension__kind=DimensionKind.ENTITY)
    parent_of = {m.code: m.parent.code if m.parent else None for m in entities.select_related("parent")}

    def in_europe(code: str | None) -> bool:
        return code is not None and (code == "EU" or in_europe(parent_of[code]))

    assert seen == {code for code in parent_of if in_europe(code)}  # Europe and all below it, nothing else


def test_demo_users_made_after_the_model_get_the_europe_grant_on_the_next_load(db):
    from opencorpo.accounts.models import Grant
    from opencorpo.accounts.services import demo_users_ensure

    demo_company_load(lambda percent, message: None)  # no demo users yet: no grant to give
    assert not Grant.objects.exists()
    demo_users_ensure()
    assert demo_company_load(lambda percent, message: None) == {"model": "demo", "created": False}
    demo_company_load(lambda percent, message: None)  # and again: still one grant
    assert list(Grant.objects.values_list("user__username", "member__code", "access")) == [
        ("eu-planner", "EU", "write")
    ]
