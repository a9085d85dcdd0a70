"""Variances between an actual and a reference (budget, forecast, prior year), with favourable/unfavourable by polarity.

An empty side counts as 0 when the other side has a value (a budget with no actuals yet is a full
shortfall); both empty is no variance at all. The percent is relative to |reference| so that a negative
reference keeps the sign of the absolute variance, and is undefined (None/NaN) when the reference is 0
or empty. Exactly on plan (absolute == 0) counts as favourable; a neutral account is never judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from opencorpo.engine.accounts import Polarity, polarity_sign

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Variance:
    """actual - reference, as an amount and a percent of |reference|, and whether it is good news."""

    absolute: float | None
    percent: float | None
    favourable: bool | None


def variance(actual: float | None, reference: float | None, polarity: Polarity) -> Variance:
    """The variance of one cell; NaN on either side is read as empty, like None."""
    actual, reference = _present(actual), _present(reference)
    sign = polarity_sign(polarity)
    if actual is None and reference is None:
        return Variance(absolute=None, percent=None, favourable=None)
    absolute = (actual or 0.0) - (reference or 0.0)
    percent = None if not reference else absolute / abs(reference) * 100.0
    favourable = None if sign == 0 else sign * absolute >= 0
    return Variance(absolute=absolute, percent=percent, favourable=favourable)


def variance_arrays(
    actual: ArrayLike, reference: ArrayLike, polarity_sign: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """`variance` for whole grids at once (arguments broadcast together; NaN means empty).

    `polarity_sign` is +1 where higher is better, -1 where lower is better, 0 where neutral (see
    `accounts.polarity_sign`). Returns (absolute, percent, favourable) as float arrays; favourable holds
    1.0 for favourable, 0.0 for unfavourable and NaN for neutral or empty.
    """
    actual_values = np.asarray(actual, dtype=np.float64)
    reference_values = np.asarray(reference, dtype=np.float64)
    signs = np.asarray(polarity_sign, dtype=np.float64)
    actual_values, reference_values, signs = np.broadcast_arrays(actual_values, reference_values, signs)
    both_empty = np.isnan(actual_values) & np.isnan(reference_values)
    difference = np.nan_to_num(actual_values, nan=0.0) - np.nan_to_num(reference_values, nan=0.0)
    absolute = np.where(both_empty, np.nan, difference)
    usable = np.isfinite(reference_values) & (reference_values != 0)
    safe_reference = np.where(usable, np.abs(reference_values), 1.0)
    with np.errstate(over="ignore"):  # a tiny reference gives an infinite percent, as the scalar rule does
        percent = np.where(usable, absolute / safe_reference * 100.0, np.nan)
    judged = ~both_empty & (signs != 0)
    favourable = np.where(judged, (signs * absolute >= 0).astype(np.float64), np.nan)
    return absolute, percent, favourable


def _present(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return value
