"""Loads the demo company, Acme Pumps: structure, 36 months of actuals, a budget and a forecast with seasonality."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from django.db import transaction

from opencorpo.demo.chart import PRODUCT_LINES, accounts, entities, products
from opencorpo.planning import structure
from opencorpo.planning.loads import facts_load
from opencorpo.planning.models import Cube, DimensionKind, Member, Model

MODEL_CODE = "demo"
CUBE_CODE = "finance"
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
    "MAT": ({"PROD"}, 25_000, "sales"),
    "DLAB": ({"PROD"}, 23_000, "production"),
    "MOH": ({"PROD", "MAINT"}, 10_000, "production"),
    "PERS": (set(), 6_000, "flat"),
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
    if Model.objects.filter(code=MODEL_CODE).exists():
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
    structure.members_bulk(dimension=account, upserts=[_sorted(i, r) for i, r in enumerate(accounts())])
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
    rows = list(_facts(cube))
    progress(70, f"Loading {len(rows):,} values")
    load = facts_load(cube=cube, rows=rows, source="demo")
    return {"model": MODEL_CODE, "created": True, "facts": len(rows), "batch": load["batch"]}


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
