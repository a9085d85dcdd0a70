"""Builders for engine tests: hierarchies from parent maps, fiscal Time hierarchies, random forests, brute force."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypothesis import strategies as st

from opencorpo.engine import Axis, CubeShape, Hierarchy, Node, fiscal_calendar


def hierarchy_from_parents(
    parents: Mapping[str, str | None], *, weights: Mapping[str, float] | None = None, first_id: int = 1
) -> Hierarchy:
    """A hierarchy from {code: parent code}; ids are given in the mapping's order from `first_id`."""
    ids = {code: first_id + index for index, code in enumerate(parents)}
    weights = weights or {}
    return Hierarchy(
        Node(
            id=ids[code],
            code=code,
            parent_id=None if parent is None else ids[parent],
            weight=weights.get(code, 1.0),
            sort=index,
        )
        for index, (code, parent) in enumerate(parents.items())
    )


def time_hierarchy(first_fiscal_year: int, years: int, start_month: int = 1, *, first_id: int = 1000) -> Hierarchy:
    """The Time dimension built from `fiscal_calendar`, sorted by its position in the calendar."""
    periods = fiscal_calendar(first_fiscal_year, years, start_month)
    ids = {period.code: first_id + index for index, period in enumerate(periods)}
    return Hierarchy(
        Node(
            id=ids[period.code],
            code=period.code,
            parent_id=None if period.parent_code is None else ids[period.parent_code],
            sort=index,
        )
        for index, period in enumerate(periods)
    )


@st.composite
def forests(draw: st.DrawFn, *, prefix: str, first_id: int, max_size: int = 10, weighted: bool = False) -> Hierarchy:
    """A random forest: member i hangs under a random earlier member or is a root; sort keys are random too.

    With `weighted`, members get weights among 1, -1, 0.5 and 0; otherwise every weight is 1.
    """
    size = draw(st.integers(min_value=1, max_value=max_size))
    nodes = []
    for index in range(size):
        parent = None if index == 0 else draw(st.none() | st.integers(min_value=0, max_value=index - 1))
        nodes.append(
            Node(
                id=first_id + index,
                code=f"{prefix}{index}",
                parent_id=None if parent is None else first_id + parent,
                weight=draw(st.sampled_from([1.0, -1.0, 0.5, 0.0])) if weighted else 1.0,
                sort=draw(st.integers(min_value=0, max_value=3)),
            )
        )
    return Hierarchy(nodes)


def brute_force_cell(
    shape: CubeShape, rows: Sequence[tuple[Sequence[int], float]], coordinate: Mapping[str, int]
) -> float | None:
    """The flow (weighted sum) value of one cell, computed fact by fact without numpy; None when empty."""
    weights_by_dimension = [
        shape.hierarchies[dimension].leaf_weights(coordinate[dimension]) for dimension in shape.dimensions
    ]
    total, found = 0.0, False
    for leaves, value in rows:
        weight = 1.0
        for leaf, weights in zip(leaves, weights_by_dimension, strict=True):
            if leaf not in weights:
                break
            weight *= weights[leaf]
        else:
            total += value * weight
            found = True
    return total if found else None


def all_members_axes(shape: CubeShape) -> list[Axis]:
    """One axis per dimension (cube order) asking for every member in tree order."""
    return [Axis(dimension, tuple(shape.hierarchies[dimension].tree_order())) for dimension in shape.dimensions]
