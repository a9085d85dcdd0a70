"""Formula dependency graph: evaluation order, cycle paths and incremental recalculation order."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opencorpo.engine import FormulaCycleError, FormulaError, evaluation_order, recalculation_order

# Margin reads Revenue and Cost; Revenue and Cost both read Units (a diamond); Units reads the input Volume.
DIAMOND = {
    "Margin": ["Revenue", "Cost"],
    "Revenue": ["Units", "Price"],
    "Cost": ["Units", "UnitCost"],
    "Units": ["Volume"],
}


def test_each_formula_comes_after_what_it_reads_with_ties_by_key() -> None:
    assert evaluation_order(DIAMOND) == ["Units", "Cost", "Revenue", "Margin"]
    assert evaluation_order(dict(reversed(DIAMOND.items()))) == ["Units", "Cost", "Revenue", "Margin"]
    assert evaluation_order({"c": ["a"], "b": [], "a": []}) == ["a", "b", "c"]
    assert evaluation_order({"z": ["input"], "y": ("z", "z"), "x": iter(["y"])}) == ["z", "y", "x"]
    assert evaluation_order({}) == []


@pytest.mark.parametrize(
    ("dependencies", "path"),
    [
        ({"A": ["B"], "B": ["C"], "C": ["A"]}, ["A", "B", "C", "A"]),
        ({"C": ["A", "x"], "B": ["C"], "A": ["B"]}, ["A", "B", "C", "A"]),
        ({"Stock": ["Stock", "In", "Out"]}, ["Stock", "Stock"]),  # even when read through PREV, in this version
        ({"A": ["X"], "X": ["Y"], "Y": ["X", "Z"], "Z": []}, ["X", "Y", "X"]),
        ({"A": ["B"], "B": ["A"], "C": ["D"], "D": ["C"], "E": []}, ["A", "B", "A"]),
    ],
)
def test_a_cycle_is_named_from_its_least_key(dependencies: dict[str, list[str]], path: list[str]) -> None:
    with pytest.raises(FormulaCycleError) as caught:
        evaluation_order(dependencies)
    error = caught.value
    assert isinstance(error, FormulaError)
    assert error.path == path
    assert error.position is None
    assert str(error) == (
        f"Formulas depend on each other in a cycle: {' → '.join(path)}; break the cycle by making one of them an input."
    )


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["Volume"], ["Units", "Cost", "Revenue", "Margin"]),
        (["Price"], ["Revenue", "Margin"]),
        (["UnitCost", "Price"], ["Cost", "Revenue", "Margin"]),
        (["Units"], ["Units", "Cost", "Revenue", "Margin"]),
        (["Revenue"], ["Revenue", "Margin"]),
        (["Margin"], ["Margin"]),
        (["Unrelated"], []),
        ([], []),
    ],
)
def test_recalculation_order_in_a_diamond(changed: list[str], expected: list[str]) -> None:
    assert recalculation_order(DIAMOND, changed) == expected
    assert recalculation_order(DIAMOND, iter(changed)) == expected


def test_recalculation_order_in_a_chain_skips_what_comes_before_the_change() -> None:
    chain = {f"F{index}": [f"F{index - 1}"] for index in range(1, 6)} | {"F0": ["input"]}
    assert recalculation_order(chain, ["input"]) == ["F0", "F1", "F2", "F3", "F4", "F5"]
    assert recalculation_order(chain, ["F3"]) == ["F3", "F4", "F5"]
    assert recalculation_order(chain, ["F5", "F2"]) == ["F2", "F3", "F4", "F5"]


def test_a_long_chain_needs_no_recursion() -> None:
    chain = {f"F{index:05d}": [f"F{index - 1:05d}"] for index in range(1, 20000)} | {"F00000": []}
    assert evaluation_order(chain) == sorted(chain)
    cyclic = chain | {"F00000": ["F19999"]}
    with pytest.raises(FormulaCycleError) as caught:
        evaluation_order(cyclic)
    assert len(caught.value.path) == 20001


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, list[str]]:
    """Random graphs over formulas f0..f9 and inputs i0..i2, cyclic or not."""
    count = draw(st.integers(0, 10))
    keys = [f"f{index}" for index in range(count)]
    candidates = [*keys, "i0", "i1", "i2"]
    return {key: draw(st.lists(st.sampled_from(candidates), max_size=4)) for key in keys}


def reach(dependencies: dict[str, list[str]], changed: set[str]) -> set[str]:
    """Brute force: a formula is affected when it is changed or reads an affected key, to a fixed point."""
    affected = {key for key in dependencies if key in changed}
    while True:
        more = {key for key, read in dependencies.items() if set(read) & (affected | changed)}
        if more <= affected:
            return affected
        affected |= more


def has_cycle(dependencies: dict[str, list[str]]) -> bool:
    remaining = dict(dependencies)
    while True:
        ready = [key for key, read in remaining.items() if not set(read) & remaining.keys()]
        if not ready:
            return bool(remaining)
        for key in ready:
            del remaining[key]


@settings(max_examples=300, deadline=None)
@given(graphs(), st.sets(st.sampled_from(["f0", "f3", "f7", "i0", "i2"])))
def test_orders_on_random_graphs(dependencies: dict[str, list[str]], changed: set[str]) -> None:
    if has_cycle(dependencies):
        with pytest.raises(FormulaCycleError) as caught:
            evaluation_order(dependencies)
        path = caught.value.path
        assert path[0] == path[-1] == min(path) and len(set(path)) == len(path) - 1
        assert all(following in dependencies[key] for key, following in pairwise(path))
        return
    order = evaluation_order(dependencies)
    assert sorted(order) == sorted(dependencies)
    position = {key: index for index, key in enumerate(order)}
    for key, read in dependencies.items():
        assert all(position[dependency] < position[key] for dependency in read if dependency in dependencies)
    again = recalculation_order(dependencies, changed)
    assert set(again) == reach(dependencies, changed)
    assert again == [key for key in order if key in again]


def test_recalculation_keeps_the_full_evaluation_order() -> None:
    dependencies = {"a": ["z"], "b": ["input"], "z": []}
    assert evaluation_order(dependencies) == ["b", "z", "a"]
    assert recalculation_order(dependencies, ["input", "a"]) == ["b", "a"]
    with pytest.raises(FormulaCycleError):
        recalculation_order(dependencies | {"p": ["q"], "q": ["p"]}, ["input"])
