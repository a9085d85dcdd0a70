"""A small planning model for tests: accounts with a contra and a ratio, two regions, months of 2026, a cube."""

from __future__ import annotations

import pytest

from opencorpo.planning import structure
from opencorpo.planning.models import Cube, DimensionKind, Model

ACCOUNTS = [
    {"code": "NI", "name": "Net income", "account_type": "revenue"},
    {"code": "REV", "name": "Revenue", "parent": "NI", "account_type": "revenue"},
    {"code": "SALES", "name": "Sales", "parent": "REV", "account_type": "revenue"},
    {
        "code": "DISC",
        "name": "Discounts",
        "parent": "REV",
        "account_type": "revenue",
        "weight": -1,
        "polarity": "lower_is_better",
    },
    {"code": "COST", "name": "Costs", "parent": "NI", "account_type": "expense", "weight": -1},
    {"code": "RENT", "name": "Rent", "parent": "COST", "account_type": "expense"},
    {"code": "WAGES", "name": "Wages", "parent": "COST", "account_type": "expense"},
    {"code": "HC", "name": "Headcount", "account_type": "statistical", "time_balance": "last"},
    {
        "code": "MARGIN",
        "name": "Margin %",
        "account_type": "statistical",
        "ratio_numerator": "NI",
        "ratio_denominator": "REV",
        "ratio_scale": 100,
        "polarity": "higher_is_better",
    },
]
ENTITIES = [
    {"code": "WORLD", "name": "World", "currency": "EUR"},
    {"code": "EAST", "name": "East", "parent": "WORLD", "currency": "EUR"},
    {"code": "WEST", "name": "West", "parent": "WORLD", "currency": "USD"},
    {"code": "E1", "name": "East one", "parent": "EAST", "currency": "EUR"},
    {"code": "E2", "name": "East two", "parent": "EAST", "currency": "EUR"},
    {"code": "W1", "name": "West one", "parent": "WEST", "currency": "USD"},
]


@pytest.fixture
def model(db) -> Model:
    model = structure.model_create(code="acme", name="Acme", first_fiscal_year=2026, years=1)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=ACCOUNTS)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ENTITY), upserts=ENTITIES)
    return model


@pytest.fixture
def cube(model: Model) -> Cube:
    return structure.cube_create(
        model=model, code="pl", name="P&L", dimensions=["account", "entity", "time", "version"]
    )
