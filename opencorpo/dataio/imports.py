"""Fact imports: an upload becomes an import batch and a job; the job reads the file in a limited child process,
maps and checks every row, streams the good ones into a staging table with COPY, and applies them set-wise in
one transaction: all or nothing, audited under the batch id, formulas recalculated, undoable as one step.

Phases (the job reports progress between them, outside the apply transaction):
read (guards + child parser) → map and check rows → COPY into an UNLOGGED staging table → duplicates (SQL)
→ report (errors.csv) → apply (one transaction) → snapshot request."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from opencorpo.accounts.access import access_scope
from opencorpo.core.audit import audit
from opencorpo.core.errors import Conflict, UserError
from opencorpo.core.jobs import Progress
from opencorpo.core.services import job_folder, job_submit
from opencorpo.dataio.guards import FileRejected, Limits, mib
from opencorpo.dataio.mapping import mapper_build
from opencorpo.dataio.models import ImportBatch, ImportMode, ImportStatus, SavedMapping
from opencorpo.dataio.reading import read_table
from opencorpo.planning.changes import Change, changes_apply, cube_lock, data_version_bump
from opencorpo.planning.context import cube_context
from opencorpo.planning.formulas import formulas_after_load
from opencorpo.planning.loads import MATCH, upsert_audited
from opencorpo.planning.models import FACT_SLOTS, Cube, DimensionKind
from opencorpo.planning.snapshots import snapshot_request
from opencorpo.planning.visibility import Visible

SLOTS = ", ".join(FACT_SLOTS)
LISTED_ERRORS = 20
SLICE_FIELD = {"slice": ["not valid"]}
PROGRESS_EVERY = 20_000


def limits() -> Limits:
    return Limits(
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        memory_bytes=settings.IMPORT_MEMORY_BYTES,
        seconds=settings.IMPORT_SECONDS,
    )


def import_submit(
    *,
    cube: Cube,
    user: Any,
    upload: IO[bytes],
    filename: str,
    mapping: dict[str, Any] | None = None,
    mapping_code: str | None = None,
    mode: str = ImportMode.MERGE,
    slice_: dict[str, list[str]] | None = None,
    skip_bad_rows: bool = False,
    validate_only: bool = False,
    enqueue: bool = True,
) -> ImportBatch:
    """Store the upload and queue its import job; the request returns at once with the batch and its job."""
    if mode not in ImportMode.values:
        raise UserError(f"Unknown mode {mode!r}; use one of {', '.join(ImportMode.values)}.")
    if mode == ImportMode.REPLACE and not slice_:
        raise UserError('Replace needs a slice: the members whose cells the file replaces, e.g. {"time": ["2026-03"]}.')
    if slice_:
        slice_check(cube=cube, user=user, slice_=slice_)
    if mapping is None:
        saved = SavedMapping.objects.filter(cube=cube, code=mapping_code or "").first()
        if saved is None:
            raise UserError(f"Cube {cube.code!r} has no saved mapping {mapping_code!r}; send a mapping or save one.")
        mapping = saved.definition
    batch = ImportBatch(
        model_id=cube.model_id,
        cube=cube,
        filename=Path(filename).name[:255] or "upload",
        mode=mode,
        mapping=mapping,
        slice=slice_ or {},
        skip_bad_rows=skip_bad_rows,
        validate_only=validate_only,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    folder = _upload_folder(batch.pk)
    digest, size = hashlib.sha256(), 0
    with (folder / "upload").open("wb") as out:
        while chunk := upload.read(1 << 20):
            size += len(chunk)
            if size > settings.IMPORT_MAX_BYTES:
                shutil.rmtree(folder, ignore_errors=True)
                raise FileRejected(
                    f"{batch.filename} is larger than {mib(settings.IMPORT_MAX_BYTES)}; split it into smaller files.",
                    reason="too_large",
                )
            digest.update(chunk)
            out.write(chunk)
    batch.file_hash = digest.hexdigest()
    canonical = json.dumps([batch.file_hash, cube.pk, mode, mapping, batch.slice], sort_keys=True)
    batch.signature = hashlib.sha256(canonical.encode()).hexdigest()
    with transaction.atomic():
        batch.save()
        job = job_submit(
            kind="import.run", params={"batch": str(batch.pk)}, created_by=user, check_permission=False, enqueue=enqueue
        )
        ImportBatch.objects.filter(pk=batch.pk).update(job=job)
        batch.job = job
    return batch


def slice_check(*, cube: Cube, user: Any, slice_: Any) -> None:
    """400 naming what is wrong with a slice when the import is submitted (not when its job runs): it maps each of
    the cube's dimensions to member codes the user may see and write, in open periods and versions."""
    example = '{"time": ["2026-03"], "entity": ["EAST"]}'
    if not isinstance(slice_, dict) or not all(
        isinstance(codes, list) and codes and all(isinstance(code, str) for code in codes) for codes in slice_.values()
    ):
        raise UserError(f"The slice maps dimensions to lists of member codes, e.g. {example}.", fields=SLICE_FIELD)
    context = cube_context(cube)
    visible = Visible(context, access_scope(user, cube.model_id), user)
    try:
        for code, members in slice_.items():
            info = context.info(code)
            for member in members:
                member_id = visible.id_of(info, member)
                refused = [
                    leaf
                    for leaf in info.hierarchy.leaves(member_id)
                    if info.closed(leaf) or not visible.writable(info, leaf)
                ]
                if refused:
                    raise UserError(
                        f"{info.members[refused[0]].code!r} of the slice is locked or not yours to change; narrow it."
                    )
    except UserError as error:
        raise UserError(f"The slice is not valid: {error.message}", fields=SLICE_FIELD) from None


def _upload_folder(batch_id: uuid.UUID) -> Path:
    folder = Path(settings.DATA_DIR) / "imports" / str(batch_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def import_run(batch_id: str, progress: Progress) -> dict[str, Any]:
    """The import job: see the module docstring. Raises UserError (job failed) with the error report attached."""
    batch = ImportBatch.objects.select_related("cube", "cube__model", "created_by").get(pk=batch_id)
    if batch.status in (ImportStatus.APPLIED, ImportStatus.UNDONE, ImportStatus.DUPLICATE):
        return _result(batch, [])
    earlier = ImportBatch.objects.filter(signature=batch.signature, status=ImportStatus.APPLIED).exclude(pk=batch.pk)
    if not batch.validate_only and earlier.exists():
        first = earlier.order_by("applied_at").first()
        assert first is not None
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.DUPLICATE)
        progress(100, f"Imported already as batch {first.pk} on {first.applied_at:%Y-%m-%d %H:%M}; nothing changed.")
        return {"batch": str(batch.pk), "duplicate_of": str(first.pk), "changed": 0, "files": []}
    progress(5, f"Reading {batch.filename}")
    table = read_table(_upload_folder(batch.pk) / "upload", filename=batch.filename, limits=limits())
    stage = f"dataio_stage_{batch.pk.hex}"
    folder = job_folder(batch.job_id) if batch.job_id else _upload_folder(batch.pk)
    try:
        errors, totals, count = _stage(batch, table, stage, progress)
        errors += _duplicates(stage, table.header_line)
        report = _report(folder, errors) if errors else []
        control = {
            "rows": table.rows,
            "valid": count - len([e for e in errors if e[3] == "duplicate"]),
            "bad_rows": len({e[0] for e in errors}),
            "sum_by_version": totals,
        }
        ImportBatch.objects.filter(pk=batch.pk).update(rows=table.rows, bad_rows=control["bad_rows"], control=control)
        batch.refresh_from_db()
        if errors and not batch.skip_bad_rows:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED)
            raise UserError(
                f"{control['bad_rows']} row(s) of {batch.filename} cannot be imported; nothing was changed. Fix them "
                "(see errors.csv: line, column, value, reason) and upload again, or choose to skip bad rows.",
                extra={**_result(batch, errors), "files": report},
            )
        if batch.validate_only:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.VALIDATED)
            progress(100, f"Checked {table.rows:,} rows; nothing was applied (validation only).")
            return {**_result(batch, errors), "files": report}
        progress(80, f"Applying {count:,} rows")
        changed = _apply(batch, stage)
        progress(95, f"Applied: {changed:,} cells changed")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        table.discard()
    batch.refresh_from_db()
    if changed:
        snapshot_request(cube_id=batch.cube_id, data_version=batch.cube.data_version)
    return {**_result(batch, errors), "files": report}


def _stage(batch: ImportBatch, table: Any, stage: str, progress: Progress) -> tuple[list[Any], dict[str, float], int]:
    """Map and check every row; COPY the good ones (with their line) into the staging table."""
    context = cube_context(batch.cube)
    visible = Visible(context, access_scope(batch.created_by, batch.model_id), batch.created_by)
    mapper = mapper_build(context, visible, table.header, batch.mapping, batch.slice)
    version = context.of_kind(DimensionKind.VERSION)
    errors: list[tuple[int, str, str, str]] = []
    totals: dict[str, float] = {}
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(
            f"CREATE UNLOGGED TABLE {stage} (line integer, version_id bigint, period_id bigint, m1 bigint, m2 bigint, "
            "m3 bigint, m4 bigint, m5 bigint, m6 bigint, value float8)"
        )
        pending: list[tuple[Any, ...]] = []
        for index, row in enumerate(table.iter_rows(), start=1):
            line = table.header_line + index
            key, value, problems = mapper.map(row)
            errors.extend((line, column, raw, reason) for column, raw, reason in problems)
            if key is not None and value is not None:
                pending.append((line, *key, value))
                code = version.members[key[0]].code if version is not None else ""
                totals[code] = totals.get(code, 0.0) + value
            if index % PROGRESS_EVERY == 0:
                count += _copy(cursor, stage, pending)
                pending = []
                progress(10 + 60 * index // max(table.rows, 1), f"Checked {index:,} of {table.rows:,} rows")
        count += _copy(cursor, stage, pending)
    return errors, totals, count


def _copy(cursor: Any, stage: str, rows: list[tuple[Any, ...]]) -> int:
    """COPY a chunk (progress is reported between chunks: the connection is busy during a COPY)."""
    if rows:
        with cursor.copy(f"COPY {stage} (line, {SLOTS}, value) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def _duplicates(stage: str, header_line: int) -> list[tuple[int, str, str, str]]:
    """Rows naming a cell an earlier row named already (the later ones are the bad ones)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT line, first FROM (SELECT line, min(line) OVER (PARTITION BY {SLOTS}) AS first FROM {stage}) d
                WHERE line <> first ORDER BY line"""
        )
        found = [(line, "", "", f"duplicate of line {first}") for line, first in cursor.fetchall()]
        if found:
            cursor.execute(f"DELETE FROM {stage} WHERE line = ANY(%s)", [[line for line, *_ in found]])
    del header_line
    return found


def _report(folder: Path, errors: list[tuple[int, str, str, str]]) -> list[str]:
    with (folder / "errors.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "column", "value", "reason"])
        for line, column, raw, reason in sorted(errors):
            writer.writerow([line, column, _safe(raw), reason])
    return ["errors.csv"]


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _result(batch: ImportBatch, errors: list[tuple[int, str, str, str]]) -> dict[str, Any]:
    return {
        "batch": str(batch.pk),
        "status": batch.status,
        "rows": batch.rows,
        "bad_rows": batch.bad_rows,
        "changed": batch.changed,
        "control": batch.control,
        "errors": [
            {"line": line, "column": column, "value": raw, "reason": reason}
            for line, column, raw, reason in sorted(errors)[:LISTED_ERRORS]
        ],
    }


def _apply(batch: ImportBatch, stage: str) -> int:
    """One transaction: (replace: clear the slice's other cells) upsert or add, audit, recalculate formulas."""
    cube = batch.cube
    user_id = batch.created_by_id
    params: dict[str, Any] = {"cube": cube.pk, "model": cube.model_id, "batch": str(batch.pk), "user": user_id}
    with transaction.atomic(), connection.cursor() as cursor:
        cube_lock(cube.pk)
        params["version"] = data_version_bump(cube.pk)
        changed = 0
        if batch.mode == ImportMode.REPLACE:
            changed += _clear_slice(cursor, batch, stage, params)
        cursor.execute(upsert_audited(stage, source="import", add=batch.mode == ImportMode.ADD), params)
        changed += int(cursor.rowcount)
        if not changed:
            transaction.set_rollback(True)  # nothing changed: keep the data version (and caches)
        else:
            account = cube_context(cube).of_kind(DimensionKind.ACCOUNT)
            if account is not None:
                cursor.execute(f"SELECT DISTINCT {account.slot}, version_id FROM {stage}")
                pairs = cursor.fetchall()
                accounts, versions = {a for a, _ in pairs}, {v for _, v in pairs}
                formulas_after_load(cube=cube, accounts=accounts, versions=versions, batch=batch.pk, user_id=user_id)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.APPLIED, changed=changed, applied_at=timezone.now()
        )
    if not changed:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.APPLIED, changed=0, applied_at=timezone.now()
        )
    return changed


def _clear_slice(cursor: Any, batch: ImportBatch, stage: str, params: dict[str, Any]) -> int:
    """Replace mode: delete (and audit) the slice's entered cells that the file does not name. Dimensions the slice
    does not name count only where the importer may write and the period or version is open; the versions are the
    file's own unless the slice names them. Calculated accounts are recalculated, never cleared."""
    context = cube_context(batch.cube)
    visible = Visible(context, access_scope(batch.created_by, batch.model_id), batch.created_by)
    conditions = []
    for info in context.dimensions:
        codes = batch.slice.get(info.dimension.code)
        if codes:
            leaves = {leaf for c in codes for leaf in info.hierarchy.leaves(info.by_code[c])}
        else:
            leaves = {m for m in info.hierarchy.leaves() if visible.writable(info, m) and not info.closed(m)}
        if info.dimension.kind == DimensionKind.ACCOUNT:
            leaves = {m for m in leaves if not info.members[m].is_calculated}
        conditions.append(f"f.{info.slot} = ANY(ARRAY{sorted(leaves) or [0]}::bigint[])")
        if info.dimension.kind == DimensionKind.VERSION and not codes:
            conditions.append(f"f.version_id IN (SELECT DISTINCT version_id FROM {stage})")
    cursor.execute(
        f"""WITH gone AS (
                DELETE FROM planning_fact f WHERE f.cube_id = %(cube)s AND {" AND ".join(conditions)}
                AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE {MATCH})
                RETURNING {SLOTS}, value)
            INSERT INTO planning_factchange (model_id, cube_id, {SLOTS}, old_value, new_value, source, batch,
                changed_by_id, data_version, changed_at)
            SELECT %(model)s, %(cube)s, {SLOTS}, value, NULL, 'import', %(batch)s, %(user)s, %(version)s, now()
            FROM gone""",
        params,
    )
    return int(cursor.rowcount)


def import_undo(*, batch: ImportBatch, user: Any) -> dict[str, Any]:
    """Undo an applied import as one step, if none of its cells changed since (else 409 naming them)."""
    if batch.status != ImportStatus.APPLIED:
        raise Conflict(f"Batch {batch.pk} is {batch.status}; only applied imports can be undone.")
    slots = [f"c.{slot}" for slot in FACT_SLOTS]
    same_cell = " AND ".join(f"f.{s} = c.{s}" for s in FACT_SLOTS)
    with transaction.atomic(), connection.cursor() as cursor:
        cube_lock(batch.cube_id)
        cursor.execute(
            f"""SELECT {", ".join(slots)}, c.old_value, c.new_value, f.value FROM planning_factchange c
                LEFT JOIN planning_fact f ON f.cube_id = c.cube_id AND {same_cell}
                WHERE c.batch = %s AND c.source = 'import' AND c.cube_id = %s""",
            [str(batch.pk), batch.cube_id],
        )
        rows = cursor.fetchall()
        _check_writable(batch, user, rows)
        moved = [row for row in rows if row[10] != row[9]]
        if moved:
            raise Conflict(
                f"{len(moved)} cell(s) of this import changed since it was applied; nothing was undone. "
                "Undo the later changes first, or correct the cells by hand.",
                extra={"changed_since": len(moved)},
            )
        changes: list[Change] = [(tuple(row[:8]), row[9], row[8]) for row in rows]
        undo_batch = uuid.uuid4()
        user_id = user.pk if user is not None and user.is_authenticated else None
        changes_apply(batch.cube, changes, batch=undo_batch, user_id=user_id, source="undo")
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.UNDONE, undone_at=timezone.now(), undone_by_id=user_id
        )
        audit("import.undo", str(batch.pk), {"restored": len(changes)})
    return {"batch": str(batch.pk), "undo_batch": str(undo_batch), "restored": len(changes)}


def _check_writable(batch: ImportBatch, user: Any, rows: list[Any]) -> None:
    """Undoing writes the batch's cells again: the user must be allowed to write every one of them."""
    context = cube_context(batch.cube)
    visible = Visible(context, access_scope(user, batch.model_id))
    for info in context.dimensions:
        position = FACT_SLOTS.index(info.slot)
        for member_id in {row[position] for row in rows}:
            if info.closed(member_id) or not visible.writable(info, member_id):
                code = info.members[member_id].code
                raise Conflict(
                    f"This import wrote {code!r}, which is locked or not yours to change; nothing was undone."
                )
