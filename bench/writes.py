"""Figures d and f: single-cell writes, each followed by a read of a total that must move by exactly the change."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from bench.cli import run_subcommand
from bench.generate import DIMENSIONS
from bench.references import Tree, grid_answer


def _root_and_depth(tree: Tree, member_id: int) -> tuple[int, int]:
    depth = 0
    while (parent := tree.by_id[member_id].parent) is not None:
        member_id, depth = parent, depth + 1
    return member_id, depth


def probe(oc: Any, trees: Mapping[str, Tree], codes: dict[str, str]) -> tuple[Any, tuple[str, str, str], float]:
    """The figure-a grid around a leaf cell, the key of the total that contains it, and the leaf's weight into it.

    Rows: the accounts at the level of the leaf's parent under its root; columns: the written version and another
    one × the months of the cell's fiscal year; filter: the cell's region.
    """
    accounts, entities, time_tree = trees["account"], trees["entity"], trees["time"]
    leaf = accounts.by_code[codes["account"]]
    assert leaf.parent is not None
    root, depth = _root_and_depth(accounts, leaf.parent)
    entity = entities.by_code[codes["entity"]].id
    while entities.by_id[entity].parent not in entities.roots:
        entity = entities.by_id[entity].parent  # type: ignore[assignment]
    quarter = time_tree.by_code[codes["time"]].parent
    assert quarter is not None
    year = time_tree.by_id[quarter].parent
    assert year is not None
    other = "budget" if codes["version"] == "actual" else "actual"
    query = oc.query(
        rows=(oc.selection("account", descendants_of=accounts.code(root), level=depth),),
        columns=(
            oc.selection("version", members=(codes["version"], other)),
            oc.selection("time", leaves_of=time_tree.code(year)),
        ),
        filters={"entity": entities.code(entity)},
    )
    return query, (accounts.code(leaf.parent), codes["version"], codes["time"]), leaf.weight


def measure_writes(
    oc: Any,
    pg: Any,
    trees: Mapping[str, Tree],
    layout: Any,
    count: int,
    budget: float,
    slots: Mapping[str, str],
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """`count` times: a random existing leaf cell gets a new value (timed), then its grid is read again (timed)."""
    from bench.run import check, stats, timed

    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([layout.seed, 4, layout.facts])))
    where = " AND ".join(f"{slots[d]} = %({d})s" for d in DIMENSIONS)
    writes: list[float] = []
    reads: list[float] = []
    failures: list[str] = []
    started = time.perf_counter()
    for _ in range(count):
        if time.perf_counter() - started > budget:
            break
        ids = layout.cell(int(rng.integers(0, layout.facts)))
        codes = {d: trees[d].code(ids[d]) for d in DIMENSIONS}
        row = pg.execute(f"SELECT value FROM planning_fact WHERE cube_id = %(cube)s AND {where}",
                         {"cube": layout.cube_id, **ids}).fetchone()  # fmt: skip
        if row is None:
            failures.append(f"fact {codes} is missing from planning_fact")
            continue
        old = row[0]
        new = round(old + float(rng.choice([-1.0, 1.0])) * round(float(rng.uniform(1_000, 5_000)), 2), 2)
        query, key, weight = probe(oc, trees, codes)
        before = grid_answer(oc.read(query))[key]  # not timed
        seconds, result = timed(partial(oc.write, codes, new))
        writes.append(seconds)
        seconds, response = timed(partial(oc.read, query))
        reads.append(seconds)
        after = grid_answer(response)[key]
        expected = (new - old) * weight
        tolerance = 1e-9 * max(abs(before), abs(after)) + 1e-6
        if result.get("changed") != 1 or abs((after - before) - expected) > tolerance:
            failures.append(
                f"{'/'.join(key)}: wrote {old!r} → {new!r} (changed={result.get('changed')}); "
                f"total {before!r} → {after!r}, moved {after - before!r}, expected {expected!r}"
            )
    write_stats, read_stats = stats(writes), stats(reads)
    done = len(writes)
    progress(f"  d. {done} writes at {layout.facts:,} facts, {done - len(failures)} reflected")
    return {
        "title": f"Single-cell write, then read of its total ({layout.facts:,} facts)",
        "facts": layout.facts,
        "asked": count,
        "writes": done,
        "reflected": done - len(failures),
        "failures": failures[:10],
        "write": write_stats,
        "read_after_write": read_stats,
        "checks": [
            check("write p95", write_stats.get("p95_ms"), "<= 30", "ms"),
            check(
                "reads that reflected their write", 100 * (done - len(failures)) / done if done else None, ">= 100", "%"
            ),
        ],
    }


def measure_growth(
    oc: Any,
    pg: Any,
    trees: Mapping[str, Tree],
    args: argparse.Namespace,
    slots: Mapping[str, str],
    progress: Callable[[str], None],
    settle: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Grow the database with the same loader (in a child process), let the read path settle, measure d again."""
    from bench.generate import meta_read
    from bench.run import jobs_summary

    before, _ = meta_read()
    run_subcommand(["grow", "--to", str(args.growth), "--database", args.database])
    layout, meta = meta_read()
    settled = settle()
    progress(f"  f. first read after growth {settled['first_read_ms']:,.0f} ms; then {jobs_summary(settled)}")
    figure = measure_writes(oc, pg, trees, layout, args.writes, args.write_budget, slots, progress)
    return {
        "title": f"Point writes after growth {before.facts:,} → {layout.facts:,} facts",
        "from": before.facts,
        "to": layout.facts,
        "growth": (meta.get("growth") or [None])[-1],
        "settle": settled,
        "d": figure,
        "checks": figure["checks"],
    }
