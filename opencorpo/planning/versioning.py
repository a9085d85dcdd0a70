"""Versions that branch: copy a version (whole or a slice), branch a what-if, diff two versions cell by cell, and
merge a branch back with a three-way merge against the branch point (reconstructed exactly from the audit).

Copying, branching and merging are for administrators and modellers (docs/security.md), checked here with
`role_require` whoever calls; the cells they write still go through the writer's member-level access and the
approval workflow's frozen units (`changes_apply`), as every cell write does.

Calculated accounts (formulas, ratios) are never copied or merged: they are recalculated from their inputs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from opencorpo.accounts.access import access_scope
from opencorpo.accounts.roles import BUILDERS, role_require
from opencorpo.core.audit import audit
from opencorpo.engine.versions import diff, diff_totals, merge3, resolve
from opencorpo.planning import structure
from opencorpo.planning.cells import CellForbidden
from opencorpo.planning.changes import Change, Key, changes_apply, cube_lock
from opencorpo.planning.context import CubeContext, cube_context
from opencorpo.planning.errors import InvalidQuery, MergeConflicts, UnknownObject, VersionLocked
from opencorpo.planning.models import FACT_SLOTS, Branch, Cube, DimensionKind, FxRate, Member, Model
from opencorpo.planning.visibility import Visible

Cell = tuple[int, ...]  # a fact key without its version: period, m1..m6
MAX_LISTED = 2_000


@dataclass(frozen=True)
class Slice:
    """Members per dimension code (totals stand for their leaves); dimensions not named are taken whole."""

    members: dict[str, list[str]]


def _cubes(model: Model) -> list[Cube]:
    return [c for c in model.cubes.all() if c.cube_dimensions.filter(dimension__kind=DimensionKind.VERSION).exists()]


def _allowed(context: CubeContext, visible: Visible, where: Slice | None, *, writable: bool) -> dict[str, set[int]]:
    """Per slot, the leaves in the slice the user may read (or write); calculated accounts are left out."""
    allowed: dict[str, set[int]] = {}
    for info in context.dimensions:
        if info.dimension.kind == DimensionKind.VERSION:
            continue
        leaves = {
            m
            for m in info.hierarchy.leaves()
            if (visible.writable(info, m) if writable else visible.readable(info, m))
            and not (info.dimension.kind == DimensionKind.ACCOUNT and info.members[m].is_calculated)
        }
        codes = (where.members if where else {}).get(info.dimension.code)
        if codes:
            leaves &= {leaf for code in codes for leaf in info.hierarchy.leaves(visible.id_of(info, code))}
        allowed[info.slot] = leaves
    return allowed


def _inside(allowed: dict[str, set[int]], cell: Cell) -> bool:
    slots = dict(zip(FACT_SLOTS[1:], cell, strict=True))
    return all(slots[slot] in members for slot, members in allowed.items())


def _cells(cube_id: int, version_id: int, allowed: dict[str, set[int]]) -> dict[Cell, float]:
    """The version's cells inside `allowed`, keyed without the version."""
    conditions: list[str] = ["cube_id = %s", "version_id = %s"]
    params: list[Any] = [cube_id, version_id]
    for slot, members in allowed.items():
        conditions.append(f"{slot} = ANY(%s)")
        params.append(sorted(members))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(FACT_SLOTS[1:])}, value FROM planning_fact WHERE {' AND '.join(conditions)}", params
        )
        return {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}


def _key(version_id: int, cell: Cell) -> Key:
    return (version_id, *cell)  # type: ignore[return-value]


def _version(context: CubeContext, visible: Visible, code: str) -> int:
    info = context.of_kind(DimensionKind.VERSION)
    assert info is not None
    return visible.id_of(info, code)


def version_copy(
    *, model: Model, source: str, target: str, user: Any, where: Slice | None = None, source_name: str = "copy"
) -> dict[str, Any]:
    """Make the target's cells in the slice equal the source's (cells only the target has are cleared).
    Administrators and modellers; `user` None is the system."""
    role_require(user, model.pk, *BUILDERS, action="copy versions")
    batch = uuid.uuid4()
    changed = 0
    user_id = user.pk if user is not None and user.is_authenticated else None
    with transaction.atomic():
        for cube in _cubes(model):
            context = cube_context(cube)
            visible = Visible(context, access_scope(user, model.pk))
            source_id, target_id = _version(context, visible, source), _version(context, visible, target)
            versions = context.of_kind(DimensionKind.VERSION)
            if versions is not None and not visible.writable(versions, target_id):
                raise CellForbidden(f"You may read version {target!r} but not change it; ask for write access.")
            if versions is not None and versions.closed(target_id):
                raise VersionLocked(
                    f"Version {target!r} is locked; ask an approver to unlock it before copying into it."
                )
            time = context.of_kind(DimensionKind.TIME)
            cube_lock(cube.pk)
            readable = _allowed(context, visible, where, writable=False)
            writable = _allowed(context, visible, where, writable=True)
            wanted = {c: v for c, v in _cells(cube.pk, source_id, readable).items() if _inside(writable, c)}
            have = _cells(cube.pk, target_id, writable)
            period = 0  # position of period_id in a Cell
            changes: list[Change] = [
                (_key(target_id, cell), have.get(cell), wanted.get(cell))
                for cell in sorted(set(wanted) | set(have))
                if have.get(cell) != wanted.get(cell) and not (time is not None and time.closed(cell[period]))
            ]
            changes_apply(cube, changes, batch=batch, user_id=user_id, source=source_name)
            changed += len(changes)
        comments = 0
        if where is None:  # a whole version: its cell comments come along (a slice copy leaves them)
            from opencorpo.governance.comments import comments_copy

            ids = Member.objects.filter(dimension__model=model, dimension__kind=DimensionKind.VERSION)
            found = dict(ids.filter(code__in=[source, target]).values_list("code", "pk"))
            comments = comments_copy(model=model, source_version_id=found[source], target_version_id=found[target])
    details = {"where": where.members if where else {}, "changed": changed, "comments": comments}
    audit("version.copy", f"{model.code}/{source}>{target}", details)
    return {"batch": str(batch) if changed else None, "changed": changed, "comments_copied": comments}


def version_branch(*, model: Model, base: str, code: str, name: str, user: Any) -> Member:
    """A new what-if version holding a copy of `base`, remembering the branch point for a later merge.
    Administrators and modellers (it creates a version); `user` None is the system."""
    role_require(user, model.pk, *BUILDERS, action="branch versions")
    versions = Member.objects.filter(dimension__model=model, dimension__kind=DimensionKind.VERSION)
    base_member = versions.filter(code=base).first()
    if base_member is None:
        raise UnknownObject(f"Dimension 'version' has no member {base!r}.")
    with transaction.atomic():
        version = structure.version_create(model=model, code=code, name=name, user=user)
        FxRate.objects.bulk_create(  # the what-if starts with its base's exchange rates
            FxRate(
                model=model,
                version=version,
                period_id=r.period_id,
                currency=r.currency,
                rate_type=r.rate_type,
                rate=r.rate,
            )
            for r in FxRate.objects.filter(model=model, version=base_member)
        )
        version_copy(model=model, source=base, target=code, user=user, source_name="branch")
        points = {str(c.pk): Cube.objects.get(pk=c.pk).data_version for c in _cubes(model)}
        Branch.objects.create(version=version, base=base_member, points=points, created_by=_user(user))
        audit("version.branch", f"{model.code}/{base}>{code}")
    return version


def _user(user: Any) -> Any:
    return user if user is not None and user.is_authenticated else None


def version_diff(*, cube: Cube, version: str, reference: str, user: Any, where: Slice | None = None) -> dict[str, Any]:
    """Cell by cell differences of `version` against `reference` (readable cells only), with totals."""
    context = cube_context(cube)
    visible = Visible(context, access_scope(user, cube.model_id))
    readable = _allowed(context, visible, where, writable=False)
    before = _cells(cube.pk, _version(context, visible, reference), readable)
    after = _cells(cube.pk, _version(context, visible, version), readable)
    cells = diff(before, after)
    total_before, total_after = diff_totals(cells)
    return {
        "version": version,
        "reference": reference,
        "count": len(cells),
        "listed": min(len(cells), MAX_LISTED),
        "total_before": total_before,
        "total_after": total_after,
        "cells": [
            {"coordinate": _coordinate(context, c.cell), "before": c.before, "after": c.after}
            for c in cells[:MAX_LISTED]
        ],
    }


def _coordinate(context: CubeContext, cell: Cell) -> dict[str, str]:
    slots = dict(zip(FACT_SLOTS[1:], cell, strict=True))
    return {
        info.dimension.code: info.members[slots[info.slot]].code
        for info in context.dimensions
        if info.dimension.kind != DimensionKind.VERSION
    }


def _base_at(
    cube: Cube, base_id: int, point: int, now: dict[Cell, float], allowed: dict[str, set[int]]
) -> dict[Cell, float]:
    """The base version's cells as they were at data version `point`: today's values with every later change
    undone (the first later change of a cell holds its value at the point)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT DISTINCT ON ({", ".join(FACT_SLOTS[1:])}) {", ".join(FACT_SLOTS[1:])}, old_value
                FROM planning_factchange WHERE cube_id = %s AND version_id = %s AND data_version > %s
                ORDER BY {", ".join(FACT_SLOTS[1:])}, data_version, id""",
            [cube.pk, base_id, point],
        )
        undone = {cell: row[-1] for row in cursor.fetchall() if _inside(allowed, cell := tuple(row[:-1]))}
    then = {cell: value for cell, value in now.items() if cell not in undone}
    then.update({cell: old for cell, old in undone.items() if old is not None})
    return then


def version_merge(*, branch: str, model: Model, user: Any, choices: dict[str, Any] | None = None) -> dict[str, Any]:
    """Apply what the branch changed since its branch point to its base; conflicting cells (changed on both sides
    to different values) stop the merge with their list, unless `choices` resolves each one. Administrators and
    modellers, writing only base cells they may write; `user` None is the system."""
    role_require(user, model.pk, *BUILDERS, action="merge versions")
    found = Branch.objects.select_related("version", "base").filter(version__code=branch, base__dimension__model=model)
    record = found.first()
    if record is None:
        raise InvalidQuery(f"Version {branch!r} is not a branch; only branched versions can be merged.")
    if record.base.locked:
        raise VersionLocked(f"Version {record.base.code!r} is locked; ask an approver to unlock it before merging.")
    batch = uuid.uuid4()
    user_id = user.pk if user is not None and user.is_authenticated else None
    applied = 0
    with transaction.atomic():
        plans = []
        for cube in _cubes(model):
            context = cube_context(cube)
            visible = Visible(context, access_scope(user, model.pk))
            cube_lock(cube.pk)
            versions = context.of_kind(DimensionKind.VERSION)
            if versions is not None and not visible.writable(versions, record.base_id):
                raise CellForbidden(f"You may read version {record.base.code!r} but not change it; ask for access.")
            allowed = _allowed(context, visible, None, writable=True)
            ours = _cells(cube.pk, record.base_id, allowed)
            theirs = _cells(cube.pk, record.version_id, allowed)
            point = int(record.points.get(str(cube.pk), 0))
            result = merge3(_base_at(cube, record.base_id, point, ours, allowed), ours, theirs)
            plans.append((cube, context, result, ours))
        conflicts = [
            {"cube": cube.code, "coordinate": _coordinate(context, c.cell), **_sides(c)}
            for cube, context, result, _ in plans
            for c in result.conflicts
        ]
        picked = _choices(plans, choices or {})
        if conflicts and not choices:
            raise MergeConflicts(
                f"{len(conflicts)} cell(s) changed in both {record.base.code!r} and {branch!r} since the branch; "
                "nothing was merged. Choose for each: 'ours' (keep the base), 'theirs' (take the branch) or a value.",
                extra={"conflicts": conflicts[:MAX_LISTED], "count": len(conflicts)},
            )
        for cube, _, result, ours in plans:
            changes = resolve(result, picked.get(cube.pk, {}))
            rows: list[Change] = [
                (_key(record.base_id, cell), ours.get(cell), new)
                for cell, new in sorted(changes.items())
                if ours.get(cell) != new
            ]
            changes_apply(cube, rows, batch=batch, user_id=user_id, source="merge")
            applied += len(rows)
        record.points = {str(c.pk): Cube.objects.get(pk=c.pk).data_version for c in _cubes(model)}
        record.merged_at = timezone.now()
        record.save(update_fields=["points", "merged_at"])
        audit("version.merge", f"{model.code}/{branch}>{record.base.code}", {"changed": applied})
    return {"batch": str(batch) if applied else None, "changed": applied, "conflicts_resolved": len(conflicts)}


def _sides(conflict: Any) -> dict[str, float | None]:
    return {"base": conflict.base, "ours": conflict.ours, "theirs": conflict.theirs}


def _choices(plans: list[Any], choices: dict[str, Any]) -> dict[int, dict[Cell, Any]]:
    """Map {"<cube>|<dim>=<code>,…": choice} from the API onto each cube's cells."""
    picked: dict[int, dict[Cell, Any]] = {}
    used = set()
    for cube, context, result, _ in plans:
        for conflict in result.conflicts:
            label = conflict_label(cube.code, _coordinate(context, conflict.cell))
            if label in choices:
                picked.setdefault(cube.pk, {})[conflict.cell] = choices[label]
                used.add(label)
    unknown = sorted(set(choices) - used)
    if unknown:
        raise InvalidQuery(
            f"These choices name no conflict of this merge: {', '.join(unknown[:5])}; merge again to "
            "see the current conflicts."
        )
    return picked


def conflict_label(cube_code: str, coordinate: dict[str, str]) -> str:
    return cube_code + "|" + ",".join(f"{k}={v}" for k, v in sorted(coordinate.items()))
