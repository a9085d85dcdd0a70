"""Property tests of aggregation: parents equal the sum of their children in every dimension, before and after moves."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opencorpo.engine import Axis, CubeShape, Facts, Hierarchy, HierarchyError, aggregate
from tests.engine.builders import all_members_axes, brute_force_cell, forests

Rows = list[tuple[tuple[int, ...], float]]
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def cubes(draw: st.DrawFn, *, weighted: bool = False, min_dimensions: int = 1) -> tuple[CubeShape, Rows]:
    """A cube of 1-3 random forests and up to 40 facts on random leaves.

    Half the time the first dimension plays Account and the second Time (all flow accounts), so the
    time-balance code path is exercised as well as the plain one.
    """
    count = draw(st.integers(min_value=min_dimensions, max_value=3))
    names = tuple(f"D{index}" for index in range(count))
    hierarchies = {
        name: draw(forests(prefix=f"{name}_", first_id=1000 * (index + 1), max_size=8, weighted=weighted))
        for index, name in enumerate(names)
    }
    with_roles = count >= 2 and draw(st.booleans())
    shape = CubeShape(names, hierarchies, names[1] if with_roles else None, names[0] if with_roles else None)
    leaf_choices = st.tuples(*(st.sampled_from(hierarchies[name].leaves()) for name in names))
    rows = draw(st.lists(st.tuples(leaf_choices, values), max_size=40))
    return shape, rows


def tolerance(rows: Rows) -> float:
    return 1e-9 * (1.0 + sum(abs(value) for _, value in rows))


def facts_of(shape: CubeShape, rows: Rows) -> Facts:
    return Facts.from_rows(rows, d=len(shape.dimensions))


def assert_parents_equal_the_sum_of_children(shape: CubeShape, grid: np.ndarray, atol: float) -> None:
    for axis, dimension in enumerate(shape.dimensions):
        hierarchy = shape.hierarchies[dimension]
        position = {member: index for index, member in enumerate(hierarchy.tree_order())}
        for member in hierarchy:
            children = hierarchy.children(member)
            if not children:
                continue
            parent = np.take(grid, position[member], axis=axis)
            child_values = np.take(grid, [position[child] for child in children], axis=axis)
            all_empty = np.isnan(child_values).all(axis=axis)
            assert np.array_equal(np.isnan(parent), all_empty), f"{hierarchy.code_of(member)} empty-ness"
            np.testing.assert_allclose(
                parent[~all_empty], np.nansum(child_values, axis=axis)[~all_empty], rtol=1e-9, atol=atol
            )


@settings(max_examples=150, deadline=None)
@given(cubes())
def test_every_parent_is_the_sum_of_its_children(cube: tuple[CubeShape, Rows]) -> None:
    shape, rows = cube
    grid = aggregate(shape, facts_of(shape, rows), all_members_axes(shape))
    assert grid.shape == tuple(len(shape.hierarchies[dimension]) for dimension in shape.dimensions)
    assert_parents_equal_the_sum_of_children(shape, grid, tolerance(rows))


@settings(max_examples=100, deadline=None)
@given(cubes(weighted=True))
def test_weighted_aggregation_matches_a_fact_by_fact_sum(cube: tuple[CubeShape, Rows]) -> None:
    shape, rows = cube
    axes = all_members_axes(shape)
    grid = aggregate(shape, facts_of(shape, rows), axes)
    for index in np.ndindex(grid.shape):
        coordinate = {axis.dimension: axis.members[i] for axis, i in zip(axes, index, strict=True)}
        expected = brute_force_cell(shape, rows, coordinate)
        if expected is None:
            assert math.isnan(grid[index])
        else:
            assert grid[index] == pytest.approx(expected, rel=1e-9, abs=tolerance(rows))


@settings(max_examples=100, deadline=None)
@given(cubes(), st.data())
def test_axes_order_only_transposes_the_answer(cube: tuple[CubeShape, Rows], data: st.DataObject) -> None:
    shape, rows = cube
    axes = all_members_axes(shape)
    order = data.draw(st.permutations(range(len(axes))))
    grid = aggregate(shape, facts_of(shape, rows), axes)
    reordered = aggregate(shape, facts_of(shape, rows), [axes[index] for index in order])
    np.testing.assert_array_equal(reordered, np.transpose(grid, order))


def root_totals(shape: CubeShape, facts: Facts) -> dict[int, np.ndarray]:
    moved_dimension, *others = shape.dimensions
    roots = shape.hierarchies[moved_dimension].roots()
    axes = [Axis(moved_dimension, tuple(roots))]
    axes += [Axis(other, tuple(shape.hierarchies[other].roots())) for other in others]
    grid = aggregate(shape, facts, axes)
    return {root: grid[index] for index, root in enumerate(roots)}


def root_of(hierarchy: Hierarchy, member: int) -> int:
    ancestors = hierarchy.ancestors(member)
    return ancestors[-1] if ancestors else member


def grand_total(totals: dict[int, np.ndarray]) -> np.ndarray:
    stacked = np.stack(list(totals.values()))
    return np.where(np.isnan(stacked).all(axis=0), np.nan, np.nansum(stacked, axis=0))


@settings(max_examples=150, deadline=None)
@given(cubes(min_dimensions=2), st.data())
def test_moves_keep_parents_equal_to_children_and_totals_where_they_were(
    cube: tuple[CubeShape, Rows], data: st.DataObject
) -> None:
    shape, rows = cube
    facts = facts_of(shape, rows)
    moved_dimension = shape.dimensions[0]
    fact_leaves = {leaves[0] for leaves, _ in rows}
    atol = tolerance(rows)
    for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
        hierarchy = shape.hierarchies[moved_dimension]
        members: Sequence[int] = hierarchy.tree_order()
        member = data.draw(st.sampled_from(members))
        target = data.draw(st.none() | st.sampled_from(members))
        if target is not None and (target == member or member in hierarchy.ancestors(target)):
            with pytest.raises(HierarchyError) as caught:
                hierarchy.moved(member, target)
            cycle = caught.value.message.split("cycle ")[1].split(";")[0].split(" → ")
            assert cycle[0] == cycle[-1] == hierarchy.code_of(member) and cycle[-2] == hierarchy.code_of(target)
            continue
        if target is not None and target in fact_leaves:
            continue  # a leaf holding data cannot take children; the Django side moves its data first
        before = root_totals(shape, facts)
        moved = hierarchy.moved(member, target)
        crossed = root_of(hierarchy, member) != root_of(moved, member)
        shape = CubeShape(
            shape.dimensions,
            {**shape.hierarchies, moved_dimension: moved},
            shape.time_dimension,
            shape.account_dimension,
        )
        grid = aggregate(shape, facts, all_members_axes(shape))
        assert_parents_equal_the_sum_of_children(shape, grid, atol)
        after = root_totals(shape, facts)
        np.testing.assert_allclose(grand_total(after), grand_total(before), rtol=1e-9, atol=atol)
        if not crossed:
            assert set(after) == set(before)
            for root, totals in before.items():
                np.testing.assert_allclose(after[root], totals, rtol=1e-9, atol=atol)
