"""The grid read: rows × columns × filters over a cube, aggregated by the engine, with optional version variance."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction

from opencorpo.accounts.access import access_scope
from opencorpo.core import metrics
from opencorpo.core.selectors import installation_id
from opencorpo.engine.cube import Axis, CubeShape, Facts, aggregate
from opencorpo.engine.variance import variance_arrays
from opencorpo.planning.context import CubeContext, DimensionInfo, cube_context, cube_versions
from opencorpo.planning.currency import difference_account, facts_in_currency
from opencorpo.planning.errors import InvalidQuery, UnknownObject
from opencorpo.planning.facts import facts_from_database, facts_from_snapshot, row_versions_in
from opencorpo.planning.frozen import frozen_cells
from opencorpo.planning.models import Cube, DimensionKind
from opencorpo.planning.readcache import cache_key
from opencorpo.planning.snapshots import (
    delta_rows,
    delta_too_large,
    snapshot_build,
    snapshot_latest,
    snapshot_request,
)
from opencorpo.planning.visibility import Visible

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
    currency: str | None = None  # convert to this currency (None: as entered, in each entity's currency)


def _resolve(selection: Selection, info: DimensionInfo, visible: Visible) -> list[int]:
    hierarchy = info.hierarchy
    parent_code = selection.children_of or selection.descendants_of or selection.leaves_of
    if selection.members:
        ids = [visible.id_of(info, code) for code in selection.members]
    elif parent_code is None:
        raise InvalidQuery(
            f"Say which members of {selection.dimension!r} to show: members, children_of, descendants_of or leaves_of."
        )
    else:
        parent = info.by_code.get(parent_code)
        if parent is None or not any(visible.readable(info, m) for m in (parent, *hierarchy.descendants(parent))):
            raise UnknownObject(f"Dimension {info.dimension.code!r} has no member {parent_code!r}.")
        if selection.children_of:
            ids = hierarchy.children(parent)
        elif selection.descendants_of:
            ids = hierarchy.descendants(parent, level=selection.level)
        else:
            ids = hierarchy.leaves(parent)
        ids = visible.only_readable(info, ids)  # the parent may be partly hidden: show what the reader may see
        if selection.include_parent and visible.readable(info, parent):
            ids = [parent, *ids] if selection.include_parent == "before" else [*ids, parent]
    if not ids:
        raise InvalidQuery(f"The selection on {selection.dimension!r} names no members you can see.")
    return ids


def _plan(context: CubeContext, query: GridQuery, visible: Visible) -> tuple[list[Axis], list[Axis], list[Axis]]:
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
            target.append(Axis(selection.dimension, tuple(_resolve(selection, info, visible))))
    for code, member in query.filters.items():
        info = context.info(code)
        if code in seen:
            raise InvalidQuery(f"Dimension {code!r} is on an axis and in the filters; use one.")
        seen.add(code)
        filters.append(Axis(code, (visible.id_of(info, member),)))
    for info in context.dimensions:
        if info.dimension.code not in seen:
            # Left out: its one top member — for a reader limited to one subtree, the top of what they may read
            # (a report over "the company" shows a region's planner their region, never a total they may not see).
            tops = visible.tops(info)
            if len(tops) != 1:
                raise InvalidQuery(f"Choose a member of {info.dimension.code!r} (rows, columns or filters).")
            filters.append(Axis(info.dimension.code, (tops[0],)))
    if not rows or not columns:
        raise InvalidQuery("Put at least one dimension on rows and one on columns.")
    return rows, columns, filters


def grid_read(*, cube: Cube, query: GridQuery, user: Any = None, path: str = "auto") -> dict[str, Any]:
    """Answer a grid query as of the cube's latest committed data version, from the result cache when possible.

    `path` chooses the fact source: "auto" (snapshot when one exists, else PostgreSQL while a snapshot is
    built in the background), "snapshot" (build one now if missing) or "database" (the plain reference).
    """
    outermost = not connection.in_atomic_block
    installation_id()  # the cache key needs it; it may write its row, which a read-only transaction could not
    with transaction.atomic():
        if outermost:  # the data version, the delta and the row versions all come from one consistent state
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        data_version, structure = cube_versions(cube.pk)
        scope = access_scope(user, cube.model_id)
        key = cache_key(cube.pk, data_version, structure, query, scope.digest)
        cached = cache.get(key)
        if cached is not None:
            metrics.CACHE_REQUESTS.labels("hit").inc()
            return dict(json.loads(cached))
        metrics.CACHE_REQUESTS.labels("miss").inc()
        context = cube_context(cube, structure)
        answer, snapshot_due = _answer(context, Visible(context, scope, user), query, data_version, path)
    if outermost:  # only committed states are cached: inside a caller's transaction the data may yet roll back
        cache.set(key, json.dumps(answer), timeout=None)  # keyed by data version: nothing to expire
    if snapshot_due:
        snapshot_request(cube_id=cube.pk, data_version=data_version)
    return answer


def _answer(
    context: CubeContext, visible: Visible, query: GridQuery, data_version: int, path: str
) -> tuple[dict[str, Any], bool]:
    rows, columns, filters = _plan(context, query, visible)
    cells = np.prod([len(a.members) for a in rows + columns])
    if cells > MAX_CELLS:
        raise InvalidQuery(f"The grid would have {int(cells):,} cells (limit {MAX_CELLS:,}); filter or collapse it.")
    axes = rows + columns + filters
    extra: dict[str, tuple[int, ...]] = {}
    version = context.of_kind(DimensionKind.VERSION)
    if query.variance and version is not None:
        extra[version.dimension.code] = tuple(visible.id_of(version, code) for code in query.variance)
    if query.currency:  # leaf facts converted before aggregation: the plain path (see planning/currency.py)
        difference = difference_account(context)
        account = context.of_kind(DimensionKind.ACCOUNT)
        if difference is not None and account is not None:
            extra[account.dimension.code] = (difference[1],)
        facts, shape = facts_from_database(context, axes, extra)
        facts, snapshot_due = facts_in_currency(context, facts, query.currency), False
    else:
        facts, shape, snapshot_due = _facts(context, axes, filters, extra, data_version, path)
    values = aggregate(shape, facts, axes)
    shape2d = (int(np.prod([len(a.members) for a in rows])), int(np.prod([len(a.members) for a in columns])))
    editable, versions, reasons = _editability(context, visible, rows, columns, filters)
    if query.currency:  # converted numbers are read-only: values are entered in the entity's currency
        editable = [[False] * len(row) for row in editable]
        reasons = [[reason or "converted" for reason in row] for row in reasons]
    answer: dict[str, Any] = {
        "cube": context.cube.code,
        "data_version": data_version,
        "rows": _axis_block(context, rows),
        "columns": _axis_block(context, columns),
        "filters": {a.dimension: _header(context.info(a.dimension), a.members[0]) for a in filters},
        "values": _json_matrix(values.reshape(shape2d)),
        "editable": editable,
        "row_versions": versions,
        "reasons": reasons,
        "currency": query.currency,
    }
    if query.variance:
        answer["variance"] = _variance(context, facts, shape, rows, columns, filters, query.variance)
    return answer, snapshot_due


def _facts(
    context: CubeContext,
    axes: list[Axis],
    filters: list[Axis],
    extra: dict[str, tuple[int, ...]],
    data_version: int,
    path: str,
) -> tuple[Facts, CubeShape, bool]:
    if path == "database":
        return (*facts_from_database(context, axes, extra), False)
    snapshot = snapshot_latest(context.cube.pk, data_version)
    if snapshot is None and path == "snapshot" and not connection.in_atomic_block:
        snapshot = snapshot_build(cube_id=context.cube.pk)
    if snapshot is None or delta_too_large(context.cube.pk, snapshot, data_version):
        return (*facts_from_database(context, axes, extra), True)  # and a new snapshot is on its way
    delta = delta_rows(context.cube.pk, snapshot, data_version)
    facts, shape = facts_from_snapshot(context, axes, filters, extra, snapshot, delta)
    return facts, shape, False


def _header(info: DimensionInfo, member_id: int) -> dict[str, Any]:
    member = info.members[member_id]
    header = {
        "code": member.code,
        "name": member.name,
        "level": info.hierarchy.level(member_id),
        "has_children": not info.hierarchy.is_leaf(member_id),
    }
    if info.dimension.kind == DimensionKind.ACCOUNT and member.number_format:
        header["number_format"] = member.number_format  # how readers show its numbers (an Excel pattern)
    return header


def _axis_block(context: CubeContext, axes: list[Axis]) -> dict[str, Any]:
    per_member = [  # each member's header computed once, copied into every position it appears at
        [_header(context.info(a.dimension), member_id) for member_id in a.members] for a in axes
    ]
    return {
        "dimensions": [a.dimension for a in axes],
        "headers": [[dict(header) for header in combo] for combo in itertools.product(*per_member)],
    }


def _json_matrix(matrix: np.ndarray) -> list[list[float | None]]:
    return [[None if math.isnan(v) else v for v in row] for row in matrix.tolist()]


REASONS = ("locked", "no_access", "calculated", "total")  # why a cell is read-only, strongest first


def _editability(
    context: CubeContext, visible: Visible, rows: list[Axis], columns: list[Axis], filters: list[Axis]
) -> tuple[list[list[bool]], list[list[int | None]], list[list[str | None]]]:
    """Which cells take input (leaf in every dimension, not calculated, open, writable, not frozen), with their row
    versions and, for the others, why not (one of REASONS, or "approval"). Computed per axis member, then
    broadcast over the grid: no per-cell Python work."""

    def rank(axis: Axis) -> np.ndarray:  # per member: 0 = open, else 1 + the index of its strongest reason
        info = context.info(axis.dimension)
        ranks = []
        for m in axis.members:
            member = info.members[m]
            found = [
                info.closed(m),
                not visible.writable(info, m),
                member.is_calculated and info.dimension.kind == DimensionKind.ACCOUNT,
                not info.hierarchy.is_leaf(m),
            ]
            ranks.append(next((i + 1 for i, hit in enumerate(found) if hit), 0))
        return np.array(ranks, dtype=np.int64)

    def combined_rank(axes: list[Axis]) -> np.ndarray:
        result = np.zeros(1, dtype=np.int64)
        for axis in axes:
            ranks = rank(axis)
            result = np.where(
                (result[:, None] == 0) | ((ranks[None, :] != 0) & (ranks[None, :] < result[:, None])),
                ranks[None, :],
                result[:, None],
            ).ravel()
        return result

    def strongest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.where((a == 0) | ((b != 0) & (b < a)), b, a)

    fixed_rank = combined_rank(filters)[0]
    cell_rank = strongest(combined_rank(rows)[:, None], combined_rank(columns)[None, :])
    cell_rank = strongest(cell_rank, np.full_like(cell_rank, fixed_rank))
    grid = cell_rank == 0
    reasons = np.array([None, *REASONS], dtype=object)[cell_rank]
    members = _cell_coordinates(rows, columns, filters)
    frozen = frozen_cells(context, visible.user)
    if frozen and grid.any():  # units in the approval workflow: read-only to all but administrators
        held = _frozen_mask(context, frozen, members) & grid
        reasons[held] = "approval"
        grid &= ~held
    versions = _row_versions(context, members, grid).astype(object)  # Python ints, and None where read-only
    versions[~grid] = None
    return grid.tolist(), versions.tolist(), reasons.tolist()


def _axis_positions(axes: list[Axis]) -> list[np.ndarray]:
    """Per dimension of one grid axis, its member at each position along the axis (positions are the product of
    the dimensions' members, the first dimension outermost, as in the headers)."""
    sizes = [len(a.members) for a in axes]
    return [
        np.tile(np.repeat(np.asarray(a.members, dtype=np.int64), math.prod(sizes[i + 1 :])), math.prod(sizes[:i]))
        for i, a in enumerate(axes)
    ]


def _cell_coordinates(rows: list[Axis], columns: list[Axis], filters: list[Axis]) -> dict[str, np.ndarray]:
    """Dimension → the member of every cell, as an array that broadcasts to the grid's (rows, columns) shape."""
    coordinates = {a.dimension: np.array([[a.members[0]]], dtype=np.int64) for a in filters}
    for axis, along in zip(rows, _axis_positions(rows), strict=True):
        coordinates[axis.dimension] = along[:, None]
    for axis, along in zip(columns, _axis_positions(columns), strict=True):
        coordinates[axis.dimension] = along[None, :]
    return coordinates


def _frozen_mask(context: CubeContext, frozen: dict[int, set[int]], members: dict[str, np.ndarray]) -> np.ndarray:
    """The cells of units frozen by the approval workflow (frozen_key, for the whole grid at once)."""
    version, entity = context.of_kind(DimensionKind.VERSION), context.of_kind(DimensionKind.ENTITY)
    assert version is not None and entity is not None  # frozen units need both
    versions, entities = members[version.dimension.code], members[entity.dimension.code]
    mask = np.zeros(np.broadcast_shapes(versions.shape, entities.shape), dtype=bool)
    for version_id, leaves in frozen.items():
        mask |= (versions == version_id) & np.isin(entities, np.fromiter(leaves, dtype=np.int64, count=len(leaves)))
    return mask


def _row_versions(context: CubeContext, members: dict[str, np.ndarray], grid: np.ndarray) -> np.ndarray:
    """The row version of every editable cell's fact (0 where it has none; other cells are left at 0): the facts
    under the editable members of each dimension in one query, matched to the cells by a mixed-radix key."""
    versions = np.zeros(grid.shape, dtype=np.int64)
    if not grid.any():
        return versions
    slot_of = {info.dimension.code: info.slot for info in context.dimensions}
    wanted = {code: np.unique(np.broadcast_to(cell, grid.shape)[grid]) for code, cell in members.items()}
    columns, found = row_versions_in(context.cube.pk, {slot_of[code]: ids.tolist() for code, ids in wanted.items()})
    if not len(found):
        return versions
    cell_keys = np.zeros(grid.shape, dtype=np.int64)
    fact_keys = np.zeros(len(found), dtype=np.int64)
    for code, ids in wanted.items():  # each member's index among the wanted ones, one digit of the key
        cell_keys = cell_keys * len(ids) + np.minimum(np.searchsorted(ids, members[code]), len(ids) - 1)
        fact_keys = fact_keys * len(ids) + np.searchsorted(ids, columns[slot_of[code]])
    order = np.argsort(fact_keys)
    fact_keys, found = fact_keys[order], found[order]
    at = np.minimum(np.searchsorted(fact_keys, cell_keys), len(fact_keys) - 1)
    return np.where(fact_keys[at] == cell_keys, found[at], 0)


def _variance(
    context: CubeContext,
    facts: Facts,
    shape: CubeShape,
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
    both = aggregate(shape, facts, axes)
    shape2d = (int(np.prod([len(a.members) for a in strip[0]])), int(np.prod([len(a.members) for a in strip[1]])))
    actual, reference = both[0].reshape(shape2d), both[1].reshape(shape2d)
    signs = np.zeros(shape2d)
    account = context.of_kind(DimensionKind.ACCOUNT)
    if account is not None:
        accounts = np.broadcast_to(_cell_coordinates(*strip)[account.dimension.code], shape2d)
        unique, inverse = np.unique(accounts, return_inverse=True)
        signs = np.array([context.polarity_sign(int(m)) for m in unique], dtype=np.float64)[inverse].reshape(shape2d)
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
