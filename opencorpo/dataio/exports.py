"""Exports and planning templates: a grid read (under the reader's access scope, like every read) rendered to XLSX
(totals as live formulas), CSV (streamed) or a planning template; filled templates come back as a job that writes
the changed cells and reports, instead of overwriting, the cells someone else changed since the download."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from opencorpo.accounts.access import access_scope
from opencorpo.core.errors import UserError
from opencorpo.core.jobs import Progress
from opencorpo.core.models import Job
from opencorpo.core.services import job_folder, job_submit
from opencorpo.dataio.csvout import csv_rows
from opencorpo.dataio.excel import Line, Sheet, write_xlsx
from opencorpo.dataio.imports import limits
from opencorpo.dataio.reading import read_table
from opencorpo.dataio.template import META_SHEET, PLAN_SHEET, TemplateError, read_template, write_template
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.changes import Key, current_values
from opencorpo.planning.context import CubeContext, cube_context
from opencorpo.planning.errors import StaleWrite
from opencorpo.planning.grid import grid_read
from opencorpo.planning.models import FACT_SLOTS, Cube, DimensionKind
from opencorpo.planning.serializers import grid_query
from opencorpo.planning.visibility import Visible

FILES = {"xlsx": "export.xlsx", "csv": "export.csv", "template": "template.xlsx"}


def export_submit(*, cube: Cube, user: Any, query: dict[str, Any], kind: str, enqueue: bool = True) -> Job:
    """Queue an export (user None: the system, e.g. an operator's command line)."""
    grid_query(query)  # a bad query is a 400 now, not a failed job later
    params = {"cube": cube.pk, "query": query, "kind": kind, "user": user.pk if user is not None else None}
    return job_submit(kind="export.run", params=params, created_by=user, check_permission=False, enqueue=enqueue)


def export_run(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    cube = Cube.objects.select_related("model").get(pk=params["cube"])
    user = get_user_model().objects.get(pk=params["user"]) if params["user"] is not None else None
    progress(10, "Reading the grid")
    answer = grid_read(cube=cube, query=grid_query(params["query"]), user=user)
    sheet = _sheet(cube_context(cube), answer, template=params["kind"] == "template")
    folder = job_folder(params["_job"])
    name = FILES[params["kind"]]
    progress(60, f"Writing {name}")
    if params["kind"] == "csv":
        with (folder / name).open("w", encoding="utf-8", newline="") as out:
            out.writelines(csv_rows(sheet))
    elif params["kind"] == "xlsx":
        write_xlsx(sheet, folder / name)
    else:
        meta = {
            "model": cube.model.code,
            "cube": cube.code,
            "data_version": str(answer["data_version"]),
            "user": user.get_username() if user is not None else "system",
            "downloaded_at": timezone.now().isoformat(timespec="seconds"),
        }
        write_template(sheet, folder / name, meta=meta)
    return {"files": [name], "rows": len(sheet.lines), "columns": len(sheet.column_labels)}


def _sheet(context: CubeContext, answer: dict[str, Any], *, template: bool) -> Sheet:
    """Rows and columns of the grid answer; a parent row whose children are all rows becomes a live formula."""
    row_dimensions = answer["rows"]["dimensions"]
    headers = answer["rows"]["headers"]
    single = row_dimensions[0] if len(row_dimensions) == 1 else None
    info = context.info(single) if single else None
    account = context.of_kind(DimensionKind.ACCOUNT)
    index_of = {h[0]["code"]: i for i, h in enumerate(headers)} if single else {}
    lines = []
    for r, header in enumerate(headers):
        children = None
        if info is not None and header[0]["has_children"] and info.dimension.kind != DimensionKind.TIME:
            member = info.members[info.by_code[header[0]["code"]]]
            kids = [info.members[c] for c in info.hierarchy.children(member.pk)]
            if not member.is_ratio and kids and all(k.code in index_of for k in kids):
                children = tuple((index_of[k.code], k.weight) for k in kids)
        account_code = header[0]["code"] if account is not None and single == account.dimension.code else None
        number_format = _format(context, account_code)
        lines.append(
            Line(
                labels=tuple(f"{h['code']} {h['name']}" for h in header),
                level=header[-1]["level"],
                values=tuple(answer["values"][r]),
                number_format=number_format,
                children=children,
                editable=tuple(answer["editable"][r]) if template else None,
                stamps=tuple(_stamp(context, answer, r, c) for c in range(len(answer["values"][r])))
                if template
                else None,
            )
        )
    columns = tuple(" / ".join(f"{h['code']}" for h in column) for column in answer["columns"]["headers"])
    filters = tuple((code, f"{h['code']} {h['name']}") for code, h in answer["filters"].items())
    return Sheet(
        title=context.cube.name[:31] or context.cube.code,
        row_dimensions=tuple(row_dimensions),
        column_labels=columns,
        lines=tuple(lines),
        filters=filters,
    )


def _format(context: CubeContext, account_code: str | None) -> str:
    account = context.of_kind(DimensionKind.ACCOUNT)
    if account is None or account_code is None:
        return "#,##0.00"
    member = account.members[account.by_code[account_code]]
    return member.number_format or "#,##0.00"


def _stamp(context: CubeContext, answer: dict[str, Any], r: int, c: int) -> str | None:
    """What a template cell stands for: its coordinate (codes) and the row version read, for the upload."""
    if not answer["editable"][r][c]:
        return None
    coordinate = {code: h["code"] for code, h in answer["filters"].items()}
    for axis, index in (("rows", r), ("columns", c)):
        for dimension, header in zip(answer[axis]["dimensions"], answer[axis]["headers"][index], strict=True):
            coordinate[dimension] = header["code"]
    return json.dumps({"c": coordinate, "v": answer["row_versions"][r][c]}, sort_keys=True, separators=(",", ":"))


def template_submit(*, cube: Cube, user: Any, upload: IO[bytes], filename: str) -> Job:
    data = upload.read(limits().max_bytes + 1)
    if len(data) > limits().max_bytes:
        raise UserError("The template is larger than the upload limit; it cannot be one of ours.")
    params = {"cube": cube.pk, "user": user.pk, "filename": filename, "sha256": hashlib.sha256(data).hexdigest()}
    with transaction.atomic():  # the job is queued at commit, once its file is in place
        job = job_submit(kind="template.apply", params=params, created_by=user, check_permission=False)
        (job_folder(job.pk) / "upload.xlsx").write_bytes(data)
    return job


def template_apply(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Write the template's changed input cells; cells changed by someone else since the download are conflicts."""
    cube = Cube.objects.select_related("model").get(pk=params["cube"])
    user = get_user_model().objects.get(pk=params["user"])
    path = job_folder(params["_job"]) / "upload.xlsx"
    progress(10, "Reading the template")
    try:
        upload = read_template(_rows(path, params["filename"], PLAN_SHEET), _rows(path, params["filename"], META_SHEET))
    except TemplateError as error:
        raise UserError(str(error), extra={"problems": error.problems}) from None
    if upload.meta.get("cube") != cube.code or upload.meta.get("model") != cube.model.code:
        raise UserError(f"This template is for {upload.meta.get('model')}/{upload.meta.get('cube')}, not this cube.")
    changed = [cell for cell in upload.cells if cell.value != cell.original]
    visible = Visible(cube_context(cube), access_scope(user, cube.model_id), user)
    stamps = [json.loads(cell.stamp) for cell in changed]
    keys = [_key(visible, stamp["c"]) for stamp in stamps]  # a cell the user cannot read is refused, never shown
    current = current_values(cube.pk, keys)
    conflicts, writes = [], []
    for cell, stamp, key in zip(changed, stamps, keys, strict=True):
        found = current.get(key)
        now, version = found if found is not None else (None, 0)
        if version != stamp["v"]:
            conflicts.append(
                {"coordinate": stamp["c"], "yours": cell.value, "theirs": now, "downloaded": cell.original}
            )
        else:
            writes.append(CellWrite(stamp["c"], cell.value, row_version=stamp["v"]))
    progress(60, f"Writing {len(writes)} changed cell(s)")
    written = 0
    if writes:
        try:
            written = int(cells_write(cube=cube, cells=writes, user=user, source="template")["changed"])
        except StaleWrite as error:  # changed between our check and the write: report them all as conflicts
            conflicts.extend(error.extra.get("conflicts", []))
            writes = []
    return {"changed": written, "conflicts": conflicts, "unchanged": len(upload.cells) - len(changed), "files": []}


def _rows(path: Path, filename: str, sheet: str) -> list[list[str]]:
    table = read_table(path, filename=filename, limits=limits(), sheet=sheet)
    try:
        return [[] for _ in range(table.header_line - 1)] + [table.header] + list(table.iter_rows())
    finally:
        table.discard()


def _key(visible: Visible, coordinate: dict[str, str]) -> Key:
    slots = dict.fromkeys(FACT_SLOTS, 0)
    for info, _, member_id in visible.leaf_cell(coordinate, "Template cell: ", "templates name leaf cells"):
        slots[info.slot] = member_id
    return tuple(slots[s] for s in FACT_SLOTS)  # type: ignore[return-value]
