"""Spreading a value typed at a parent down to its leaf cells ("splashing"), exact at a number of decimals.

Held cells keep their current value; the other cells share what is left, in proportion to their current
values, to a basis (another version's values, a driver) or evenly. Rounding is by largest remainder in
whole units of 10^-precision, so the cells add up to the target exactly. When the weights add up to 0
(an empty parent, or values that cancel out) a proportional or basis spread falls back to an even one and
says so in `note`. An empty cell that receives nothing stays empty, so spreading does not fill sparse grids
with zeros.

`apportion`, `to_units` and `check_precision` are shared with `allocate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from opencorpo.engine.errors import EngineError

SpreadMethod = Literal["proportional", "even", "basis"]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MAX_PRECISION = 6
_MAX_UNITS = 2**53  # beyond this a float no longer holds every whole unit
_CANCELLED = 1e-12  # weights whose sum is this small relative to their size add up to zero


class SpreadError(EngineError):
    """A value cannot be spread over the cells as asked."""


@dataclass(frozen=True, eq=False)
class SpreadResult:
    """The new leaf values (held cells as they were) and the method actually used; `note` explains a fallback."""

    values: FloatArray
    method: SpreadMethod
    note: str | None = None


def spread(
    target: float,
    current: ArrayLike,
    *,
    method: SpreadMethod = "proportional",
    basis: ArrayLike | None = None,
    held: ArrayLike | None = None,
    precision: int = 2,
) -> SpreadResult:
    """Spread `target` over the leaf cells whose values are `current` (NaN = empty, weighs 0)."""
    check_precision(precision, SpreadError)
    values = np.asarray(current, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise SpreadError("There are no cells to spread the value over; type it at a member that has leaf cells.")
    if not math.isfinite(target):
        raise SpreadError(f"Cannot spread {target}: the value to spread must be a finite number; type a number.")
    if np.isinf(values).any():
        raise SpreadError("A cell to spread over holds an infinite value; correct that cell before spreading.")
    held_mask = _held_mask(held, values.size)
    weights_source = _weights_source(method, basis, values)
    free = ~held_mask
    result = values.copy()
    held_sum = float(np.nansum(values[held_mask]))
    to_share = to_units(target, precision, SpreadError) - to_units(held_sum, precision, SpreadError)
    if not free.any():
        if to_share != 0:
            raise SpreadError(
                f"Every cell is held and they add up to {held_sum:,.{precision}f}, not {target:,.{precision}f}; "
                "release at least one cell or type the held total."
            )
        return SpreadResult(result, method)
    used, note = method, None
    weights = np.ones(int(free.sum()))
    if weights_source is not None:
        candidate = np.nan_to_num(weights_source[free], nan=0.0)
        if abs(candidate.sum()) > _CANCELLED * np.abs(candidate).sum():
            weights = candidate
        else:
            used = "even"
            what = "The cells have no current values" if method == "proportional" else "The basis has no values"
            note = f"{what} to weight by (empty or adding up to zero), so the amount was spread evenly."
    shares = apportion(to_share, weights, SpreadError)
    new_values = shares / float(10**precision)
    result[free] = np.where(np.isnan(values[free]) & (shares == 0), np.nan, new_values)
    return SpreadResult(result, used, note)


def apportion(units: int, weights: FloatArray, error: type[EngineError]) -> IntArray:
    """Split `units` whole units in proportion to `weights` (which must not add up to 0) by largest remainder.

    The shares always add up to `units` exactly; a tie in the remainders goes to the lower index.
    """
    quotas = units * (weights / weights.sum())
    if not np.all(np.abs(quotas) < _MAX_UNITS):
        raise error("The amounts are too large to split exactly at this many decimals; use fewer decimals.")
    floors = np.floor(quotas)
    shares: IntArray = floors.astype(np.int64)
    left = units - sum(int(share) for share in shares)
    whole, extra = divmod(left, shares.size)  # whole is 0 except after floating-point error
    order = np.argsort(floors - quotas, kind="stable")  # largest remainder first, ties by index
    shares += whole
    shares[order[:extra]] += 1
    return shares


def to_units(value: float, precision: int, error: type[EngineError]) -> int:
    """`value` rounded to `precision` decimals, as a whole number of 10^-precision units."""
    scaled = round(value, precision) * float(10**precision)
    if not abs(scaled) < _MAX_UNITS:
        raise error(f"{value:,} is too large to handle exactly at {precision} decimals; use fewer decimals.")
    return round(scaled)


def check_precision(precision: int, error: type[EngineError]) -> None:
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= MAX_PRECISION:
        raise error(f"Precision {precision!r} is not supported; use a whole number of decimals from 0 to 6.")


def _held_mask(held: ArrayLike | None, size: int) -> NDArray[np.bool_]:
    if held is None:
        return np.zeros(size, dtype=np.bool_)
    mask = np.asarray(held, dtype=np.bool_)
    if mask.shape != (size,):
        raise SpreadError(f"The held flags cover {mask.size} cells but there are {size}; give one flag per cell.")
    return mask


def _weights_source(method: str, basis: ArrayLike | None, values: FloatArray) -> FloatArray | None:
    if method not in ("proportional", "even", "basis"):
        raise SpreadError(f"Unknown spread method '{method}'; use 'proportional', 'even' or 'basis'.")
    if method != "basis":
        if basis is not None:
            raise SpreadError(f"A basis was given but the method is '{method}'; use method 'basis' or drop the basis.")
        return values if method == "proportional" else None
    if basis is None:
        raise SpreadError("Spreading by basis needs basis values; choose the version or driver to spread by.")
    weights = np.asarray(basis, dtype=np.float64)
    if weights.shape != values.shape:
        raise SpreadError(
            f"The basis has {weights.size} values but there are {values.size} cells; give one basis value per cell."
        )
    if np.isinf(weights).any():
        raise SpreadError("The basis holds an infinite value; correct the basis before spreading.")
    return weights
