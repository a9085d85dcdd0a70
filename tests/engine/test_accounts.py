"""Account semantics: defaults by account type and validation of account rules."""

from __future__ import annotations

import pytest

from opencorpo.engine import AccountRule, AccountType, EngineError, default_polarity, default_rule, default_time_balance
from opencorpo.engine.accounts import ACCOUNT_TYPES, FLOW


@pytest.mark.parametrize(
    ("account_type", "polarity", "time_balance"),
    [
        ("revenue", "higher_is_better", "flow"),
        ("expense", "lower_is_better", "flow"),
        ("asset", "higher_is_better", "last"),
        ("liability", "lower_is_better", "last"),
        ("equity", "higher_is_better", "last"),
        ("statistical", "neutral", "flow"),
    ],
)
def test_defaults_by_account_type(account_type: AccountType, polarity: str, time_balance: str) -> None:
    assert default_polarity(account_type) == polarity
    assert default_time_balance(account_type) == time_balance
    assert default_rule(account_type).time_balance == time_balance


def test_every_account_type_has_defaults() -> None:
    assert len(ACCOUNT_TYPES) == 6
    for account_type in ACCOUNT_TYPES:
        default_polarity(account_type)
        default_time_balance(account_type)


def test_unknown_account_type() -> None:
    with pytest.raises(EngineError, match="Unknown account type 'income'; use one of 'revenue'"):
        default_polarity("income")  # type: ignore[arg-type]
    with pytest.raises(EngineError, match="Unknown account type 'income'"):
        default_time_balance("income")  # type: ignore[arg-type]


def test_rule_defaults_are_a_flow() -> None:
    assert AccountRule() == FLOW
    assert not FLOW.is_ratio
    assert AccountRule(ratio=(1, 2), scale=100).is_ratio


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"time_balance": "closing"}, "Unknown time balance 'closing'"),
        ({"ratio": (1, 2, 3)}, "A ratio must be .numerator account id, denominator account id."),
        ({"ratio": ("GM", "Revenue")}, "A ratio must be"),
        ({"ratio": (1, 2), "scale": float("nan")}, "scale must be a finite number"),
    ],
)
def test_invalid_rules(arguments: dict[str, object], expected: str) -> None:
    with pytest.raises(EngineError, match=expected):
        AccountRule(**arguments)  # type: ignore[arg-type]
