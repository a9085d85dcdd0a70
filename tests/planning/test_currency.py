"""Reads in a reporting currency: leaf conversion before aggregation, rate types by account, missing rates,
and the translation difference booked instead of lost."""

from __future__ import annotations

import pytest

from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.errors import InvalidQuery, InvalidStructure
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.models import DimensionKind
from opencorpo.planning.rates import rates_set
from tests.planning.test_cells import at

pytestmark = pytest.mark.django_db
BALANCE = [
    {"code": "BS", "name": "Balance check", "account_type": "asset"},
    {"code": "CASH", "name": "Cash", "parent": "BS", "account_type": "asset"},
    {"code": "EQ", "name": "Equity", "parent": "BS", "account_type": "equity", "weight": -1},
    {"code": "CAP", "name": "Capital", "parent": "EQ", "account_type": "equity"},
    {"code": "RES", "name": "Result", "parent": "EQ", "account_type": "equity", "attributes": {"rate_type": "average"}},
    {
        "code": "CTA",
        "name": "Translation reserve",
        "parent": "EQ",
        "account_type": "equity",
        "attributes": {"fx": "translation_difference"},
    },
]


def rates(model, month: str, average: float, closing: float) -> None:
    rows = [
        {"version": "budget", "period": month, "currency": "USD", "rate_type": t, "rate": r}
        for t, r in (("average", average), ("closing", closing))
    ]
    rates_set(model=model, rows=rows)


def read(cube, accounts, entity="WORLD", time="2026-01", currency="EUR"):
    query = GridQuery(
        rows=(Selection("account", members=tuple(accounts)),),
        columns=(Selection("entity", members=(entity,)),),
        filters={"time": time, "version": "budget"},
        currency=currency,
    )
    return [row[0] for row in grid_read(cube=cube, query=query)["values"]]


def test_entities_are_converted_before_they_are_added_up(cube):
    cells_write(cube=cube, cells=[CellWrite(at("SALES", "E1"), 100.0), CellWrite(at("SALES", "W1"), 100.0)], user=None)
    rates(cube.model, "2026-01", average=0.9, closing=0.8)
    assert read(cube, ["SALES"]) == [pytest.approx(190.0)]  # 100 EUR + 100 USD at 0.9
    assert read(cube, ["SALES"], currency="USD") == [pytest.approx(100 / 0.9 + 100)]
    assert read(cube, ["SALES"], entity="W1", currency=None) == [100.0]  # as entered


def test_a_missing_rate_says_which_and_what_to_do(cube):
    cells_write(cube=cube, cells=[CellWrite(at("SALES", "W1"), 1.0)], user=None)
    with pytest.raises(InvalidQuery, match=r"USD average in period .* enter the rates"):
        read(cube, ["SALES"])


def test_bad_rates_are_refused_and_nothing_is_saved(cube):
    with pytest.raises(InvalidStructure, match="Rate 2: 'FY2026' is not a month"):
        rates_set(
            model=cube.model,
            rows=[
                {"version": "budget", "period": "2026-01", "currency": "USD", "rate_type": "average", "rate": 1.0},
                {"version": "budget", "period": "FY2026", "currency": "USD", "rate_type": "average", "rate": 1.0},
            ],
        )
    assert not cube.model.fx_rates.exists()


def test_the_translation_difference_is_booked_so_the_balance_sheet_still_balances(cube):
    structure.members_bulk(dimension=cube.model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=BALANCE)
    cells = [CellWrite(at("CASH", "W1"), 150.0), CellWrite(at("CAP", "W1"), 100.0), CellWrite(at("RES", "W1"), 50.0)]
    cells += [CellWrite(at("CASH", "E1"), 10.0), CellWrite(at("CAP", "E1"), 10.0)]
    cells_write(cube=cube, cells=cells, user=None)
    rates(cube.model, "2026-01", average=0.9, closing=0.8)
    cash, cap, res, cta, check = read(cube, ["CASH", "CAP", "RES", "CTA", "BS"])
    assert (cash, cap, res) == (pytest.approx(130.0), pytest.approx(90.0), pytest.approx(45.0))
    assert cta == pytest.approx(-5.0)  # 50 of result at 0.9 instead of 0.8
    assert check == pytest.approx(0.0)
    assert read(cube, ["CTA"], currency=None) == [None]  # in entity currency there is nothing to book
