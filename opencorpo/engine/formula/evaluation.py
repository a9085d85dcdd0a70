"""Vectorised evaluation of a parsed formula over a (rows × periods) block of cells; see the package docstring."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import pairwise
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from opencorpo.engine.formula.errors import FormulaError, where
from opencorpo.engine.formula.nodes import Binary, Call, Formula, Node, Number, Ref, Unary, children, walk
from opencorpo.engine.formula.syntax import whole_number

FloatMatrix = NDArray[np.float64]
BoolMatrix = NDArray[np.bool_]
# Beyond 2^52 every float is a whole number: ROUND has nothing left to do.
_ALL_WHOLE = 2.0**52
_Cell = TypeVar("_Cell", np.float64, np.bool_)


@dataclass
class Series:
    """Values of one item over (rows × periods) cells; `present` is False for empty cells, whose value is 0."""

    values: FloatMatrix
    present: BoolMatrix

    def __post_init__(self) -> None:
        if np.shape(self.values) != np.shape(self.present):
            raise ValueError(f"Series values {np.shape(self.values)} and present {np.shape(self.present)} differ.")

    @classmethod
    def empty(cls, rows: int, periods: int) -> Series:
        return cls(np.zeros((rows, periods)), np.zeros((rows, periods), dtype=np.bool_))


def evaluate(formula: Formula, resolve: Callable[[Ref], Series], *, rows: int, year_of: NDArray[np.int64]) -> Series:
    """The formula's values over `rows` × len(year_of) cells; `resolve` is called once per distinct ref key.

    Raises FormulaError when part of the formula overflows, ValueError when `resolve` returns another shape.
    """
    years = np.asarray(year_of, dtype=np.int64)
    if years.ndim != 1:
        raise ValueError(f"year_of must be one fiscal-year index per period, not an array of shape {years.shape}.")
    shape = (rows, len(years))
    inputs = {ref.key: _input(ref, resolve(ref), shape) for ref in formula.refs}
    done: dict[int, Series] = {}
    with np.errstate(all="ignore"):
        for node in walk(formula.root):
            args = [done.pop(id(child)) for child in children(node)]
            if isinstance(node, Ref):
                done[id(node)] = inputs[node.key]
            elif isinstance(node, Number):
                done[id(node)] = Series(np.full(shape, node.value), np.ones(shape, dtype=np.bool_))
            else:
                values, present = _apply(node, args, years)
                done[id(node)] = _checked(values, present, node, formula.text)
    result = done[id(formula.root)]
    if not formula.refs:  # a formula of constants alone fills every cell
        return result
    present = result.present & _anchored(formula, inputs, shape, years)
    return Series(np.where(present, result.values, 0.0), present)


def _anchored(
    formula: Formula, inputs: dict[str, Series], shape: tuple[int, int], years: NDArray[np.int64]
) -> BoolMatrix:
    """Where some input reaches the result (through time functions too): constants alone create no cells, so
    `Units * 1.1` is empty where Units is. The same rules as `present`, with constants never present."""
    masks: dict[int, BoolMatrix] = {}
    zeros = np.zeros(shape)
    with np.errstate(all="ignore"):
        for node in walk(formula.root):
            args = [Series(zeros, masks.pop(id(child))) for child in children(node)]
            if isinstance(node, Ref):
                masks[id(node)] = inputs[node.key].present
            elif isinstance(node, Number):
                masks[id(node)] = np.zeros(shape, dtype=np.bool_)
            else:
                masks[id(node)] = _apply(node, args, years)[1]
    return masks[id(formula.root)]


def _input(ref: Ref, series: Series, shape: tuple[int, int]) -> Series:
    values = np.asarray(series.values, dtype=np.float64)
    present = np.asarray(series.present, dtype=np.bool_)
    if values.shape != shape or present.shape != shape:
        raise ValueError(
            f"resolve returned values of shape {values.shape} for '{ref.key}', but the formula is evaluated over "
            f"{shape} (rows × periods)."
        )
    present = present & np.isfinite(values)
    return Series(np.where(present, values, 0.0), present)


def _checked(values: FloatMatrix, present: BoolMatrix, node: Node, text: str) -> Series:
    values = np.where(present, values, 0.0) + 0.0  # empty is 0, and -0.0 becomes 0.0
    if not np.isfinite(values).all():
        raise FormulaError(
            f"The part '{text[node.start : node.end]}' {where(node.start, text)} gives numbers too large to store "
            "(beyond ±1.8e308); check the inputs and exponents it uses.",
            node.start,
        )
    return Series(values, present)


def _any_present(args: Sequence[Series]) -> BoolMatrix:
    return reduce(np.logical_or, (arg.present for arg in args))


def _apply(node: Node, args: list[Series], years: NDArray[np.int64]) -> tuple[FloatMatrix, BoolMatrix]:
    if isinstance(node, Unary):
        return (-args[0].values if node.op == "-" else args[0].values), args[0].present
    if isinstance(node, Binary):
        return _binary(node.op, args[0].values, args[1].values), _any_present(args)
    assert isinstance(node, Call)
    name, values = node.name, [arg.values for arg in args]
    if name in ("PREV", "LAG", "YTD", "CUMUL", "MOVAVG"):
        count = whole_number(node.args[1]) if len(node.args) > 1 else 1  # PREV is LAG(x, 1); YTD, CUMUL ignore it
        return _time(name, args[0], count or 0, years)
    if name == "ROUND":
        digits = whole_number(node.args[1]) if len(node.args) > 1 else 0
        return _round_half_away(values[0], digits or 0), args[0].present
    present = _any_present(args)
    if name == "IF":
        return np.where(values[0] != 0, values[1], values[2]), present
    if name == "AND":
        return reduce(np.logical_and, (value != 0 for value in values)).astype(np.float64), present
    if name == "OR":
        return reduce(np.logical_or, (value != 0 for value in values)).astype(np.float64), present
    if name == "NOT":
        return (values[0] == 0).astype(np.float64), present
    if name == "MIN":
        return reduce(np.minimum, values), present
    if name == "MAX":
        return reduce(np.maximum, values), present
    assert name == "ABS", name
    return np.abs(values[0]), present


def _binary(op: str, left: FloatMatrix, right: FloatMatrix) -> FloatMatrix:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        usable = right != 0
        return np.where(usable, left / np.where(usable, right, 1.0), 0.0)
    if op == "^":
        power = np.power(left, right)
        undefined = np.isnan(power) | ((left == 0) & (right < 0))  # no real result, or a division by zero
        return np.where(undefined, 0.0, power)
    compared = {
        "=": np.equal,
        "<>": np.not_equal,
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
    }[op](left, right)
    return compared.astype(np.float64)


def _time(name: str, series: Series, count: int, years: NDArray[np.int64]) -> tuple[FloatMatrix, BoolMatrix]:
    values, present = series.values, series.present
    if name in ("PREV", "LAG"):
        return _lag(values, count), _lag(present, count)
    if name == "CUMUL":
        return np.cumsum(values, axis=1), np.logical_or.accumulate(present, axis=1)
    if name == "YTD":
        total, seen = np.zeros_like(values), np.zeros_like(present)
        starts = [0, *(np.flatnonzero(years[1:] != years[:-1]) + 1).tolist(), len(years)]
        for first, last in pairwise(starts):
            total[:, first:last] = np.cumsum(values[:, first:last], axis=1)
            seen[:, first:last] = np.logical_or.accumulate(present[:, first:last], axis=1)
        return total, seen
    assert name == "MOVAVG", name
    periods = values.shape[1]
    count = min(count, periods)
    total, seen = np.zeros_like(values), np.zeros_like(present)
    for lag in reversed(range(count)):  # oldest period first
        total += _lag(values, lag)
        seen |= _lag(present, lag)
    available = np.minimum(np.arange(1, periods + 1), count)
    return total / available, seen


def _lag(matrix: NDArray[_Cell], count: int) -> NDArray[_Cell]:
    shifted = np.zeros_like(matrix)
    if count < matrix.shape[1]:
        shifted[:, count:] = matrix[:, : matrix.shape[1] - count]
    return shifted


def _round_half_away(values: FloatMatrix, digits: int) -> FloatMatrix:
    """Round half away from zero, as Excel: a value that shows as a half with 15 significant digits counts as
    the half, so ROUND(1.005, 2) is 1.01 although 1.005 is stored as 1.00499999999999989…"""
    digits = max(-308, min(308, digits))
    scale = 10.0 ** abs(digits)
    magnitude = np.abs(values)
    scaled = magnitude * scale if digits >= 0 else magnitude / scale
    whole = np.floor(scaled)
    half_of_15th_digit = 0.5 * 10.0 ** (np.floor(np.log10(scaled)) - 14)
    rounded = whole + (scaled - whole >= 0.5 - half_of_15th_digit)
    back = rounded / scale if digits >= 0 else rounded * scale
    keep = ~np.isfinite(scaled) | (scaled >= _ALL_WHOLE)
    return np.where(keep, values, np.copysign(back, values))
