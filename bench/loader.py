"""Fast audited fact load: binary COPY into detached version partitions, keys built after, one data-version bump."""

from __future__ import annotations

import datetime
import struct
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
PG_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
CHUNK_ROWS = 400_000
FIXED = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "double precision": ">f8", "real": ">f4"}
FIXED |= {"timestamp with time zone": ">i8", "timestamp without time zone": ">i8", "uuid": "S16", "boolean": "u1"}
Log = Callable[[str], None]


@dataclass(frozen=True)
class Column:
    name: str
    pgtype: str
    required: bool  # NOT NULL without a default


@dataclass
class Facts:
    """Facts sorted by version: member ids per fact slot and values."""

    version_id: NDArray[np.int64]
    period_id: NDArray[np.int64]
    m1: NDArray[np.int64]
    m2: NDArray[np.int64]
    m3: NDArray[np.int64]
    value: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.value)

    def slice(self, start: int, stop: int) -> dict[str, NDArray[Any]]:
        return {name: getattr(self, name)[start:stop] for name in ("version_id", "period_id", "m1", "m2", "m3", "value")}


def columns_of(cursor: Any, table: str) -> list[Column]:
    cursor.execute(
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull AND NOT a.atthasdef
                  AND a.attidentity = ''
           FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY a.attnum""",
        [table],
    )
    return [Column(name, pgtype, required) for name, pgtype, required in cursor.fetchall()]


def _field_dtype(pgtype: str, value: Any) -> str:
    if pgtype in FIXED:
        return FIXED[pgtype]
    if pgtype.startswith(("character varying", "text", "character(")):
        return f"S{len(value)}"
    raise TypeError(f"the bench loader cannot write a {pgtype} column in binary COPY")


def encode(columns: list[tuple[str, str]], values: dict[str, Any], rows: int) -> bytes:
    """PostgreSQL binary COPY tuples for `rows` rows; each value is an array of length `rows` or a scalar."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for index, (name, pgtype) in enumerate(columns):
        fields += [(f"len{index}", ">i4"), (f"val{index}", _field_dtype(pgtype, values[name]))]
    block = np.empty(rows, dtype=np.dtype(fields))
    block["count"] = len(columns)
    for index, (name, _) in enumerate(columns):
        block[f"len{index}"] = block.dtype[f"val{index}"].itemsize
        block[f"val{index}"] = values[name]
    return block.tobytes()


def copy_binary(cursor: Any, table: str, columns: list[tuple[str, str]], blocks: Iterator[bytes]) -> None:
    names = ", ".join(name for name, _ in columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(HEADER)
        for block in blocks:
            copy.write(block)
        copy.write(TRAILER)


def _pick(columns: list[Column], known: dict[str, Any], table: str) -> list[tuple[str, str]]:
    """The columns to COPY: every known one the table has; an unknown required column is an error."""
    missing = [c.name for c in columns if c.required and c.name not in known]
    if missing:
        raise RuntimeError(f"{table} has required columns the bench does not know: {', '.join(missing)}")
    return [(c.name, c.pgtype) for c in columns if c.name in known]


def _now_us() -> int:
    return int((datetime.datetime.now(datetime.UTC) - PG_EPOCH) / datetime.timedelta(microseconds=1))


def _timed(log: Log, label: str, started: float) -> float:
    now = time.perf_counter()
    log(f"  {label}: {now - started:.1f} s")
    return now


def _load_partition(cursor: Any, cube_id: int, version_id: int, facts: dict[str, NDArray[Any]], model_id: int) -> None:
    """Detach the version partition, drop its indexes, COPY, rebuild the primary key, attach it again."""
    parent, part = f"planning_fact_c{cube_id}", f"planning_fact_c{cube_id}_v{version_id}"
    cursor.execute(f"ALTER TABLE {parent} DETACH PARTITION {part}")
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u')", [part]
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {part} DROP CONSTRAINT "{name}"')
    cursor.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass", [part])
    for (name,) in cursor.fetchall():
        cursor.execute(f"DROP INDEX {name}")
    known = {"model_id": model_id, "cube_id": cube_id, "row_version": 1, "updated_at": _now_us()}
    columns = _pick(columns_of(cursor, part), {**known, **facts}, part)
    rows = len(facts["value"])
    blocks = (
        encode(columns, {**known, **{k: v[start : start + CHUNK_ROWS] for k, v in facts.items()}}, min(CHUNK_ROWS, rows - start))
        for start in range(0, rows, CHUNK_ROWS)
    )
    copy_binary(cursor, part, columns, blocks)
    cursor.execute(
        """SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM pg_constraint c
           CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
           WHERE c.conrelid = 'planning_fact'::regclass AND c.contype = 'p'"""
    )
    cursor.execute(f"ALTER TABLE {part} ADD CONSTRAINT {part}_pkey PRIMARY KEY ({cursor.fetchone()[0]})")
    cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {part} FOR VALUES IN ({int(version_id)})")


def _load_audit(
    cursor: Any, cube_id: int, model_id: int, facts: Facts, data_version: int, batch: uuid.UUID, log: Log
) -> None:
    """One planning_factchange row per fact (old value NULL), secondary indexes rebuilt after the COPY."""
    started = time.perf_counter()
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid = 'planning_factchange'::regclass AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    cursor.execute("SELECT pg_get_serial_sequence('planning_factchange', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT coalesce(max(id), 0) FROM planning_factchange")
    first_id = cursor.fetchone()[0] + 1
    known: dict[str, Any] = {
        "model_id": model_id,
        "cube_id": cube_id,
        "source": b"bench",
        "batch": batch.bytes,
        "changed_at": _now_us(),
        "data_version": data_version,
        "m4": 0,
        "m5": 0,
        "m6": 0,
    }
    columns = _pick(columns_of(cursor, "planning_factchange"), {**known, "id": 0, "new_value": 0.0, **facts.slice(0, 0)}, "planning_factchange")
    renamed = {"new_value": "value"}

    # Django's foreign keys are deferred: one COPY per chunk with constraints immediate keeps the queue of
    # foreign-key trigger events small (changed_by is NULL, so every check passes at once).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for start in range(0, len(facts), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(facts))
        chunk = facts.slice(start, stop)
        values = {**known, "id": np.arange(first_id + start, first_id + stop, dtype=np.int64)}
        values |= {name: chunk[renamed.get(name, name)] for name, _ in columns if name not in values}
        copy_binary(cursor, "planning_factchange", columns, iter([encode(columns, values, stop - start)]))
    cursor.execute("SELECT setval(%s, %s)", [sequence, first_id + len(facts) - 1])
    log(f"  audit COPY: {time.perf_counter() - started:.1f} s")
    for _, definition in indexes:
        cursor.execute(definition)


def load(*, cube_id: int, model_id: int, facts: Facts, log: Log) -> dict[str, float]:
    """Append facts with new keys in one transaction: partitions, audit rows, data_version + 1."""
    from django.db import connection, transaction

    if len(facts) and np.any(np.diff(facts.version_id) < 0):
        raise ValueError("facts must be sorted by version")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SELECT id FROM planning_cube WHERE id = %s FOR UPDATE", [cube_id])
        cursor.execute(
            "UPDATE planning_cube SET data_version = data_version + 1 WHERE id = %s RETURNING data_version", [cube_id]
        )
        data_version = cursor.fetchone()[0]
        edges = [0, *(np.flatnonzero(np.diff(facts.version_id)) + 1).tolist(), len(facts)]
        for start, stop in zip(edges[:-1], edges[1:], strict=True):
            if stop > start:
                version_id = int(facts.version_id[start])
                _load_partition(cursor, cube_id, version_id, facts.slice(start, stop), model_id)
                log(f"  version {version_id}: {stop - start:,} facts loaded and keyed")
        now = _timed(log, "facts: COPY + primary keys + attach", started)
        timings["facts_s"] = now - started
        _load_audit(cursor, cube_id, model_id, facts, data_version, uuid.uuid4(), log)
        timings["audit_s"] = _timed(log, "audit rows: COPY + indexes", now) - now
        commit_started = time.perf_counter()
    timings["commit_s"] = _timed(log, "commit", commit_started) - commit_started
    vacuum_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) planning_fact_c{int(cube_id)}")
        cursor.execute("VACUUM (ANALYZE) planning_factchange")
    timings["vacuum_analyze_s"] = _timed(log, "VACUUM ANALYZE", vacuum_started) - vacuum_started
    timings["data_version"] = data_version
    return timings
