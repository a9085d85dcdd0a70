"""Write-back of leaf cells: one transaction per batch, optimistic concurrency, audit rows, a data-version bump."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, transaction

from opencorpo.accounts.access import access_scope
from opencorpo.core.errors import Forbidden
from opencorpo.planning.changes import Key, changes_apply, cube_lock, current_values, data_version_bump
from opencorpo.planning.context import cube_context
from opencorpo.planning.errors import InvalidCell, StaleWrite, VersionLocked
from opencorpo.planning.models import FACT_SLOTS, Cube, CubeDimension, DimensionKind, Member
from opencorpo.planning.visibility import Visible


class CellForbidden(Forbidden):
    code = "cell_forbidden"


@dataclass(frozen=True)
class CellWrite:
    coordinate: dict[str, str]  # dimension code → member code
    value: float | None  # None clears the cell
    row_version: int | None = None  # the version the writer read (0: it was empty); None: no check


def _key(visible: Visible, coordinate: dict[str, str], number: int) -> Key:
    slots = dict.fromkeys(FACT_SLOTS, 0)
    for info, code, member_id in visible.leaf_cell(coordinate, f"Cell {number}: ", "enter values on its leaves"):
        member = info.members[member_id]
        if member.is_ratio:
            raise InvalidCell(f"Cell {number}: {code!r} is a ratio computed from other accounts; it cannot be entered.")
        if member.formula:
            raise InvalidCell(
                f"Cell {number}: {code!r} is calculated by its formula ({member.formula}); change its inputs instead."
            )
        if info.closed(member_id):
            what = "Version" if info.dimension.kind == DimensionKind.VERSION else "Period"
            raise VersionLocked(f"{what} {code!r} is locked; ask an approver to unlock it before changing values.")
        if not visible.writable(info, member_id):
            raise CellForbidden(
                f"Cell {number}: you may read {code!r} of dimension {info.dimension.code!r} but not change it. "
                "Ask an administrator for write access."
            )
        slots[info.slot] = member_id
    return tuple(slots[s] for s in FACT_SLOTS)  # type: ignore[return-value]


def cells_write(
    *, cube: Cube, cells: list[CellWrite], user: AbstractBaseUser | AnonymousUser | None, source: str = "grid"
) -> dict[str, Any]:
    """Write a batch of leaf cells: all or nothing; a stale cell fails the batch with the current values."""
    if not cells:
        raise InvalidCell("The batch has no cells; send at least one.")
    context = cube_context(cube)
    visible = Visible(context, access_scope(None if user is None else user, cube.model_id))
    writes: dict[Key, CellWrite] = {}
    for number, cell in enumerate(cells, start=1):
        if cell.value is not None and not math.isfinite(cell.value):
            raise InvalidCell(f"Cell {number}: {cell.value!r} is not a number; send a finite number or null.")
        key = _key(visible, cell.coordinate, number)
        if key in writes:
            raise InvalidCell(f"Cell {number} repeats an earlier cell of the batch; send each cell once.")
        writes[key] = cell
    with transaction.atomic():
        cube_lock(cube.pk)
        current = current_values(cube.pk, list(writes), lock=True)
        conflicts = [
            {
                "coordinate": cell.coordinate,
                "value": current.get(key, (None, 0))[0],
                "row_version": current.get(key, (None, 0))[1],
            }
            for key, cell in writes.items()
            if cell.row_version is not None and current.get(key, (None, 0))[1] != cell.row_version
        ]
        if conflicts:
            raise StaleWrite(
                f"{len(conflicts)} cell(s) changed since you read them; nothing was saved. "
                "Review the current values and enter yours again.",
                extra={"conflicts": conflicts},
            )
        changed = [
            (key, current.get(key, (None, 0))[0], cell.value)
            for key, cell in writes.items()
            if current.get(key, (None, 0))[0] != cell.value
        ]
        batch = uuid.uuid4()
        user_id = user.pk if user is not None and user.is_authenticated else None
        data_version = (
            changes_apply(cube, changed, batch=batch, user_id=user_id, source=source) if changed else cube.data_version
        )
    return {
        "batch": str(batch) if changed else None,
        "changed": len(changed),
        "unchanged": len(writes) - len(changed),
        "data_version": data_version,
        "row_versions": _row_versions_after(current, writes, changed),
    }


def _row_versions_after(
    current: dict[Key, tuple[float, int]], writes: dict[Key, CellWrite], changed: list[Any]
) -> list[int]:
    changed_keys = {key for key, _, _ in changed}
    result = []
    for key, cell in writes.items():
        before = current.get(key, (None, 0))[1]
        result.append(0 if cell.value is None else before + 1 if key in changed_keys else before)
    return result


def facts_delete_on_member(*, member: Member, user_id: int | None = None) -> int:
    """Delete (and audit) every value on a member, in every cube that uses its dimension."""
    deleted = 0
    slots = ", ".join(FACT_SLOTS)
    batch = uuid.uuid4()
    with connection.cursor() as cursor:
        for cube_id, slot in CubeDimension.objects.filter(dimension_id=member.dimension_id).values_list(
            "cube_id", "slot"
        ):
            cube_lock(cube_id)
            cursor.execute(
                f"SELECT 1 FROM planning_fact WHERE cube_id = %s AND {slot} = %s LIMIT 1", [cube_id, member.pk]
            )
            if cursor.fetchone() is None:
                continue
            version = data_version_bump(cube_id)
            cursor.execute(
                f"""WITH gone AS (DELETE FROM planning_fact WHERE cube_id = %s AND {slot} = %s
                        RETURNING model_id, cube_id, {slots}, value)
                    INSERT INTO planning_factchange (model_id, cube_id, {slots}, old_value, new_value, source, batch,
                        changed_by_id, data_version, changed_at)
                    SELECT model_id, cube_id, {slots}, value, NULL, 'structure', %s::uuid, %s, %s, now() FROM gone""",
                [cube_id, member.pk, str(batch), user_id, version],
            )
            deleted += cursor.rowcount
    return deleted
