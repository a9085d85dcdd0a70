"""Machine facts, the console table of a run, and bench/RESULTS.md written from a run's JSON."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from bench.cli import BENCH_DIR, REPO_DIR

PG_SETTINGS = ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit", "synchronous_commit")
REPRODUCE = "opencorpo bench run --facts 10000000 --write-results  (.venv/bin/opencorpo from the repository)"


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_DIR, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine(pg: Any) -> dict[str, Any]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    import duckdb
    import numpy

    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024**2, 1),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "postgresql": pg.execute("SHOW server_version").fetchone()[0],
        "postgresql_settings": {name: pg.execute(f"SHOW {name}").fetchone()[0] for name in PG_SETTINGS},
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "numpy": numpy.__version__,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def _ms(stat: dict[str, Any] | None, key: str = "median_ms") -> str:
    if not stat or stat.get(key) is None:
        return "–"
    value = stat[key]
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def _spread(stat: dict[str, Any]) -> str:
    return f"{_ms(stat)} ({_ms(stat, 'min_ms')}–{_ms(stat, 'max_ms')})"


def _check(c: dict[str, Any]) -> str:
    value = "–" if c["value"] is None else f"{c['value']:,.3g}"
    return f"{c['name']}: {value} {c['unit']} (target {c['target'].replace('<=', '≤').replace('>=', '≥')}) " + (
        "PASS" if c["pass"] else "MISS"
    )


def _settings(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def lines(report: dict[str, Any], markdown: bool = False) -> list[str]:
    """The results as text lines (plain for the console, Markdown for RESULTS.md)."""
    m, f = report["machine"], report["figures"]
    bullet = "- " if markdown else "  "
    out = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, PostgreSQL {m['postgresql']} "
        f"({_settings(m['postgresql_settings'])}; the reference's session: "
        f"{_settings(m.get('postgresql_reference_session', {}))}), Python {m['python']}, "
        f"DuckDB {m['duckdb']}, numpy {m['numpy']}; load average {' '.join(m['loadavg'])} at the start.",
        f"Date {m['date']}, commit {m['commit']}{' + uncommitted changes' if m['uncommitted_changes'] else ''}; "
        f"{report['facts']:,} facts (seed {report['seed']}), {report['repeat']} timed runs per read figure "
        "after 1 warm-up (figure a: after the cold first call and 1 warm-up), each run a different grid "
        "(no result-cache hits).",
        "",
    ]
    for key in "ab":
        fig = f[key]
        verdict = "agree" if fig["agree"] else "DISAGREE"
        out += [
            f"{key}. {fig['title']} — {fig['cells_per_case']:,} cells per grid, ms median (min–max):",
            f"{bullet}OpenCorpo {_spread(fig['opencorpo'])}; first call {_ms(fig['opencorpo'], 'first_call_ms')}",
            f"{bullet}DuckDB limit {_spread(fig['duckdb'])}; naive PostgreSQL {_spread(fig['postgres'])}",
            *(f"{bullet}{_check(c)}" for c in fig["checks"]),
            f"{bullet}answers {verdict}: OpenCorpo, DuckDB and PostgreSQL on {fig['cases']} grids (1e-6 relative)",
            *(f"{bullet}  {problem}" for problem in fig["disagreements"]),
            "",
        ]
    c = f["c"]
    out += [
        f"c. {c['title']}: {c['opencorpo']['n']} calls, median {_ms(c['opencorpo'])} ms, "
        f"p95 {_ms(c['opencorpo'], 'p95_ms')} ms; answers {'agree' if c['agree'] else 'DISAGREE'} with DuckDB",
        *(f"{bullet}{_check(x)}" for x in c["checks"]),
        *(f"{bullet}  {problem}" for problem in c["disagreements"]),
        "",
    ]
    for d in [f["d"], *([f["f"]["d"]] if "f" in f else [])]:
        out += [
            f"{'d' if d is f['d'] else 'f'}. {d['title']}: {d['writes']} of {d['asked']} writes; "
            f"write p50 {_ms(d['write'])} / p95 {_ms(d['write'], 'p95_ms')} ms, read after write "
            f"p50 {_ms(d['read_after_write'])} / p95 {_ms(d['read_after_write'], 'p95_ms')} ms; "
            f"reads reflected writes: {d['reflected']}/{d['writes']}",
            *(f"{bullet}{_check(x)}" for x in d["checks"]),
            *(f"{bullet}  {failure}" for failure in d["failures"]),
            "",
        ]
    if "f" in f and f["f"].get("growth"):
        timings = f["f"]["growth"]["timings"]
        out += [f"{bullet}growth load {f['f']['from']:,} → {f['f']['to']:,} facts: {timings['total_s']:.0f} s", ""]
    e = f["e"]
    size = e.get("snapshots_bytes_at_end")
    from bench.run import jobs_summary

    jobs = e.get("background_jobs") or {}
    out += [
        "Background jobs after the first (cold) read, run by the bench's Celery worker: "
        f"{jobs_summary(jobs)}; waited {jobs.get('waited_s', 0):.1f} s.",
        "",
    ]
    out += [
        f"e. {e['title']}: RSS {e['rss_before_mib']:,.0f} MiB before the first read, "
        f"{e['rss_after_first_call_mib']:,.0f} MiB after it (peak {e['hwm_after_first_call_mib']:,.0f}), "
        f"{e['rss_after_reads_mib']:,.0f} MiB after all reads (peak {e['hwm_after_reads_mib']:,.0f}); worker peak "
        f"{e['worker_peak_rss_mib']:,.0f} MiB; snapshots on disk: {_size(size)}",
        *(f"{bullet}{_check(x)}" for x in e["checks"]),
        "",
        f"Overall: {'every answer agreed' if report['ok'] else 'FAILED: answers disagree or a read missed a write'}.",
    ]
    return out


def _size(size: int | None) -> str:
    return "none" if size is None else f"{size / 1024**2:,.1f} MiB"


def print_report(report: dict[str, Any]) -> None:
    print("\n".join(lines(report)))


def write_results(report: dict[str, Any], path: Path = BENCH_DIR / "RESULTS.md") -> None:
    generation = report.get("generation") or {}
    timings = generation.get("timings", {})
    steps = ["create_and_migrate_s", "structure_s", "numpy_s", "facts_s", "audit_s", "commit_s", "vacuum_analyze_s"]
    load = ", ".join(f"{k.removesuffix('_s').replace('_', ' ')} {timings[k]:.1f} s" for k in steps if k in timings)
    load += f"; total {timings.get('total_s', 0):.1f} s"
    text = [
        "# Benchmark results",
        "",
        "Written by `bench results` from `bench run --json` (see bench/README.md for what each figure means).",
        "",
        *lines(report, markdown=True),
        "",
        f"Generation of the {report['facts']:,} facts ({generation.get('at', 'unknown date')}): {load}.",
        "",
        f"How to reproduce: `{REPRODUCE}`",
        "",
    ]
    path.write_text("\n".join(text) + _kept_sections(path))


def _kept_sections(path: Path) -> str:
    """The sections ("## …") other commands wrote below the run's results (e.g. h, by `bench security`): kept."""
    if not path.exists():
        return ""
    old = path.read_text()
    start = old.find("\n## ")
    return "" if start < 0 else old[start:].rstrip("\n") + "\n"
