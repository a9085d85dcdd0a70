"""Fast audited fact load: binary COPY into detached version partitions, keys built after, one data-version bump."""

from __future__ import annotations

import datetime
import itertools
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
        return {
            name: getattr(self, name)[start:stop] for name in ("version_id", "period_id", "m1", "m2", "m3", "value")
        }


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


def encode(columns: list[tuple[str, str]], values: dict[str, Any], rows: int) -> memoryview:
    """PostgreSQL binary COPY tuples for `rows` rows; each value is an array of length `rows` or a scalar."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for index, (name, pgtype) in enumerate(columns):
        fields += [(f"len{index}", ">i4"), (f"val{index}", _field_dtype(pgtype, values[name]))]
    dtype = np.dtype(fields)
    template = np.zeros(1, dtype=dtype)  # field count, lengths and constant values, copied into every row
    template["count"] = len(columns)
    for index, (name, _) in enumerate(columns):
        template[f"len{index}"] = dtype[f"val{index}"].itemsize
        if np.ndim(values[name]) == 0:
            template[f"val{index}"] = values[name]
    block = np.empty(rows, dtype=dtype)
    block.view(np.uint8).reshape(rows, dtype.itemsize)[:] = np.frombuffer(template.tobytes(), dtype=np.uint8)
    for index, (name, _) in enumerate(columns):
        if np.ndim(values[name]) != 0:
            block[f"val{index}"] = values[name]
    return block.data


def copy_binary(
    cursor: Any, table: str, columns: list[tuple[str, str]], blocks: Iterator[memoryview], *, freeze: bool = False
) -> None:
    names = ", ".join(name for name, _ in columns)
    options = "FORMAT BINARY, FREEZE" if freeze else "FORMAT BINARY"
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN ({options})") as copy:
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


def _drop_keys(cursor: Any, table: str) -> list[str]:
    """Drop the table's keys and indexes (like pg_restore loads data first); returns the DDL that restores them.

    A key that other tables reference stays. Foreign keys come back last, each checked over every row set-wise.
    """
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = %s::regclass)", [table])
    referenced = cursor.fetchone()[0]
    cursor.execute(
        """SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC""",
        [table],
    )
    keys: list[str] = []
    foreign: list[str] = []
    for name, kind, definition in cursor.fetchall():
        if kind == "f" or not referenced:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            (foreign if kind == "f" else keys).append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(
        """SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
           WHERE indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                 WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)""",
        [table],
    )
    for name, definition in cursor.fetchall():
        cursor.execute(f"DROP INDEX {name}")
        keys.append(definition)
    return keys + foreign


def _copy(cursor: Any, table: str, columns: list[tuple[str, str]], blocks: Iterator[memoryview]) -> None:
    """COPY into a table without indexes; an empty one is truncated first so the rows can be written frozen."""
    cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})")
    freeze = cursor.fetchone()[0]
    if freeze:
        cursor.execute(f"TRUNCATE {table}")  # empty: nothing is lost, and COPY FREEZE needs it (no VACUUM work later)
    copy_binary(cursor, table, columns, blocks, freeze=freeze)


def _chunks(
    columns: list[tuple[str, str]], constants: dict[str, Any], arrays: dict[str, NDArray[Any]]
) -> Iterator[memoryview]:
    rows = len(next(iter(arrays.values())))
    for start in range(0, rows, CHUNK_ROWS):
        chunk = {name: array[start : start + CHUNK_ROWS] for name, array in arrays.items()}
        yield encode(columns, {**constants, **chunk}, min(CHUNK_ROWS, rows - start))


def _load_partition(cursor: Any, cube_id: int, version_id: int, facts: dict[str, NDArray[Any]], model_id: int) -> None:
    """Detach the version partition, load it without keys, restore them, attach it again."""
    parent, part = f"planning_fact_c{cube_id}", f"planning_fact_c{cube_id}_v{version_id}"
    cursor.execute(f"ALTER TABLE {parent} DETACH PARTITION {part}")
    restore = _drop_keys(cursor, part)
    constants = {"model_id": model_id, "cube_id": cube_id, "row_version": 1, "updated_at": _now_us()}
    columns = _pick(columns_of(cursor, part), {**constants, **facts}, part)
    _copy(cursor, part, columns, _chunks(columns, constants, facts))
    for statement in restore:
        cursor.execute(statement)
    cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {part} FOR VALUES IN ({int(version_id)})")


def _load_audit(cursor: Any, cube_id: int, model_id: int, facts: Facts, data_version: int, log: Log) -> None:
    """One planning_factchange row per fact (old value NULL, one batch), keys and indexes rebuilt after the COPY."""
    started = time.perf_counter()
    restore = _drop_keys(cursor, "planning_factchange")
    cursor.execute("SELECT pg_get_serial_sequence('planning_factchange', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT coalesce(max(id), 0) FROM planning_factchange")
    first_id = cursor.fetchone()[0] + 1
    constants: dict[str, Any] = {"model_id": model_id, "cube_id": cube_id, "source": b"bench", "m4": 0, "m5": 0}
    constants |= {"m6": 0, "batch": uuid.uuid4().bytes, "changed_at": _now_us(), "data_version": data_version}
    arrays = facts.slice(0, len(facts))
    arrays["new_value"] = arrays.pop("value")
    arrays["id"] = np.arange(first_id, first_id + len(facts), dtype=np.int64)
    columns = _pick(columns_of(cursor, "planning_factchange"), {**constants, **arrays}, "planning_factchange")
    _copy(cursor, "planning_factchange", columns, _chunks(columns, constants, arrays))
    cursor.execute("SELECT setval(%s, %s)", [sequence, first_id + len(facts) - 1])
    copied = _timed(log, "audit rows: COPY", started)
    for statement in restore:
        cursor.execute(statement)
    _timed(log, "audit rows: keys and indexes", copied)


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
        for start, stop in itertools.pairwise(edges):
            if stop > start:
                version_id = int(facts.version_id[start])
                _load_partition(cursor, cube_id, version_id, facts.slice(start, stop), model_id)
                log(f"  version {version_id}: {stop - start:,} facts loaded and keyed")
        now = _timed(log, "facts: COPY + primary keys + attach", started)
        timings["facts_s"] = now - started
        _load_audit(cursor, cube_id, model_id, facts, data_version, log)
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
