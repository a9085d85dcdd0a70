"""Set-wise fact loads (COPY into a staging table, then one INSERT … ON CONFLICT), audited, in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from opencorpo.planning.changes import cube_lock, data_version_bump
from opencorpo.planning.context import cube_context
from opencorpo.planning.formulas import formulas_after_load
from opencorpo.planning.models import FACT_SLOTS, Cube, DimensionKind

SLOTS = ", ".join(FACT_SLOTS)


def facts_load(
    *, cube: Cube, rows: Iterable[Sequence[float]], source: str, user_id: int | None = None
) -> dict[str, int | str]:
    """Upsert rows of (version_id, period_id, m1..m6, value), overwriting the cells named (unique per cell);
    every changed cell gets an audit row of one batch. Replace-slice and add modes come with imports."""
    batch = uuid.uuid4()
    with transaction.atomic(), connection.cursor() as cursor:
        cube_lock(cube.pk)
        data_version = data_version_bump(cube.pk)  # rolled back with the load if nothing changes
        cursor.execute("DROP TABLE IF EXISTS load_staging")  # a second load in the same transaction
        cursor.execute(
            "CREATE TEMP TABLE load_staging (version_id bigint, period_id bigint, m1 bigint, m2 bigint, m3 bigint, "
            "m4 bigint, m5 bigint, m6 bigint, value float8) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY load_staging ({SLOTS}, value) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        params: dict[str, Any] = {"cube": cube.pk, "model": cube.model_id, "batch": str(batch), "user": user_id}
        cursor.execute(upsert_audited("load_staging", source=source), {**params, "version": data_version})
        changed = cursor.rowcount
        if not changed:
            transaction.set_rollback(True)  # nothing changed: keep the data version (and caches) as they were
        else:
            _recalculate(cursor, cube, batch, user_id)
    return {"batch": str(batch), "changed": changed}


MATCH = " AND ".join(f"f.{slot} = s.{slot}" for slot in FACT_SLOTS)


def upsert_audited(staging: str, *, source: str, add: bool = False) -> str:
    """The set-wise write of a staging table (version_id, period_id, m1..m6, value; one row per cell) into the
    cube's facts: only cells whose value changes are written, each with its audit row (old and new value), in
    one statement. Parameters: cube, model, batch, user, version (the data version it produces). With `add`, the
    staged value is added to what is there."""
    assert source.isidentifier()
    new_value = "coalesce(f.value, 0) + s.value" if add else "s.value"
    return f"""WITH before AS (
            SELECT s.version_id, s.period_id, s.m1, s.m2, s.m3, s.m4, s.m5, s.m6, f.value AS old_value,
                   {new_value} AS value
            FROM {staging} s LEFT JOIN planning_fact f ON f.cube_id = %(cube)s AND {MATCH}),
        written AS (
            INSERT INTO planning_fact (model_id, cube_id, {SLOTS}, value)
            SELECT %(model)s, %(cube)s, {SLOTS}, value FROM before
            ON CONFLICT (cube_id, {SLOTS}) DO UPDATE
                SET value = EXCLUDED.value, row_version = planning_fact.row_version + 1, updated_at = now()
                WHERE planning_fact.value IS DISTINCT FROM EXCLUDED.value
            RETURNING {SLOTS}, value)
        INSERT INTO planning_factchange (model_id, cube_id, {SLOTS}, old_value, new_value, source, batch,
            changed_by_id, data_version, changed_at)
        SELECT %(model)s, %(cube)s, w.version_id, w.period_id, w.m1, w.m2, w.m3, w.m4, w.m5, w.m6,
               b.old_value, w.value, '{source}', %(batch)s, %(user)s, %(version)s, now()
        FROM written w JOIN before b USING ({SLOTS})"""


def _recalculate(cursor: Any, cube: Cube, batch: uuid.UUID, user_id: int | None) -> None:
    """Formulas that read the loaded accounts are recalculated in the load's transaction."""
    account = cube_context(cube).of_kind(DimensionKind.ACCOUNT)
    if account is None:
        return
    cursor.execute(f"SELECT DISTINCT {account.slot}, version_id FROM load_staging")
    pairs = cursor.fetchall()
    formulas_after_load(
        cube=cube, accounts={a for a, _ in pairs}, versions={v for _, v in pairs}, batch=batch, user_id=user_id
    )
