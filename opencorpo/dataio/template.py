"""Planning templates: an XLSX to fill offline, and the parser of what comes back.

`write_template` writes the sheet "Plan" (protected without a password: only the shaded input cells are
unlocked, so the layout cannot be changed by accident; the protection is a guard, not a security boundary) and
a very hidden sheet "_meta". Unlike an export, "Plan" starts with its header row (the title and the filters are in
a note on A1 and in the printed page header): the safe reader takes a sheet's first row as its header and refuses
wider rows below it, so both sheets are plain tables. The rows of "_meta" are tagged in their first cell:

    opencorpo-template 1 | name | text | number    a header: both sheets read back as tables
    meta   | key | value                           the caller's `meta` (model, cube, data version, user, time)
    cell   | C5  | stamp | value at download       one per input cell
    layout | key | value                           header row, data rows, columns and a digest of all labels

`read_template` takes both sheets as rows of strings (as the hostile-file-safe reader returns them: row i is
sheet row i + 1, numbers as text, '' for empty) and returns each input cell's value now and at download.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from opencorpo.dataio.excel import LayoutHash, Sheet, clip, open_workbook, write_sheet

SIGNATURE = ("opencorpo-template 1", "name", "text", "number")
PLAN_SHEET = "Plan"
META_SHEET = "_meta"
_COORDINATE = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
_MAX_LISTED = 20
_DAMAGED = "The hidden sheet '_meta' of this template is damaged. Download a fresh template."


class TemplateError(ValueError):
    """The uploaded file cannot be read as this template; the message is meant for the user."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


@dataclass(frozen=True)
class TemplateCell:
    stamp: str
    value: float | None  # in the file now
    original: float | None  # at download


@dataclass(frozen=True)
class TemplateUpload:
    meta: dict[str, str]
    cells: list[TemplateCell]  # every input cell, changed or not

    def changes(self) -> list[TemplateCell]:
        return [cell for cell in self.cells if cell.value != cell.original]


def write_template(sheet: Sheet, out: BinaryIO | Path, *, meta: Mapping[str, str]) -> None:
    """Write a planning template of `sheet`: editable cells (per `Line.editable`) become the input cells."""
    names = [t.strip().casefold() for t in (*sheet.row_dimensions, *sheet.column_labels)]
    if not all(names) or len(set(names)) != len(names):
        raise ValueError(f"A template needs distinct, non-empty column headers; got {names!r}.")
    workbook = open_workbook(out)
    try:
        plan = workbook.add_worksheet(PLAN_SHEET)
        hidden = workbook.add_worksheet(META_SHEET)
        rows = iter(range(1_048_576))

        def meta_row(*cells: str | float | None) -> None:
            row = next(rows)
            for column, cell in enumerate(cells):
                if isinstance(cell, str):
                    hidden.write_string(row, column, clip(cell))
                elif cell is not None:
                    hidden.write_number(row, column, cell)

        meta_row(*SIGNATURE)
        for key, value in meta.items():
            meta_row("meta", key, value)
        layout = write_sheet(
            workbook, plan, sheet, on_input=lambda coordinate, stamp, value: meta_row("cell", coordinate, stamp, value)
        )
        for name, number in (
            ("header_row", layout.header_row + 1),
            ("first_data_row", layout.first_data_row + 1),
            ("rows", layout.rows),
            ("row_dimensions", len(sheet.row_dimensions)),
            ("columns", layout.columns),
        ):
            meta_row("layout", name, str(number))
        meta_row("layout", "digest", layout.digest)
        plan.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True})
        plan.activate()
        hidden.very_hidden()
    finally:
        workbook.close()


def _raw(rows: list[list[str]], row: int, column: int) -> str:
    """A label exactly as written (not stripped: the digest covers the text as the writer hashed it)."""
    if row >= len(rows) or column >= len(rows[row]):
        return ""
    value = rows[row][column]
    return "" if value is None else str(value)


def _cell(rows: list[list[str]], row: int, column: int) -> str:
    if row >= len(rows) or column >= len(rows[row]):
        return ""
    return _raw(rows, row, column).strip()


def _number(text: str) -> float | None:
    """'' → None; a finite number → float; anything else → ValueError."""
    if text == "":
        return None
    value = float(text.replace("\u2212", "-"))  # U+2212 minus, as some locales type it
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _parse_meta(rows_meta: list[list[str]]) -> tuple[dict[str, str], dict[str, str], list[list[str]]]:
    damaged = TemplateError(
        "This file is not an OpenCorpo planning template, or its hidden sheet '_meta' was changed or removed. "
        "Download a fresh template."
    )
    if not rows_meta or tuple(_cell(rows_meta, 0, c) for c in range(len(SIGNATURE))) != SIGNATURE:
        raise damaged
    meta: dict[str, str] = {}
    layout: dict[str, str] = {}
    cells: list[list[str]] = []
    for index in range(1, len(rows_meta)):
        tag = _cell(rows_meta, index, 0)
        fields = [_cell(rows_meta, index, c) for c in range(1, 4)]
        if tag == "meta":
            meta[_raw(rows_meta, index, 1)] = _raw(rows_meta, index, 2)
        elif tag == "layout":
            layout[fields[0]] = fields[1]
        elif tag == "cell":
            cells.append(fields)
        elif tag or any(fields):
            raise damaged
    if not {"header_row", "first_data_row", "rows", "row_dimensions", "columns", "digest"} <= layout.keys():
        raise damaged
    return meta, layout, cells


def read_template(rows_values: list[list[str]], rows_meta: list[list[str]]) -> TemplateUpload:
    """Parse an uploaded template; raise `TemplateError` naming every problem (up to 20) in user-facing words."""
    meta, layout, listed = _parse_meta(rows_meta)
    try:
        header_row, first, count, dimensions, columns = (
            int(layout[k]) - (1 if k in ("header_row", "first_data_row") else 0)
            for k in ("header_row", "first_data_row", "rows", "row_dimensions", "columns")
        )
    except ValueError:
        raise TemplateError(_DAMAGED) from None
    digest = LayoutHash()
    digest.add(_raw(rows_values, header_row, c) for c in range(columns))
    for row in range(first, first + count):
        digest.add(_raw(rows_values, row, c) for c in range(dimensions))
    if digest.hexdigest() != layout["digest"]:
        raise TemplateError(
            f"The layout of sheet '{PLAN_SHEET}' was changed (rows or columns added, removed, moved or renamed). "
            "Enter values only in the shaded cells of a fresh template."
        )
    cells: list[TemplateCell] = []
    problems: list[str] = []
    seen: set[str] = set()
    for coordinate, stamp, original_text in listed:
        match = _COORDINATE.match(coordinate)
        if match is None or coordinate in seen:
            raise TemplateError(_DAMAGED)
        seen.add(coordinate)
        text = _cell(rows_values, int(match.group(2)) - 1, _column_index(match.group(1)))
        try:
            original = _number(original_text)
        except ValueError:
            raise TemplateError(_DAMAGED) from None
        try:
            cells.append(TemplateCell(stamp=stamp, value=_number(text), original=original))
        except ValueError:
            problems.append(f"{coordinate}: {text[:50]!r} is not a number")
    if problems:
        more = f" (and {len(problems) - _MAX_LISTED} more)" if len(problems) > _MAX_LISTED else ""
        raise TemplateError("; ".join(problems[:_MAX_LISTED]) + more + ".", problems)
    return TemplateUpload(meta=meta, cells=cells)
