"""Import throughput: a CSV of N rows through the whole import job (safe reader in a child, mapping and checks,
COPY into staging, one set-wise apply with audit), against a plain COPY of the same rows in the same run.

    .venv/bin/python -m bench.imports --rows 1000000 [--write-results]

Uses its own database (opencorpo_bench_imports on BENCH_PG's server) and its own data folder."""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.cli import BENCH_DIR, server_url

DATABASE = "opencorpo_bench_imports"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.imports")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args(argv)
    import psycopg

    with psycopg.connect(server_url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    folder = Path(tempfile.mkdtemp(prefix="opencorpo-bench-imports-"))
    os.environ.update(
        DATABASE_URL=server_url(DATABASE),
        OPENCORPO_DATA_DIR=str(folder),
        OPENCORPO_ENV="development",
        DJANGO_SETTINGS_MODULE="config.settings",
        OPENCORPO_IMPORT_MAX_BYTES=str(2**31),
        OPENCORPO_IMPORT_MAX_ROWS=str(max(args.rows, 1_000_000)),
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = run(args.rows, folder)
    lines = report(figures)
    print("\n".join(lines))
    if args.write_results:
        results = BENCH_DIR / "RESULTS.md"
        text = results.read_text()
        marker = "## g. Imports"
        text = text.split(marker)[0].rstrip() + "\n\n" + "\n".join(lines) + "\n"
        results.write_text(text)
    return 0


def run(rows: int, folder: Path) -> dict[str, float]:
    from django.db import connection

    from opencorpo.core.models import Job
    from opencorpo.core.services import job_run
    from opencorpo.dataio.imports import import_submit
    from opencorpo.planning import structure
    from opencorpo.planning.models import Cube

    model = structure.model_create(code="bench", name="Bench", first_fiscal_year=2026, years=1)
    account = model.dimensions.get(kind="account")
    structure.members_bulk(dimension=account, upserts=[{"code": f"A{i}", "name": f"A{i}"} for i in range(10)])
    item = structure.dimension_create(model=model, code="item", name="Item")
    items = -(-rows // (10 * 12))
    structure.members_bulk(dimension=item, upserts=[{"code": f"I{i}", "name": f"I{i}"} for i in range(items)])
    entity = model.dimensions.get(kind="entity")
    structure.members_bulk(dimension=entity, upserts=[{"code": "E", "name": "E"}])
    cube: Cube = structure.cube_create(
        model=model, code="c", name="C", dimensions=["account", "item", "entity", "time", "version"]
    )
    path = folder / "rows.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Account", "Item", "Month", "Amount"])
        count = 0
        for i in range(items):
            for a in range(10):
                for m in range(1, 13):
                    if count == rows:
                        break
                    writer.writerow([f"A{a}", f"I{i}", f"2026-{m:02d}", f"{(i * 7 + a * 3 + m) % 1000}.25"])
                    count += 1
    mapping = {
        "columns": {
            "Account": {"dimension": "account"},
            "Item": {"dimension": "item"},
            "Month": {"dimension": "time"},
            "Amount": {"value": True},
        },
        "fixed": {"entity": "E", "version": "actual"},
    }
    started = time.perf_counter()
    with path.open("rb") as upload:
        batch = import_submit(cube=cube, user=None, upload=upload, filename="rows.csv", mapping=mapping, enqueue=False)
    stored = time.perf_counter() - started
    phases: dict[str, float] = {}
    last = [time.perf_counter(), "start"]

    def progress(percent: int, message: str) -> None:
        now = time.perf_counter()
        phases[last[1]] = phases.get(last[1], 0.0) + now - last[0]
        last[0], last[1] = now, message.split(" ")[0]

    from opencorpo.dataio.imports import import_run

    begun = time.perf_counter()
    result = import_run(str(batch.pk), progress)
    total = time.perf_counter() - begun
    assert result["changed"] == rows, result
    Job.objects.filter(pk=batch.job_id).delete()
    del job_run
    buffer = io.BytesIO(path.read_bytes())
    begun = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE baseline (a text, i text, m text, v float8)")
        with cursor.copy("COPY baseline FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
    baseline = time.perf_counter() - begun
    return {
        "rows": rows,
        "upload": stored,
        "import": total,
        "copy": baseline,
        "read": phases.get("Reading", 0.0),
        "check": phases.get("Checked", 0.0),
        "apply": phases.get("Applying", 0.0),
    }


def report(f: dict[str, float]) -> list[str]:
    rows = int(f["rows"])
    return [
        f"## g. Imports ({rows:,} rows, {time.strftime('%Y-%m-%d')}; `python -m bench.imports --rows {rows}`)",
        f"- whole import job: {f['import']:.1f} s = {rows / f['import']:,.0f} rows/s "
        f"(upload stored in {f['upload']:.1f} s, before the job)",
        f"- phases: safe read in the limited child {f['read']:.1f} s, mapping and checks with COPY into staging "
        f"{f['check']:.1f} s, set-wise apply with audit and the batch record {f['apply']:.1f} s",
        f"- baseline, same run: a bare COPY of the same CSV into a table {f['copy']:.1f} s "
        f"→ the whole checked, audited, undoable import costs {f['import'] / f['copy']:.1f}× a bare COPY",
    ]


if __name__ == "__main__":
    sys.exit(main())
