"""Spreading a parent value to its leaves: exact totals by largest remainder, holds, weights, fallback, errors."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from opencorpo.engine import EngineError, SpreadError, spread

NAN = math.nan


def test_proportional_keeps_the_shape() -> None:
    result = spread(200.0, np.array([10.0, 30.0, 60.0]))
    np.testing.assert_array_equal(result.values, [20.0, 60.0, 120.0])
    assert (result.method, result.note) == ("proportional", None)


def test_even_split_gives_the_extra_cent_to_the_first_cells() -> None:
    np.testing.assert_array_equal(spread(100.0, np.zeros(3), method="even").values, [33.34, 33.33, 33.33])
    np.testing.assert_array_equal(spread(-100.0, np.zeros(3), method="even").values, [-33.33, -33.33, -33.34])
    np.testing.assert_array_equal(spread(0.05, np.zeros(3), method="even", precision=2).values, [0.02, 0.02, 0.01])


def test_basis_spreads_like_another_version() -> None:
    result = spread(100.0, np.array([NAN, 7.0]), method="basis", basis=np.array([1.0, 3.0]))
    np.testing.assert_array_equal(result.values, [25.0, 75.0])
    assert result.method == "basis"


def test_held_cells_keep_their_value_and_the_rest_takes_the_difference() -> None:
    result = spread(100.0, np.array([10.0, 20.0, 25.5]), held=np.array([False, False, True]))
    np.testing.assert_array_equal(result.values, [24.83, 49.67, 25.5])


def test_an_empty_cell_that_gets_nothing_stays_empty() -> None:
    np.testing.assert_array_equal(spread(50.0, np.array([10.0, NAN])).values, [50.0, NAN])


def test_a_held_empty_cell_stays_empty() -> None:
    result = spread(9.0, np.array([NAN, 1.0]), held=np.array([True, False]))
    np.testing.assert_array_equal(result.values, [NAN, 9.0])


def test_mixed_signs_and_negative_targets_keep_the_ratios() -> None:
    np.testing.assert_array_equal(spread(-30.0, np.array([-10.0, 40.0])).values, [10.0, -40.0])
    np.testing.assert_array_equal(spread(10.0, np.array([100.0, -99.0])).values, [1000.0, -990.0])


@pytest.mark.parametrize(
    ("current", "method", "basis", "what"),
    [
        ([NAN, NAN, NAN, NAN], "proportional", None, "The cells have no current values"),  # an empty parent
        ([0.0, 0.0, 0.0, 0.0], "proportional", None, "The cells have no current values"),
        ([5.0, -5.0, 2.5, -2.5], "proportional", None, "The cells have no current values"),  # they cancel out
        ([1.0, 2.0, 3.0, 4.0], "basis", [NAN, 0.0, NAN, 0.0], "The basis has no values"),
    ],
)
def test_weights_adding_up_to_zero_fall_back_to_even(
    current: list[float], method: str, basis: list[float] | None, what: str
) -> None:
    result = spread(10.0, np.array(current), method=method, basis=basis)  # type: ignore[arg-type]
    np.testing.assert_array_equal(result.values, [2.5, 2.5, 2.5, 2.5])
    assert result.method == "even"
    assert result.note is not None and result.note.startswith(what) and "spread evenly" in result.note


def test_every_cell_held_at_the_target_changes_nothing() -> None:
    result = spread(30.0, np.array([10.0, 20.0]), held=np.array([True, True]))
    np.testing.assert_array_equal(result.values, [10.0, 20.0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: spread(1.0, np.array([])), "There are no cells to spread the value over"),
        (lambda: spread(1.0, np.zeros((2, 2))), "There are no cells to spread the value over"),
        (lambda: spread(NAN, np.zeros(2)), r"Cannot spread nan: .* type a number"),
        (lambda: spread(math.inf, np.zeros(2)), "Cannot spread inf"),
        (lambda: spread(1.0, np.array([1.0, math.inf])), "holds an infinite value; correct that cell"),
        (
            lambda: spread(31.0, np.array([10.0, 20.0]), held=np.array([True, True])),
            "Every cell is held and they add up to 30.00, not 31.00; release at least one cell",
        ),
        (lambda: spread(1.0, np.zeros(2), method="basis"), "Spreading by basis needs basis values"),
        (
            lambda: spread(1.0, np.zeros(2), method="basis", basis=np.ones(3)),
            "The basis has 3 values but there are 2 cells; give one basis value per cell",
        ),
        (lambda: spread(1.0, np.zeros(2), method="basis", basis=[1.0, -math.inf]), "The basis holds an infinite"),
        (lambda: spread(1.0, np.zeros(2), basis=np.ones(2)), "A basis was given but the method is 'proportional'"),
        (lambda: spread(1.0, np.zeros(2), method="lumpy"), "Unknown spread method 'lumpy'"),  # type: ignore[arg-type]
        (lambda: spread(1.0, np.zeros(2), held=[True]), "The held flags cover 1 cells but there are 2"),
        (lambda: spread(1.0, np.zeros(2), precision=-1), "Precision -1 is not supported; use .* from 0 to 6"),
        (lambda: spread(1.0, np.zeros(2), precision=7), "Precision 7 is not supported"),
        (lambda: spread(1e12, np.zeros(2), precision=6), "too large to handle exactly at 6 decimals; use fewer"),
    ],
)
def test_errors_say_what_is_wrong_and_what_to_do(call: object, message: str) -> None:
    with pytest.raises(SpreadError, match=message) as raised:
        call()  # type: ignore[operator]
    assert isinstance(raised.value, EngineError)


amounts = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False)
cells = st.lists(st.tuples(st.one_of(st.just(NAN), amounts), st.booleans()), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(amounts, cells, st.integers(0, 4), st.sampled_from(["proportional", "even", "basis"]), st.randoms())
def test_the_total_is_exact_and_held_cells_are_untouched(
    target: float, cells: list[tuple[float, bool]], precision: int, method: str, rnd: random.Random
) -> None:
    held = np.array([is_held for _, is_held in cells])
    assume(not held.all())
    current = np.array([round(value, precision) if is_held else value for value, is_held in cells])
    basis = np.array([rnd.uniform(0, 10) for _ in cells]) if method == "basis" else None
    result = spread(target, current, method=method, basis=basis, held=held, precision=precision)  # type: ignore[arg-type]
    np.testing.assert_array_equal(result.values[held], current[held])
    free = result.values[~held]
    assert all(math.isnan(value) or round(value, precision) == value for value in free)  # multiples of 10^-p
    units = sum(round(value * 10**precision) for value in np.nan_to_num(result.values))
    assert units == round(round(target, precision) * 10**precision)  # exact in whole units
    total = math.fsum(np.nan_to_num(result.values))
    assert total == pytest.approx(round(target, precision), abs=1e-9 * max(1.0, float(np.nansum(np.abs(free)))))


@settings(max_examples=200, deadline=None)
@given(amounts, st.lists(st.floats(min_value=0.01, max_value=1e4), min_size=1, max_size=10), st.integers(0, 3))
def test_proportional_spread_keeps_the_ratios_within_rounding(target: float, current: list[float], p: int) -> None:
    result = spread(target, np.array(current), precision=p)
    exact = round(target, p) * np.array(current) / sum(current)
    assert np.all(np.abs(result.values - exact) < 10.0**-p + 1e-9)  # largest remainder: under one unit off
    assert result.method == "proportional"


@settings(max_examples=100, deadline=None)
@given(amounts, st.lists(st.one_of(st.just(NAN), st.just(0.0)), min_size=1, max_size=10), st.integers(0, 3))
def test_an_empty_parent_is_spread_evenly_with_a_note(target: float, current: list[float], p: int) -> None:
    result = spread(target, np.array(current), precision=p)
    assert result.method == "even" and result.note is not None
    values = np.nan_to_num(result.values)
    assert values.max() - values.min() <= 10.0**-p + 1e-9  # even: at most one unit apart
