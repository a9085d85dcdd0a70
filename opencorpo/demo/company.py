"""Loads the demo company, Acme Pumps: structure, 36 months of actuals, a budget and a forecast with seasonality."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction

from opencorpo.accounts.grants import grant_set
from opencorpo.accounts.models import Access
from opencorpo.demo.chart import FORMULAS, PRODUCT_LINES, accounts, entities, products
from opencorpo.planning import structure
from opencorpo.planning.allocations import allocation_create, allocation_run
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.loads import facts_load
from opencorpo.planning.models import Cube, DimensionKind, Member, Model
from opencorpo.planning.rates import rates_set
from opencorpo.planning.versioning import version_branch

MODEL_CODE = "demo"
CUBE_CODE = "finance"
RESTRICTED_PLANNER = "eu-planner"  # a demo user (accounts.services.DEMO_USERS) limited to Europe
SEED = 2026
FIRST_ACTUAL = (2023, 11)
LAST_ACTUAL = (2026, 10)
PLAN_YEAR = 2026
REVENUE_PRODUCTS = {
    "4000": ["P-PUMP", "P-VALV", "P-COMP"],
    "4010": ["P-PUMP", "P-VALV", "P-COMP"],
    "4020": ["P-SERV"],
    "4030": ["P-SPAR"],
    "4040": ["P-COMP"],
    "4050": ["P-PUMP", "P-COMP"],
    "4060": ["P-SERV"],
    "4070": ["P-PUMP"],
    "4900": ["P-PUMP", "P-VALV", "P-COMP"],
}
# account group → (departments that book it, monthly base amount, seasonality profile)
GROUPS: dict[str, tuple[set[str], float, str]] = {
    "MAT": ({"PROD"}, 20_000, "sales"),
    "DLAB": ({"PROD"}, 23_000, "production"),
    "MOH": ({"PROD", "MAINT"}, 10_000, "production"),
    "PERS": (set(), 2_500, "flat"),
    "FAC": ({"ADMIN", "FIN", "HR", "IT"}, 3_500, "winter"),
    "ITC": ({"IT", "ADMIN", "SALES"}, 2_500, "flat"),
    "MKT": ({"SALES", "MKTG"}, 10_000, "sales"),
    "TRV": ({"SALES", "MKTG", "FIN", "IT"}, 2_000, "travel"),
    "PROF": ({"FIN"}, 15_000, "yearend"),
    "DEP": ({"ADMIN", "IT"}, 12_000, "flat"),
    "OTH": ({"FIN", "ADMIN"}, 2_000, "flat"),
    "RND": ({"PROD"}, 6_000, "flat"),
    "OOI": ({"FIN"}, 5_000, "flat"),
}
MARKET_SIZE = {"EU-SLS": 1.8, "US-SLS": 1.0, "UK-SLS": 0.9}  # Europe sells what its two plants make
SEASONS = {
    "sales": [0.85, 0.9, 1.05, 1.1, 1.1, 1.05, 0.95, 0.7, 1.05, 1.1, 1.05, 1.0],
    "production": [0.9, 0.95, 1.05, 1.05, 1.1, 1.05, 1.0, 0.75, 1.05, 1.05, 1.05, 0.95],
    "flat": [1.0] * 12,
    "winter": [1.25, 1.2, 1.05, 0.95, 0.85, 0.8, 0.8, 0.8, 0.9, 1.0, 1.15, 1.25],
    "travel": [0.7, 1.0, 1.1, 1.1, 1.1, 1.0, 0.8, 0.5, 1.1, 1.2, 1.2, 0.9],
    "yearend": [1.6, 1.4, 1.0, 0.8, 0.8, 0.8, 0.7, 0.6, 0.8, 0.9, 1.0, 1.6],
}
Progress = Callable[[int, str], None]


def months(first: tuple[int, int], last: tuple[int, int]) -> Iterator[tuple[int, int]]:
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@transaction.atomic
def demo_company_load(progress: Progress) -> dict[str, Any]:
    """Create the demo model once; a second call changes nothing."""
    existing = Model.objects.filter(code=MODEL_CODE).first()
    if existing is not None:
        _restricted_planner(existing)  # demo users made after the model (an older demo folder) get their grant too
        return {"model": MODEL_CODE, "created": False}
    progress(5, "Creating the demo model")
    model = structure.model_create(
        code=MODEL_CODE,
        name="Acme Pumps Group",
        reporting_currency="EUR",
        first_fiscal_year=2023,
        years=5,
        description="A pump and valve manufacturer in Europe, the Americas and the UK.",
    )
    account = model.dimensions.get(kind=DimensionKind.ACCOUNT)
    entity = model.dimensions.get(kind=DimensionKind.ENTITY)
    chart = [_sorted(i, {**r, "formula": FORMULAS.get(r["code"], "")}) for i, r in enumerate(accounts())]
    structure.members_bulk(dimension=account, upserts=chart)
    structure.members_bulk(dimension=entity, upserts=[_sorted(i, r) for i, r in enumerate(entities())])
    product = structure.dimension_create(model=model, code="product", name="Product")
    structure.members_bulk(dimension=product, upserts=[_sorted(i, r) for i, r in enumerate(products())])
    cube = structure.cube_create(
        model=model,
        code=CUBE_CODE,
        name="Financial plan",
        dimensions=["account", "entity", "product", "time", "version"],
    )
    progress(30, "Generating 36 months of actuals, a budget and a forecast")
    rows = list(_drivers(cube, _facts(cube)))
    progress(60, f"Loading {len(rows):,} values and calculating the driver formulas")
    load = facts_load(cube=cube, rows=rows, source="demo")
    progress(80, "Exchange rates, the IT cost allocation and a what-if branch")
    rates_set(model=model, rows=list(_rates(model)))
    _allocate(cube)
    _what_if(cube)
    _restricted_planner(model)
    return {"model": MODEL_CODE, "created": True, "facts": len(rows), "batch": load["batch"]}


def _restricted_planner(model: Model) -> None:
    """The demo's `eu-planner` reads and writes Europe only (once the demo.load job has made the demo users)."""
    user = get_user_model().objects.filter(username=RESTRICTED_PLANNER).first()
    if user is not None and not model.grants.filter(user=user).exists():
        grant = {"dimension": "entity", "member": "EU", "access": Access.WRITE}
        grant_set(model=model, **grant, user=RESTRICTED_PLANNER, group=None)


PRICES = {"P-PUMP": 2_400.0, "P-VALV": 650.0, "P-COMP": 5_200.0}  # per unit, in EUR
STANDARD_COST = 0.22  # standard cost of a unit sold, as a share of its price
SALARY = 2_400.0  # average monthly salary per FTE, in EUR
FX = {"USD": 0.92, "GBP": 1.17}  # EUR per unit, around which the demo rates move


def _drivers(cube: Cube, rows: Iterator[tuple[float, ...]]) -> Iterator[tuple[float, ...]]:
    """Turn the generated product sales and salaries into their drivers (units × price, headcount × salary):
    the formulas in chart.FORMULAS calculate the amounts back when the load ends."""
    members = {m.pk: m for m in Member.objects.filter(dimension__model=cube.model).select_related("dimension")}
    code = {member_id: m.code for member_id, m in members.items()}
    ids = {(m.dimension.kind, m.code): member_id for member_id, m in members.items()}
    account = {
        name: ids[(DimensionKind.ACCOUNT, name)]
        for name in ("4000", "5095", "6000", "SUNITS", "PRICE", "STDCOST", "AVGSAL")
    }
    fx_scale = {"EUR": 1.0, "USD": 1.1, "GBP": 0.85}
    for row in rows:
        version, period, account_id, entity_id, product_id, *rest, value = row
        scale = fx_scale[members[int(entity_id)].currency]
        month = int(code[int(period)][-2:])
        if account_id == account["4000"]:
            price = round(PRICES[code[int(product_id)]] * scale * (1 + 0.004 * month), 2)
            units = max(1.0, round(value / price))
            yield (version, period, account["SUNITS"], entity_id, product_id, *rest, units)
            yield (version, period, account["PRICE"], entity_id, product_id, *rest, price)
            yield (version, period, account["STDCOST"], entity_id, product_id, *rest, round(price * STANDARD_COST, 2))
        elif account_id == account["6000"]:
            salary = round(SALARY * scale * (1.03 if code[int(version)] != "actual" else 1.0), 2)
            yield (version, period, account["AVGSAL"], entity_id, product_id, *rest, salary)
        elif account_id not in (account["5095"],):
            yield row


def _rates(model: Model) -> Iterator[dict[str, Any]]:
    """Average and closing rates for every month of every version, gently moving."""
    periods = Member.objects.filter(dimension__model=model, period_kind="month").order_by("start_date")
    versions = Member.objects.filter(dimension__model=model, dimension__kind=DimensionKind.VERSION)
    for index, period in enumerate(periods):
        for currency, level in FX.items():
            average = round(level * (1 + 0.03 * np.sin(index / 5)), 4)
            closing = round(level * (1 + 0.03 * np.sin((index + 0.5) / 5)), 4)
            for version in versions:
                for rate_type, rate in (("average", average), ("closing", closing)):
                    yield {
                        "version": version.code,
                        "period": period.code,
                        "currency": currency,
                        "rate_type": rate_type,
                        "rate": rate,
                    }


IT_ALLOCATION = {
    "dimension": "entity",
    "pool": ["ITC"],
    "driver": "HC",
    "received": "6991",
    "charged": "6992",
    "steps": [{"source": "EU-HQ-IT", "targets": ["DE-STU", "FR-LYO", "EU-SLS", "EU-HQ-FIN", "EU-HQ-HR"]}],
    "fixed": {"product": "P-NONE"},
}


def _allocate(cube: Cube) -> None:
    """Headquarters' IT costs go to the European sites by headcount, in the plan versions (defined through the
    service, so the demo's definition is checked like anyone's)."""
    allocation = allocation_create(
        model=cube.model,
        cube=cube.code,
        code="it-shared",
        name="IT shared services by headcount",
        definition=IT_ALLOCATION,
        user=None,
    )
    for version in ("budget", "forecast"):
        allocation_run(allocation=allocation, version=version, periods=[f"FY{PLAN_YEAR}"], user=None)


def _what_if(cube: Cube) -> None:
    """A what-if branch of the budget with prices 3 % higher: ready to diff against the budget and to merge."""
    version_branch(model=cube.model, base="budget", code="price-up", name="Budget, prices +3 %", user=None)
    model = cube.model
    price = Member.objects.get(dimension__model=model, dimension__kind=DimensionKind.ACCOUNT, code="PRICE")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT e.code, p.code, t.code, f.value FROM planning_fact f
               JOIN planning_member e ON e.id = f.m2 JOIN planning_member p ON p.id = f.m3
               JOIN planning_member t ON t.id = f.period_id JOIN planning_member v ON v.id = f.version_id
               WHERE f.cube_id = %s AND f.m1 = %s AND v.code = 'price-up'""",
            [cube.pk, price.pk],
        )
        cells = [
            CellWrite(
                {"account": "PRICE", "entity": e, "product": p, "time": t, "version": "price-up"},
                round(value * 1.03, 2),
            )
            for e, p, t, value in cursor.fetchall()
        ]
    cells_write(cube=cube, cells=cells, user=None, source="demo")


def _sorted(index: int, row: dict[str, Any]) -> dict[str, Any]:
    return {"sort": index, **row}


def _facts(cube: Cube) -> Iterator[tuple[float, ...]]:
    random = np.random.default_rng(SEED)
    model = cube.model
    ids = {
        kind: {m.code: m for m in Member.objects.filter(dimension__model=model, dimension__kind=kind)}
        for kind in (DimensionKind.ACCOUNT, DimensionKind.ENTITY, DimensionKind.TIME, DimensionKind.VERSION)
    }
    product_ids = {m.code: m.pk for m in Member.objects.filter(dimension__model=model, dimension__code="product")}
    accounts_by_code, entities_by_code = ids[DimensionKind.ACCOUNT], ids[DimensionKind.ENTITY]
    periods = {code: m.pk for code, m in ids[DimensionKind.TIME].items()}
    versions = {code: m.pk for code, m in ids[DimensionKind.VERSION].items()}
    departments = [e for e in entities_by_code.values() if "department" in e.attributes]
    fx_scale = {"EUR": 1.0, "USD": 1.1, "GBP": 0.85}
    actual_months = list(months(FIRST_ACTUAL, LAST_ACTUAL))
    for account_code, entity, product_code, base, season, balance in _combinations(accounts_by_code, departments):
        base *= fx_scale[entity.currency] * random.lognormal(0, 0.25)
        account_id, product_id = accounts_by_code[account_code].pk, product_ids[product_code]
        history: dict[tuple[int, int], float] = {}
        level = base
        for index, (year, month) in enumerate(actual_months):
            if balance:
                level *= 1 + random.normal(0.003, 0.02)
                value = level
            else:
                growth = 1.045 ** (index / 12)
                value = base * SEASONS[season][month - 1] * growth * random.normal(1, 0.04)
            history[(year, month)] = value
            yield (
                versions["actual"],
                periods[f"{year}-{month:02d}"],
                account_id,
                entity.pk,
                product_id,
                0,
                0,
                0,
                _round(account_code, value),
            )
        for month in range(1, 13):
            prior = history[(PLAN_YEAR - 1, month)]
            budget = prior * (1.0 if balance else 1.06)
            yield (
                versions["budget"],
                periods[f"{PLAN_YEAR}-{month:02d}"],
                account_id,
                entity.pk,
                product_id,
                0,
                0,
                0,
                _round(account_code, budget),
            )
            forecast = history.get((PLAN_YEAR, month), budget * (0.98 if not balance else 1.0))
            yield (
                versions["forecast"],
                periods[f"{PLAN_YEAR}-{month:02d}"],
                account_id,
                entity.pk,
                product_id,
                0,
                0,
                0,
                _round(account_code, forecast),
            )


def _round(account_code: str, value: float) -> float:
    return round(value, 1) if account_code in {"HC", "HC_AVG"} else round(value, 2)


def _combinations(accounts_by_code: dict[str, Member], departments: list[Member]) -> Iterator[tuple[Any, ...]]:
    """(account, department entity, product, monthly base, season, is a balance) for every booked combination."""
    leaves = {m.pk: m for m in accounts_by_code.values()}
    parents = {m.parent_id for m in accounts_by_code.values() if m.parent_id}
    group_of = {m.code: leaves[m.parent_id].code if m.parent_id else "" for m in accounts_by_code.values()}
    for account in accounts_by_code.values():
        if account.pk in parents or account.is_ratio:
            continue
        code, group = account.code, group_of[account.code]
        for entity in departments:
            dept = entity.attributes["department"]
            if group == "REV":
                if dept == "SALES":
                    for product in REVENUE_PRODUCTS[code]:
                        amount = 60_000 if code == "4900" else 400_000 if code in {"4000", "4010"} else 120_000
                        yield code, entity, product, amount * MARKET_SIZE[entity.attributes["site"]], "sales", False
            elif group in {"MAT", "DLAB"} and dept == "PROD":
                for product, _ in PRODUCT_LINES[:4]:
                    yield code, entity, product, GROUPS[group][1], GROUPS[group][2], False
            elif group in GROUPS and group not in {"MAT", "DLAB"}:
                depts, base, season = GROUPS[group]
                if not depts or dept in depts:
                    yield code, entity, "P-NONE", base, season, False
            elif group in {"FIN", "TAXG"} and entity.code == "EU-HQ-FIN":
                yield code, entity, "P-NONE", 140_000 if group == "TAXG" else 20_000, "flat", False
            elif account.account_type in {"asset", "liability", "equity"} and dept in {"ADMIN", "FIN"}:
                yield code, entity, "P-NONE", 800_000, "flat", True
            elif code in {"HC", "HC_AVG"}:
                yield code, entity, "P-NONE", 40 if dept == "PROD" else 12, "flat", True
            elif code == "SQM" and dept in {"ADMIN", "FIN"}:
                yield code, entity, "P-NONE", 12_000, "flat", True
            elif code in {"UNITS", "MHRS"} and dept == "PROD":
                for product, _ in PRODUCT_LINES[:3]:
                    yield code, entity, product, 900 if code == "UNITS" else 2_500, "production", False
            elif code in {"ORDERS", "CUST"} and dept == "SALES":
                yield code, entity, "P-NONE", 140 if code == "ORDERS" else 600, "sales", code == "CUST"


def today() -> datetime.date:
    return datetime.date(LAST_ACTUAL[0], LAST_ACTUAL[1], 28)
