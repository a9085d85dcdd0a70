"""`bench run`: every figure on one generated database, OpenCorpo's read path next to DuckDB and PostgreSQL."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bench.cli import DEFAULT_FACTS, BenchError, configure_django, run_subcommand, server_url
from bench.company import (
    CUBE_CODE,
    MODEL_CODE,
    PNL_ROOT,
    fiscal_years,
    income_statement_rows,
    regions,
)
from bench.references import (
    SESSION_JIT,
    DuckDBReference,
    PostgresReference,
    Question,
    Tree,
    disagreements,
    grid_answer,
    load_trees,
)
from bench.worker import Worker

PIVOT_LEVEL = 3  # the level under NI with ~50 accounts
VERSION_PAIRS = [("actual", "budget"), ("actual", "forecast"), ("budget", "forecast"), ("actual", "whatif")]
WARM_CALLS, WARM_BUDGET_S = 20, 60.0
JOB_TIMEOUT_S = 1_200.0
Case = tuple[Question, Any]  # a reference question and the equivalent GridQuery


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def jobs_summary(jobs: dict[str, Any]) -> str:
    longest = jobs.get("longest")
    text = f"{jobs.get('count', 0)} job(s)"
    if longest:
        text += f", longest {longest['kind']} {longest['status']} in {longest['run_s']:.1f} s"
    if jobs.get("failed"):
        text += f"; FAILED: {jobs['failed']}"
    return text + (" (TIMED OUT)" if jobs.get("timed_out") else "")


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def stats(seconds: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "median_ms": float(np.median(ms)),
        "min_ms": min(ms),
        "max_ms": max(ms),
        "p95_ms": float(np.percentile(ms, 95)),
        "runs_ms": [round(x, 3) for x in ms],
    }


def memory() -> dict[str, float]:
    """VmRSS and VmHWM of this process, MiB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            values[key] = int(rest.split()[0]) / 1024
    return values


def folder_bytes(path: Path) -> int | None:
    if not path.exists():
        return None
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def check(name: str, value: float | None, target: str, unit: str = "") -> dict[str, Any]:
    """A figure next to its target ("<= x" or ">= x"); PASS when met."""
    op, bound = target.split()
    ok = (
        value is not None and not math.isnan(value) and (value <= float(bound) if op == "<=" else value >= float(bound))
    )
    return {"name": name, "value": value, "unit": unit, "target": target, "pass": bool(ok)}


class OpenCorpo:
    """The read and write path as the API views call it: the cube fetched per request, then the service."""

    def __init__(self) -> None:
        from opencorpo.planning.cells import CellWrite, cells_write
        from opencorpo.planning.context import cube_get
        from opencorpo.planning.grid import GridQuery, Selection, grid_read

        self.cube_get, self.grid_read, self.cells_write, self.cell = cube_get, grid_read, cells_write, CellWrite
        self.query, self.selection = GridQuery, Selection

    def read(self, query: Any) -> dict[str, Any]:
        return self.grid_read(cube=self.cube_get(model_code=MODEL_CODE, cube_code=CUBE_CODE), query=query)

    def write(self, coordinate: dict[str, str], value: float) -> dict[str, Any]:
        cube = self.cube_get(model_code=MODEL_CODE, cube_code=CUBE_CODE)
        return self.cells_write(cube=cube, cells=[self.cell(coordinate=coordinate, value=value)], user=None)


def pivot_cases(oc: OpenCorpo, trees: dict[str, Tree], seed: int) -> list[Case]:
    """Figure a: a region × one fiscal year's 12 months × 2 versions × the ~50 accounts at level 3 of NI.

    Every run asks a different (region, year, versions) combination, so a result cache cannot answer the timed runs.
    """
    rows = tuple(trees["account"].code(i) for i in _level(trees["account"], PNL_ROOT, PIVOT_LEVEL))
    combos = [(r, y, v) for r in regions() for y in fiscal_years() for v in VERSION_PAIRS]
    order = np.random.Generator(np.random.PCG64(seed)).permutation(len(combos))
    cases = []
    for region, year, versions in (combos[i] for i in order):
        months = tuple(trees["time"].code(m) for m in trees["time"].months(year))
        query = oc.query(
            rows=(oc.selection("account", descendants_of=PNL_ROOT, level=PIVOT_LEVEL),),
            columns=(oc.selection("version", members=versions), oc.selection("time", leaves_of=year)),
            filters={"entity": region},
        )
        cases.append((Question(rows, versions, months, region, "ALLP"), query))
    return cases


def _level(tree: Tree, root: str, level: int) -> list[int]:
    """Members `level` steps under `root`, in tree order (children in creation order)."""
    found, stack = [], [(tree.by_code[root].id, 0)]
    while stack:
        member_id, depth = stack.pop()
        if depth == level:
            found.append(member_id)
            continue
        stack += [(kid, depth + 1) for kid in reversed(sorted(tree.children[member_id]))]
    return found


def statement_cases(oc: OpenCorpo, trees: dict[str, Tree], seed: int) -> list[Case]:
    """Figure b: the whole company's income statement (top 3 levels + 2 closing balances) by quarter, one version."""
    rows = tuple(income_statement_rows())
    combos = [(y, v) for y in fiscal_years() for v in ("actual", "budget", "forecast", "whatif")]
    order = np.random.Generator(np.random.PCG64(seed + 1)).permutation(len(combos))
    cases = []
    for year, version in (combos[i] for i in order):
        quarters = tuple(trees["time"].code(q) for q in sorted(trees["time"].children[trees["time"].by_code[year].id]))
        query = oc.query(
            rows=(oc.selection("account", members=rows),),
            columns=(oc.selection("time", children_of=year),),
            filters={"version": version},
        )
        cases.append((Question(rows, (version,), quarters, "GROUP", "ALLP"), query))
    return cases


def ensure_database(args: argparse.Namespace) -> None:
    """Generate (in a child process) when the database is missing, incomplete or holds another number of facts."""
    import psycopg

    wanted = args.facts
    reason = None
    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
    if not exists:
        reason = "it does not exist"
    else:
        with psycopg.connect(server_url(args.database), autocommit=True) as connection:
            meta = connection.execute(
                "SELECT value FROM bench_meta WHERE key = 'layout'"
                if connection.execute("SELECT to_regclass('bench_meta')").fetchone()[0]  # type: ignore[index]
                else "SELECT NULL WHERE false"
            ).fetchone()
            if meta is None:
                reason = "it has no bench_meta (an interrupted generate?)"
            else:
                count = connection.execute(
                    "SELECT count(*) FROM planning_fact WHERE cube_id = %s", [meta[0]["cube_id"]]
                ).fetchone()[0]  # type: ignore[index]
                if count != meta[0]["facts"]:
                    reason = f"it holds {count:,} facts but bench_meta says {meta[0]['facts']:,}"
                elif wanted is not None and count != wanted:
                    reason = f"it holds {count:,} facts, not {wanted:,}"
                wanted = wanted or count
    if reason:
        progress(f"(re)generating {args.database}: {reason}")
        facts = str(wanted or DEFAULT_FACTS)
        run_subcommand(["generate", "--facts", facts, "--seed", str(args.seed), "--database", args.database])


def read_figure(
    title: str, oc_runs: list[tuple[float, Any]], duck: list[float], pg: list[float], untimed: int
) -> dict[str, Any]:
    """Stats of the timed runs (the first `untimed` runs of each system are the cold call and the warm-up)."""
    oc = stats([seconds for seconds, _ in oc_runs[untimed:]])
    oc["first_call_ms"] = oc_runs[0][0] * 1000
    result: dict[str, Any] = {"title": title, "opencorpo": oc}
    result |= {"duckdb": stats(duck[untimed:]), "postgres": stats(pg[untimed:])}
    result["ratio_opencorpo_duckdb"] = oc["median_ms"] / result["duckdb"]["median_ms"]
    result["ratio_postgres_opencorpo"] = result["postgres"]["median_ms"] / oc["median_ms"]
    result["checks"] = [
        check("OpenCorpo ÷ DuckDB (median)", result["ratio_opencorpo_duckdb"], "<= 2", "×"),
        check("PostgreSQL ÷ OpenCorpo (median)", result["ratio_postgres_opencorpo"], ">= 20", "×"),
    ]
    return result


def compare(figure: dict[str, Any], cases: list[Case], answers: dict[str, list[Any]]) -> None:
    """All three answers of every case (the warm-up included) must agree; record the verdict in the figure."""
    problems = []
    for index, (question, _) in enumerate(cases):
        found = disagreements(question, {name: runs[index] for name, runs in answers.items()})
        problems += [f"case {index} ({question.entity}, {question.periods[0]}, {'/'.join(question.versions)}): {p}"
                     for p in found]  # fmt: skip
    figure["cases"] = len(cases)
    figure["cells_per_case"] = len(cases[0][0].cells())
    figure["agree"] = not problems
    figure["disagreements"] = problems[:10]


def answers(oc: list[tuple[float, Any]], duck: list[tuple[float, Any]], pg: list[tuple[float, Any]]) -> dict[str, Any]:
    return {
        "OpenCorpo": [grid_answer(response) for _, response in oc],
        "DuckDB": [answer for _, answer in duck],
        "PostgreSQL": [answer for _, answer in pg],
    }


def run(args: argparse.Namespace) -> int:
    if args.repeat < 1 or args.repeat > 19:
        raise BenchError("--repeat must be 1..19 (figure b has 20 distinct grids; more would hit a result cache).")
    ensure_database(args)
    configure_django(args.database)
    import psycopg

    from bench.generate import meta_read
    from bench.report import machine

    layout, meta = meta_read()
    pg = psycopg.connect(server_url(args.database), autocommit=True)
    trees = load_trees(pg, MODEL_CODE)
    slots: dict[str, str] = dict(
        pg.execute(
            "SELECT d.code, c.slot FROM planning_cubedimension c JOIN planning_dimension d ON d.id = c.dimension_id "
            "WHERE c.cube_id = %s",
            [layout.cube_id],
        ).fetchall()
    )
    report: dict[str, Any] = {"database": args.database, "facts": layout.facts, "seed": layout.seed}
    report |= {"repeat": args.repeat, "machine": machine(pg), "generation": meta.get("generated"), "figures": {}}
    report["machine"]["postgresql_reference_session"] = {"jit": SESSION_JIT}

    progress(f"run: {layout.facts:,} facts, {args.repeat} timed runs per read figure")
    worker = Worker(Path(_data_dir()))
    try:
        return _measure(args, report, layout, pg, trees, slots, worker)
    finally:
        worker.stop()
        pg.close()


def _measure(
    args: argparse.Namespace,
    report: dict[str, Any],
    layout: Any,
    pg: Any,
    trees: dict[str, Tree],
    slots: dict[str, str],
    worker: Worker,
) -> int:
    from django.utils import timezone

    from bench.report import print_report, write_results
    from bench.writes import measure_growth, measure_writes

    figures, k = report["figures"], args.repeat
    before = memory()
    oc = OpenCorpo()
    # a: the cold first call, one warm-up, k timed runs; b: one warm-up, k timed runs (all different grids)
    pivots, statements = pivot_cases(oc, trees, layout.seed)[: k + 2], statement_cases(oc, trees, layout.seed)[: k + 1]
    since = timezone.now()
    oc_a = [timed(partial(oc.read, pivots[0][1]))]
    first_call = memory()
    progress(f"  a. first OpenCorpo call (cold): {oc_a[0][0] * 1000:,.1f} ms; waiting for background jobs")
    jobs = worker.wait_idle(JOB_TIMEOUT_S, since)
    progress(f"  background jobs done after {jobs['waited_s']:.1f} s: {jobs_summary(jobs)}")
    warm: list[tuple[float, Any]] = []
    started = time.perf_counter()
    while len(warm) < k or (len(warm) < WARM_CALLS and time.perf_counter() - started < WARM_BUDGET_S):
        warm.append(timed(partial(oc.read, pivots[0][1])))
    oc_a += [timed(partial(oc.read, query)) for _, query in pivots[1:]]
    progress(f"  c. {len(warm)} repeated calls; a. 1 + {k} other pivots")
    oc_b = [timed(partial(oc.read, query)) for _, query in statements]
    progress(f"  b. {k + 1} income statements")
    after_reads = memory()
    snapshots = Path(_data_dir()) / "snapshots"
    disk = {"snapshots_bytes": folder_bytes(snapshots), "data_dir_bytes": folder_bytes(Path(_data_dir()))}

    duck = DuckDBReference(pg, layout.cube_id, trees, slots)
    progress(f"  DuckDB: {duck.rows:,} facts loaded in {duck.load_seconds:.1f} s (not timed)")
    duck_a: list[tuple[float, Any]] = []
    duck_b: list[tuple[float, Any]] = []
    for cases, out in ((pivots, duck_a), (statements, duck_b)):
        for question, _ in cases:
            out.append(timed(partial(duck.answer, question, duck.prepare(question))))
    postgres = PostgresReference(pg, layout.cube_id, trees, slots)
    total = pg.execute("SELECT count(*), sum(value) FROM planning_fact WHERE cube_id = %s", [layout.cube_id]).fetchone()
    if total is None or total[0] != duck.rows:
        raise BenchError(f"PostgreSQL holds {total} facts but DuckDB loaded {duck.rows:,}")
    pg_a: list[tuple[float, Any]] = []
    pg_b: list[tuple[float, Any]] = []
    for cases, out in ((pivots, pg_a), (statements, pg_b)):
        for question, _ in cases:
            out.append(timed(partial(postgres.answer, *postgres.prepare(question))))
    progress("  DuckDB and PostgreSQL references done")

    figures["a"] = read_figure(
        "Pivot: region × 12 months × 2 versions × 50 accounts", oc_a, [s for s, _ in duck_a], [s for s, _ in pg_a], 2
    )
    compare(figures["a"], pivots, answers(oc_a, duck_a, pg_a))
    figures["b"] = read_figure(
        "Income statement: whole company × 4 quarters × 1 version",
        oc_b,
        [s for s, _ in duck_b],
        [s for s, _ in pg_b],
        1,
    )
    compare(figures["b"], statements, answers(oc_b, duck_b, pg_b))
    warm_stats = stats([s for s, _ in warm])
    figures["c"] = {"title": "Same pivot repeated (warm)", "opencorpo": warm_stats}
    compare(figures["c"], [pivots[0]] * len(warm), {"OpenCorpo": [grid_answer(r) for _, r in warm],
                                                    "DuckDB": [duck_a[0][1]] * len(warm)})  # fmt: skip
    figures["c"]["checks"] = [check("warm read (median)", warm_stats["median_ms"], "<= 10", "ms")]
    duck.con.close()

    figures["d"] = measure_writes(oc, pg, trees, layout, args.writes, args.write_budget, slots, progress)
    figures["e"] = {
        "title": "Memory and disk of the read path",
        "rss_before_mib": before["VmRSS"],
        "rss_after_first_call_mib": first_call["VmRSS"],
        "hwm_after_first_call_mib": first_call["VmHWM"],
        "rss_after_reads_mib": after_reads["VmRSS"],
        "hwm_after_reads_mib": after_reads["VmHWM"],
        "data_dir": _data_dir(),
        **disk,
        "snapshots_bytes_at_end": folder_bytes(snapshots),
        "background_jobs": jobs,
        "worker_peak_rss_mib": worker.memory(),
        "checks": [
            check("peak RSS of the reading process (VmHWM)", after_reads["VmHWM"], "<= 2048", "MiB"),
            check("peak RSS of the worker (snapshot builds)", worker.memory(), "<= 2048", "MiB"),
        ],
    }
    if args.growth:

        def settle() -> dict[str, Any]:
            """The first read after the growth (it may fall back or request a snapshot), then the worker's jobs."""
            since = timezone.now()
            seconds, _ = timed(partial(oc.read, pivots[0][1]))
            return {"first_read_ms": seconds * 1000, **worker.wait_idle(JOB_TIMEOUT_S, since)}

        figures["f"] = measure_growth(oc, pg, trees, args, slots, progress, settle)
    writes = [figures["d"], *([figures["f"]["d"]] if "f" in figures else [])]
    report["ok"] = all(figures[f]["agree"] for f in "abc") and all(d["reflected"] == d["writes"] for d in writes)
    if args.json:
        print(json.dumps(report, indent=1, default=str))
    else:
        print_report(report)
    if args.write_results:
        write_results(json.loads(json.dumps(report, default=str)))
    return 0 if report["ok"] else 1


def _data_dir() -> str:
    from django.conf import settings

    return str(settings.DATA_DIR)
