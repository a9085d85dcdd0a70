"""XLSX exports that Excel users trust: native numbers and formats, live subtotal formulas, no formula injection.

Pure rendering: the caller passes plain data (a `Sheet` of `Line`s, e.g. built from a grid answer) and gets a
workbook written with xlsxwriter in constant-memory mode, row by row, so long exports stream.

Layout of the sheet (0-based rows): the title, one row per filter (dimension, member), the bold header row
(row dimension names, then column labels), then one row per line. Panes are frozen below the header and right
of the row labels.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_TEXT = 32_767  # Excel's limit on the length of a cell's text
MAX_INDENT = 15
INPUT_FILL = "#FFF2CC"  # light shading of a template's input cells
WORKBOOK_OPTIONS = {
    "constant_memory": True,  # rows are flushed as they are written: memory does not grow with the export
    "strings_to_numbers": False,
    "strings_to_formulas": False,  # text is never turned into a formula, whatever it starts with
    "strings_to_urls": False,
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# = + - @ tab CR, and the full-width = + - @
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@dataclass(frozen=True)
class Line:
    """One row of the sheet."""

    labels: tuple[str, ...]  # one label per row dimension
    level: int  # hierarchy depth of the row's last dimension, for indentation
    values: tuple[float | None, ...]
    number_format: str = "#,##0.00"
    children: tuple[tuple[int, float], ...] | None = None  # (index of another line, weight): written as a formula
    editable: tuple[bool, ...] | None = None  # templates: which cells take input
    stamps: tuple[str | None, ...] | None = None  # templates: per cell, an opaque identifier the caller gets back


@dataclass(frozen=True)
class Sheet:
    title: str
    row_dimensions: tuple[str, ...]
    column_labels: tuple[str, ...]
    lines: Sequence[Line]  # a tuple, or any lazy sequence: lines are read one at a time (and children by index)
    filters: tuple[tuple[str, str], ...] = ()


def is_dangerous(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (or a DDE command)?"""
    return text.startswith(DANGEROUS_STARTS)


def clip(text: str) -> str:
    """Cell text that reads back unchanged: line breaks as LF, no other control characters, at most 32,767 long.

    (A CR or a control character would be stored escaped as `_x000D_`, which not every reader decodes.)
    """
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))[:MAX_TEXT]


def number(value: float | None) -> float | None:
    """A finite float, or None for an empty cell (NaN and infinities are not numbers a sheet can hold)."""
    if value is None or isinstance(value, bool):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class LayoutHash:
    """A digest of the header row and every line's labels: a template's layout, checked again on upload."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, texts: Iterable[str]) -> None:
        self._hash.update(json.dumps([t.strip() for t in texts], ensure_ascii=False).encode() + b"\n")

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


@dataclass(frozen=True)
class Layout:
    header_row: int  # 0-based
    first_data_row: int
    rows: int
    columns: int
    digest: str


def formula(children: tuple[tuple[int, float], ...], first_data_row: int, column: int) -> str:
    """`=SUM(C5:C9)` for contiguous children all weighted +1, else `=C5+C6-C9` (`+0.5*C7` for other weights)."""
    rows = sorted(first_data_row + index for index, _ in children)
    letter = xl_col_to_name(column)
    if all(weight == 1 for _, weight in children) and rows == list(range(rows[0], rows[0] + len(rows))):
        if len(rows) == 1:
            return f"={letter}{rows[0] + 1}"
        return f"=SUM({letter}{rows[0] + 1}:{letter}{rows[-1] + 1})"
    terms = []
    for index, weight in children:
        cell = f"{letter}{first_data_row + index + 1}"
        if weight == 1:
            terms.append(f"+{cell}")
        elif weight == -1:
            terms.append(f"-{cell}")
        else:
            terms.append(f"{'-' if weight < 0 else '+'}{abs(weight)!r}*{cell}")
    text = "".join(terms)
    return "=" + (text[1:] if text.startswith("+") else text)


class _Formats:
    def __init__(self, workbook: Any) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[Any, ...], Any] = {}

    def get(self, **properties: Any) -> Any:
        key = tuple(sorted(properties.items()))
        if key not in self._cache:
            self._cache[key] = self._workbook.add_format(properties)
        return self._cache[key]

    def label(self, *, indent: int = 0, bold: bool = False, quote: bool = False) -> Any:
        properties: dict[str, Any] = {"indent": max(0, min(indent, MAX_INDENT)), "bold": bold}
        if quote:  # Excel's own marker for "typed as text": editing the cell later keeps it text
            properties["quote_prefix"] = True
        return self.get(**properties)

    def value(self, number_format: str, *, bold: bool = False, editable: bool = False) -> Any:
        if editable:
            return self.get(num_format=number_format, locked=False, bg_color=INPUT_FILL, bold=bold)
        return self.get(num_format=number_format, bold=bold)


def _check(sheet: Sheet, index: int, line: Line) -> None:
    width, count = len(sheet.column_labels), len(sheet.lines)
    problems = [
        (len(line.labels) != len(sheet.row_dimensions), "labels"),
        (len(line.values) != width, "values"),
        (line.editable is not None and len(line.editable) != width, "editable flags"),
        (line.stamps is not None and len(line.stamps) != width, "stamps"),
        (any(not 0 <= i < count or i == index for i, _ in line.children or ()), "children (index out of range)"),
    ]
    for failed, what in problems:
        if failed:
            raise ValueError(f"Line {index} of sheet {sheet.title!r}: wrong {what}.")


InputCallback = Callable[[str, str, float | None], None]  # (coordinate "C5", stamp, value at download)


def write_sheet(workbook: Any, worksheet: Any, sheet: Sheet, *, on_input: InputCallback | None = None) -> Layout:
    """Write `sheet` into `worksheet` row by row. With `on_input` (a template), editable cells are unlocked input
    cells, and the header is the first row (title and filters go to a note on A1 and the printed page header), so
    that a reader taking the first row as the header reads the sheet back as a table.
    """
    template = on_input is not None
    formats = _Formats(workbook)
    dimensions, labels = len(sheet.row_dimensions), len(sheet.column_labels)
    header_row = 0 if template else 1 + len(sheet.filters)
    first = header_row + 1
    if dimensions + labels > MAX_COLUMNS or first + len(sheet.lines) > MAX_ROWS:
        raise ValueError(f"Sheet {sheet.title!r} does not fit in one Excel worksheet; export it as CSV.")
    bold = formats.label(bold=True)

    def text(row: int, column: int, value: str, cell_format: Any = None) -> None:
        worksheet.write_string(row, column, clip(value), cell_format)

    if template:
        about = [sheet.title, *(f"{dimension}: {member}" for dimension, member in sheet.filters)]
        worksheet.write_comment(0, 0, clip("\n".join(about)), {"x_scale": 2, "y_scale": 1 + len(about) // 4})
        worksheet.set_header(clip("&L" + "; ".join(about).replace("&", "&&"))[:255])
    else:
        text(0, 0, sheet.title, formats.get(bold=True, font_size=13))
        for row, (dimension, member) in enumerate(sheet.filters, start=1):
            text(row, 0, dimension, bold)
            text(row, 1, member, formats.label(quote=is_dangerous(member)))
    header = [clip(t) for t in (*sheet.row_dimensions, *sheet.column_labels)]
    header_format = formats.get(bold=True, bottom=1, text_wrap=True)
    for column, title in enumerate(header):
        text(header_row, column, title, header_format)
    layout = LayoutHash()
    layout.add(header)
    worksheet.freeze_panes(first, dimensions)
    widths = [len(t) for t in sheet.row_dimensions]
    for index, line in enumerate(sheet.lines):
        _check(sheet, index, line)
        row, total = first + index, line.children is not None
        row_labels = [clip(t) for t in line.labels]
        layout.add(row_labels)
        for column, label in enumerate(row_labels):
            indent = line.level if column == dimensions - 1 else 0
            text(row, column, label, formats.label(indent=indent, bold=total, quote=is_dangerous(label)))
            if index < 1000:
                widths[column] = max(widths[column], len(label) + 2 * indent)
        for c, raw in enumerate(line.values):
            column, value = dimensions + c, number(raw)
            if line.children:
                if value is None:
                    value = sum(w * (number(sheet.lines[i].values[c]) or 0.0) for i, w in line.children)
                cell_format = formats.value(line.number_format, bold=True)
                worksheet.write_formula(row, column, formula(line.children, first, column), cell_format, value)
                continue
            editable = template and line.editable is not None and line.editable[c]
            cell_format = formats.value(line.number_format, bold=total, editable=editable)
            if value is not None:
                worksheet.write_number(row, column, value, cell_format)
            elif editable:
                worksheet.write_blank(row, column, None, cell_format)
            if editable and on_input is not None:
                stamp = line.stamps[c] if line.stamps is not None else None
                on_input(xl_rowcol_to_cell(row, column), stamp or "", value)
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, min(max(width, 8), 60) + 2)
    if labels:
        worksheet.set_column(dimensions, dimensions + labels - 1, 14)
    return Layout(header_row, first, len(sheet.lines), dimensions + labels, layout.hexdigest())


def open_workbook(out: BinaryIO | Path | str) -> Any:
    return xlsxwriter.Workbook(str(out) if isinstance(out, Path | str) else out, WORKBOOK_OPTIONS)


def write_xlsx(sheet: Sheet, out: BinaryIO | Path) -> None:
    """Write `sheet` as a one-worksheet XLSX report to a path or a binary stream."""
    workbook = open_workbook(out)
    try:
        write_sheet(workbook, workbook.add_worksheet(clip_title(sheet.title)), sheet)
    finally:
        workbook.close()


def clip_title(title: str) -> str:
    """A legal worksheet name: at most 31 characters, none of []:*?/\\, not starting or ending with '."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip().strip("'")[:31].strip()
    return cleaned or "Sheet1"
