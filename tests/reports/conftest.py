"""A small P&L model (from tests/planning) with actual and budget numbers in January and February 2026."""

from __future__ import annotations

import pytest

from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.models import Cube, DimensionKind
from tests.planning.conftest import ACCOUNTS, ENTITIES

LEAVES = {"SALES": 100.0, "DISC": 5.0, "RENT": 20.0, "WAGES": 40.0}


@pytest.fixture
def cube(db) -> Cube:
    model = structure.model_create(code="acme", name="Acme", first_fiscal_year=2026, years=1)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=ACCOUNTS)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ENTITY), upserts=ENTITIES)
    cube = structure.cube_create(
        model=model, code="pl", name="P&L", dimensions=["account", "entity", "time", "version"]
    )
    cells = [
        CellWrite({"account": a, "entity": e, "time": t, "version": v}, amount * (1.1 if v == "actual" else 1.0) * k)
        for a, amount in LEAVES.items()
        for k, e in enumerate(("E1", "E2", "W1"), start=1)
        for t in ("2026-01", "2026-02")
        for v in ("actual", "budget")
    ]
    cells_write(cube=cube, cells=cells, user=None)
    return cube
