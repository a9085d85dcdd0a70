"""Spreading: a value typed at a total (any mix of parents and leaves) goes down to its leaf cells, in one audited
batch. Held cells, calculated accounts and closed periods keep their values; a cell the user may not write stops
the spread (403) rather than being skipped silently."""

from __future__ import annotations

import itertools
import math
import uuid
from typing import Any

import numpy as np
from django.db import transaction

from opencorpo.accounts.access import access_scope
from opencorpo.engine.spread import SpreadMethod, spread
from opencorpo.planning.cells import CellForbidden
from opencorpo.planning.changes import Change, Key, cells_read, changes_apply, cube_lock
from opencorpo.planning.context import DimensionInfo, cube_context
from opencorpo.planning.errors import InvalidCell, VersionLocked
from opencorpo.planning.models import FACT_SLOTS, Cube, DimensionKind
from opencorpo.planning.visibility import Visible

MAX_SPREAD_CELLS = 100_000


def cells_spread(
    *,
    cube: Cube,
    coordinate: dict[str, str],
    value: float,
    user: Any,
    method: SpreadMethod = "proportional",
    basis_version: str | None = None,
    basis_account: str | None = None,
    held: list[dict[str, str]] | None = None,
    precision: int = 2,
) -> dict[str, Any]:
    """Spread `value` over the leaves under `coordinate`; the total then equals `value` exactly at `precision`."""
    if not math.isfinite(value):
        raise InvalidCell(f"{value!r} is not a number; type a finite number to spread.")
    context = cube_context(cube)
    visible = Visible(context, access_scope(user, cube.model_id))
    leaf_sets: list[tuple[DimensionInfo, list[int]]] = []
    notes: list[str] = []
    for info in context.dimensions:
        code = coordinate.get(info.dimension.code)
        if code is None:
            raise InvalidCell(f"Name a member of dimension {info.dimension.code!r} to spread to.")
        leaf_sets.append((info, _leaves(visible, info, code)))
    count = math.prod(len(leaves) for _, leaves in leaf_sets)
    if count > MAX_SPREAD_CELLS:
        raise InvalidCell(
            f"The spread would touch {count:,} cells (limit {MAX_SPREAD_CELLS:,}); spread a smaller total."
        )
    keys = [_key(leaf_sets, combo) for combo in itertools.product(*(leaves for _, leaves in leaf_sets))]
    fixed = _fixed_cells(leaf_sets, keys, notes)
    for cell in held or []:
        fixed.add(_held_key(visible, cell, set(keys)))
    with transaction.atomic():
        cube_lock(cube.pk)
        current = _values(cube.pk, keys)
        basis = None
        if method == "basis":
            basis = _basis(context, visible, keys, basis_version, basis_account)
        result = spread(
            value,
            np.array([current.get(key, np.nan) for key in keys]),
            method=method,
            basis=basis,
            held=np.array([key in fixed for key in keys]),
            precision=precision,
        )
        changed: list[Change] = []
        for key, new in zip(keys, result.values.tolist(), strict=True):
            old = current.get(key)
            if key not in fixed and not math.isnan(new) and not (old is None and new == 0) and old != new:
                changed.append((key, old, new))
        batch = uuid.uuid4()
        user_id = user.pk if user is not None and user.is_authenticated else None
        data_version = changes_apply(cube, changed, batch=batch, user_id=user_id, source="spread")
    return {
        "batch": str(batch) if changed else None,
        "changed": len(changed),
        "cells": len(keys),
        "held": len(fixed),
        "method": result.method,
        "notes": [*notes, *([result.note] if result.note else [])],
        "data_version": data_version,
    }


def _basis(
    context: Any, visible: Visible, keys: list[Key], basis_version: str | None, basis_account: str | None
) -> np.ndarray:
    """Shares from another version's values, or from a driver account's values at the same cells (or both)."""
    if not basis_version and not basis_account:
        raise InvalidCell(
            "Spreading by basis needs basis_version (the version whose values give the shares) or basis_account "
            "(a driver such as headcount or units)."
        )
    swaps: dict[int, int] = {}
    for kind, code in ((DimensionKind.VERSION, basis_version), (DimensionKind.ACCOUNT, basis_account)):
        info = context.of_kind(kind)
        if code and info is not None:
            swaps[FACT_SLOTS.index(info.slot)] = visible.id_of(info, code)
    sources = [tuple(swaps.get(i, part) for i, part in enumerate(key)) for key in keys]
    found = _values(context.cube.pk, sources)  # type: ignore[arg-type]
    return np.array([found.get(source, 0.0) for source in sources])  # type: ignore[arg-type]


def _leaves(visible: Visible, info: DimensionInfo, code: str) -> list[int]:
    member_id = visible.id_of(info, code)
    if info.dimension.kind == DimensionKind.VERSION:
        if not info.hierarchy.is_leaf(member_id):
            raise InvalidCell(f"Spread within one version; {code!r} is a group of versions.")
        if not visible.writable(info, member_id):
            raise CellForbidden(f"You may read version {code!r} but not change it. Ask an administrator for access.")
        return [member_id]
    weights = info.hierarchy.leaf_weights(member_id)
    hidden = [leaf for leaf in weights if not visible.readable(info, leaf)]
    if hidden:  # the reader does not see this total, so cannot type at it
        raise CellForbidden(f"You cannot see every member under {code!r}, so you cannot spread to it.")
    if any(weight != 1 for weight in weights.values()):
        raise InvalidCell(
            f"{code!r} of dimension {info.dimension.code!r} subtracts some of its members (weight −1), so a typed "
            "total has no single split; spread to the totals below it instead."
        )
    refused = [leaf for leaf in weights if not visible.writable(info, leaf)]
    if refused:
        raise CellForbidden(
            f"You may not change {info.members[refused[0]].code!r} under {code!r}; a spread may only touch cells you "
            "may write. Spread to a total within your area or ask for write access."
        )
    return list(weights)


def _key(leaf_sets: list[tuple[DimensionInfo, list[int]]], combo: tuple[int, ...]) -> Key:
    slots = dict.fromkeys(FACT_SLOTS, 0)
    for (info, _), member_id in zip(leaf_sets, combo, strict=True):
        slots[info.slot] = member_id
    return tuple(slots[s] for s in FACT_SLOTS)  # type: ignore[return-value]


def _fixed_cells(leaf_sets: list[tuple[DimensionInfo, list[int]]], keys: list[Key], notes: list[str]) -> set[Key]:
    """Cells the spread may not change: calculated accounts and closed periods; a closed version stops it."""
    fixed: set[Key] = set()
    for info, leaves in leaf_sets:
        position = FACT_SLOTS.index(info.slot)
        if info.dimension.kind == DimensionKind.VERSION and info.closed(leaves[0]):
            code = info.members[leaves[0]].code
            raise VersionLocked(f"Version {code!r} is locked; ask an approver to unlock it before spreading.")
        kept = {m for m in leaves if info.closed(m) or info.members[m].is_calculated}
        if kept:
            what = "closed periods" if info.dimension.kind == DimensionKind.TIME else "calculated accounts"
            notes.append(f"{len(kept)} {what} kept their values.")
            fixed.update(key for key in keys if key[position] in kept)
    return fixed


def _held_key(visible: Visible, coordinate: dict[str, str], keys: set[Key]) -> Key:
    slots = dict.fromkeys(FACT_SLOTS, 0)
    for info, _, member_id in visible.leaf_cell(coordinate, "Held cell: ", "hold leaf cells"):
        slots[info.slot] = member_id
    key: Key = tuple(slots[s] for s in FACT_SLOTS)  # type: ignore[assignment]
    if key not in keys:
        raise InvalidCell(f"Held cell {coordinate} is not under the total being spread; hold cells under it only.")
    return key


def _values(cube_id: int, keys: list[Key]) -> dict[Key, float]:
    return {key: value for key, (value, _) in cells_read(cube_id, keys).items()}
