"""`bench generate` and `bench grow`: a fresh database, the company, and N unique facts from a seeded bijection."""

from __future__ import annotations

import datetime
import json
import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.cli import BenchError, configure_django, server_url, wipe_data_dir
from bench.loader import Facts, load

# Key order of the mixed-radix code, most significant first: a fact's code decodes into one leaf per dimension.
DIMENSIONS = ("version", "time", "entity", "account", "product")
VALUE_CHUNK = 1_000_000
META_KEY = "layout"


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Layout:
    """The bijection i → (i * a + b) mod space over every leaf combination, and the leaves of each dimension."""

    seed: int
    a: int
    b: int
    space: int
    leaves: dict[str, list[int]]  # leaf member ids, ascending, per dimension
    cube_id: int
    model_id: int
    facts: int = 0

    @classmethod
    def create(cls, seed: int, leaves: dict[str, list[int]], cube_id: int, model_id: int) -> Layout:
        space = math.prod(len(leaves[d]) for d in DIMENSIONS)
        rng = np.random.Generator(np.random.PCG64(seed))
        a = int(rng.integers(space // 3, space))
        while math.gcd(a, space) != 1:  # coprime: i ↦ i·a + b (mod space) is a bijection, so keys never repeat
            a += 1
        return cls(seed, a, int(rng.integers(0, space)), space, leaves, cube_id, model_id)

    def indexes(self, i: NDArray[np.int64]) -> dict[str, NDArray[np.int64]]:
        """Leaf index per dimension of facts number i (mixed radix, least significant dimension last)."""
        if len(i) and int(i.max()) >= (2**63 - 1 - self.b) // self.a:
            raise BenchError(f"{int(i.max()):,} facts overflow the key arithmetic; stay below {2**63 // self.a:,}.")
        code = (i * self.a + self.b) % self.space
        out: dict[str, NDArray[np.int64]] = {}
        for dimension in reversed(DIMENSIONS):
            size = len(self.leaves[dimension])
            out[dimension] = code % size
            code //= size
        return out

    def cell(self, i: int) -> dict[str, int]:
        """Leaf member id per dimension of fact number i."""
        indexes = self.indexes(np.array([i], dtype=np.int64))
        return {d: self.leaves[d][int(indexes[d][0])] for d in DIMENSIONS}


def values_for(seed: int, start: int, stop: int) -> NDArray[np.float64]:
    """Values of facts start..stop-1, N(10,000, 5,000) rounded to cents, the same whatever the range boundaries."""
    parts = []
    for chunk in range(start // VALUE_CHUNK, (stop - 1) // VALUE_CHUNK + 1):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 1, chunk])))
        values = np.round(rng.normal(10_000.0, 5_000.0, VALUE_CHUNK), 2)
        base = chunk * VALUE_CHUNK
        parts.append(values[max(start, base) - base : min(stop, base + VALUE_CHUNK) - base])
    return np.concatenate(parts) if parts else np.zeros(0)


def fact_block(layout: Layout, start: int, stop: int) -> Facts:
    """Facts number start..stop-1 as member ids, ordered by version then month (as monthly loads arrive)."""
    indexes = layout.indexes(np.arange(start, stop, dtype=np.int64))
    order = np.argsort(
        (indexes["version"] * len(layout.leaves["time"]) + indexes["time"]).astype(np.int16), kind="stable"
    )
    ids = {d: np.asarray(layout.leaves[d], dtype=np.int64)[indexes[d][order]] for d in DIMENSIONS}
    return Facts(
        version_id=ids["version"],
        period_id=ids["time"],
        m1=ids["account"],
        m2=ids["entity"],
        m3=ids["product"],
        value=values_for(layout.seed, start, stop)[order],
    )


def recreate_database(database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def leaves_of(model_id: int) -> dict[str, list[int]]:
    from opencorpo.planning.models import Member

    members = list(
        Member.objects.filter(dimension__model_id=model_id).values_list("id", "parent_id", "dimension__code")
    )
    parents = {parent for _, parent, _ in members if parent is not None}
    leaves: dict[str, list[int]] = {d: [] for d in DIMENSIONS}
    for member_id, _, dimension in members:
        if member_id not in parents:
            leaves[dimension].append(member_id)
    return {d: sorted(ids) for d, ids in leaves.items()}


def meta_write(layout: Layout, extra: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        cursor.execute(
            "INSERT INTO bench_meta VALUES (%s, %s::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [META_KEY, json.dumps({**asdict(layout), **extra})],
        )


def meta_read() -> tuple[Layout, dict[str, Any]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM bench_meta WHERE key = %s", [META_KEY])
        row = cursor.fetchone()
    if row is None:
        raise BenchError("The bench database has no bench_meta; run `bench generate` first.")
    value = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    fields = {k: value.pop(k) for k in list(value) if k in Layout.__dataclass_fields__}
    return Layout(**fields), value


def _report_audit_columns() -> None:
    from opencorpo.planning.models import FactChange

    names = {field.column for field in FactChange._meta.concrete_fields}
    state = "present: set to the cube's data_version after the load" if "data_version" in names else "absent"
    log(f"  planning_factchange.data_version {state}")


def generate(*, facts: int, seed: int, database: str) -> dict[str, Any]:
    """Drop and recreate `database`, migrate, build the company and load `facts` unique facts with audit rows."""
    if facts < 1:
        raise BenchError("--facts must be at least 1.")
    started = time.perf_counter()
    log(f"generate: {facts:,} facts, seed {seed}, database {database}")
    configure_django(database)  # first: a broken setup must fail before the old database is dropped (no connection yet)
    recreate_database(database)
    wipe_data_dir(database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    timings: dict[str, Any] = {"create_and_migrate_s": time.perf_counter() - started}
    log(f"  database created and migrated: {timings['create_and_migrate_s']:.1f} s")
    from bench.company import company_build

    step = time.perf_counter()
    model_id, cube_id = company_build()
    layout = Layout.create(seed, leaves_of(model_id), cube_id, model_id)
    if facts > layout.space:
        raise BenchError(f"--facts {facts:,} is more than the {layout.space:,} leaf cells of the company.")
    timings["structure_s"] = time.perf_counter() - step
    log(f"  company built ({', '.join(f'{len(v)} {k}' for k, v in layout.leaves.items())} leaves): "
        f"{timings['structure_s']:.1f} s")  # fmt: skip
    _report_audit_columns()
    step = time.perf_counter()
    block = fact_block(layout, 0, facts)
    timings["numpy_s"] = time.perf_counter() - step
    log(f"  {facts:,} keys and values generated: {timings['numpy_s']:.1f} s")
    timings |= load(cube_id=cube_id, model_id=model_id, facts=block, log=log)
    del block
    layout.facts = facts
    timings["total_s"] = time.perf_counter() - started
    generated = {"at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), "timings": timings}
    meta_write(layout, {"generated": generated, "growth": []})
    log(f"generated {facts:,} facts in {timings['total_s']:.1f} s ({facts / timings['total_s']:,.0f} facts/s overall)")
    return generated


def fact_count(cube_id: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM planning_fact WHERE cube_id = %s", [cube_id])
        return int(cursor.fetchone()[0])


def grow(*, to: int, database: str) -> dict[str, Any]:
    """Append facts number current..to-1 (new unique keys of the same bijection) with the same fast loader."""
    configure_django(database)
    layout, extra = meta_read()
    current = fact_count(layout.cube_id)
    if current != layout.facts:
        raise BenchError(f"The database holds {current:,} facts, bench_meta says {layout.facts:,}; regenerate it.")
    if to <= current:
        log(f"grow: the database holds {current:,} facts already")
        return {}
    if to > layout.space:
        raise BenchError(f"--to {to:,} is more than the {layout.space:,} leaf cells of the company.")
    started = time.perf_counter()
    log(f"grow: {current:,} → {to:,} facts")
    block = fact_block(layout, current, to)
    timings: dict[str, Any] = {"numpy_s": time.perf_counter() - started}
    timings |= load(cube_id=layout.cube_id, model_id=layout.model_id, facts=block, log=log)
    del block
    timings["total_s"] = time.perf_counter() - started
    layout.facts = to
    step = {"from": current, "to": to, "timings": timings}
    meta_write(layout, {**extra, "growth": [*extra.get("growth", []), step]})
    log(f"grew by {to - current:,} facts in {timings['total_s']:.1f} s")
    return step
