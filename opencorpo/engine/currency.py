"""Currency translation of leaf facts: entity currency → reporting currency, before any aggregation.

Planning data is entered in each entity's own currency. A read in a reporting currency converts every leaf
fact first (entities with different currencies only roll up together once converted), with the rate of
its leaf period: flows and averages at the period's average rate, balances ("first"/"last") at the
closing rate. Rates are quoted against the model's base currency and any other pair is triangulated
through it, so USD → GBP = (USD → base) / (GBP → base).

Translating the balance sheet at closing rates and the result at average rates leaves a balanced balance
sheet unbalanced; `translation_difference` books that difference instead of losing it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from opencorpo.engine.accounts import TimeBalance
from opencorpo.engine.cube import Facts
from opencorpo.engine.errors import EngineError

RateType = Literal["average", "closing"]
RATE_TYPES: tuple[RateType, ...] = get_args(RateType)
MAX_LISTED = 5  # missing rates / unknown ids named in one message
ZERO_TOLERANCE = 1e-9
_CODE = re.compile(r"[A-Z]{3}")


class CurrencyError(EngineError):
    """A conversion cannot be done as asked: malformed or missing rates, an entity or account without a currency."""


def rate_type_for(time_balance: TimeBalance) -> RateType:
    """Flows and averages translate at the period's average rate; balances ("first"/"last") at the closing rate."""
    if time_balance in ("flow", "average"):
        return "average"
    if time_balance in ("first", "last"):
        return "closing"
    raise CurrencyError(f"Unknown time balance '{time_balance}'; use 'flow', 'first', 'last' or 'average'.")


@dataclass(frozen=True)
class Rate:
    """1 unit of `currency` = `rate` units of the base currency in leaf period (month id) `period`.

    Versions are the caller's business: a `RateTable` holds the rates of one version.
    """

    currency: str
    period: int
    rate_type: RateType
    rate: float


class RateTable:
    """Validated rates against one base currency; looks up factors between any two currencies."""

    def __init__(self, base: str, rates: Iterable[Rate]) -> None:
        self.base = _checked_code(base, "The base currency")
        self._rates: dict[tuple[str, int, str], float] = {}
        for rate in rates:
            currency = _checked_code(rate.currency, f"The currency of rate {rate!r}")
            if rate.rate_type not in RATE_TYPES:
                raise CurrencyError(
                    f"Rate type '{rate.rate_type}' of {currency} is unknown; use 'average' or 'closing'."
                )
            if isinstance(rate.period, bool) or not isinstance(rate.period, int | np.integer):
                raise CurrencyError(f"The period of {currency} rate {rate.period!r} must be a month id (an integer).")
            value = float(rate.rate)
            if not math.isfinite(value) or value <= 0:
                raise CurrencyError(
                    f"The {rate.rate_type} rate of {currency} in period {rate.period} is {rate.rate!r}; "
                    f"a rate must be a positive number (units of {self.base} for 1 {currency})."
                )
            if currency == self.base and value != 1.0:
                raise CurrencyError(
                    f"The base currency {currency} is given rate {value:g} in period {rate.period}; "
                    "the base currency is always 1 — drop that rate."
                )
            key = (currency, int(rate.period), rate.rate_type)
            if key in self._rates:
                raise CurrencyError(
                    f"The {rate.rate_type} rate of {currency} in period {rate.period} is given twice; "
                    "keep one rate per currency, period and rate type."
                )
            self._rates[key] = value

    def factor(self, source: str, target: str, period: int, rate_type: RateType) -> float:
        """Units of `target` for 1 unit of `source` in `period`; 1.0 for the same currency."""
        return float(self.factors(np.array([source]), target, np.array([period]), np.array([rate_type]))[0])

    def factors(
        self, sources: ArrayLike, target: str, periods: ArrayLike, rate_types: ArrayLike
    ) -> NDArray[np.float64]:
        """`factor` for many rows at once (equal-length 1-D arrays); raises CurrencyError naming missing rates."""
        target = _checked_code(target, "The target currency")
        source_array = np.asarray(sources, dtype=object).reshape(-1)
        period_array = np.asarray(periods, dtype=np.int64).reshape(-1)
        type_array = np.asarray(rate_types, dtype=object).reshape(-1)
        if not len(source_array) == len(period_array) == len(type_array):
            raise CurrencyError("Give one source currency, period and rate type per row (the arrays differ in length).")
        if not len(source_array):
            return np.zeros(0, dtype=np.float64)
        source_names, source_index = np.unique(source_array, return_inverse=True)
        type_names, type_index = np.unique(type_array, return_inverse=True)
        keys = np.stack([source_index.reshape(-1), period_array, type_index.reshape(-1)], axis=1)
        combos, inverse = np.unique(keys, axis=0, return_inverse=True)
        missing: set[tuple[str, int, str]] = set()
        found = np.ones(len(combos), dtype=np.float64)
        for row, (source_at, period, type_at) in enumerate(combos.tolist()):
            source, rate_type = str(source_names[source_at]), str(type_names[type_at])
            if rate_type not in RATE_TYPES:
                raise CurrencyError(f"Rate type '{rate_type}' is unknown; use 'average' or 'closing'.")
            if source == target:
                continue
            source_rate = self._rate(_checked_code(source, "A source currency"), period, rate_type, missing)
            target_rate = self._rate(target, period, rate_type, missing)
            found[row] = source_rate / target_rate
        if missing:
            raise CurrencyError(_missing_message(missing, target))
        return found[inverse.reshape(-1)]

    def _rate(self, currency: str, period: int, rate_type: str, missing: set[tuple[str, int, str]]) -> float:
        if currency == self.base:
            return 1.0
        rate = self._rates.get((currency, period, rate_type))
        if rate is None:
            missing.add((currency, period, rate_type))
            return math.nan
        return rate


def convert(
    facts: Facts,
    *,
    entity_axis: int,
    period_axis: int,
    account_axis: int,
    currency_of: Mapping[int, str],
    rate_type_of: Mapping[int, RateType],
    table: RateTable,
    target: str,
    precision: int | None = None,
) -> Facts:
    """Leaf facts in `target`: each value times the factor (entity currency → target, its period, account rate type).

    `currency_of` maps leaf entity ids to their currency and `rate_type_of` leaf account ids to their rate
    type (see `rate_type_for`). Facts already in `target` need no rate. `precision` rounds the converted
    values to that many decimals (e.g. 2 for cents); None keeps them unrounded.
    """
    width = facts.coords.shape[1]
    axes = {"entity": entity_axis, "period": period_axis, "account": account_axis}
    for name, axis in axes.items():
        if not 0 <= axis < width:
            raise CurrencyError(f"The {name} axis {axis} is outside the facts' {width} coordinates; pass its column.")
    if len(set(axes.values())) < len(axes):
        raise CurrencyError("The entity, period and account axes must be three different columns of the facts.")
    if precision is not None and precision < 0:
        raise CurrencyError(f"Precision {precision} is negative; give the number of decimals to keep, or None.")
    sources = _lookup(
        facts.coords[:, entity_axis],
        currency_of,
        "Entity ids {listed} have no currency; set their currency, or read in entity currency.",
    )
    rate_types = _lookup(
        facts.coords[:, account_axis],
        rate_type_of,
        "Account ids {listed} have no rate type (average or closing); set their time balance first.",
    )
    values = facts.values * table.factors(sources, target, facts.coords[:, period_axis], rate_types)
    if precision is not None:
        values = np.round(values, precision)
    return Facts(coords=facts.coords.copy(), values=values)


def translation_difference(
    facts: Facts, *, account_axis: int, balance_weights: Mapping[int, float], difference_account: int
) -> Facts:
    """Facts on `difference_account` that bring the balance-sheet check total back to 0 at every coordinate.

    `balance_weights` maps each balance-sheet leaf account to its weight in the check total (assets +1,
    liabilities and equity -1: `Hierarchy.leaf_weights` of the check root). For every distinct coordinate
    without the account (entity, period, version, other dimensions), the weighted sum of the converted facts
    is taken; the returned fact is -sum / weight of the difference account. Coordinates that already balance
    (|sum| ≤ 1e-9 × the larger of 1 and the sum of the weighted absolute values) get no row.

    The difference account is typically an equity "currency translation reserve" (CTA). The result holds
    only the differences: callers add these facts to the converted facts (concatenate; duplicates sum).
    """
    width = facts.coords.shape[1]
    if not 0 <= account_axis < width:
        raise CurrencyError(f"The account axis {account_axis} is outside the facts' {width} coordinates.")
    weight = balance_weights.get(difference_account)
    if weight is None or weight == 0 or not math.isfinite(weight):
        state = "is not in the balance-sheet total" if weight is None else f"has weight {weight} in it"
        raise CurrencyError(
            f"Difference account {difference_account} {state}; pick a leaf inside the balance-sheet check total "
            "with a non-zero weight (typically the equity currency translation reserve)."
        )
    accounts, account_index = np.unique(facts.coords[:, account_axis], return_inverse=True)
    account_weights = np.array([float(balance_weights.get(int(a), 0.0)) for a in accounts.tolist()], dtype=np.float64)
    weighted = facts.values * account_weights[account_index.reshape(-1)]
    keys = np.delete(facts.coords, account_axis, axis=1)
    if not len(keys):
        return Facts(coords=np.zeros((0, width), dtype=np.int64), values=np.zeros(0, dtype=np.float64))
    groups, group_index = np.unique(keys, axis=0, return_inverse=True)
    group_index = group_index.reshape(-1)
    sums = np.bincount(group_index, weights=weighted, minlength=len(groups))
    scale = np.maximum(1.0, np.bincount(group_index, weights=np.abs(weighted), minlength=len(groups)))
    unbalanced = np.abs(sums) > ZERO_TOLERANCE * scale
    coords = np.insert(groups[unbalanced], account_axis, difference_account, axis=1)
    return Facts(coords=coords, values=-sums[unbalanced] / weight)


def _checked_code(code: object, what: str) -> str:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise CurrencyError(f"{what} is {code!r}; use a three-letter upper-case currency code such as 'EUR' or 'USD'.")
    return code


def _lookup(column: NDArray[np.int64], mapping: Mapping[int, str], missing: str) -> NDArray[np.object_]:
    ids, index = np.unique(column, return_inverse=True)
    unknown = [member for member in ids.tolist() if member not in mapping]
    if unknown:
        listed = ", ".join(str(member) for member in unknown[:MAX_LISTED])
        more = f" and {len(unknown) - MAX_LISTED} more" if len(unknown) > MAX_LISTED else ""
        raise CurrencyError(missing.format(listed=f"{listed}{more}"))
    found = np.array([mapping[member] for member in ids.tolist()], dtype=object)
    return found[index.reshape(-1)]


def _missing_message(missing: set[tuple[str, int, str]], target: str) -> str:
    ordered = sorted(missing)
    listed = ", ".join(
        f"{currency} {rate_type} in period {period}" for currency, period, rate_type in ordered[:MAX_LISTED]
    )
    more = f" and {len(ordered) - MAX_LISTED} more" if len(ordered) > MAX_LISTED else ""
    return (
        f"Exchange rates are missing to convert into {target}: {listed}{more}; "
        "enter the rates for these currencies and periods in this version, or read in entity currency."
    )


__all__ = [
    "RATE_TYPES",
    "CurrencyError",
    "Rate",
    "RateTable",
    "RateType",
    "convert",
    "rate_type_for",
    "translation_difference",
]
