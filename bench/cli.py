"""`opencorpo bench …`: generate the bench company, run the figures, write RESULTS.md (see bench/README.md)."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DEFAULT_DATABASE = "opencorpo_bench"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_SEED = 42
DEFAULT_FACTS = 1_000_000
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_configured: str | None = None


class BenchError(Exception):
    """A problem the user can act on; printed as one line."""


def server_url(database: str = "postgres") -> str:
    """The PostgreSQL URL of `database` on the server named by BENCH_PG."""
    parts = urlsplit(os.environ.get("BENCH_PG", "").strip() or DEFAULT_SERVER)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise BenchError(f"BENCH_PG must look like {DEFAULT_SERVER}, not {parts.geturl()!r}.")
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def checked_name(database: str) -> str:
    if not NAME.match(database):
        raise argparse.ArgumentTypeError(f"{database!r} is not lower-case letters, digits and underscores")
    return database


def data_dir(database: str) -> Path:
    """OPENCORPO_DATA_DIR of the bench: per database, so caches and snapshots never mix with another database."""
    root = Path(os.environ.get("BENCH_DATA_DIR", "").strip() or BENCH_DIR / ".data")
    return (root / database).resolve()


def wipe_data_dir(database: str) -> None:
    """A regenerated database reuses cube ids and data versions: every file cached for the old one must go.

    The folders stay (settings create some of them, e.g. the broker's, when Django is set up).
    """
    for path in sorted(data_dir(database).rglob("*"), reverse=True):
        if path.is_file() or path.is_symlink():
            path.unlink()


def configure_django(database: str) -> None:
    """Point Django at the bench database (and the bench's own data dir and cache prefix), then set it up."""
    global _configured
    if _configured == database:
        return
    if _configured is not None:
        raise BenchError(f"Django is already set up for {_configured!r}; run one database per process.")
    from django.conf import settings

    if settings.configured:
        raise BenchError("Django was set up before bench.cli.main; call it first (it sets DATABASE_URL).")
    os.environ["DATABASE_URL"] = server_url(database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["OPENCORPO_ENV"] = "development"
    os.environ["DEBUG"] = "false"  # no query log growing in memory
    os.environ["OPENCORPO_DATA_DIR"] = str(data_dir(database))
    os.environ["OPENCORPO_CACHE_PREFIX"] = f"bench-{database}"
    # The production cache: Redis. Keys carry the database's own identity, so a regenerated database never
    # reads another one's answers; set BENCH_REDIS_URL to "" for the file cache in the bench data dir.
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    data_dir(database).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    _configured = database


def run_subcommand(args: list[str]) -> None:
    """Run another bench subcommand in a child process (keeps this process's memory figures clean)."""
    command = [sys.executable, "-m", "bench.cli", *args]
    print(f"$ {' '.join(command[2:])}", file=sys.stderr, flush=True)
    completed = subprocess.run(command, cwd=REPO_DIR, check=False, stdout=sys.stderr)  # stdout may carry JSON
    if completed.returncode != 0:
        raise BenchError(f"`{' '.join(command[2:])}` failed with exit code {completed.returncode}.")


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="opencorpo bench", description=__doc__)
    sub = main_parser.add_subparsers(dest="command", required=True)

    def database_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--database", default=DEFAULT_DATABASE, type=checked_name, help="default %(default)s")

    gen = sub.add_parser("generate", help="(re)create the bench database with N facts")
    gen.add_argument("--facts", type=int, required=True, help="number of unique non-empty leaf cells")
    gen.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s")
    database_option(gen)

    run = sub.add_parser("run", help="measure every figure on the bench database (generates it when needed)")
    run.add_argument(
        "--facts", type=int, help=f"expected facts; regenerate if different (default: as is, else {DEFAULT_FACTS:,})"
    )
    run.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed when generating (default %(default)s)")
    run.add_argument("--repeat", type=int, default=5, help="timed runs per read figure (default %(default)s)")
    run.add_argument("--writes", type=int, default=200, help="write/read pairs in figure d (default %(default)s)")
    run.add_argument("--write-budget", type=float, default=600.0, help="seconds at most for figure d (default 600)")
    run.add_argument("--growth", type=int, help="after figure d, grow to this many facts and measure d again")
    run.add_argument("--json", action="store_true", help="print the results as JSON on stdout (progress on stderr)")
    run.add_argument("--write-results", action="store_true", help="also write bench/RESULTS.md")
    database_option(run)

    grow = sub.add_parser("grow", help="append facts (new unique keys) until the database holds --to facts")
    grow.add_argument("--to", type=int, required=True)
    database_option(grow)

    from bench.security import add_parser as security_parser

    security_parser(sub, database_option)

    results = sub.add_parser("results", help="write bench/RESULTS.md from a `run --json` file")
    results.add_argument("--from", dest="source", required=True, type=Path)
    results.add_argument("--out", type=Path, default=BENCH_DIR / "RESULTS.md")
    return main_parser


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "generate":
            from bench.generate import generate

            generate(facts=args.facts, seed=args.seed, database=args.database)
            return 0
        if args.command == "grow":
            from bench.generate import grow

            grow(to=args.to, database=args.database)
            return 0
        if args.command == "results":
            from bench.report import write_results

            write_results(json.loads(args.source.read_text()), args.out)
            print(f"wrote {args.out}")
            return 0
        if args.command == "security":
            from bench.security import security

            return security(args)
        from bench.run import run

        return run(args)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2


if (
    __name__ == "__main__"
):  # `python -m bench.cli`: run the importable module's main, so its BenchError is the one caught
    from bench.cli import main as bench_main

    raise SystemExit(bench_main(sys.argv[1:]))
