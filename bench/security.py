"""`bench security`: figure h, the fast-path grids read by a planner restricted to one region next to an administrator.

Issue #7: security must not cost the fast path its speed. The pivot of figure a and the income statement of figure b
are read, on the DuckDB snapshot and never from the result cache, by

- an administrator, on one region (the comparable query),
- a planner whose only grant is `write` on that region of the entity dimension, with the same query,
- the administrator on the whole company (context, no target).

The three reads of each grid run back to back in every iteration (admin and planner alternate who goes first), and
the result-cache entry of each read is deleted just before it, so every timed read is cold. Target: the planner's
median ≤ 1.1 × the administrator's median on the same region, per query.

A second, separate pass (not in the timings) wraps the read path's steps with timers to show where the time goes,
per user: the access scope, member visibility, the cache key, DuckDB, editability, and the SQL statements.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.cli import BENCH_DIR, DEFAULT_DATABASE, BenchError, configure_django
from bench.company import CUBE_CODE, MODEL_CODE, PNL_ROOT, fiscal_years, income_statement_rows, regions
from bench.run import PIVOT_LEVEL, VERSION_PAIRS, ensure_database, stats

TARGET = 1.1
ADMIN, PLANNER = "bench-admin", "bench-planner"
CASES = ("admin_region", "planner_region", "admin_company")
FIGURES = {
    "pivot": "Pivot (figure a): one region × 12 months × 2 versions × 50 accounts",
    "statement": "Income statement (figure b): one region × 4 quarters × 1 version, 29 rows",
}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def add_parser(sub: Any, database_option: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser("security", help="figure h: the fast-path grids as a planner restricted to one region vs admin")
    p.add_argument("--facts", type=int, help="expected facts; regenerate if different (as `run`)")
    p.add_argument("--seed", type=int, default=42, help="seed when generating (default %(default)s)")
    p.add_argument("--region", default=regions()[0], choices=regions(), help="the planner's region (default EU)")
    p.add_argument("--repeat", type=int, default=61, help="timed interleaved iterations (default %(default)s, ≥ 15)")
    p.add_argument("--profile-runs", type=int, default=20, help="reads per case in the profiling pass (default 20)")
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout (progress on stderr)")
    p.add_argument("--write-results", action="store_true", help="write section h of bench/RESULTS.md")
    database_option(p)


# --- the company's two users ---------------------------------------------------------------------------------------


def users_ensure(model_id: int, region: str) -> dict[str, int]:
    """An administrator (role group) and a planner (role group) with one grant: `write` on `region` (entity)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from opencorpo.accounts.models import Access, Grant
    from opencorpo.accounts.roles import Role
    from opencorpo.accounts.services import roles_ensure
    from opencorpo.planning.models import Dimension, DimensionKind, Member

    groups = roles_ensure()
    user_model = get_user_model()
    ids = {}
    for username, role in ((ADMIN, Role.ADMINISTRATOR), (PLANNER, Role.PLANNER)):
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.set([Group.objects.get(pk=groups[role.value])])
        Grant.objects.filter(user=user).delete()
        ids[role.value] = user.pk
    entity = Dimension.objects.get(model_id=model_id, kind=DimensionKind.ENTITY)
    Grant.objects.create(
        model_id=model_id,
        dimension=entity,
        member=Member.objects.get(dimension=entity, code=region),
        user_id=ids[Role.PLANNER.value],
        access=Access.WRITE,
    )
    return {"admin": ids[Role.ADMINISTRATOR.value], "planner": ids[Role.PLANNER.value]}


def scope_check(context: Any, users: dict[str, Any], region: str) -> dict[str, Any]:
    """What each user may see of the entity dimension (the planner: their region only, not the group total)."""
    from opencorpo.accounts.access import access_scope
    from opencorpo.planning.models import DimensionKind

    entity = context.of_kind(DimensionKind.ENTITY)
    out = {}
    for name, user in users.items():
        scope = access_scope(user, context.cube.model_id)
        readable = [
            code for code, m in entity.by_code.items() if scope.can_read(entity.dimension.pk, entity.hierarchy, m)
        ]
        out[name] = {"digest": scope.digest, "entity_members_readable": len(readable),
                     "group_total_readable": "GROUP" in readable, "region_writable": scope.can_write(
                         entity.dimension.pk, entity.hierarchy, entity.by_code[region])}  # fmt: skip
    if out["planner"]["group_total_readable"] or not out["planner"]["region_writable"]:
        raise BenchError(f"the planner's grants do not restrict them to {region}: {out['planner']}")
    return out


# --- the grids ----------------------------------------------------------------------------------------------------


def grids(region: str, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Per figure, the grids in a fixed random order: each a region query (admin and planner) and a company query."""
    from opencorpo.planning.grid import GridQuery, Selection

    rng = np.random.Generator(np.random.PCG64(seed + 7))
    pivots = []
    for year, versions in [(y, v) for y in fiscal_years() for v in VERSION_PAIRS]:
        rows = (Selection("account", descendants_of=PNL_ROOT, level=PIVOT_LEVEL),)
        columns = (Selection("version", members=versions), Selection("time", leaves_of=year))
        pivots.append({"label": f"{year} {'/'.join(versions)}",
                       "region": GridQuery(rows=rows, columns=columns, filters={"entity": region}),
                       "company": GridQuery(rows=rows, columns=columns, filters={"entity": "GROUP"})})  # fmt: skip
    statements = []
    for year, version in [(y, v) for y in fiscal_years() for v in ("actual", "budget", "forecast", "whatif")]:
        accounts = (Selection("account", members=tuple(income_statement_rows())),)
        quarters = (Selection("time", children_of=year),)
        region_filter, company_filter = {"version": version, "entity": region}, {"version": version}
        statements.append({"label": f"{year} {version}",
                           "region": GridQuery(rows=accounts, columns=quarters, filters=region_filter),
                           "company": GridQuery(rows=accounts, columns=quarters, filters=company_filter)})  # fmt: skip
    return {
        "pivot": [pivots[i] for i in rng.permutation(len(pivots))],
        "statement": [statements[i] for i in rng.permutation(len(statements))],
    }


class Reader:
    """One cold read as the API view makes it: the user loaded for the request, the cube fetched, then grid_read.

    Before the timed call, the answer's result-cache entry is deleted (the key is computed with the user's scope
    digest, found once at the start), so the read always computes its answer. Each timed read must have gone
    through `facts_from_snapshot` (the fast path) exactly once.
    """

    def __init__(self, cube: Any, digests: dict[str, str], user_ids: dict[str, int]) -> None:
        from django.contrib.auth import get_user_model
        from django.core.cache import cache

        from opencorpo.planning import grid
        from opencorpo.planning.context import cube_get, cube_versions
        from opencorpo.planning.readcache import cache_key

        self.grid, self.cache, self.cache_key, self.cube_get = grid, cache, cache_key, cube_get
        self.users, self.user_ids, self.digests = get_user_model().objects, user_ids, digests
        self.cube_id, self.model_id = cube.pk, cube.model_id
        self.versions = cube_versions(cube.pk)
        self.paths: dict[str, int] = defaultdict(int)
        self.timer: StepTimer | None = None  # set by the profiling pass
        for name in ("facts_from_snapshot", "facts_from_database"):  # count which fact source each read used
            original = getattr(grid, name)

            def counted(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
                self.paths[_name] += 1
                return _original(*args, **kwargs)

            setattr(grid, name, counted)

    def read(self, who: str, query: Any, case: str = "") -> tuple[float, dict[str, Any]]:
        user = self.users.get(pk=self.user_ids[who])  # as the authentication layer does per request (untimed)
        data_version, structure = self.versions
        key = self.cache_key(self.cube_id, data_version, structure, query, self.digests[who])
        self.cache.delete(key)
        before = self.paths["facts_from_snapshot"]
        if self.timer:
            self.timer.begin()
        started = time.perf_counter()
        answer = self.grid.grid_read(
            cube=self.cube_get(model_code=MODEL_CODE, cube_code=CUBE_CODE), query=query, user=user
        )
        seconds = time.perf_counter() - started
        if self.timer:
            self.timer.end(case, seconds)
        self.cache.delete(key)  # the answer grid_read stored: none of the bench's entries stay in the shared cache
        if self.paths["facts_from_snapshot"] != before + 1:
            raise BenchError(f"a read as {who} did not use the snapshot fast path (or was answered from the cache)")
        return seconds, answer


def same_answer(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same headers, filters and editability; values equal within the bench's tolerance (1e-6 relative, as in
    figures a–b: DuckDB's multi-threaded sums may add in another order), empty cells empty in both."""
    keys = ("rows", "columns", "filters", "editable")
    if json.dumps([a[k] for k in keys], sort_keys=True) != json.dumps([b[k] for k in keys], sort_keys=True):
        return False
    pairs = [(x, y) for row_a, row_b in zip(a["values"], b["values"], strict=True)
             for x, y in zip(row_a, row_b, strict=True)]  # fmt: skip
    return all(
        (x is None and y is None) or (x is not None and y is not None and abs(x - y) <= 1e-6 * max(abs(x), abs(y), 1))
        for x, y in pairs
    )


def measure(reader: Reader, cases: dict[str, list[dict[str, Any]]], repeat: int) -> dict[str, Any]:
    """1 warm-up + `repeat` iterations; in each, per figure: admin/planner on the region (order alternating), then
    the admin's company grid. Every read is a cold computation of its answer."""
    runs: dict[str, dict[str, list[float]]] = {f: {c: [] for c in CASES} for f in cases}
    mismatches: list[str] = []
    for iteration in range(repeat + 1):
        for figure, figure_grids in cases.items():
            grid = figure_grids[iteration % len(figure_grids)]
            order = [("admin", "region"), ("planner", "region")]
            order = order if iteration % 2 == 0 else order[::-1]
            answers = {}
            for who, which in [*order, ("admin", "company")]:
                seconds, answers[f"{who}_{which}"] = reader.read(who, grid[which])
                if iteration:  # the first iteration is the warm-up
                    runs[figure][f"{who}_{which}"].append(seconds)
            if not same_answer(answers["admin_region"], answers["planner_region"]):
                mismatches.append(f"{figure} {grid['label']}")
        if iteration in (0, repeat // 2, repeat):
            progress(f"  iteration {iteration}/{repeat}")
    figures: dict[str, Any] = {}
    for figure, by_case in runs.items():
        planner, admin = np.array(by_case["planner_region"]), np.array(by_case["admin_region"])
        result: dict[str, Any] = {"title": FIGURES[figure], **{case: stats(by_case[case]) for case in CASES}}
        result["ratio_planner_admin"] = result["planner_region"]["median_ms"] / result["admin_region"]["median_ms"]
        result["ratio_paired_median"] = float(np.median(planner / admin))  # median of per-iteration ratios
        result["ratio_planner_admin_company"] = (
            result["planner_region"]["median_ms"] / result["admin_company"]["median_ms"]
        )
        result["pass"] = result["ratio_planner_admin"] <= TARGET
        figures[figure] = result
    return {"figures": figures, "mismatches": mismatches, "grids_per_figure": {f: len(g) for f, g in cases.items()}}


# --- where the time goes (a separate pass, with timers around the read path's steps) ---------------------------------


class StepTimer:
    """Wraps functions of the read path with timers; per read (only inside the timed call): seconds and calls per
    step, and the SQL statements run (count and time; the grant look-up on its own)."""

    def __init__(self) -> None:
        self.active = False
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.reads: dict[str, list[tuple[float, dict[str, float], dict[str, int]]]] = defaultdict(list)
        self._undo: list[Callable[[], None]] = []

    def begin(self) -> None:
        self.seconds, self.calls, self.active = defaultdict(float), defaultdict(int), True

    def end(self, case: str, seconds: float) -> None:
        self.active = False
        self.reads[case].append((seconds, dict(self.seconds), dict(self.calls)))

    def _add(self, step: str, seconds: float) -> None:
        if self.active:
            self.seconds[step] += seconds
            self.calls[step] += 1

    def wrap(self, owner: Any, name: str, step: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self._add(step, time.perf_counter() - started)

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def sql(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self._add(SQL, time.perf_counter() - started)
            if "accounts_grant" in sql:
                self._add(SQL_GRANT, time.perf_counter() - started)

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


SQL, SQL_GRANT = "SQL statements (all steps)", "  of which the grant look-up"
STEPS = [  # (module path, attribute, step name); nested steps are shown indented under their parent
    ("opencorpo.planning.grid", "access_scope", "access_scope (roles, grants, digest)"),
    ("opencorpo.accounts.access", "roles_of", "  of which roles_of"),
    ("opencorpo.planning.grid", "cache_key", "cache_key"),
    ("opencorpo.planning.grid", "cube_context", "cube_context (structure check)"),
    ("opencorpo.planning.grid", "_plan", "_plan (resolve members)"),
    ("opencorpo.planning.visibility.Visible", "readable", "  Visible.readable (all calls)"),
    ("opencorpo.accounts.access.AccessScope", "level", "  AccessScope.level (all calls)"),
    ("opencorpo.planning.grid", "_facts", "_facts (snapshot, delta, DuckDB)"),
    ("opencorpo.planning.grid", "aggregate", "aggregate (engine)"),
    ("opencorpo.planning.grid", "_editability", "_editability"),
    ("opencorpo.planning.visibility.Visible", "writable", "  Visible.writable (all calls)"),
]


def _owner(path: str) -> Any:
    import importlib

    module, _, attribute = path.rpartition(".")
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError:
        return getattr(importlib.import_module(module), attribute)


def profile(reader: Reader, cases: dict[str, list[dict[str, Any]]], runs: int) -> dict[str, Any]:
    """Per figure and case: the median ms per read spent in each step, and calls per read (the timers add a little
    overhead to every case; medians, because single steps vary with the machine's load as much as whole reads)."""
    from django.db import connection

    timer = StepTimer()
    for path, name, step in STEPS:
        timer.wrap(_owner(path), name, step)
    reader.timer = timer
    try:
        with connection.execute_wrapper(timer.sql):
            for iteration in range(runs):
                for figure, figure_grids in cases.items():
                    grid = figure_grids[iteration % len(figure_grids)]
                    order = [("admin", "region"), ("planner", "region"), ("admin", "company")]
                    order = order if iteration % 2 == 0 else [order[1], order[0], order[2]]
                    for who, which in order:
                        reader.read(who, grid[which], case=f"{figure}:{who}_{which}")
    finally:
        reader.timer = None
        timer.undo()
    out: dict[str, Any] = {"runs": runs, "figures": {}, "access_scope": scope_alone(reader, 10 * runs)}
    names = [*(step for _, _, step in STEPS), SQL, SQL_GRANT]
    for figure in cases:
        per_case = {}
        for case in CASES:
            reads = timer.reads[f"{figure}:{case}"]
            per_case[case] = {
                "read_ms": float(np.median([r[0] for r in reads])) * 1000,
                "steps_ms": {n: float(np.median([r[1].get(n, 0.0) for r in reads])) * 1000 for n in names},
                "calls": {n: float(np.mean([r[2].get(n, 0) for r in reads])) for n in names},
            }
        out["figures"][figure] = per_case
    return out


def scope_alone(reader: Reader, calls: int) -> dict[str, Any]:
    """`access_scope` on its own, in a transaction as in grid_read, the two users interleaved: median ms per call,
    and the median time of its SQL statements (all of them, and the grant look-up alone)."""
    from django.db import connection, transaction

    from opencorpo.accounts.access import access_scope

    timer = StepTimer()
    with connection.execute_wrapper(timer.sql):
        for call in range(calls):
            for who in ("admin", "planner") if call % 2 == 0 else ("planner", "admin"):
                user = reader.users.get(pk=reader.user_ids[who])
                with transaction.atomic():
                    timer.begin()
                    started = time.perf_counter()
                    access_scope(user, reader.model_id)
                    timer.end(who, time.perf_counter() - started)
    out: dict[str, Any] = {"calls": calls}
    for who in ("admin", "planner"):
        reads = timer.reads[who]
        out[who] = {
            "ms": float(np.median([r[0] for r in reads])) * 1000,
            "sql_ms": float(np.median([r[1].get(SQL, 0.0) for r in reads])) * 1000,
            "grant_sql_ms": float(np.median([r[1].get(SQL_GRANT, 0.0) for r in reads])) * 1000,
            "sql_statements": float(np.mean([r[2].get(SQL, 0) for r in reads])),
        }
    return out


# --- the command ---------------------------------------------------------------------------------------------------


def security(args: argparse.Namespace) -> int:
    if args.repeat < 15:
        raise BenchError("--repeat must be at least 15 (the issue asks for medians of ≥ 15 runs).")
    ensure_database(args)
    configure_django(args.database)
    import psycopg

    from bench.cli import server_url
    from bench.generate import meta_read
    from bench.report import machine
    from opencorpo.planning.context import cube_context, cube_get, cube_versions
    from opencorpo.planning.snapshots import snapshot_build, snapshot_latest

    layout, _ = meta_read()
    with psycopg.connect(server_url(args.database), autocommit=True) as pg:
        facts_machine = machine(pg)
    cube = cube_get(model_code=MODEL_CODE, cube_code=CUBE_CODE)
    data_version, structure = cube_versions(cube.pk)
    if snapshot_latest(cube.pk, data_version) != data_version:  # what the worker's snapshot.build job does
        started = time.perf_counter()
        snapshot_build(cube_id=cube.pk)
        progress(f"security: built the snapshot of version {data_version} in {time.perf_counter() - started:.1f} s")
    from django.contrib.auth import get_user_model

    user_ids = users_ensure(cube.model_id, args.region)
    users = {name: get_user_model().objects.get(pk=pk) for name, pk in user_ids.items()}
    scopes = scope_check(cube_context(cube, structure), users, args.region)
    reader = Reader(cube, {name: s["digest"] for name, s in scopes.items()}, user_ids)
    cases = grids(args.region, layout.seed)
    progress(f"security: {layout.facts:,} facts, planner restricted to {args.region}; "
             f"1 warm-up + {args.repeat} interleaved iterations of {len(CASES)} cold reads per figure")  # fmt: skip
    result = measure(reader, cases, args.repeat)
    progress(f"  profiling pass: {args.profile_runs} reads per case, with step timers (not in the figures)")
    where = profile(reader, cases, args.profile_runs)
    if cube_versions(cube.pk) != (data_version, structure):
        raise BenchError("the cube changed during the measurement (another writer?); run it again")
    report = {
        "command": command(args, layout.facts),
        "database": args.database,
        "facts": layout.facts,
        "seed": layout.seed,
        "region": args.region,
        "repeat": args.repeat,
        "data_version": data_version,
        "snapshot": snapshot_latest(cube.pk, data_version),
        "machine": facts_machine,
        "users": scopes,
        **result,
        "profile": where,
        "fast_path_reads": reader.paths.get("facts_from_snapshot", 0),
        "database_path_reads": reader.paths.get("facts_from_database", 0),
    }
    report["ok"] = not result["mismatches"]
    report["pass"] = all(f["pass"] for f in result["figures"].values())
    if args.json:
        print(json.dumps(report, indent=1, default=str))
    else:
        print("\n".join(lines(report)))
    if args.write_results:
        write_section(report)
        progress(f"wrote section h of {BENCH_DIR / 'RESULTS.md'}")
    return 0 if report["ok"] else 1


def command(args: argparse.Namespace, facts: int) -> str:
    """The command that reproduces this run (the default database and options left out)."""
    words = ["opencorpo bench security", f"--facts {facts}"]
    words += [f"--region {args.region}"] if args.region != regions()[0] else []
    words += [f"--repeat {args.repeat}"] if args.repeat != 61 else []
    words += [f"--database {args.database}"] if args.database != DEFAULT_DATABASE else []
    return " ".join([*words, "--write-results"])


# --- text ----------------------------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def lines(report: dict[str, Any], markdown: bool = False) -> list[str]:
    bullet = "- " if markdown else "  "
    m, region, reads = report["machine"], report["region"], report["fast_path_reads"] + report["database_path_reads"]
    out = [
        f"{report['facts']:,} facts (seed {report['seed']}), {m['nproc']} CPUs, load average "
        f"{' '.join(m['loadavg'])} at the start; date {m['date']}, commit {m['commit']}"
        f"{' + uncommitted changes' if m['uncommitted_changes'] else ''}.",
        f"Planner `{PLANNER}`: role planner, one grant `write` on {region} (entity), so they read "
        f"{report['users']['planner']['entity_members_readable']} of "
        f"{report['users']['admin']['entity_members_readable']} entity members and not the GROUP total. "
        f"Administrator `{ADMIN}`: role administrator, no grants.",
        f"1 warm-up + {report['repeat']} iterations; in each, per query: the administrator and the planner on "
        f"{region} (who goes first alternates), then the administrator on the whole company. The result-cache "
        "entry of each read is deleted just before it, so all reads are cold (computed); "
        f"{report['fast_path_reads']:,} of {reads:,} reads used the snapshot fast path. "
        "Timed: cube_get + grid_read(user=…), as the API view calls it.",
        "",
    ]
    for fig in report["figures"].values():
        out += [
            f"{fig['title']} — ms median (min–max) of {fig['planner_region']['n']} cold reads each:",
            f"{bullet}administrator, {region}: {_spread(fig['admin_region'])}",
            f"{bullet}planner restricted to {region}: {_spread(fig['planner_region'])}",
            f"{bullet}administrator, whole company (context): {_spread(fig['admin_company'])}",
            f"{bullet}planner ÷ administrator, same query (medians): {fig['ratio_planner_admin']:.3f} × "
            f"(target ≤ {TARGET}) {'PASS' if fig['pass'] else 'MISS'}; median of the per-iteration ratios "
            f"{fig['ratio_paired_median']:.3f} ×; planner ÷ administrator's whole company "
            f"{fig['ratio_planner_admin_company']:.3f} ×",
            "",
        ]
    if report["mismatches"]:
        out.append(f"Answers DIFFER between the planner and the administrator: {', '.join(report['mismatches'][:10])}")
    else:
        out.append(
            "Answers: the planner's grids equal the administrator's on every iteration (headers and editability "
            "identical, values within 1e-6 relative)."
        )
    out += [
        "",
        f"Where the time goes: a separate pass of {report['profile']['runs']} reads per case, with timers around "
        "each step (not in the figures above; the timers add some overhead). Median ms per read; indented rows are "
        "part of the row above; SQL counts every statement, whatever step runs it.",
        "",
    ]
    for key, by_case in report["profile"]["figures"].items():
        a, p = by_case["admin_region"], by_case["planner_region"]
        calls = [
            f"{label} {a['calls'][step]:.0f} vs {p['calls'][step]:.0f}"
            for label, step in (("SQL statements", SQL), ("grant look-ups", SQL_GRANT),
                                ("Visible.readable calls", STEPS[5][2]), ("AccessScope.level calls", STEPS[6][2]))
        ]  # fmt: skip
        name = f"**{key}**" if markdown else key
        out += [
            f"{name}: read {_ms(a['read_ms'])} ms (administrator) vs {_ms(p['read_ms'])} ms (planner); per read: "
            + ", ".join(calls),
            "",
        ]
        if markdown:
            out += ["| step | administrator | planner | planner − admin | share of planner's read |",
                    "|---|---:|---:|---:|---:|"]  # fmt: skip
        for step in a["steps_ms"]:
            x, y = a["steps_ms"][step], p["steps_ms"][step]
            share = f"{100 * y / p['read_ms']:.1f} %" if p["read_ms"] else "–"
            if markdown:
                label = "&nbsp;&nbsp;↳ " + step.strip() if step.startswith("  ") else step
                out.append(f"| {label} | {x:.3f} | {y:.3f} | {y - x:+.3f} | {share} |")
            else:
                out.append(f"    {step:<40} {x:8.3f} {y:8.3f} {y - x:+8.3f}  {share}")
        out.append("")
    alone = report["profile"]["access_scope"]
    a, p = alone["admin"], alone["planner"]
    out += [
        f"access_scope on its own ({alone['calls']} calls per user, interleaved, each in a transaction as in "
        f"grid_read), median ms: administrator {a['ms']:.2f} ({a['sql_statements']:.0f} SQL statements, "
        f"{a['sql_ms']:.2f} ms in SQL), planner {p['ms']:.2f} ({p['sql_statements']:.0f} SQL statements, "
        f"{p['sql_ms']:.2f} ms in SQL, of which the grant look-up {p['grant_sql_ms']:.2f}); the planner's extra "
        f"{p['ms'] - a['ms']:+.2f} ms per read.",
        "",
    ]
    verdict = "PASS" if report["pass"] else "MISS"
    out.append(f"Overall: {verdict} (target: planner ≤ {TARGET} × administrator on both queries).")
    return out


def _spread(stat: dict[str, Any]) -> str:
    return f"{_ms(stat['median_ms'])} ({_ms(stat['min_ms'])}–{_ms(stat['max_ms'])})"


SECTION = re.compile(r"^## h\. .*?(?=^## |\Z)", re.S | re.M)


def section(report: dict[str, Any]) -> str:
    head = f"## h. Security on the fast path ({report['machine']['date'][:10]}; `{report['command']}`)"
    body = "\n".join(lines(report, markdown=True))
    return f"{head}\n\n{body}\n\nHow to reproduce: `{report['command']}`  (.venv/bin/opencorpo from the repository)\n"


def write_section(report: dict[str, Any], path: Path = BENCH_DIR / "RESULTS.md") -> None:
    """Replace (or append) section h of RESULTS.md; every other section stays as it is."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    new = section(report)
    if SECTION.search(text):
        text = SECTION.sub(lambda _: new + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + new
    path.write_text(text)
