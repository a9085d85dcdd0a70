"""Variance of one cell and of whole grids: absolute, percent of |reference|, favourable by polarity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opencorpo.engine import EngineError, Polarity, Variance, polarity_sign, variance, variance_arrays

HIGHER: Polarity = "higher_is_better"
LOWER: Polarity = "lower_is_better"
NEUTRAL: Polarity = "neutral"


@pytest.mark.parametrize(
    ("actual", "reference", "polarity", "expected"),
    [
        (120.0, 100.0, HIGHER, Variance(20.0, 20.0, True)),  # revenue over budget
        (80.0, 100.0, HIGHER, Variance(-20.0, -20.0, False)),  # revenue short
        (120.0, 100.0, LOWER, Variance(20.0, 20.0, False)),  # costs over budget
        (80.0, 100.0, LOWER, Variance(-20.0, -20.0, True)),  # costs under budget
        (100.0, 100.0, HIGHER, Variance(0.0, 0.0, True)),  # on plan is favourable
        (100.0, 100.0, LOWER, Variance(0.0, 0.0, True)),
        (120.0, 100.0, NEUTRAL, Variance(20.0, 20.0, None)),  # statistics are never judged
        (-50.0, -100.0, HIGHER, Variance(50.0, 50.0, True)),  # a smaller loss: percent keeps the sign
        (-150.0, -100.0, HIGHER, Variance(-50.0, -50.0, False)),
        (50.0, 0.0, HIGHER, Variance(50.0, None, True)),  # no percent of a zero reference
        (50.0, None, HIGHER, Variance(50.0, None, True)),  # nothing planned: empty reference is 0
        (None, 100.0, HIGHER, Variance(-100.0, -100.0, False)),  # nothing booked yet
        (None, 100.0, LOWER, Variance(-100.0, -100.0, True)),
        (None, None, HIGHER, Variance(None, None, None)),  # both empty: no variance
        (math.nan, math.nan, LOWER, Variance(None, None, None)),  # NaN reads as empty
        (math.nan, 40.0, HIGHER, Variance(-40.0, -100.0, False)),
        (0.0, 0.0, NEUTRAL, Variance(0.0, None, None)),
    ],
)
def test_variance_cases(actual: float | None, reference: float | None, polarity: Polarity, expected: Variance) -> None:
    assert variance(actual, reference, polarity) == expected


def test_unknown_polarity_is_rejected() -> None:
    with pytest.raises(EngineError, match="Unknown polarity 'up'"):
        variance(1.0, 2.0, "up")  # type: ignore[arg-type]


def test_variance_arrays_on_a_grid() -> None:
    actual = np.array([[120.0, 80.0, np.nan], [np.nan, 5.0, 100.0]])
    reference = np.array([[100.0, 100.0, np.nan], [40.0, 0.0, 100.0]])
    signs = np.array([[1.0], [-1.0]])  # row polarity, broadcast along the columns
    absolute, percent, favourable = variance_arrays(actual, reference, signs)
    np.testing.assert_array_equal(absolute, [[20.0, -20.0, np.nan], [-40.0, 5.0, 0.0]])
    np.testing.assert_array_equal(percent, [[20.0, -20.0, np.nan], [-100.0, np.nan, 0.0]])
    np.testing.assert_array_equal(favourable, [[1.0, 0.0, np.nan], [1.0, 0.0, 1.0]])


def test_variance_arrays_neutral_is_never_judged() -> None:
    _, _, favourable = variance_arrays(np.array([1.0, 2.0]), np.array([2.0, 2.0]), np.array([0.0, 0.0]))
    assert np.isnan(favourable).all()


finite_or_empty = st.one_of(st.none(), st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(finite_or_empty, finite_or_empty, st.sampled_from([HIGHER, LOWER, NEUTRAL])),
        min_size=1,
        max_size=20,
    )
)
def test_grid_variance_matches_the_single_cell_rules(cells: list[tuple[float | None, float | None, Polarity]]) -> None:
    actual = np.array([np.nan if a is None else a for a, _, _ in cells])
    reference = np.array([np.nan if r is None else r for _, r, _ in cells])
    signs = np.array([polarity_sign(polarity) for _, _, polarity in cells], dtype=np.float64)
    absolute, percent, favourable = variance_arrays(actual, reference, signs)
    for index, (a, r, polarity) in enumerate(cells):
        expected = variance(a, r, polarity)
        assert _as_float(expected.absolute) == pytest.approx(absolute[index], nan_ok=True)
        assert _as_float(expected.percent) == pytest.approx(percent[index], nan_ok=True)
        judged = math.nan if expected.favourable is None else float(expected.favourable)
        assert judged == pytest.approx(favourable[index], nan_ok=True)


def _as_float(value: float | None) -> float:
    return math.nan if value is None else value
