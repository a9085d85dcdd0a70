"""The fast read path: a columnar DuckDB snapshot of each cube plus the delta of writes committed since, so
answers come from a column store and are never older than the last committed write."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from django.conf import settings
from django.db import connection

from opencorpo.core.selectors import installation_id
from opencorpo.planning.models import FACT_SLOTS

DELTA_LIMIT = 50_000  # past this many changed cells since the snapshot, a new snapshot is due
_NAME = re.compile(r"^([0-9a-f]+)-cube-(\d+)-v(\d+)\.duckdb$")
_LOCK = threading.Lock()
_CONNECTIONS: dict[Path, duckdb.DuckDBPyConnection] = {}


def snapshot_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def snapshot_path(cube_id: int, data_version: int) -> Path:
    """Named by database, cube and data version: a file can only ever hold that one state."""
    return snapshot_dir() / f"{installation_id()}-cube-{int(cube_id)}-v{int(data_version)}.duckdb"


def _versions_of(cube_id: int) -> list[int]:
    mine = installation_id()
    return [
        int(match.group(3))
        for name in os.listdir(snapshot_dir())
        if (match := _NAME.match(name)) and match.group(1) == mine and int(match.group(2)) == cube_id
    ]


def snapshot_latest(cube_id: int, at_most: int) -> int | None:
    """The newest snapshot version of the cube not newer than `at_most` (the reader's data version)."""
    usable = [version for version in _versions_of(cube_id) if version <= at_most]
    return max(usable) if usable else None


def snapshot_build(*, cube_id: int) -> int:
    """Write the cube's facts, as of one consistent data version, into a DuckDB file sorted by version and period.

    Runs in a REPEATABLE READ transaction when it can, so the facts and the data version agree.
    """
    from django.db import transaction

    if connection.in_atomic_block:  # a snapshot must hold committed data only: its version number is its name
        raise RuntimeError("snapshot_build runs outside any transaction (in a job), never inside one")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with connection.cursor() as cursor:
            cursor.execute("SELECT data_version FROM planning_cube WHERE id = %s", [cube_id])
            data_version = int(cursor.fetchone()[0])
            final = snapshot_path(cube_id, data_version)
            if final.exists():
                return data_version
            handle, csv_path = tempfile.mkstemp(prefix=f"cube-{cube_id}-", suffix=".csv", dir=snapshot_dir())
            with (
                os.fdopen(handle, "wb") as out,
                cursor.copy(
                    f"COPY (SELECT {', '.join(FACT_SLOTS)}, value FROM planning_fact WHERE cube_id = {int(cube_id)}) "
                    "TO STDOUT WITH (FORMAT csv)"
                ) as copy,
            ):
                for chunk in copy:
                    out.write(chunk)
    building = final.with_suffix(".building")
    building.unlink(missing_ok=True)
    try:
        columns = ", ".join(f"'{slot}': 'INTEGER'" for slot in FACT_SLOTS)
        with duckdb.connect(str(building)) as duck:
            duck.execute("SET threads = 2")
            duck.execute(f"CREATE TABLE facts ({', '.join(f'{s} INTEGER' for s in FACT_SLOTS)}, value DOUBLE)")
            if os.path.getsize(csv_path):
                duck.execute(
                    f"INSERT INTO facts SELECT * FROM read_csv('{csv_path}', header = false, auto_detect = false, "
                    f"delim = ',', columns = {{{columns}, 'value': 'DOUBLE'}}) ORDER BY version_id, period_id"
                )
        os.replace(building, final)
    finally:
        os.unlink(csv_path)
        building.unlink(missing_ok=True)
    for version in _versions_of(cube_id):  # older snapshots: open readers keep their (unlinked) file
        if version < data_version:
            snapshot_path(cube_id, version).unlink(missing_ok=True)
    return data_version


def delta_too_large(cube_id: int, since: int, until: int) -> bool:
    """Whether more than DELTA_LIMIT changes follow the snapshot (bounded work, whatever the backlog)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT 1 FROM planning_factchange WHERE cube_id = %s AND data_version > %s AND data_version <= %s
               OFFSET %s LIMIT 1""",
            [cube_id, since, until, DELTA_LIMIT],
        )
        return cursor.fetchone() is not None


def delta_rows(cube_id: int, since: int, until: int) -> list[tuple[Any, ...]]:
    """Corrections to the snapshot (`since`) for every cell changed up to the reader's version (`until`):
    (slots…, value change, count change), from the first change's old value and the last change's new value."""
    slots = ", ".join(FACT_SLOTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT {slots},
                       coalesce(last_new, 0) - coalesce(first_old, 0),
                       (last_new IS NOT NULL)::int - (first_old IS NOT NULL)::int
                FROM (SELECT {slots},
                             (array_agg(old_value ORDER BY data_version, id))[1] AS first_old,
                             (array_agg(new_value ORDER BY data_version DESC, id DESC))[1] AS last_new
                      FROM planning_factchange
                      WHERE cube_id = %s AND data_version > %s AND data_version <= %s
                      GROUP BY {slots}) AS changed
                WHERE first_old IS DISTINCT FROM last_new""",
            [cube_id, since, until],
        )
        return list(cursor.fetchall())


def _connection(path: Path) -> duckdb.DuckDBPyConnection:
    with _LOCK:
        duck = _CONNECTIONS.get(path)
        if duck is None:
            prefix = path.name.rsplit("-v", 1)[0]
            for old in [p for p in _CONNECTIONS if p.name.rsplit("-v", 1)[0] == prefix]:
                _CONNECTIONS.pop(old).close()
            duck = duckdb.connect(":memory:")
            duck.execute("SET threads = 2")
            duck.execute(f"ATTACH '{path}' AS snap (READ_ONLY)")
            _CONNECTIONS[path] = duck
        return duck.cursor()  # one cursor per read: safe across threads


@dataclass(frozen=True)
class SlotFilter:
    """Which leaves of one fact column a read needs; `weights` when the column is summed away (a filter).

    `everything` says the leaves are all the dimension's leaves, so no condition is needed at all."""

    slot: str
    leaves: Sequence[int]
    weights: Sequence[float] | None = None
    everything: bool = False
    wide: bool = False  # more than half the dimension's leaves
    outputs: Sequence[int] | None = None  # with weights: sum each leaf into these requested members


def _ints(values: Sequence[int]) -> str:
    return ", ".join(str(int(v)) for v in values) or "NULL"


SHORT_LIST = 64  # up to this many ids an IN list (zone maps can use it); beyond, a hash semi-join


def snapshot_aggregate(
    *, cube_id: int, snapshot: int, delta: list[tuple[Any, ...]], filters: list[SlotFilter]
) -> dict[str, np.ndarray]:
    """Facts of the snapshot with the delta applied, filtered, with weighted filter columns summed away.

    Returns the kept slot columns and `value`, one row per distinct kept key.
    """
    params: dict[str, Any] = {}
    conditions: list[str] = []
    joins: list[str] = []
    factors: list[str] = []
    mapped: dict[str, str] = {}
    for f in filters:
        weighted = f.weights is not None and any(w != 1.0 for w in f.weights)
        if f.outputs is not None:  # an axis summed to its requested members (a leaf may feed several)
            params[f"{f.slot}_ids"] = [int(i) for i in f.leaves]
            params[f"{f.slot}_out"] = [int(o) for o in f.outputs]
            params[f"{f.slot}_w"] = [float(w) for w in f.weights or []]
            joins.append(
                f"JOIN (SELECT unnest(${f.slot}_ids::INTEGER[]) AS id, unnest(${f.slot}_out::INTEGER[]) AS out, "
                f"unnest(${f.slot}_w::DOUBLE[]) AS w) AS o_{f.slot} ON o_{f.slot}.id = base.{f.slot}"
            )
            factors.append(f"o_{f.slot}.w")
            mapped[f.slot] = f"o_{f.slot}.out"
        elif weighted:
            params[f"{f.slot}_ids"] = [int(i) for i in f.leaves]
            params[f"{f.slot}_w"] = [float(w) for w in f.weights or []]
            joins.append(
                f"JOIN (SELECT unnest(${f.slot}_ids::INTEGER[]) AS id, unnest(${f.slot}_w::DOUBLE[]) AS w) "
                f"AS w_{f.slot} ON w_{f.slot}.id = base.{f.slot}"
            )
            factors.append(f"w_{f.slot}.w")
        elif f.everything or (f.weights is None and f.wide and f.slot not in {"version_id", "period_id"}):
            continue  # all leaves, or most of them on a grouped column: the engine ignores the few extra
        elif len(f.leaves) <= SHORT_LIST or f.slot in {"version_id", "period_id"}:
            conditions.append(f"{f.slot} IN ({_ints(f.leaves)})")
        else:
            params[f"{f.slot}_ids"] = [int(i) for i in f.leaves]  # a semi-join DuckDB can push into the scan
            conditions.append(f"{f.slot} IN (SELECT unnest(${f.slot}_ids::INTEGER[]))")
    where = " AND ".join(conditions) or "TRUE"
    slot_list = ", ".join(FACT_SLOTS)
    if delta:  # corrections, not replacements: no anti-join over the snapshot
        columns = list(zip(*delta, strict=True))
        for slot, column in zip(FACT_SLOTS, columns[:8], strict=True):
            params[f"d_{slot}"] = [int(v) for v in column]
        params["d_value"] = [float(v) for v in columns[8]]
        params["d_count"] = [int(v) for v in columns[9]]
        unnest = ", ".join(f"unnest($d_{slot}::INTEGER[]) AS {slot}" for slot in FACT_SLOTS)
        delta_cte = (
            f"delta AS (SELECT {unnest}, unnest($d_value::DOUBLE[]) AS value, unnest($d_count::INTEGER[]) AS n),"
        )
        union = f"UNION ALL SELECT {slot_list}, value, n FROM delta WHERE {where}"
    else:
        delta_cte, union = "", ""
    kept = [f.slot for f in filters if f.weights is None or f.outputs is not None]
    keys = ", ".join(f"{mapped[slot]} AS {slot}" if slot in mapped else f"base.{slot}" for slot in kept)
    product = " * ".join(["base.value", *factors])
    # n counts facts per group, so a group whose every fact was deleted since the snapshot stays empty (not 0);
    # without deletions every group has facts, and the count is skipped
    deletions = any(row[9] < 0 for row in delta)
    sql = f"""WITH {delta_cte}
        base AS (SELECT {slot_list}, value, 1 AS n FROM snap.facts s WHERE {where} {union})
        SELECT {keys}{", " if keys else ""}sum({product}) AS value FROM base {" ".join(joins)}
        {"GROUP BY " + ", ".join(mapped.get(slot, f"base.{slot}") for slot in kept) if kept else ""}
        {"HAVING sum(base.n) > 0" if deletions else ""}"""
    result = _connection(snapshot_path(cube_id, snapshot)).execute(sql, params or None).fetchnumpy()
    return {name: np.asarray(column) for name, column in result.items()}


def snapshot_request(*, cube_id: int, data_version: int) -> None:
    """Ask a worker to fold the delta into a new snapshot (one job per cube and data version)."""
    from opencorpo.core.services import job_submit

    job_submit(
        kind="snapshot.build",
        params={"cube_id": cube_id},
        idempotency_key=f"snapshot-{cube_id}-{data_version}",
        check_permission=False,
    )
