"""The grid read: rows × columns × filters over a cube, aggregated by the engine, with optional version variance."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection

from opencorpo.engine.cube import Axis, Facts, aggregate
from opencorpo.engine.variance import variance_arrays
from opencorpo.planning.context import CubeContext, DimensionInfo, cube_context
from opencorpo.planning.errors import InvalidQuery
from opencorpo.planning.models import Cube, DimensionKind

MAX_CELLS = 250_000


@dataclass(frozen=True)
class Selection:
    """Members of one dimension: listed, children of, descendants of (optionally at one level), or leaves of."""

    dimension: str
    members: tuple[str, ...] = ()
    children_of: str | None = None
    descendants_of: str | None = None
    leaves_of: str | None = None
    level: int | None = None
    include_parent: str | None = None  # "before" or "after": the parent itself, as a total row


@dataclass(frozen=True)
class GridQuery:
    rows: tuple[Selection, ...]
    columns: tuple[Selection, ...]
    filters: dict[str, str] = field(default_factory=dict)
    variance: tuple[str, str] | None = None  # (version, reference version)


def _resolve(selection: Selection, info: DimensionInfo) -> list[int]:
    hierarchy = info.hierarchy
    parent_code = selection.children_of or selection.descendants_of or selection.leaves_of
    if selection.members:
        ids = [info.id_of(code) for code in selection.members]
    elif parent_code is None:
        raise InvalidQuery(
            f"Say which members of {selection.dimension!r} to show: members, children_of, descendants_of or leaves_of."
        )
    else:
        parent = info.id_of(parent_code)
        if selection.children_of:
            ids = hierarchy.children(parent)
        elif selection.descendants_of:
            ids = hierarchy.descendants(parent, level=selection.level)
        else:
            ids = hierarchy.leaves(parent)
        if selection.include_parent == "before":
            ids = [parent, *ids]
        elif selection.include_parent == "after":
            ids = [*ids, parent]
    if not ids:
        raise InvalidQuery(f"The selection on {selection.dimension!r} names no members.")
    return ids


def _plan(context: CubeContext, query: GridQuery) -> tuple[list[Axis], list[Axis], list[Axis]]:
    seen: set[str] = set()
    rows: list[Axis] = []
    columns: list[Axis] = []
    filters: list[Axis] = []
    for target, selections in ((rows, query.rows), (columns, query.columns)):
        for selection in selections:
            info = context.info(selection.dimension)
            if selection.dimension in seen:
                raise InvalidQuery(f"Dimension {selection.dimension!r} is used twice; use it on one axis only.")
            seen.add(selection.dimension)
            target.append(Axis(selection.dimension, tuple(_resolve(selection, info))))
    for code, member in query.filters.items():
        info = context.info(code)
        if code in seen:
            raise InvalidQuery(f"Dimension {code!r} is on an axis and in the filters; use one.")
        seen.add(code)
        filters.append(Axis(code, (info.id_of(member),)))
    for info in context.dimensions:
        if info.dimension.code not in seen:
            roots = info.hierarchy.roots()
            if len(roots) != 1:
                raise InvalidQuery(f"Choose a member of {info.dimension.code!r} (rows, columns or filters).")
            filters.append(Axis(info.dimension.code, (roots[0],)))
    if not rows or not columns:
        raise InvalidQuery("Put at least one dimension on rows and one on columns.")
    return rows, columns, filters


def _load_facts(
    context: CubeContext, axes: list[Axis], extra: dict[str, tuple[int, ...]]
) -> tuple[Facts, dict[tuple[int, ...], int]]:
    """The facts under the requested members (plus ratio inputs), in cube order, and their row versions."""
    conditions: list[str] = ["cube_id = %s"]
    params: list[Any] = [context.cube.pk]
    for axis in axes:
        info = context.info(axis.dimension)
        leaves: set[int] = set()
        for member_id in (*axis.members, *extra.get(axis.dimension, ())):
            leaves.update(info.hierarchy.leaves(member_id))
        if info.dimension.kind == DimensionKind.ACCOUNT:
            for rule in context.shape.account_rules.values():
                if rule.ratio:
                    for input_id in rule.ratio:
                        leaves.update(info.hierarchy.leaves(input_id))
        conditions.append(f"{info.slot} = ANY(%s)")
        params.append(sorted(leaves))
    slots = [info.slot for info in context.dimensions]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(slots)}, value, row_version FROM planning_fact WHERE {' AND '.join(conditions)}", params
        )
        rows = cursor.fetchall()
    width = len(slots)
    coords = np.array([row[:width] for row in rows], dtype=np.int64).reshape(len(rows), width)
    values = np.array([row[width] for row in rows], dtype=np.float64)
    versions = {tuple(row[:width]): row[width + 1] for row in rows}
    return Facts(coords=coords, values=values), versions


def grid_read(*, cube: Cube, query: GridQuery) -> dict[str, Any]:
    context = cube_context(cube)
    rows, columns, filters = _plan(context, query)
    cells = np.prod([len(a.members) for a in rows + columns])
    if cells > MAX_CELLS:
        raise InvalidQuery(f"The grid would have {int(cells):,} cells (limit {MAX_CELLS:,}); filter or collapse it.")
    axes = rows + columns + filters
    extra: dict[str, tuple[int, ...]] = {}
    version = context.of_kind(DimensionKind.VERSION)
    if query.variance and version is not None:
        extra[version.dimension.code] = tuple(version.id_of(code) for code in query.variance)
    facts, row_versions = _load_facts(context, axes, extra)
    values = aggregate(context.shape, facts, axes)
    shape2d = (int(np.prod([len(a.members) for a in rows])), int(np.prod([len(a.members) for a in columns])))
    matrix = values.reshape(shape2d)
    editable, versions = _editability(context, rows, columns, filters, row_versions)
    answer: dict[str, Any] = {
        "cube": cube.code,
        "data_version": cube.data_version,
        "rows": _axis_block(context, rows),
        "columns": _axis_block(context, columns),
        "filters": {a.dimension: _header(context.info(a.dimension), a.members[0]) for a in filters},
        "values": _json_matrix(matrix),
        "editable": editable,
        "row_versions": versions,
    }
    if query.variance:
        answer["variance"] = _variance(context, facts, rows, columns, filters, query.variance)
    return answer


def _header(info: DimensionInfo, member_id: int) -> dict[str, Any]:
    member = info.members[member_id]
    return {
        "code": member.code,
        "name": member.name,
        "level": info.hierarchy.level(member_id),
        "has_children": not info.hierarchy.is_leaf(member_id),
    }


def _axis_block(context: CubeContext, axes: list[Axis]) -> dict[str, Any]:
    infos = [context.info(a.dimension) for a in axes]
    return {
        "dimensions": [a.dimension for a in axes],
        "headers": [
            [_header(info, member_id) for info, member_id in zip(infos, combo, strict=True)]
            for combo in itertools.product(*(a.members for a in axes))
        ],
    }


def _json_matrix(matrix: np.ndarray) -> list[list[float | None]]:
    return [[None if math.isnan(v) else v for v in row] for row in matrix.tolist()]


def _cell_members(context: CubeContext, rows: list[Axis], columns: list[Axis], filters: list[Axis]):  # type: ignore[no-untyped-def]
    fixed = {a.dimension: a.members[0] for a in filters}
    for row in itertools.product(*(a.members for a in rows)):
        yield [
            {
                **fixed,
                **dict(zip([a.dimension for a in rows], row, strict=True)),
                **dict(zip([a.dimension for a in columns], column, strict=True)),
            }
            for column in itertools.product(*(a.members for a in columns))
        ]


def _editability(
    context: CubeContext,
    rows: list[Axis],
    columns: list[Axis],
    filters: list[Axis],
    row_versions: dict[tuple[int, ...], int],
) -> tuple[list[list[bool]], list[list[int | None]]]:
    editable_member: dict[tuple[str, int], bool] = {}
    for info in context.dimensions:
        for member_id, member in info.members.items():
            ok = info.hierarchy.is_leaf(member_id) and not member.is_ratio
            if info.dimension.kind == DimensionKind.VERSION:
                ok = ok and not member.locked
            editable_member[(info.dimension.code, member_id)] = ok
    order = [info.dimension.code for info in context.dimensions]
    flags, versions = [], []
    for row in _cell_members(context, rows, columns, filters):
        flag_row, version_row = [], []
        for cell in row:
            ok = all(editable_member[(dim, member_id)] for dim, member_id in cell.items())
            flag_row.append(ok)
            version_row.append(row_versions.get(tuple(cell[d] for d in order), 0) if ok else None)
        flags.append(flag_row)
        versions.append(version_row)
    return flags, versions


def _variance(
    context: CubeContext,
    facts: Facts,
    rows: list[Axis],
    columns: list[Axis],
    filters: list[Axis],
    pair: tuple[str, str],
) -> dict[str, Any]:
    version = context.of_kind(DimensionKind.VERSION)
    assert version is not None
    ids = (version.id_of(pair[0]), version.id_of(pair[1]))
    strip = [[a for a in axes if a.dimension != version.dimension.code] for axes in (rows, columns, filters)]
    # With Version alone on an axis, that axis of the variance has a single position (headers [[]]).
    axes = [Axis(version.dimension.code, ids), *strip[0], *strip[1], *strip[2]]
    both = aggregate(context.shape, facts, axes)
    shape2d = (int(np.prod([len(a.members) for a in strip[0]])), int(np.prod([len(a.members) for a in strip[1]])))
    actual, reference = both[0].reshape(shape2d), both[1].reshape(shape2d)
    signs = np.zeros(shape2d)
    account = context.of_kind(DimensionKind.ACCOUNT)
    if account is not None:
        for r, row in enumerate(_cell_members(context, strip[0], strip[1], strip[2])):
            for c, cell in enumerate(row):
                signs[r, c] = context.polarity_sign(cell[account.dimension.code])
    absolute, percent, favourable = variance_arrays(actual, reference, signs)
    return {
        "version": pair[0],
        "reference": pair[1],
        "rows": _axis_block(context, strip[0]),
        "columns": _axis_block(context, strip[1]),
        "absolute": _json_matrix(absolute),
        "percent": _json_matrix(percent),
        "favourable": [[None if np.isnan(v) else bool(v) for v in row] for row in favourable],
    }
