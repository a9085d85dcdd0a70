"""`opencorpo import` and `opencorpo export` for operators: the same batches, checks and jobs as the API, run in
this process (as the system: operators are trusted with every member), with progress on stderr."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any


def add_parsers(sub: Any) -> None:
    imported = sub.add_parser("import", help="import a CSV or XLSX file of facts into a cube (same checks as the API)")
    imported.add_argument("file", help="the CSV or XLSX file")
    imported.add_argument("--model", required=True)
    imported.add_argument("--cube", required=True)
    imported.add_argument("--mapping", required=True, help="a mapping JSON file, or the code of a saved mapping")
    imported.add_argument("--mode", default="merge", choices=["merge", "add", "replace"])
    imported.add_argument("--slice", help='replace mode: JSON, e.g. {"time": ["2026-03"], "entity": ["EU"]}')
    imported.add_argument("--skip-bad-rows", action="store_true")
    imported.add_argument("--validate-only", action="store_true", help="check the file, apply nothing")
    exported = sub.add_parser("export", help="export a grid query of a cube to XLSX, CSV or a planning template")
    exported.add_argument("output", help="the file to write (.xlsx or .csv)")
    exported.add_argument("--model", required=True)
    exported.add_argument("--cube", required=True)
    exported.add_argument("--query", required=True, help="a grid query JSON file (rows, columns, filters)")
    exported.add_argument("--format", choices=["xlsx", "csv", "template"])


def _progress(percent: int, message: str) -> None:
    print(f"[{percent:3d}%] {message}", file=sys.stderr)


def cmd_import(args: argparse.Namespace, fail: Any) -> int:
    from opencorpo.core.models import Job
    from opencorpo.core.services import job_folder, job_run
    from opencorpo.dataio.imports import import_submit
    from opencorpo.planning.context import cube_get

    cube = cube_get(model_code=args.model, cube_code=args.cube)
    mapping_path = Path(args.mapping)
    mapping = json.loads(mapping_path.read_text()) if mapping_path.is_file() else None
    with open(args.file, "rb") as upload:
        batch = import_submit(
            cube=cube,
            user=None,
            upload=upload,
            filename=Path(args.file).name,
            mapping=mapping,
            mapping_code=None if mapping else args.mapping,
            mode=args.mode,
            slice_=json.loads(args.slice) if args.slice else None,
            skip_bad_rows=args.skip_bad_rows,
            validate_only=args.validate_only,
            enqueue=False,
        )
    assert batch.job_id is not None
    print(f"Batch {batch.pk}, job {batch.job_id}", file=sys.stderr)
    job_run(str(batch.job_id))
    job = Job.objects.get(pk=batch.job_id)
    result = job.result or {}
    for error in result.get("errors", []):
        print(f"line {error['line']}: {error['column']} {error['value']!r}: {error['reason']}", file=sys.stderr)
    if job.status != "succeeded":
        files = ", ".join(str(job_folder(job.pk) / name) for name in result.get("files", []))
        return int(fail(job.error + (f" Report: {files}" if files else "")))
    print(json.dumps({k: result.get(k) for k in ("batch", "rows", "changed", "control", "duplicate_of")}, indent=1))
    return 0


def cmd_export(args: argparse.Namespace, fail: Any) -> int:
    from opencorpo.core.models import Job
    from opencorpo.core.services import job_folder, job_run
    from opencorpo.dataio.exports import export_submit
    from opencorpo.planning.context import cube_get

    output = Path(args.output)
    kind = args.format or ("csv" if output.suffix.lower() == ".csv" else "xlsx")
    cube = cube_get(model_code=args.model, cube_code=args.cube)
    query = json.loads(Path(args.query).read_text())
    job = export_submit(cube=cube, user=None, query=query, kind=kind, enqueue=False)
    job_run(str(job.pk))
    job = Job.objects.get(pk=job.pk)
    if job.status != "succeeded":
        return int(fail(job.error))
    result = job.result or {}
    shutil.copyfile(job_folder(job.pk) / result["files"][0], output)
    print(f"Wrote {output} ({result['rows']} rows).", file=sys.stderr)
    return 0
