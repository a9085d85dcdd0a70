"""Read an uploaded CSV or XLSX into normalised rows, safely.

`read_table` first runs the guards (`guards.py`) in this process, then parses in a child Python process started as
`python -I <this file>` with RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE and no core dumps, killed after `Limits.seconds`.
The child streams the rows into a UTF-8 CSV (no header; every value the text a person sees, '' for empty) and reports
the header as JSON on stdout. A crash, MemoryError, kill or timeout of the child becomes `FileRejected`; the calling
process (web or Celery worker) only ever holds one row at a time.

The child side (top of this file) uses only the standard library and openpyxl: Django is not configured there.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import json
import logging
import math
import os
import resource
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# ----------------------------------------------------------------------------------------------- child side


class _Refused(Exception):
    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message, self.reason = message, reason


def _letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


class _Sink:
    """Header detection, checks and the streaming writer of the normalised rows."""

    def __init__(self, out: IO[str], lim: dict[str, Any], name: str, unit: str):
        self.writer = csv.writer(out, lineterminator="\n")
        self.lim, self.name, self.unit = lim, name, unit
        self.header: list[str] | None = None
        self.header_line = 0
        self.rows = self.pending = self.written = 0

    def add(self, cells: list[str], where: int) -> None:
        while cells and cells[-1] == "":
            cells.pop()
        width = len(self.header) if self.header is not None else self.lim["max_columns"]
        if len(cells) > width:
            if self.header is None:
                raise _Refused(
                    f"{self.name} has {len(cells):,} columns ({self.unit} {where}); at most {width:,} can be imported. "
                    "Delete the columns you do not need and upload again.",
                    "too_many_columns",
                )
            raise _Refused(
                f"{self.name}: {self.unit} {where} has {len(cells):,} values but the header has {width:,} columns. "
                "Check that row for an unquoted separator (e.g. a thousands separator like 1,000 or a comma in a "
                "text) and put that value in double quotes, or fix the header.",
                "ragged_row",
            )
        for i, value in enumerate(cells):
            if len(value) > self.lim["max_cell_chars"]:
                raise _Refused(
                    f"{self.name}: the value in {self.unit} {where}, column {_letters(i + 1)} has {len(value):,} "
                    f"characters; at most {self.lim['max_cell_chars']:,} are allowed. Shorten it and upload again.",
                    "cell_too_long",
                )
        if self.header is None:
            if any(c.strip() for c in cells):  # the first row with a visible value
                self._set_header(cells, where)
            return
        if not cells:
            self.pending += 1  # dropped if no data follows
            return
        if self.rows + self.pending + 1 > self.lim["max_rows"]:
            raise _Refused(
                f"{self.name} has more than {self.lim['max_rows']:,} data rows; split it into several files "
                "(e.g. one per entity or year) and import them one by one.",
                "too_many_rows",
            )
        for _ in range(self.pending):
            self.written += self.writer.writerow([""] * width)
        self.rows += self.pending + 1
        self.pending = 0
        self.written += self.writer.writerow(cells + [""] * (width - len(cells)))
        if self.written > self.lim["max_unzipped_bytes"]:
            raise _Refused(
                f"{self.name} unpacks to more than {self.lim['max_unzipped_bytes'] // 2**20:,} MiB of values "
                "(e.g. one long text repeated in many cells). Split it into several files or shorten the texts.",
                "too_large",
            )

    def _set_header(self, cells: list[str], where: int) -> None:
        names = [c.strip() for c in cells]
        seen: dict[str, int] = {}
        for i, n in enumerate(names):
            col = f"column {_letters(i + 1)} ({i + 1})"
            if not n:
                raise _Refused(
                    f"{self.name}: {col} of the header ({self.unit} {where}) has no name. Give every column a name "
                    "in the first row, or delete the empty column.",
                    "bad_header",
                )
            if n.casefold() in seen:
                j = seen[n.casefold()]
                raise _Refused(
                    f"{self.name}: {col} of the header ({self.unit} {where}) repeats the name {n!r} of column "
                    f"{_letters(j + 1)} ({j + 1}); column names must be unique (case is ignored). Rename one of them.",
                    "bad_header",
                )
            seen[n.casefold()] = i
        self.header, self.header_line = names, where


def _encoding(path: Path) -> tuple[str, list[str]]:
    with path.open("rb") as f:
        if f.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig", []
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8", []
        except UnicodeDecodeError:
            pass
        f.seek(0)
        undefined = set(b"\x81\x8d\x8f\x90\x9d")
        cp1252 = not any(undefined.intersection(chunk) for chunk in iter(lambda: f.read(1 << 20), b""))
    enc, label = ("cp1252", "Windows-1252") if cp1252 else ("latin-1", "Latin-1 (ISO-8859-1)")
    return enc, [
        f"The file is not UTF-8, so it was read as {label}. If accented letters or symbols (such as €) look "
        "wrong, save it from Excel as 'CSV UTF-8' and upload again."
    ]


def _delimiter(sample: str) -> str:
    sample = sample[: sample.rfind("\n") + 1] or sample
    first = next((line for line in sample.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in ",;\t"}
    try:
        found = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        found = ","
    if counts.get(found, 0) == 0 and max(counts.values()) > 0:
        found = max(counts, key=lambda d: counts[d])
    return found


def _read_csv(path: Path, sink: _Sink, lim: dict[str, Any], name: str) -> tuple[str, list[str]]:
    encoding, notes = _encoding(path)
    csv.field_size_limit(lim["max_cell_chars"] + 1)
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(32 * 1024)
        f.seek(0)
        offset = 0
        if sample[:4].lower() == "sep=" and sample[5:6] in ("\r", "\n", ""):  # Excel's "sep=;" first line
            delimiter = sample[4]
            f.readline()
            offset = 1
        else:
            delimiter = _delimiter(sample)
        reader = csv.reader(f, delimiter=delimiter, quotechar='"', doublequote=True)
        start = offset + 1
        try:
            for cells in reader:
                sink.add(cells, start)
                start = offset + reader.line_num + 1
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise _Refused(
                    f"{name}: a value on line {start} is longer than {lim['max_cell_chars']:,} characters (often a "
                    "missing closing double quote). Fix that line and upload again.",
                    "cell_too_long",
                ) from None
            raise _Refused(
                f"{name}: line {start} is not valid CSV ({exc}). Fix it and upload again.", "bad_csv"
            ) from None
    return encoding, notes


def _number(v: float) -> str:
    if not math.isfinite(v):
        return ""
    r = float(f"{v:.15g}")  # what Excel shows: 15 significant digits, no float noise
    return str(int(r)) if r.is_integer() and abs(r) < 1e15 else repr(r)


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _number(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return str(v)


def _read_xlsx(path: Path, sink: _Sink, lim: dict[str, Any], name: str, wanted: str | None) -> str:
    import openpyxl  # after the limits are set
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise RuntimeError("defusedxml is not available to openpyxl; refusing to parse XLSX (install defusedxml)")
    with path.open("rb") as fh:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
        try:
            sheets = wb.worksheets
            if wanted is not None:
                found = [ws for ws in sheets if ws.title == wanted]
                if not found:
                    titles = ", ".join(repr(ws.title) for ws in sheets)
                    message = f"{name} has no sheet named {wanted!r}; its sheets are {titles}. Choose one of those."
                    raise _Refused(message, "no_sheet")
                ws = found[0]
            else:
                visible = [ws for ws in sheets if ws.sheet_state == "visible"]
                if not visible:
                    raise _Refused(f"{name} has no visible worksheet. Unhide the data sheet and save.", "no_sheet")
                ws = visible[0]
            ws.reset_dimensions()  # never trust (or loop over) the declared max_row/max_column
            for row_number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                last = len(row)
                while last and row[last - 1] is None:
                    last -= 1
                if last > lim["max_columns"]:
                    raise _Refused(
                        f"{name}: row {row_number} of sheet {ws.title!r} has a value in column {_letters(last)}; at "
                        f"most {lim['max_columns']:,} columns can be imported. Delete the unused columns and save.",
                        "too_many_columns",
                    )
                sink.add([_text(v) for v in row[:last]], row_number)
            return ws.title
        finally:
            wb.close()


def _explain(exc: BaseException, kind: str, name: str, path: str) -> dict[str, Any]:
    """An unexpected failure of the parser, as a report for the parent (never naming server paths)."""
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    if isinstance(exc, RuntimeError) and "defusedxml" in str(exc):
        return {"ok": False, "reason": "internal", "message": str(exc)}
    if any(type(e).__module__.startswith("defusedxml") for e in chain):
        message = (
            f"{name} contains an XML document type declaration or entity; Excel never writes those and they are a "
            "known attack ('billion laughs'). Open the file in Excel and save it again as .xlsx, or export CSV."
        )
        return {"ok": False, "reason": "xml_dtd", "message": message}
    if any("memory" in str(e).lower() for e in chain):
        return {"ok": False, "reason": "too_complex"}
    detail = " ".join(f"{type(exc).__name__}: {str(exc).replace(path, name)}".split())[:200]
    what = "an Excel workbook" if kind == "xlsx" else "CSV"
    message = (
        f"{name} could not be read as {what} ({detail}). Open it in Excel and save it again as .xlsx or "
        "'CSV UTF-8', then upload that file."
    )
    return {"ok": False, "reason": "unreadable", "message": message}


def _child_main() -> int:
    reserve = bytearray(1 << 20)  # freed on MemoryError so the report can still be written
    args = json.loads(sys.stdin.read())
    lim, name = args["limits"], args["name"]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (lim["memory_bytes"], lim["memory_bytes"]))
    cpu = math.ceil(lim["seconds"]) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    cap = lim["max_unzipped_bytes"] + 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))
    warnings.simplefilter("ignore")
    result: dict[str, Any]
    try:
        with open(args["out"], "w", encoding="utf-8", newline="") as out:
            sink = _Sink(out, lim, name, "line" if args["kind"] == "csv" else "row")
            path = Path(args["path"])
            if args["kind"] == "csv":
                encoding, notes = _read_csv(path, sink, lim, name)
                sheet = None
            else:
                sheet, encoding, notes = _read_xlsx(path, sink, lim, name, args["sheet"]), None, []
        if sink.header is None:
            message = f"{name} has no header row (it holds no values). Put the column names in row 1 and save again."
            raise _Refused(message, "empty")
        result = {"ok": True, "header": sink.header, "rows": sink.rows, "sheet": sheet, "encoding": encoding}
        result |= {"notes": notes, "header_line": sink.header_line}
    except _Refused as exc:
        result = {"ok": False, "message": exc.message, "reason": exc.reason}
    except MemoryError:
        del reserve
        result = {"ok": False, "reason": "too_complex"}
    except Exception as exc:
        result = _explain(exc, args["kind"], name, args["path"])
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":  # the child: nothing below this line (Django, the guards) is imported there
    sys.exit(_child_main())

# ---------------------------------------------------------------------------------------------- parent side

from opencorpo.dataio.guards import FileRejected, Kind, Limits, check_upload, mib  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["FileRejected", "Limits", "Table", "read_table"]


@dataclass(frozen=True)
class Table:
    """The normalised rows of one sheet; the caller owns (and deletes, see `discard`) `rows_path`.

    Data row i (0-based) comes from row `header_line + 1 + i` of the sheet, or for CSV from that record (the same as the
    line unless a quoted value spans lines). Interior empty rows are kept as all-'' rows; trailing ones are dropped.
    """

    header: list[str]
    rows_path: Path
    rows: int
    sheet: str | None
    header_line: int = 1
    encoding: str | None = None  # CSV only: utf-8, utf-8-sig, cp1252 or latin-1
    notes: tuple[str, ...] = ()  # things the user should know (e.g. the encoding guessed)

    def iter_rows(self) -> Iterator[list[str]]:
        with self.rows_path.open(encoding="utf-8", newline="") as f:
            yield from csv.reader(f)

    def discard(self) -> None:
        self.rows_path.unlink(missing_ok=True)


DEFAULT_LIMITS = Limits()


def read_table(
    path: Path, *, filename: str, limits: Limits = DEFAULT_LIMITS, sheet: str | None = None, out_dir: Path | None = None
) -> Table:
    """Check, then parse `path` (uploaded as `filename`) in a limited child; raise FileRejected for a bad file."""
    kind = check_upload(path, filename=filename, limits=limits)
    return _parse_in_child(path, kind=kind, filename=filename, limits=limits, sheet=sheet, out_dir=out_dir)


def _parse_in_child(
    path: Path, *, kind: Kind, filename: str, limits: Limits, sheet: str | None, out_dir: Path | None
) -> Table:
    name = filename[-100:] or "the file"
    fd, out_name = tempfile.mkstemp(prefix="opencorpo-rows-", suffix=".csv", dir=out_dir)
    os.close(fd)
    out = Path(out_name)
    args: dict[str, Any] = {"path": str(path), "out": out_name, "kind": kind, "sheet": sheet, "name": name}
    args["limits"] = dataclasses.asdict(limits)
    env = {**os.environ, "OPENPYXL_DEFUSEDXML": "True"}
    result: dict[str, Any] = {"ok": False, "reason": "too_complex"}  # killed, crashed or out of memory
    try:
        proc = subprocess.run(
            [sys.executable, "-I", str(Path(__file__).resolve())],
            input=json.dumps(args).encode(),
            capture_output=True,
            timeout=limits.seconds,
            env=env,
            check=False,
        )
        lines = proc.stdout.decode(errors="replace").strip().splitlines()
        if lines and lines[-1].startswith("{"):
            result = json.loads(lines[-1])
        else:
            tail = proc.stderr.decode(errors="replace")[-2000:]
            logger.warning("The reader of %s ended with exit %s and no report: %s", name, proc.returncode, tail)
    except subprocess.TimeoutExpired:
        logger.warning("The reader of %s was killed after %s s", name, limits.seconds)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    if not result.get("ok"):
        out.unlink(missing_ok=True)
        if result["reason"] == "internal":
            raise RuntimeError(result["message"])
        message = result.get("message") or (
            f"{name} could not be read within {mib(limits.memory_bytes)} of memory and {limits.seconds:g} s: it is "
            "too large or too complex (e.g. very many distinct texts or formatted cells). Split it into smaller "
            "files, or save only the data as 'CSV UTF-8' and upload that."
        )
        raise FileRejected(message, reason=result["reason"])
    if limits.max_cell_chars >= csv.field_size_limit():
        csv.field_size_limit(limits.max_cell_chars + 1)  # so that Table.iter_rows can read what the child wrote
    return Table(
        header=result["header"],
        rows_path=out,
        rows=result["rows"],
        sheet=result["sheet"],
        header_line=result["header_line"],
        encoding=result["encoding"],
        notes=tuple(result["notes"]),
    )
