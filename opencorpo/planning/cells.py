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
from opencorpo.planning.context import cube_context
from opencorpo.planning.errors import InvalidCell, StaleWrite, VersionLocked
from opencorpo.planning.models import FACT_SLOTS, Cube, CubeDimension, DimensionKind, Member
from opencorpo.planning.visibility import Visible

Key = tuple[int, int, int, int, int, int, int, int]  # version_id, period_id, m1..m6


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
        if info.members[member_id].is_ratio:
            raise InvalidCell(f"Cell {number}: {code!r} is a ratio computed from other accounts; it cannot be entered.")
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


def _current(cube: Cube, keys: list[Key]) -> dict[Key, tuple[float, int]]:
    columns: list[tuple[int, ...]] = list(zip(*keys, strict=True)) if keys else [() for _ in FACT_SLOTS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT {", ".join(FACT_SLOTS)}, value, row_version FROM planning_fact
                WHERE cube_id = %s AND ({", ".join(FACT_SLOTS)}) IN (
                    SELECT * FROM unnest({", ".join(["%s::bigint[]"] * len(FACT_SLOTS))}))
                FOR UPDATE""",
            [cube.pk, *[list(column) for column in columns]],
        )
        return {tuple(row[:8]): (row[8], row[9]) for row in cursor.fetchall()}


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
        Cube.objects.select_for_update().filter(pk=cube.pk).first()  # one writer per cube at a time
        current = _current(cube, list(writes))
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
        data_version = _apply(cube, changed, batch, user, source) if changed else cube.data_version
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


def _apply(
    cube: Cube,
    changed: list[tuple[Key, float | None, float | None]],
    batch: uuid.UUID,
    user: AbstractBaseUser | AnonymousUser | None,
    source: str,
) -> int:
    upserts = [(key, new) for key, _, new in changed if new is not None]
    deletes = [key for key, _, new in changed if new is None]
    slots = ", ".join(FACT_SLOTS)
    with connection.cursor() as cursor:
        if upserts:
            columns = list(zip(*[key for key, _ in upserts], strict=True))
            cursor.execute(
                f"""INSERT INTO planning_fact (model_id, cube_id, {slots}, value)
                    SELECT %s, %s, * FROM unnest({", ".join(["%s::bigint[]"] * 8)}, %s::float8[])
                    ON CONFLICT (cube_id, {slots}) DO UPDATE
                    SET value = EXCLUDED.value, row_version = planning_fact.row_version + 1, updated_at = now()""",
                [cube.model_id, cube.pk, *[list(c) for c in columns], [value for _, value in upserts]],
            )
        if deletes:
            columns = list(zip(*deletes, strict=True))
            cursor.execute(
                f"""DELETE FROM planning_fact WHERE cube_id = %s AND ({slots}) IN (
                    SELECT * FROM unnest({", ".join(["%s::bigint[]"] * 8)}))""",
                [cube.pk, *[list(c) for c in columns]],
            )
        user_id = user.pk if user is not None and user.is_authenticated else None
        data_version = data_version_bump(cube.pk)
        _audit(cursor, cube, changed, batch, user_id, source, data_version)
    return data_version


def data_version_bump(cube_id: int) -> int:
    """The cube's next data version; call inside the transaction that holds the cube row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE planning_cube SET data_version = data_version + 1 WHERE id = %s RETURNING data_version", [cube_id]
        )
        return int(cursor.fetchone()[0])


def _audit(
    cursor: Any,
    cube: Cube,
    rows: list[tuple[Key, float | None, float | None]],
    batch: uuid.UUID,
    user_id: int | None,
    source: str,
    data_version: int,
) -> None:
    slots = ", ".join(FACT_SLOTS)
    columns = list(zip(*[key for key, _, _ in rows], strict=True))
    cursor.execute(
        f"""INSERT INTO planning_factchange (model_id, cube_id, {slots}, old_value, new_value, source, batch,
                changed_by_id, data_version, changed_at)
            SELECT %s, %s, u.*, %s, %s::uuid, %s, %s, now()
            FROM unnest({", ".join(["%s::bigint[]"] * 8)}, %s::float8[], %s::float8[]) AS u""",
        [
            cube.model_id,
            cube.pk,
            source,
            str(batch),
            user_id,
            data_version,
            *[list(c) for c in columns],
            [old for _, old, _ in rows],
            [new for _, _, new in rows],
        ],
    )


def facts_delete_on_member(*, member: Member, user_id: int | None = None) -> int:
    """Delete (and audit) every value on a member, in every cube that uses its dimension."""
    deleted = 0
    slots = ", ".join(FACT_SLOTS)
    batch = uuid.uuid4()
    with connection.cursor() as cursor:
        for cube_id, slot in CubeDimension.objects.filter(dimension_id=member.dimension_id).values_list(
            "cube_id", "slot"
        ):
            Cube.objects.select_for_update().filter(pk=cube_id).first()
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
