"""CSV exports, streamed line by line, safe against formula injection (OWASP "CSV injection")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from opencorpo.dataio.excel import Sheet, is_dangerous, number


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula (= + - @ tab CR, or their full-width forms) gets a leading '."""
    return "'" + text if is_dangerous(text) else text


def format_number(value: float | None) -> str:
    """The shortest text that reads back as the same float ('' for an empty cell); whole numbers without '.0'."""
    value = number(value)
    if value is None:
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def csv_rows(sheet: Sheet, *, bom: bool = False) -> Iterator[str]:
    """The sheet as CSV text lines (each ending in CRLF), the header first, one line at a time.

    Encode each line as UTF-8. With `bom`, the first line starts with U+FEFF so that Excel detects UTF-8 when
    the file is opened by double-click. Labels are neutralised; numbers are written as numbers, never as text.
    Filters are not part of the table: put them in the file name or the download's description.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(fields: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(fields)
        return buffer.getvalue()

    header = line([neutralise(t) for t in (*sheet.row_dimensions, *sheet.column_labels)])
    yield ("\ufeff" + header) if bom else header
    width = len(sheet.column_labels)
    for index, row in enumerate(sheet.lines):
        if len(row.labels) != len(sheet.row_dimensions) or len(row.values) != width:
            raise ValueError(f"Line {index} of sheet {sheet.title!r}: wrong number of labels or values.")
        yield line([*(neutralise(t) for t in row.labels), *(format_number(v) for v in row.values)])
