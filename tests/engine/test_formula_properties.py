"""Property tests: random formulas, written as text, evaluate like a plain cell-by-cell Python computation of the
same tree (written here without the evaluator), and render → parse → render is stable."""

from __future__ import annotations

import math
from collections import Counter
from decimal import ROUND_FLOOR, Context, Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opencorpo.engine import FormulaError, Ref, Series, evaluate, parse, render
from opencorpo.engine.formula import Node, walk
from opencorpo.engine.formula.nodes import children

Tree = tuple[Any, ...]
Cell = tuple[float, bool]
Grid = list[list[Cell]]

# key → how it is written in the generated formulas
REFS = {
    "a": "a",
    "Units_2": "Units_2",
    "[4000]": "[4000]",
    "[Gross margin]": "[Gross margin]",
    "staffing!FTE": "staffing!FTE",
    "Price{entity:'E 1',product:@family}": 'Price{ product : @family, entity: "E 1" }',
}
TIME_FUNCTIONS = {"PREV", "LAG", "YTD", "CUMUL", "MOVAVG"}
_WIDE = Context(prec=500)


class Overflow(Exception):
    pass


def names(*options: str) -> st.SearchStrategy[str]:
    return st.sampled_from(options).flatmap(lambda name: st.sampled_from([name, name.lower(), name.capitalize()]))


leaves = st.one_of(
    st.integers(0, 9).map(lambda n: ("num", float(n), str(n))),
    st.integers(0, 300).map(lambda n: ("num", n / 100, f"{n}%")),
    st.sampled_from([("num", 0.5, ".5"), ("num", 1.5, "1.5"), ("num", 2e1, "2e1"), ("num", 0.25, "25E-2")]),
    st.just(("num", 1e300, "1e300")),  # to reach overflows
    st.sampled_from([("ref", key, text) for key, text in REFS.items()]),
)
exponents = st.sampled_from([-1, 0, 1, 2, 3]).map(
    lambda n: ("num", float(n), str(n)) if n >= 0 else ("neg", ("num", float(-n), str(-n)))
) | st.just(("num", 0.5, "0.5"))


def extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    comparisons_and_arithmetic = st.sampled_from(["+", "-", "*", "/", "=", "<>", "<", "<=", ">", ">="])
    binary = st.tuples(st.just("bin"), comparisons_and_arithmetic, children, children)
    return st.one_of(
        binary,
        binary,
        binary,
        st.tuples(st.sampled_from(["neg", "pos"]), children),
        st.tuples(st.just("pow"), children, exponents | children),
        st.tuples(st.just("call"), names("IF"), st.tuples(children, children, children)),
        st.tuples(st.just("call"), names("AND", "OR", "MIN", "MAX"), st.lists(children, min_size=1, max_size=3)),
        st.tuples(st.just("call"), names("NOT", "ABS", "PREV", "YTD", "CUMUL"), st.tuples(children)),
        st.tuples(st.just("shift"), names("LAG"), children, st.integers(0, 4)),
        st.tuples(st.just("shift"), names("MOVAVG"), children, st.integers(1, 4)),
        st.tuples(st.just("round"), names("ROUND"), children, st.none() | st.integers(-1, 2)),
    )


trees = st.recursive(leaves, extend, max_leaves=12)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Tree, dict[str, Grid], list[int], str]:
    rows, periods = draw(st.integers(1, 3)), draw(st.integers(1, 7))
    cell = st.tuples(st.integers(-8, 8).map(lambda n: n / 2), st.booleans())
    grid = st.lists(st.lists(cell, min_size=periods, max_size=periods), min_size=rows, max_size=rows)
    inputs = {key: draw(grid) for key in REFS}
    new_year = draw(st.lists(st.booleans(), min_size=periods - 1, max_size=periods - 1))
    years = [0]
    for flag in new_year:
        years.append(years[-1] + flag)
    return draw(trees), inputs, years, draw(st.sampled_from(["", " ", "\n  "]))


def text_of(tree: Tree, space: str) -> str:
    """Every compound part in parentheses; functions in the drawn case."""
    kind = tree[0]
    if kind in ("num", "ref"):
        return str(tree[2])
    if kind == "neg":
        return f"(-{space}{text_of(tree[1], space)})"
    if kind == "pos":
        return f"(+{text_of(tree[1], space)})"
    if kind == "bin":
        return f"({text_of(tree[2], space)}{space}{tree[1]}{space}{text_of(tree[3], space)})"
    if kind == "pow":
        return f"({text_of(tree[1], space)}{space}^{space}{text_of(tree[2], space)})"
    if kind == "call":
        return f"{tree[1]}({f',{space}'.join(text_of(arg, space) for arg in tree[2])})"
    extra = "" if tree[3] is None else f",{space}{tree[3]}"
    return f"{tree[1]}({space}{text_of(tree[2], space)}{extra})"


def uses_time(tree: Tree) -> bool:
    if tree[0] in ("num", "ref"):
        return False
    own = tree[0] in ("call", "shift", "round") and tree[1].upper() in TIME_FUNCTIONS
    return own or any(uses_time(part) for part in _operands(tree))


def finished(value: float, present: bool) -> Cell:
    value = (value if present else 0.0) + 0.0
    if not math.isfinite(value):
        raise Overflow
    return value, present


def each(grids: list[Grid], rule: Any) -> Grid:
    """Apply rule(values) cell by cell; present where any operand is."""
    rows, periods = len(grids[0]), len(grids[0][0])
    return [
        [
            finished(rule([grid[r][p][0] for grid in grids]), any(grid[r][p][1] for grid in grids))
            for p in range(periods)
        ]
        for r in range(rows)
    ]


def power(base: float, exponent: float) -> float:
    if base == 0 and exponent < 0:
        return 0.0
    if base < 0 and not exponent.is_integer():
        return 0.0
    try:
        return float(base**exponent)
    except OverflowError:
        return math.inf


def divide(left: float, right: float) -> float:
    try:
        return left / right if right != 0 else 0.0
    except OverflowError:
        return math.inf


def excel_round(value: float, digits: int) -> float:
    """Half away from zero; rounded up when the exact value, or the value shown with 15 digits, reaches the half."""
    exact = Decimal(abs(value)).scaleb(digits, _WIDE)
    shown = Decimal(format(abs(value), ".15g")).scaleb(digits, _WIDE)
    whole = exact.to_integral_value(ROUND_FLOOR, _WIDE)
    rounded = whole + (1 if exact - whole >= Decimal("0.5") or shown - whole >= Decimal("0.5") else 0)
    return math.copysign(float(rounded.scaleb(-digits, _WIDE)), value)


def anchored(tree: Tree, inputs: dict[str, Grid], years: list[int], rows: int, periods: int) -> list[list[bool]]:
    """Where some input reaches the result: the presence rule with every constant made empty."""
    blank = {key: [[(0.0, present) for _, present in row] for row in grid] for key, grid in inputs.items()}
    constants_empty = _without_constants(tree)
    return [[present for _, present in row] for row in compute(constants_empty, blank, years, rows, periods)]


def _without_constants(tree: Tree) -> Tree:
    if tree[0] == "num":
        return ("ref", "__empty__")
    return tuple(
        _without_constants(part)
        if isinstance(part, tuple)
        else [_without_constants(child) for child in part]
        if isinstance(part, list)
        else part
        for part in tree
    )


def compute(tree: Tree, inputs: dict[str, Grid], years: list[int], rows: int, periods: int) -> Grid:
    kind = tree[0]
    if kind == "num":
        return [[(tree[1], True)] * periods for _ in range(rows)]
    if kind == "ref":
        if tree[1] == "__empty__":
            return [[(0.0, False)] * periods for _ in range(rows)]
        return [[(value if present else 0.0, present) for value, present in row] for row in inputs[tree[1]]]
    parts = [compute(part, inputs, years, rows, periods) for part in _operands(tree)]
    if kind == "neg":
        return each(parts, lambda v: -v[0])
    if kind == "pos":
        return each(parts, lambda v: v[0])
    if kind == "pow":
        return each(parts, lambda v: power(v[0], v[1]))
    if kind == "bin":
        op = tree[1]
        arithmetic = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": divide}
        compare = {"=": float.__eq__, "<>": float.__ne__, "<": float.__lt__, "<=": float.__le__, ">": float.__gt__,
                   ">=": float.__ge__}  # fmt: skip
        if op in arithmetic:
            return each(parts, lambda v: arithmetic[op](v[0], v[1]))
        return each(parts, lambda v: 1.0 if compare[op](v[0], v[1]) else 0.0)
    name = tree[1].upper()
    if name == "ROUND":
        digits = tree[3] or 0
        return [[finished(excel_round(value, digits), present) for value, present in row] for row in parts[0]]
    plain = {
        "IF": lambda v: v[1] if v[0] != 0 else v[2],
        "AND": lambda v: 1.0 if all(x != 0 for x in v) else 0.0,
        "OR": lambda v: 1.0 if any(x != 0 for x in v) else 0.0,
        "NOT": lambda v: 1.0 if v[0] == 0 else 0.0,
        "MIN": min,
        "MAX": max,
        "ABS": lambda v: abs(v[0]),
    }
    if name in plain:
        return each(parts, plain[name])
    n = 1 if name == "PREV" else tree[3] if name in ("LAG", "MOVAVG") else 0

    def window(p: int) -> list[int]:
        if name in ("PREV", "LAG"):
            return [p - n] if p >= n else []
        if name == "CUMUL":
            return list(range(p + 1))
        if name == "YTD":
            return [q for q in range(p + 1) if years[q] == years[p]]
        return list(range(max(0, p - n + 1), p + 1))

    def rule(values: list[float], p: int) -> float:
        total = 0.0
        for value in values:
            total += value
        return total / min(n, p + 1) if name == "MOVAVG" else total

    return [
        [finished(rule([row[q][0] for q in window(p)], p), any(row[q][1] for q in window(p))) for p in range(periods)]
        for row in parts[0]
    ]


def _operands(tree: Tree) -> list[Tree]:
    kind = tree[0]
    if kind in ("neg", "pos"):
        return [tree[1]]
    if kind == "pow":
        return [tree[1], tree[2]]
    if kind == "bin":
        return [tree[2], tree[3]]
    if kind == "call":
        return list(tree[2])
    return [tree[2]]


def run(text: str, inputs: dict[str, Grid], years: list[int]) -> tuple[Series, Counter[str]]:
    calls: Counter[str] = Counter()

    def resolve(ref: Ref) -> Series:
        calls[ref.key] += 1
        grid = inputs[ref.key]  # absent cells keep their random value: evaluate must ignore it
        return Series(np.array([[v for v, _ in row] for row in grid]), np.array([[p for _, p in row] for row in grid]))

    year_of = np.array(years, dtype=np.int64)
    return evaluate(parse(text), resolve, rows=len(inputs["a"]), year_of=year_of), calls


@settings(max_examples=400, deadline=None)
@given(cases())
def test_evaluation_matches_a_cell_by_cell_computation(case: tuple[Tree, dict[str, Grid], list[int], str]) -> None:
    tree, inputs, years, space = case
    text = text_of(tree, space)
    formula = parse(text)
    assert formula.uses_time == uses_time(tree)
    try:
        expected = compute(tree, inputs, years, len(inputs["a"]), len(years))
        if formula.refs:  # constants alone create no cells: a result needs an input that reaches it
            reach = anchored(tree, inputs, years, len(inputs["a"]), len(years))
            expected = [
                [(value if hit else 0.0, present and hit) for (value, present), hit in zip(row, hits, strict=True)]
                for row, hits in zip(expected, reach, strict=True)
            ]
    except Overflow:
        with pytest.raises(FormulaError, match="too large"):
            run(text, inputs, years)
        return
    result, calls = run(text, inputs, years)
    assert set(calls.values()) <= {1} and set(calls) == {ref.key for ref in formula.refs}
    # Equal but for the last bit or so: numpy's vectorised pow may round differently from the C library's pow
    # (1e300 ** -1 gave 9.999999999999999e-301 against 1e-300); every other operation is exact IEEE arithmetic.
    wanted = np.array([[value for value, _ in row] for row in expected])
    np.testing.assert_allclose(result.values, wanted, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(result.present, np.array([[present for _, present in row] for row in expected]))
    canonical = render(formula)
    assert render(parse(canonical)) == canonical
    again, _ = run(canonical, inputs, years)
    np.testing.assert_array_equal(again.values, result.values)
    np.testing.assert_array_equal(again.present, result.present)


@settings(max_examples=200, deadline=None)
@given(trees, st.sampled_from(["", " ", "\t"]))
def test_parse_finds_every_reference_in_text_order(tree: Tree, space: str) -> None:
    text = text_of(tree, space)
    formula = parse(text)
    spans = [text[ref.start : ref.end] for ref in formula.refs]
    assert all(span.replace(" ", "") in {t.replace(" ", "") for t in REFS.values()} for span in spans)
    assert [ref.key for ref in formula.refs] == list(dict.fromkeys(leaf for leaf in _ref_keys(tree)))


def _ref_keys(tree: Tree) -> list[str]:
    if tree[0] == "ref":
        return [tree[1]]
    if tree[0] == "num":
        return []
    return [key for part in _operands(tree) for key in _ref_keys(part)]


def structure(node: Node) -> list[Any]:
    """The tree without positions: what the text means."""
    fields = ("op", "name", "value", "key")
    return [
        (type(part).__name__, len(children(part)), *(getattr(part, name) for name in fields if hasattr(part, name)))
        for part in walk(node)
    ]


@settings(max_examples=300, deadline=None)
@given(trees, st.sampled_from(["", " "]))
def test_render_keeps_the_meaning_and_is_stable(tree: Tree, space: str) -> None:
    formula = parse(text_of(tree, space))
    canonical = render(formula)
    assert structure(parse(canonical).root) == structure(formula.root)
    assert render(parse(canonical)) == canonical
