"""Currency translation: rates, triangulation, average vs closing, missing rates, round trips, CTA."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opencorpo.engine import (
    Axis,
    CubeShape,
    CurrencyError,
    Facts,
    Rate,
    RateTable,
    RateType,
    TimeBalance,
    aggregate,
    convert,
    rate_type_for,
    translation_difference,
)
from tests.engine.builders import hierarchy_from_parents

# 1 USD = 0.90 EUR on average and 0.92 EUR at closing in month 1; 1 GBP = 1.15 / 1.17 EUR.
RATES = [
    Rate("USD", 1, "average", 0.90),
    Rate("USD", 1, "closing", 0.92),
    Rate("GBP", 1, "average", 1.15),
    Rate("GBP", 1, "closing", 1.17),
]
TABLE = RateTable("EUR", RATES)

# Balance-sheet check: assets - (liabilities + equity) = 0; the CTA sits in equity.
ACCOUNTS = hierarchy_from_parents(
    {
        "Check": None,
        "Assets": "Check",
        "Cash": "Assets",
        "LiabilitiesEquity": "Check",
        "Loan": "LiabilitiesEquity",
        "Equity": "LiabilitiesEquity",
        "Capital": "Equity",
        "NetIncome": "Equity",
        "CTA": "Equity",
        "Revenue": None,
    },
    weights={"LiabilitiesEquity": -1.0},
)
ENTITIES = hierarchy_from_parents({"Group": None, "US": "Group", "UK": "Group", "FR": "Group"}, first_id=100)
MONTHS = hierarchy_from_parents({"M1": None}, first_id=1)
CURRENCY_OF = {ENTITIES.id_of("US"): "USD", ENTITIES.id_of("UK"): "GBP", ENTITIES.id_of("FR"): "EUR"}
BALANCE_WEIGHTS = ACCOUNTS.leaf_weights(ACCOUNTS.id_of("Check"))
RATE_TYPE_OF: dict[int, RateType] = {ACCOUNTS.id_of(code): "closing" for code in ("Cash", "Loan", "Capital", "CTA")} | {
    ACCOUNTS.id_of("NetIncome"): "average",
    ACCOUNTS.id_of("Revenue"): "average",
}
AXES = {"entity_axis": 0, "period_axis": 1, "account_axis": 2}


def a(code: str) -> int:
    return ACCOUNTS.id_of(code)


def e(code: str) -> int:
    return ENTITIES.id_of(code)


@pytest.mark.parametrize(
    ("balance", "expected"), [("flow", "average"), ("average", "average"), ("first", "closing"), ("last", "closing")]
)
def test_rate_type_follows_the_time_balance(balance: TimeBalance, expected: RateType) -> None:
    assert rate_type_for(balance) == expected


def test_factors_go_through_the_base_currency() -> None:
    assert TABLE.factor("USD", "EUR", 1, "average") == pytest.approx(0.90)
    assert TABLE.factor("USD", "EUR", 1, "closing") == pytest.approx(0.92)
    assert TABLE.factor("EUR", "GBP", 1, "average") == pytest.approx(1 / 1.15)
    assert TABLE.factor("USD", "GBP", 1, "average") == pytest.approx(0.90 / 1.15)  # triangulated via EUR
    assert TABLE.factor("USD", "GBP", 1, "closing") == pytest.approx(0.92 / 1.17)
    assert TABLE.factor("EUR", "EUR", 7, "closing") == 1.0
    assert TABLE.factor("JPY", "JPY", 7, "average") == 1.0  # same currency needs no rate


def test_convert_against_hand_computed_values() -> None:
    facts = Facts.from_rows(
        [
            ((e("US"), 1, a("Revenue")), 100.0),
            ((e("US"), 1, a("Cash")), 50.0),
            ((e("UK"), 1, a("Revenue")), 70.0),
            ((e("FR"), 1, a("Cash")), 10.0),
        ],
        3,
    )
    common = {"currency_of": CURRENCY_OF, "rate_type_of": RATE_TYPE_OF, "table": TABLE, **AXES}
    in_gbp = convert(facts, target="GBP", **common)
    np.testing.assert_array_equal(in_gbp.coords, facts.coords)
    np.testing.assert_allclose(in_gbp.values, [100 * 0.90 / 1.15, 50 * 0.92 / 1.17, 70.0, 10 / 1.17], rtol=1e-12)
    in_cents = convert(facts, target="GBP", precision=2, **common)
    np.testing.assert_array_equal(in_cents.values, [78.26, 39.32, 70.0, 8.55])
    assert convert(Facts.from_rows([], 3), target="GBP", **common).values.size == 0


def test_missing_rates_are_listed_with_what_to_do() -> None:
    rows = [((e("US"), month, a("Revenue")), 1.0) for month in range(1, 9)]
    with pytest.raises(CurrencyError) as caught:
        convert(
            Facts.from_rows(rows, 3),
            target="EUR",
            currency_of=CURRENCY_OF,
            rate_type_of=RATE_TYPE_OF,
            table=TABLE,
            **AXES,
        )
    message = str(caught.value)
    assert "USD average in period 2, USD average in period 3" in message
    assert "USD average in period 6 and 2 more" in message
    assert "period 1" not in message
    assert "enter the rates" in message
    assert "read in entity currency" in message
    with pytest.raises(CurrencyError, match="CHF closing in period 1;"):
        TABLE.factor("USD", "CHF", 1, "closing")  # the target's rate is missing too


@pytest.mark.parametrize(
    ("base", "rates", "match"),
    [
        ("eur", [], "The base currency is 'eur'; use a three-letter upper-case"),
        ("EUR", [Rate("US", 1, "average", 1.0)], "'US'; use a three-letter"),
        ("EUR", [Rate("USD", 1, "average", 0.0)], "a rate must be a positive number"),
        ("EUR", [Rate("USD", 1, "closing", float("nan"))], "a rate must be a positive number"),
        ("EUR", [Rate("USD", 1, "spot", 1.0)], "Rate type 'spot'"),  # type: ignore[arg-type]
        ("EUR", [Rate("EUR", 1, "average", 2.0)], "the base currency is always 1"),
        (
            "EUR",
            [Rate("USD", 3, "closing", 0.9), Rate("USD", 3, "closing", 0.9)],
            "The closing rate of USD in period 3 is given twice",
        ),
    ],
)
def test_rate_tables_are_validated(base: str, rates: list[Rate], match: str) -> None:
    with pytest.raises(CurrencyError, match=match):
        RateTable(base, rates)


def test_unknown_entities_and_accounts_are_named() -> None:
    facts = Facts.from_rows([((e("US"), 1, a("Cash")), 1.0), ((555, 1, 777), 1.0)], 3)
    common = {"table": TABLE, "target": "EUR", **AXES}
    with pytest.raises(CurrencyError, match="Entity ids 555 have no currency"):
        convert(facts, currency_of=CURRENCY_OF, rate_type_of=RATE_TYPE_OF, **common)
    with pytest.raises(CurrencyError, match="Account ids 777 have no rate type"):
        convert(facts, currency_of={**CURRENCY_OF, 555: "USD"}, rate_type_of=RATE_TYPE_OF, **common)
    with pytest.raises(CurrencyError, match="three different columns"):
        convert(
            facts,
            currency_of=CURRENCY_OF,
            rate_type_of=RATE_TYPE_OF,
            table=TABLE,
            target="EUR",
            entity_axis=0,
            period_axis=0,
            account_axis=2,
        )


def test_translation_difference_books_the_cta_and_the_check_total_is_zero() -> None:
    local = Facts.from_rows(
        [
            ((e("US"), 1, a("Cash")), 100.0),
            ((e("US"), 1, a("Loan")), 60.0),
            ((e("US"), 1, a("Capital")), 30.0),
            ((e("US"), 1, a("NetIncome")), 10.0),  # the result, translated at the average rate
            ((e("US"), 1, a("Revenue")), 500.0),  # not in the balance sheet: ignored
            ((e("FR"), 1, a("Cash")), 5.0),
            ((e("FR"), 1, a("Capital")), 5.0),
        ],
        3,
    )
    converted = convert(local, target="EUR", currency_of=CURRENCY_OF, rate_type_of=RATE_TYPE_OF, table=TABLE, **AXES)
    difference = translation_difference(
        converted, account_axis=2, balance_weights=BALANCE_WEIGHTS, difference_account=a("CTA")
    )
    # 92 - 55.2 - 27.6 - 9.0 = 0.2 more assets than liabilities and equity: the CTA (weight -1) takes +0.2.
    np.testing.assert_array_equal(difference.coords, [[e("US"), 1, a("CTA")]])
    np.testing.assert_allclose(difference.values, [0.2], rtol=1e-9)
    shape = CubeShape(
        ("Entity", "Time", "Account"), {"Entity": ENTITIES, "Time": MONTHS, "Account": ACCOUNTS}, "Time", "Account"
    )
    check = [Axis("Entity", (e("US"), e("FR"), e("Group"))), Axis("Time", (1,)), Axis("Account", (a("Check"),))]
    assert aggregate(shape, converted, check).reshape(-1)[0] == pytest.approx(0.2)
    booked = Facts(
        np.vstack([converted.coords, difference.coords]), np.concatenate([converted.values, difference.values])
    )
    np.testing.assert_allclose(aggregate(shape, booked, check).reshape(-1), [0.0, 0.0, 0.0], atol=1e-12)


def test_a_small_difference_is_still_booked() -> None:
    table = RateTable("EUR", [Rate("GBP", 1, "average", 1.15), Rate("GBP", 1, "closing", 1.1500001)])
    local = Facts.from_rows([((e("UK"), 1, a("Cash")), 1000.0), ((e("UK"), 1, a("NetIncome")), 1000.0)], 3)
    converted = convert(local, target="EUR", currency_of=CURRENCY_OF, rate_type_of=RATE_TYPE_OF, table=table, **AXES)
    difference = translation_difference(
        converted, account_axis=2, balance_weights=BALANCE_WEIGHTS, difference_account=a("CTA")
    )
    np.testing.assert_allclose(difference.values, [1000 * 1e-7], rtol=1e-6)


@pytest.mark.parametrize(("account", "match"), [(a("Revenue"), "is not in the balance-sheet total"), (999, "is not")])
def test_the_difference_account_must_count_in_the_check_total(account: int, match: str) -> None:
    with pytest.raises(CurrencyError, match=match):
        translation_difference(
            Facts.from_rows([], 3), account_axis=2, balance_weights=BALANCE_WEIGHTS, difference_account=account
        )
    with pytest.raises(CurrencyError, match="has weight 0"):
        translation_difference(
            Facts.from_rows([], 3), account_axis=2, balance_weights={**BALANCE_WEIGHTS, 5: 0.0}, difference_account=5
        )


# ------------------------------------------------------------------ properties

CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CHF"]
PERIODS = [1, 2, 3]
rate_values = st.floats(min_value=0.01, max_value=200.0, allow_nan=False)


@st.composite
def rate_tables(draw: st.DrawFn) -> RateTable:
    """Every non-base currency gets both rate types in every period."""
    return RateTable(
        "EUR",
        [
            Rate(currency, period, rate_type, draw(rate_values))
            for currency in CURRENCIES[1:]
            for period in PERIODS
            for rate_type in ("average", "closing")
        ],
    )


@st.composite
def entity_facts(draw: st.DrawFn) -> tuple[Facts, dict[int, str], dict[int, RateType]]:
    """Facts over (entity, period, account, version) with random entity currencies and account rate types."""
    currency_of = {entity: draw(st.sampled_from(CURRENCIES)) for entity in range(draw(st.integers(1, 4)))}
    rate_type_of: dict[int, RateType] = {
        account: draw(st.sampled_from(["average", "closing"])) for account in range(draw(st.integers(1, 4)))
    }
    rows = draw(
        st.lists(
            st.tuples(
                st.tuples(
                    st.sampled_from(list(currency_of)),
                    st.sampled_from(PERIODS),
                    st.sampled_from(list(rate_type_of)),
                    st.integers(0, 1),
                ),
                st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
            ),
            max_size=30,
        )
    )
    return Facts.from_rows(rows, 4), currency_of, rate_type_of


@settings(max_examples=150, deadline=None)
@given(entity_facts(), rate_tables())
def test_to_the_base_and_back_returns_the_original(
    case: tuple[Facts, dict[int, str], dict[int, RateType]], table: RateTable
) -> None:
    facts, currency_of, rate_type_of = case
    axes = {"entity_axis": 0, "period_axis": 1, "account_axis": 2}
    in_base = convert(facts, currency_of=currency_of, rate_type_of=rate_type_of, table=table, target="EUR", **axes)
    back = np.full(len(facts), np.nan)
    for currency in set(currency_of.values()):
        rows = np.isin(facts.coords[:, 0], [entity for entity, code in currency_of.items() if code == currency])
        part = Facts(in_base.coords[rows], in_base.values[rows])
        base_currency = dict.fromkeys(currency_of, "EUR")
        back[rows] = convert(
            part, currency_of=base_currency, rate_type_of=rate_type_of, table=table, target=currency, **axes
        ).values
    np.testing.assert_allclose(back, facts.values, rtol=1e-9, atol=1e-6)


@settings(max_examples=150, deadline=None)
@given(entity_facts(), st.sampled_from(CURRENCIES), st.booleans(), rate_tables())
def test_facts_already_in_the_target_are_unchanged(
    case: tuple[Facts, dict[int, str], dict[int, RateType]], target: str, empty_table: bool, table: RateTable
) -> None:
    facts, currency_of, rate_type_of = case
    same = dict.fromkeys(currency_of, target)
    table = RateTable("EUR", []) if empty_table else table
    result = convert(
        facts,
        entity_axis=0,
        period_axis=1,
        account_axis=2,
        currency_of=same,
        rate_type_of=rate_type_of,
        table=table,
        target=target,
    )
    np.testing.assert_array_equal(result.values, facts.values)
    np.testing.assert_array_equal(result.coords, facts.coords)


@settings(max_examples=150, deadline=None)
@given(rate_tables(), st.sampled_from(CURRENCIES), st.sampled_from(CURRENCIES), st.sampled_from(CURRENCIES))
def test_triangulation_is_consistent(table: RateTable, first: str, second: str, third: str) -> None:
    for period in PERIODS:
        direct = table.factor(first, third, period, "closing")
        assert direct == pytest.approx(
            table.factor(first, second, period, "closing") * table.factor(second, third, period, "closing"), rel=1e-12
        )
        assert table.factor(first, second, period, "average") * table.factor(second, first, period, "average") == (
            pytest.approx(1.0, rel=1e-12)
        )


# Accounts of the property: 0 cash, 1 receivables (assets); 2 loan (liability); 3 capital, 4 net income, 5 CTA
# (equity); 6 revenue (outside the balance sheet). Net income translates at the average rate.
PROPERTY_WEIGHTS = {0: 1.0, 1: 1.0, 2: -1.0, 3: -1.0, 4: -1.0, 5: -1.0}
PROPERTY_RATE_TYPES: dict[int, RateType] = {
    0: "closing",
    1: "closing",
    2: "closing",
    3: "closing",
    4: "average",
    5: "closing",
    6: "average",
}
amounts = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)


@st.composite
def balanced_sheets(draw: st.DrawFn) -> tuple[Facts, dict[int, str]]:
    """A balanced local-currency balance sheet per (entity, period, version): assets = liabilities + equity."""
    currency_of = {entity: draw(st.sampled_from(CURRENCIES)) for entity in range(draw(st.integers(1, 3)))}
    rows: list[tuple[tuple[int, int, int, int], float]] = []
    for entity in currency_of:
        for period in draw(st.sets(st.sampled_from(PERIODS), min_size=1)):
            for version in draw(st.sets(st.integers(0, 1), min_size=1)):
                cash, receivables, loan, capital = (draw(amounts) for _ in range(4))
                values = [cash, receivables, loan, capital, cash + receivables - loan - capital, 0.0, draw(amounts)]
                rows.extend(((entity, account, period, version), value) for account, value in enumerate(values))
    return Facts.from_rows(rows, 4), currency_of


@settings(max_examples=150, deadline=None)
@given(balanced_sheets(), rate_tables(), st.sampled_from(CURRENCIES))
def test_translation_difference_rebalances_every_coordinate(
    case: tuple[Facts, dict[int, str]], table: RateTable, target: str
) -> None:
    local, currency_of = case  # coordinates are (entity, account, period, version)
    converted = convert(
        local,
        entity_axis=0,
        period_axis=2,
        account_axis=1,
        currency_of=currency_of,
        rate_type_of=PROPERTY_RATE_TYPES,
        table=table,
        target=target,
    )
    difference = translation_difference(
        converted, account_axis=1, balance_weights=PROPERTY_WEIGHTS, difference_account=5
    )
    assert set(difference.coords[:, 1].tolist()) <= {5}
    keys = [(row[0], row[2], row[3]) for row in difference.coords.tolist()]
    assert len(keys) == len(set(keys))
    expected, scale = _independent_differences(converted, PROPERTY_WEIGHTS, difference_weight=-1.0)
    got = dict(zip(keys, difference.values.tolist(), strict=True))
    for key in set(expected) | set(got):
        assert got.get(key, 0.0) == pytest.approx(expected.get(key, 0.0), abs=1e-9 * scale[key])
    booked = Facts(
        np.vstack([converted.coords, difference.coords]), np.concatenate([converted.values, difference.values])
    )
    totals, _ = _independent_differences(booked, PROPERTY_WEIGHTS, difference_weight=-1.0)
    for key, value in totals.items():
        assert value == pytest.approx(0.0, abs=1e-9 * scale[key])


def _independent_differences(
    facts: Facts, weights: Mapping[int, float], difference_weight: float
) -> tuple[dict[tuple[int, ...], float], dict[tuple[int, ...], float]]:
    """-check total / weight per (entity, period, version), by plain loops; and a scale for tolerances."""
    sums: dict[tuple[int, ...], float] = defaultdict(float)
    scale: dict[tuple[int, ...], float] = defaultdict(lambda: 1.0)
    for (entity, account, period, version), value in zip(facts.coords.tolist(), facts.values.tolist(), strict=True):
        weight = weights.get(account, 0.0)
        sums[entity, period, version] += weight * value
        scale[entity, period, version] += abs(weight * value)
    return {key: -total / difference_weight for key, total in sums.items()}, scale
