"""Account semantics: account types, how values roll up over time, variance polarity and ratio accounts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from opencorpo.engine.errors import EngineError

AccountType = Literal["revenue", "expense", "asset", "liability", "equity", "statistical"]
TimeBalance = Literal["flow", "first", "last", "average"]
Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]

ACCOUNT_TYPES: tuple[AccountType, ...] = get_args(AccountType)
TIME_BALANCES: tuple[TimeBalance, ...] = get_args(TimeBalance)
POLARITIES: tuple[Polarity, ...] = get_args(Polarity)

_POLARITY_BY_TYPE: dict[AccountType, Polarity] = {
    "revenue": "higher_is_better",
    "asset": "higher_is_better",
    "equity": "higher_is_better",
    "expense": "lower_is_better",
    "liability": "lower_is_better",
    "statistical": "neutral",
}
_POLARITY_SIGN: dict[Polarity, int] = {"higher_is_better": 1, "lower_is_better": -1, "neutral": 0}
_BALANCE_SHEET_TYPES: frozenset[AccountType] = frozenset({"asset", "liability", "equity"})


def default_polarity(account_type: AccountType) -> Polarity:
    """Whether more is good news: revenue, assets and equity yes; expenses and liabilities no; statistics neutral."""
    try:
        return _POLARITY_BY_TYPE[account_type]
    except KeyError:
        raise EngineError(_unknown_account_type(account_type)) from None


def default_time_balance(account_type: AccountType) -> TimeBalance:
    """Balance sheet accounts take the closing value over time ("last"); everything else is a flow."""
    if account_type not in _POLARITY_BY_TYPE:
        raise EngineError(_unknown_account_type(account_type))
    return "last" if account_type in _BALANCE_SHEET_TYPES else "flow"


def polarity_sign(polarity: Polarity) -> int:
    """+1 when higher is better, -1 when lower is better, 0 when neutral (the form `variance_arrays` takes)."""
    try:
        return _POLARITY_SIGN[polarity]
    except KeyError:
        raise EngineError(
            f"Unknown polarity '{polarity}'; use one of {', '.join(repr(name) for name in POLARITIES)}."
        ) from None


@dataclass(frozen=True)
class AccountRule:
    """How one account aggregates.

    `time_balance` says how a leaf account's months roll up into quarters and years: "flow" sums them,
    "first" and "last" take the opening or closing month, "average" divides the sum by the number of months.

    `ratio` = (numerator account id, denominator account id) makes a computed account: its value at any
    coordinate is `scale` * aggregated(numerator) / aggregated(denominator) at that coordinate, None when
    the denominator is 0 or both are empty. A ratio account is a leaf, holds no facts of its own and
    contributes nothing to its parents' totals. Use scale=100 for a percentage.
    """

    time_balance: TimeBalance = "flow"
    ratio: tuple[int, int] | None = None
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.time_balance not in TIME_BALANCES:
            raise EngineError(
                f"Unknown time balance '{self.time_balance}'; use one of "
                f"{', '.join(repr(name) for name in TIME_BALANCES)}."
            )
        if self.ratio is not None and (
            len(self.ratio) != 2 or not all(isinstance(account, int) for account in self.ratio)
        ):
            raise EngineError(
                f"A ratio must be (numerator account id, denominator account id), not {self.ratio!r}; "
                "pass two account ids."
            )
        if not math.isfinite(self.scale):
            raise EngineError(f"A ratio scale must be a finite number, not {self.scale!r}; use e.g. 100 for a percent.")

    @property
    def is_ratio(self) -> bool:
        return self.ratio is not None


FLOW = AccountRule()


def default_rule(account_type: AccountType) -> AccountRule:
    """The rule an account of this type gets when the model says nothing more specific."""
    time_balance = default_time_balance(account_type)
    return FLOW if time_balance == "flow" else AccountRule(time_balance=time_balance)


def _unknown_account_type(account_type: object) -> str:
    return f"Unknown account type '{account_type}'; use one of {', '.join(repr(name) for name in ACCOUNT_TYPES)}."
