"""Where a grid read gets its facts: PostgreSQL directly, or the cube's DuckDB snapshot plus the delta since."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from opencorpo.engine.cube import Axis, CubeShape, Facts
from opencorpo.engine.hierarchy import Hierarchy, Node
from opencorpo.planning.context import CubeContext
from opencorpo.planning.models import FACT_SLOTS, DimensionKind
from opencorpo.planning.snapshots import SlotFilter, snapshot_aggregate

KEPT_KINDS = {DimensionKind.ACCOUNT, DimensionKind.TIME, DimensionKind.VERSION}  # never summed away early


def needed_leaves(context: CubeContext, axis: Axis, extra: tuple[int, ...] = ()) -> set[int]:
    """The leaves under the requested members, plus the inputs of ratio accounts."""
    info = context.info(axis.dimension)
    leaves: set[int] = set()
    for member_id in (*axis.members, *extra):
        leaves.update(info.hierarchy.leaves(member_id))
    if info.dimension.kind == DimensionKind.ACCOUNT:
        for rule in context.shape.account_rules.values():
            for input_id in rule.ratio or ():
                leaves.update(info.hierarchy.leaves(input_id))
    return leaves


def _in_set(slot: str) -> str:
    """A condition "slot is one of a list parameter". The cast matters: psycopg sends a list of small ids as
    smallint[], and a bigint column compared with = ANY(smallint[]) is filtered about ten times slower."""
    return f"{slot} = ANY(%s::bigint[])"


def facts_from_database(
    context: CubeContext, axes: list[Axis], extra: dict[str, tuple[int, ...]]
) -> tuple[Facts, CubeShape]:
    """The plain path: every needed fact row from PostgreSQL (the reference the fast path must equal)."""
    from django.db import connection

    conditions: list[str] = ["cube_id = %s"]
    params: list[Any] = [context.cube.pk]
    for axis in axes:
        conditions.append(_in_set(context.info(axis.dimension).slot))
        params.append(sorted(needed_leaves(context, axis, extra.get(axis.dimension, ()))))
    slots = [info.slot for info in context.dimensions]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(slots)}, value FROM planning_fact WHERE {' AND '.join(conditions)}", params)
        rows = cursor.fetchall()
    coords = np.array([row[:-1] for row in rows], dtype=np.int64).reshape(len(rows), len(slots))
    return Facts(coords=coords, values=np.array([row[-1] for row in rows], dtype=np.float64)), context.shape


def facts_from_snapshot(
    context: CubeContext,
    axes: list[Axis],
    filters: list[Axis],
    extra: dict[str, tuple[int, ...]],
    snapshot: int,
    delta: list[tuple[Any, ...]],
) -> tuple[Facts, CubeShape]:
    """The fast path: DuckDB filters the snapshot (with the delta applied) and sums filter-only dimensions away,
    so the engine aggregates thousands of rows instead of millions, with unchanged semantics."""
    collapsed: dict[str, int] = {}
    mapped: dict[str, tuple[int, ...]] = {}  # axis dimensions summed up to the requested members inside DuckDB
    slot_filters = []
    filter_dimensions = {axis.dimension for axis in filters}
    for axis in axes:
        info = context.info(axis.dimension)
        if axis.dimension not in filter_dimensions and _mappable(context, info, axis, extra):
            pairs = [
                (leaf, member, weight)
                for member in dict.fromkeys(axis.members)
                for leaf, weight in info.hierarchy.leaf_weights(member).items()
            ]
            mapped[axis.dimension] = tuple(dict.fromkeys(axis.members))
            slot_filters.append(
                SlotFilter(info.slot, [p[0] for p in pairs], [p[2] for p in pairs], outputs=[p[1] for p in pairs])
            )
        elif (
            axis.dimension in filter_dimensions
            and info.dimension.kind not in KEPT_KINDS
            and not extra.get(axis.dimension)
        ):
            member = axis.members[0]
            weights = info.hierarchy.leaf_weights(member)
            collapsed[axis.dimension] = member
            everything = len(weights) == len(info.hierarchy.leaves())
            slot_filters.append(SlotFilter(info.slot, list(weights), list(weights.values()), everything))
        else:
            leaves = needed_leaves(context, axis, extra.get(axis.dimension, ()))
            total = len(info.hierarchy.leaves())
            slot_filters.append(
                SlotFilter(info.slot, sorted(leaves), None, len(leaves) == total, 2 * len(leaves) > total)
            )
    result = snapshot_aggregate(cube_id=context.cube.pk, snapshot=snapshot, delta=delta, filters=slot_filters)
    rows = len(result["value"])
    columns = []
    for info in context.dimensions:
        if info.dimension.code in collapsed:
            columns.append(np.full(rows, collapsed[info.dimension.code], dtype=np.int64))
        else:
            columns.append(np.asarray(result[info.slot], dtype=np.int64))
    coords = np.column_stack(columns) if rows else np.zeros((0, len(columns)), dtype=np.int64)
    facts = Facts(coords=coords, values=np.asarray(result["value"], dtype=np.float64))
    if not collapsed and not mapped:
        return facts, context.shape
    hierarchies = dict(context.shape.hierarchies)
    for code, members in [*((c, (m,)) for c, m in collapsed.items()), *mapped.items()]:
        hierarchy = context.info(code).hierarchy  # the summed members become the leaves the engine sees
        hierarchies[code] = Hierarchy([Node(id=m, code=hierarchy.node(m).code, parent_id=None) for m in members])
    rules = {} if context.shape.account_dimension in mapped else context.shape.account_rules
    return facts, replace(context.shape, hierarchies=hierarchies, account_rules=rules)


def _mappable(context: CubeContext, info: Any, axis: Axis, extra: dict[str, tuple[int, ...]]) -> bool:
    """Whether an axis dimension can be summed to its requested members before the engine sees it: never Time or
    Version; Account only when every leaf under the rows is a plain flow (no time balance, no ratio)."""
    if info.dimension.kind in {DimensionKind.TIME, DimensionKind.VERSION} or extra.get(axis.dimension):
        return False
    if info.dimension.kind != DimensionKind.ACCOUNT:
        return True
    rules = context.shape.account_rules
    return not any(rules.get(leaf) for member in axis.members for leaf in info.hierarchy.leaves(member)) and not any(
        rules.get(member) for member in axis.members
    )


def row_versions_in(cube_id: int, members: dict[str, Sequence[int]]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Row versions of the facts whose every slot holds one of the given members (slot → member ids; a slot not
    named holds 0), for optimistic concurrency in the grid: each named slot's column and the row versions, from one
    query filtering each slot by a set (a cell without a fact is not returned: its row version is 0)."""
    from django.db import connection

    varying = [slot for slot in FACT_SLOTS if len(members.get(slot, ())) > 1]  # the others need not be sent back
    conditions = ["cube_id = %s"]
    params: list[Any] = [cube_id]
    for slot in FACT_SLOTS:  # every slot as "= ANY" (a plain "= 0" can steer the planner to a full index scan)
        conditions.append(_in_set(slot))
        params.append([int(m) for m in members.get(slot, (0,))])
    # One row of arrays (aggregated in one pass, so in the same order), not 50,000 rows of tuples to build.
    arrays = ", ".join(f"array_agg({column})" for column in [*varying, "row_version"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {arrays} FROM planning_fact WHERE {' AND '.join(conditions)}", params)
        found = [np.array(column or (), dtype=np.int64) for column in cursor.fetchone()]
    columns = {slot: np.full(len(found[-1]), int(ids[0]), dtype=np.int64) for slot, ids in members.items() if ids}
    columns.update(zip(varying, found, strict=False))
    return columns, found[-1]
