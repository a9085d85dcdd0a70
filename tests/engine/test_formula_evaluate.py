"""Formula evaluation: empty cells, presence, division by zero, ROUND, overflow, and time functions by hand."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from opencorpo.engine import FormulaError, Ref, Series, evaluate, parse

_ = None  # an empty cell in the tables below
Row = list[float | None]


def series(*rows: Row) -> Series:
    present = np.array([[value is not None for value in row] for row in rows], dtype=bool)
    values = np.array([[0.0 if value is None else value for value in row] for row in rows])
    return Series(values, present)


def run(text: str, inputs: dict[str, Series], years: list[int] | None = None) -> Series:
    some = next(iter(inputs.values()))
    rows, periods = some.values.shape
    year_of = np.array(years if years is not None else [0] * periods, dtype=np.int64)
    return evaluate(parse(text), lambda ref: inputs[ref.key], rows=rows, year_of=year_of)


def table(result: Series) -> list[Row]:
    return [
        [float(value) if present else None for value, present in zip(values, mask, strict=True)]
        for values, mask in zip(result.values, result.present, strict=True)
    ]


A = series([1.0, _, 3.0, 4.0, _, 6.0])
B = series([2.0, 5.0, _, 0.0, _, -1.0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + b", [3.0, 5.0, 3.0, 4.0, _, 5.0]),
        ("a * b", [2.0, 0.0, 0.0, 0.0, _, -6.0]),
        ("a / b", [0.5, 0.0, 0.0, 0.0, _, -6.0]),  # division by zero (or by an empty cell) is 0
        ("-a", [-1.0, _, -3.0, -4.0, _, -6.0]),
        ("a * 1", [1.0, _, 3.0, 4.0, _, 6.0]),  # a constant creates no cells
        ("a > b", [0.0, 0.0, 1.0, 1.0, _, 1.0]),
        ("a = b", [0.0, 0.0, 0.0, 0.0, _, 0.0]),
        ("a <> b", [1.0, 1.0, 1.0, 1.0, _, 1.0]),
        ("a <= 3", [1.0, _, 1.0, 0.0, _, 0.0]),
        ("IF(b, a, 100)", [1.0, 0.0, 100.0, 100.0, _, 6.0]),
        ("AND(a, b)", [1.0, 0.0, 0.0, 0.0, _, 1.0]),
        ("OR(a, b)", [1.0, 1.0, 1.0, 1.0, _, 1.0]),
        ("NOT(b)", [0.0, 0.0, _, 1.0, _, 0.0]),  # NOT of an empty cell is empty, so 0
        ("MIN(a, b)", [1.0, 0.0, 0.0, 0.0, _, -1.0]),  # an empty operand takes part as 0
        ("MAX(a, b, 2)", [2.0, 5.0, 3.0, 4.0, _, 6.0]),
        ("ABS(b)", [2.0, 5.0, _, 0.0, _, 1.0]),
        ("b ^ 2", [4.0, 25.0, _, 0.0, _, 1.0]),  # the constant exponent adds no cells
        ("b ^ b", [4.0, 3125.0, _, 1.0, _, -1.0]),
        ("b ^ 0.5", [2.0**0.5, 5.0**0.5, _, 0.0, _, 0.0]),  # no real square root of -1: 0
        ("b ^ -1", [0.5, 0.2, _, 0.0, _, -1.0]),  # 0 ^ -1 is a division by zero: 0
    ],
)
def test_cell_semantics(text: str, expected: Row) -> None:
    result = run(text, {"a": A, "b": B})
    assert table(result) == [expected]
    assert np.all(result.values[~result.present] == 0.0)
    assert np.all(np.isfinite(result.values))


def test_splitting_a_formula_into_items_never_changes_the_result() -> None:
    inputs = {"a": A, "b": B}
    whole = run("NOT(b) + 1 + IF(a = b, 10, 20)", inputs)
    inputs |= {"n": run("NOT(b)", inputs), "c": run("a = b", inputs)}
    split = run("n + 1 + IF(c, 10, 20)", inputs)
    np.testing.assert_array_equal(whole.values, split.values)
    np.testing.assert_array_equal(whole.present, split.present)


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (2.5, 0, 3.0),
        (-2.5, 0, -3.0),
        (3.5, 0, 4.0),
        (0.5, 0, 1.0),
        (-0.5, 0, -1.0),
        (0.4999999999999, 0, 0.0),
        (0.49999999999999994, 0, 1.0),  # shows as 0.5 with 15 significant digits
        (0.125, 2, 0.13),
        (1.005, 2, 1.01),  # stored as 1.00499999999999989…, shown (and rounded) as 1.005, as Excel
        (-1.005, 2, -1.01),
        (2.675, 2, 2.68),
        (1234.5, -2, 1200.0),
        (1250.0, -2, 1300.0),
        (-1250.0, -2, -1300.0),
        (0.1 + 0.2, 1, 0.3),
        (1e20 + 0.5, 0, 1e20),
        (123.456, 400, 123.456),
        (123.456, -400, 0.0),
    ],
)
def test_round_is_half_away_from_zero(value: float, digits: int, expected: float) -> None:
    result = run(f"ROUND(a, {digits})", {"a": series([value])})
    assert result.values[0, 0] == expected


def test_round_keeps_the_presence_of_its_value_and_defaults_to_zero_digits() -> None:
    assert table(run("ROUND(a / 4)", {"a": A})) == [[0.0, _, 1.0, 1.0, _, 2.0]]  # 4 adds no cells
    assert table(run("ROUND(c, 1)", {"c": series([0.25, _, 1.45, -2.35])})) == [[0.3, _, 1.5, -2.4]]


def test_time_functions_by_hand() -> None:
    x = series([1.0, 2.0, _, 4.0, 8.0, _, 32.0], [_, _, 10.0, _, _, _, _])
    years = [0, 0, 0, 1, 1, 2, 2]  # fiscal years of 3, 2 and 2 months
    expected = {
        "PREV(x)": [[_, 1.0, 2.0, _, 4.0, 8.0, _], [_, _, _, 10.0, _, _, _]],
        "LAG(x, 0)": [[1.0, 2.0, _, 4.0, 8.0, _, 32.0], [_, _, 10.0, _, _, _, _]],
        "LAG(x, 3)": [[_, _, _, 1.0, 2.0, _, 4.0], [_, _, _, _, _, 10.0, _]],
        "LAG(x, 7)": [[_] * 7, [_] * 7],
        "LAG(x, 100)": [[_] * 7, [_] * 7],
        "YTD(x)": [[1.0, 3.0, 3.0, 4.0, 12.0, _, 32.0], [_, _, 10.0, _, _, _, _]],
        "CUMUL(x)": [[1.0, 3.0, 3.0, 7.0, 15.0, 15.0, 47.0], [_, _, 10.0, 10.0, 10.0, 10.0, 10.0]],
        "MOVAVG(x, 1)": [[1.0, 2.0, _, 4.0, 8.0, _, 32.0], [_, _, 10.0, _, _, _, _]],
        "MOVAVG(x, 2)": [[1.0, 1.5, 1.0, 2.0, 6.0, 4.0, 16.0], [_, _, 5.0, 5.0, _, _, _]],
        "MOVAVG(x, 3)": [[1.0, 1.5, 1.0, 2.0, 4.0, 4.0, 40 / 3], [_, _, 10 / 3, 10 / 3, 10 / 3, _, _]],
        "MOVAVG(x, 50)": [[1.0, 1.5, 1.0, 7 / 4, 3.0, 15 / 6, 47 / 7], [_, _, 10 / 3, 10 / 4, 2.0, 10 / 6, 10 / 7]],
        "PREV(YTD(x))": [[_, 1.0, 3.0, 3.0, 4.0, 12.0, _], [_, _, _, 10.0, _, _, _]],
        "YTD(x) - PREV(x) * 0": [[1.0, 3.0, 3.0, 4.0, 12.0, 0.0, 32.0], [_, _, 10.0, 0.0, _, _, _]],
    }
    for text, rows in expected.items():
        assert table(run(text, {"x": x}, years)) == rows, text


def test_ytd_resets_wherever_the_fiscal_year_changes() -> None:
    ones = series([1.0] * 6)
    assert table(run("YTD(x)", {"x": ones}, [2024] * 6)) == [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]
    assert table(run("YTD(x)", {"x": ones}, [0, 1, 1, 1, 2, 2])) == [[1.0, 1.0, 2.0, 3.0, 1.0, 2.0]]
    assert table(run("YTD(x)", {"x": ones}, [5, 5, 6, 6, 6, 6])) == [[1.0, 2.0, 1.0, 2.0, 3.0, 4.0]]


def test_resolve_is_called_once_per_distinct_ref_and_inputs_are_cleaned() -> None:
    calls: Counter[str] = Counter()
    values = np.array([[1.0, 7.0, np.nan, np.inf]])
    present = np.array([[True, False, True, True]])

    def resolve(ref: Ref) -> Series:
        calls[ref.key] += 1
        return Series(values, present)

    result = evaluate(parse("a + a * a + b{p: X} + b{p: X}"), resolve, rows=1, year_of=np.zeros(4, dtype=np.int64))
    assert calls == {"a": 1, "b{p:X}": 1}
    assert table(result) == [[4.0, _, _, _]]  # values where not present, NaN and inf are empty
    assert values[0, 1] == 7.0 and present[0, 1] is np.False_  # the caller's arrays are untouched


def test_a_formula_without_refs_fills_every_cell() -> None:
    result = evaluate(parse("1 + 2 * 3"), lambda ref: pytest.fail(), rows=2, year_of=np.zeros(3, dtype=np.int64))
    assert table(result) == [[7.0] * 3] * 2


def test_zero_rows_and_zero_periods() -> None:
    empty = evaluate(parse("MOVAVG(a, 3) + YTD(a)"), lambda ref: Series.empty(0, 4), rows=0, year_of=np.zeros(4))
    assert empty.values.shape == (0, 4)
    none = evaluate(parse("MOVAVG(a, 3) + YTD(a)"), lambda ref: Series.empty(2, 0), rows=2, year_of=np.zeros(0))
    assert none.values.shape == (2, 0)


@pytest.mark.parametrize(
    ("text", "part", "position"),
    [("a ^ 400", "a ^ 400", 0), ("1 + (a * 1e300) * 1e300 / 1e300", "(a * 1e300) * 1e300", 4),
     ("CUMUL(a * 1e307)", "CUMUL(a * 1e307)", 0), ("1 / (a / 1e-308)", "(a / 1e-308)", 4)],
)  # fmt: skip
def test_overflow_is_an_error_naming_the_part(text: str, part: str, position: int) -> None:
    with pytest.raises(FormulaError) as caught:
        run(text, {"a": series([10.0, 10.0])})
    assert caught.value.position == position
    assert f"The part '{part}' at position {position} in \"{text}\" gives numbers too large" in str(caught.value)


def test_resolve_must_return_the_evaluated_shape() -> None:
    with pytest.raises(ValueError, match=r"'a'.*\(2, 3\)"):
        evaluate(parse("a + 1"), lambda ref: Series.empty(2, 4), rows=2, year_of=np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="one fiscal-year index per period"):
        evaluate(parse("1"), lambda ref: Series.empty(1, 1), rows=1, year_of=np.zeros((1, 1), dtype=np.int64))
    with pytest.raises(ValueError, match="differ"):
        Series(np.zeros((1, 2)), np.zeros((2, 1), dtype=bool))


def test_a_formula_of_constants_alone_fills_every_cell() -> None:
    assert table(run("2 * 21 + 0 * a", {"a": A})) == [[42.0, _, 42.0, 42.0, _, 42.0]]  # with a ref: where a is
    assert table(evaluate(parse("2 * 21"), lambda ref: A, rows=1, year_of=np.zeros(6, dtype=np.int64))) == [[42.0] * 6]
