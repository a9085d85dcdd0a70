"""Every fact change goes through here: applied set-wise, audited in the same statement batch, the cube's data
version bumped, and the formulas that depend on the changed cells recalculated in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import connection

from opencorpo.planning.models import FACT_SLOTS, Cube

Key = tuple[int, int, int, int, int, int, int, int]  # version_id, period_id, m1..m6
Change = tuple[Key, float | None, float | None]  # key, old value, new value (None: empty)
SLOTS = ", ".join(FACT_SLOTS)
UNNEST_KEYS = ", ".join(["%s::bigint[]"] * len(FACT_SLOTS))


def changes_apply(
    cube: Cube, changed: list[Change], *, batch: uuid.UUID, user_id: int | None, source: str, recalculate: bool = True
) -> int:
    """Write the changes (upserts and deletes), audit them, recalculate dependent formulas; the new data version.

    Call inside a transaction holding the cube row lock (`cube_lock`). Cells of units frozen by the approval
    workflow refuse the whole batch (403) unless the writer is an administrator."""
    if changed and user_id is not None:
        _check_frozen(cube, changed, user_id)
    data_version = rows_apply(cube, changed, batch=batch, user_id=user_id, source=source)
    if recalculate and changed:
        from opencorpo.planning.formulas import formulas_recalculate

        formulas_recalculate(cube=cube, keys=[key for key, _, _ in changed], batch=batch, user_id=user_id)
    return data_version


def _check_frozen(cube: Cube, changed: list[Change], user_id: int) -> None:
    from django.contrib.auth import get_user_model

    from opencorpo.core.errors import Forbidden
    from opencorpo.governance.selectors import frozen_units
    from opencorpo.planning.context import cube_context
    from opencorpo.planning.frozen import FROZEN_MESSAGE, frozen_cells, frozen_key

    if not frozen_units(cube.model_id):  # the usual case: one small query
        return
    context = cube_context(cube)
    frozen = frozen_cells(context, get_user_model().objects.get(pk=user_id))
    if frozen and any(frozen_key(context, frozen, key) for key, _, _ in changed):
        raise Forbidden(FROZEN_MESSAGE)


def cube_lock(cube_id: int) -> None:
    """One writer per cube at a time (held until the transaction ends). It also marks the transaction as the
    application's, which audits its own writes: the database audits only writes made outside it (migration 0007)."""
    Cube.objects.select_for_update().filter(pk=cube_id).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('opencorpo.audited', 'on', true)")


def rows_apply(cube: Cube, changed: list[Change], *, batch: uuid.UUID, user_id: int | None, source: str) -> int:
    if not changed:
        return cube.data_version
    upserts = [(key, new) for key, _, new in changed if new is not None]
    deletes = [key for key, _, new in changed if new is None]
    with connection.cursor() as cursor:
        if upserts:
            columns = list(zip(*[key for key, _ in upserts], strict=True))
            cursor.execute(
                f"""INSERT INTO planning_fact (model_id, cube_id, {SLOTS}, value)
                    SELECT %s, %s, * FROM unnest({UNNEST_KEYS}, %s::float8[])
                    ON CONFLICT (cube_id, {SLOTS}) DO UPDATE
                    SET value = EXCLUDED.value, row_version = planning_fact.row_version + 1, updated_at = now()""",
                [cube.model_id, cube.pk, *[list(c) for c in columns], [value for _, value in upserts]],
            )
        if deletes:
            columns = list(zip(*deletes, strict=True))
            cursor.execute(
                f"""DELETE FROM planning_fact WHERE cube_id = %s AND ({SLOTS}) IN (
                    SELECT * FROM unnest({UNNEST_KEYS}))""",
                [cube.pk, *[list(c) for c in columns]],
            )
        data_version = data_version_bump(cube.pk)
        _audit(cursor, cube, changed, batch, user_id, source, data_version)
    cube.data_version = data_version
    return data_version


def data_version_bump(cube_id: int) -> int:
    """The cube's next data version; call inside the transaction that holds the cube row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE planning_cube SET data_version = data_version + 1 WHERE id = %s RETURNING data_version", [cube_id]
        )
        return int(cursor.fetchone()[0])


def _audit(
    cursor: Any, cube: Cube, rows: list[Change], batch: uuid.UUID, user_id: int | None, source: str, version: int
) -> None:
    columns = list(zip(*[key for key, _, _ in rows], strict=True))
    cursor.execute(
        f"""INSERT INTO planning_factchange (model_id, cube_id, {SLOTS}, old_value, new_value, source, batch,
                changed_by_id, data_version, changed_at)
            SELECT %s, %s, u.*, %s, %s::uuid, %s, %s, now()
            FROM unnest({UNNEST_KEYS}, %s::float8[], %s::float8[]) AS u""",
        [
            cube.model_id,
            cube.pk,
            source,
            str(batch),
            user_id,
            version,
            *[list(c) for c in columns],
            [old for _, old, _ in rows],
            [new for _, _, new in rows],
        ],
    )


def current_values(cube_id: int, keys: list[Key], *, lock: bool = False) -> dict[Key, tuple[float, int]]:
    """Value and row version of the given cells that hold a value (locked FOR UPDATE when asked)."""
    if not keys:
        return {}
    columns = list(zip(*keys, strict=True))
    suffix = " FOR UPDATE" if lock else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT {SLOTS}, value, row_version FROM planning_fact
                WHERE cube_id = %s AND ({SLOTS}) IN (SELECT * FROM unnest({UNNEST_KEYS})){suffix}""",
            [cube_id, *[list(column) for column in columns]],
        )
        return {tuple(row[:8]): (row[8], row[9]) for row in cursor.fetchall()}


def cells_read(cube_id: int, keys: Iterable[Key]) -> dict[Key, tuple[float, int]]:
    """Value and row version of the given cells that hold a value, without locking: one query filtering each slot
    by its members (a few short lists, fast for the rectangles grids and spreads ask for), then an exact match."""
    wanted = set(keys)
    if not wanted:
        return {}
    members = [sorted({cell[i] for cell in wanted}) for i in range(len(FACT_SLOTS))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {SLOTS}, value, row_version FROM planning_fact WHERE cube_id = %s AND "
            + " AND ".join(f"{slot} = ANY(%s::bigint[])" for slot in FACT_SLOTS),
            [cube_id, *members],
        )
        return {cell: (row[8], row[9]) for row in cursor.fetchall() if (cell := tuple(row[:8])) in wanted}
