"""Checks an upload before anything parses it: size, what it really is and, for XLSX, a zip and sheet pre-scan.

This runs in the calling process (web or Celery worker), so it only reads file headers, the zip central directory and
bounded chunks of decompressed parts; parsing proper happens in a resource-limited child (`reading.py`).
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from opencorpo.core.errors import UserError

Kind = Literal["csv", "xlsx"]
CHUNK = 1 << 20
MB = 2**20


@dataclass(frozen=True)
class Limits:
    """What an upload may cost; the caller fills it from settings."""

    max_bytes: int = 50 * 2**20  # the uploaded file
    max_rows: int = 1_000_000  # data rows, not counting the header
    max_columns: int = 200
    max_cell_chars: int = 32_767  # Excel's own limit
    max_unzipped_bytes: int = 500 * 2**20  # all parts of an xlsx together; also caps the normalised rows written
    max_zip_entries: int = 1_000
    max_ratio: float = 100.0  # per zip entry (over 100 KiB), uncompressed/compressed
    memory_bytes: int = 1 * 2**30  # RLIMIT_AS of the parsing child process
    seconds: float = 120.0  # wall-clock limit of the child


class FileRejected(UserError):
    """An upload we will not read; `reason` is a stable machine-readable word, the message is for people."""

    code = "file_rejected"

    def __init__(self, message: str, *, reason: str, status_code: int = 400):
        super().__init__(message, extra={"reason": reason})
        self.reason = reason
        self.status_code = status_code  # 413 when the file is too large, else 400


def mib(n: float) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / MB:.3g} MiB" if n >= MB else f"{n:,.0f} bytes"


def column_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


SEND = "Send the data as an Excel workbook (.xlsx) or a CSV file (UTF-8)."
_SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "a PDF document", SEND),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old-format Excel 97-2003 workbook (.xls) or a password-protected workbook",
        "Open it in Excel, remove any password and save it as 'Excel Workbook (.xlsx)' or 'CSV UTF-8'.",
    ),
    (b"MZ", "a Windows program", SEND),
    (b"\x7fELF", "a program", SEND),
    (b"\x89PNG", "an image", SEND),
    (b"\xff\xd8\xff", "an image", SEND),
    (b"GIF8", "an image", SEND),
    (b"\x1f\x8b", "a compressed (gzip) archive", "Unpack it and send the spreadsheet inside."),
    (b"7z\xbc\xaf", "a compressed (7-Zip) archive", "Unpack it and send the spreadsheet inside."),
    (b"Rar!\x1a\x07", "a compressed (RAR) archive", "Unpack it and send the spreadsheet inside."),
    (b"\xff\xfe", "UTF-16 text (Excel's 'Unicode Text')", "Save it from Excel as 'CSV UTF-8' instead."),
    (b"\xfe\xff", "UTF-16 text", "Save it as 'CSV UTF-8' instead."),
]
_TEXT_BYTES = bytes({7, 8, 9, 10, 12, 13, 27} | set(range(0x20, 0x100)) - {0x7F})
_MACRO_EXTENSIONS = {".xlsm", ".xltm", ".xlam"}
_CELL_RE = re.compile(rb"""<(?:[\w.-]+:)?(?:c|row)(?:\s[^>]*?)?\sr\s*=\s*["']([A-Za-z]*)([0-9]*)([^"']*)["']""")
_DIM_RE = re.compile(rb"""<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_CELL_TAG_RE = re.compile(rb"<(?:[\w.-]+:)?(?:c|row)\s")
_NORM = bytes.maketrans(b"\t\n\r'", b'   "')


def check_upload(path: Path, *, filename: str, limits: Limits) -> Kind:
    """Refuse anything we should not parse; return what the file is by its content."""
    name = filename[-100:] or "the file"
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileRejected(
            f"{name} is {mib(size)}; at most {mib(limits.max_bytes)} can be imported. "
            "Split it into smaller files (e.g. one per entity or year) and import them one by one.",
            reason="too_large",
            status_code=413,
        )
    if size == 0:
        raise FileRejected(f"{name} is empty. Choose the file again; it must hold a header row.", reason="empty")
    if PurePosixPath(filename.replace("\\", "/")).suffix.lower() in _MACRO_EXTENSIONS:
        raise _macros(name)
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        _check_zip(path, name, limits)
        return "xlsx"
    for magic, what, todo in _SIGNATURES:
        if head.startswith(magic) and (magic != b"MZ" or b"\0" in head):  # a CSV may start with "MZ…"
            raise FileRejected(f"{name} is {what}, not a spreadsheet. {todo}", reason="not_a_spreadsheet")
    lead = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if lead.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise FileRejected(
            f"{name} is a web page or XML document, not a spreadsheet (some systems export those named .xls). "
            "Open it in Excel and save it as 'Excel Workbook (.xlsx)', or export CSV from the source.",
            reason="not_a_spreadsheet",
        )
    _check_text(path, name)
    return "csv"


def _macros(name: str) -> FileRejected:
    return FileRejected(
        f"{name} is a macro-enabled workbook; files with macros are not accepted. "
        "In Excel use 'Save As' → 'Excel Workbook (.xlsx)' (that drops the macros) and upload that file.",
        reason="macros",
    )


def _check_text(path: Path, name: str) -> None:
    lines = 1
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if lines == 1 and len(chunk[:4096].translate(None, _TEXT_BYTES)) > len(chunk[:4096]) // 50 + 1:
                raise FileRejected(
                    f"{name} is a binary file, not a spreadsheet or text. {SEND}", reason="not_a_spreadsheet"
                )
            nul = chunk.find(b"\0")
            if nul >= 0:
                line = lines + chunk.count(b"\n", 0, nul)
                raise FileRejected(
                    f"{name} contains a NUL byte (a binary zero) on line {line}, so it "
                    "is not plain-text CSV. Export it again as 'CSV UTF-8' from the source system, or remove it.",
                    reason="nul_byte",
                )
            lines += chunk.count(b"\n")


def _bomb(name: str, what: str) -> FileRejected:
    return FileRejected(
        f"{name} {what}, which a normal spreadsheet never does (it looks like a 'zip bomb'). "
        "Open it in Excel and save it again as .xlsx, or export CSV; split very large data into several files.",
        reason="zip_bomb",
    )


def _damaged(name: str, why: str) -> FileRejected:
    return FileRejected(
        f"{name} is a damaged or non-standard Excel file ({why}). Open it in Excel and save it again as .xlsx.",
        reason="damaged",
    )


def _eocd_counts(path: Path) -> tuple[int, int]:
    """Entries and central-directory size from the end record (zip64 aware), read before `zipfile` loads it all."""
    with path.open("rb") as f:
        f.seek(0, 2)
        end = f.tell()
        f.seek(max(0, end - 22 - 65_535))
        tail_start = f.tell()
        tail = f.read()
        pos = tail.rfind(b"PK\x05\x06")
        if pos < 0 or len(tail) - pos < 22:
            raise ValueError("no end of central directory")
        _, _, _, _, entries, cd_size, _, _ = struct.unpack("<4s4H2LH", tail[pos : pos + 22])
        if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
            loc = tail_start + pos - 20
            f.seek(loc)
            sig, _, z64_at, _ = struct.unpack("<4sLQL", f.read(20))
            if sig != b"PK\x06\x07":
                raise ValueError("bad zip64 locator")
            f.seek(z64_at)
            rec = f.read(56)
            if len(rec) < 56 or rec[:4] != b"PK\x06\x06":
                raise ValueError("bad zip64 record")
            entries, cd_size = struct.unpack("<QQ", rec[32:48])
    return entries, cd_size


def _check_zip(path: Path, name: str, limits: Limits) -> None:
    try:
        entries, cd_size = _eocd_counts(path)
    except (ValueError, struct.error, OSError) as exc:
        raise _damaged(name, str(exc)) from None
    if entries > limits.max_zip_entries or cd_size > limits.max_zip_entries * 1024:
        raise _bomb(name, f"holds {entries:,} parts (at most {limits.max_zip_entries:,} are allowed)")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, NotImplementedError) as exc:
        raise _damaged(name, str(exc)) from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        lower = {n.lower() for n in names}
        if len(infos) > limits.max_zip_entries:
            raise _bomb(name, f"holds {len(infos):,} parts (at most {limits.max_zip_entries:,} are allowed)")
        if any(n.endswith("vbaproject.bin") for n in lower):
            raise _macros(name)
        if not {"[content_types].xml", "xl/workbook.xml"} <= lower:
            raise _not_xlsx(name, lower)
        if len(names) != len(infos):
            raise _damaged(name, "a part is stored twice")
        total = 0
        for info in infos:
            parts = info.filename.replace("\\", "/").split("/")
            if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                raise FileRejected(
                    f"{name} contains a part with an unsafe path ({info.filename[:80]!r}); real workbooks never do. "
                    "Open it in Excel and save it again as .xlsx.",
                    reason="unsafe_path",
                )
            if info.flag_bits & 0x1:
                raise FileRejected(
                    f"{name} is encrypted or password-protected. Remove the password in Excel "
                    "(File → Info → Protect Workbook) and upload it again.",
                    reason="encrypted",
                )
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _damaged(name, f"compression method {info.compress_type}")
            total += info.file_size
            if total > limits.max_unzipped_bytes:
                raise _bomb(name, f"unpacks to more than {mib(limits.max_unzipped_bytes)}")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 100 * 1024 and ratio > limits.max_ratio:
                raise _bomb(name, f"has a part ({info.filename[:80]}) that unpacks {ratio:,.0f} times larger")
        for info in infos:  # every part that is XML, whatever its name (a sheet can be called anything)
            if not info.is_dir():
                _scan_part(zf, info, name, limits, info.filename.lower().endswith((".xml", ".rels")))


def _not_xlsx(name: str, lower: set[str]) -> FileRejected:
    if "xl/workbook.bin" in lower:
        what, todo = "an Excel binary workbook (.xlsb)", "In Excel use 'Save As' → 'Excel Workbook (.xlsx)'."
    elif "word/document.xml" in lower:
        what, todo = "a Word document", SEND
    elif "ppt/presentation.xml" in lower:
        what, todo = "a PowerPoint presentation", SEND
    elif "content.xml" in lower and "mimetype" in lower:
        what, todo = "an OpenDocument file (.ods)", "Save it as 'Excel 2007-365 (.xlsx)' or as CSV (UTF-8)."
    else:
        what, todo = "a zip archive, not an Excel workbook", "Unpack it and send the spreadsheet inside."
    return FileRejected(f"{name} is {what}. {todo}", reason="not_a_spreadsheet")


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits, xml: bool) -> None:
    """Stream one XML part in bounded chunks: no DTD, and no cell position beyond the row/column caps."""
    carry = b""
    first = True
    try:
        with zf.open(info) as src:
            while True:
                chunk = src.read(CHUNK)
                buf = carry + chunk
                if first and buf:
                    first = False
                    utf16 = buf.startswith((b"\xff\xfe", b"\xfe\xff", b"<\0", b"\0<"))
                    if not utf16 and not buf.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                        if xml:
                            raise _damaged(name, f"{info.filename[:80]} is not XML")
                        return  # an image or other binary part
                    if utf16 or b"\0" in buf[:4096]:
                        raise _damaged(name, f"{info.filename[:80]} is not UTF-8 XML")
                cut = buf.rfind(b"<") if chunk else -1
                body, carry = (buf, b"") if cut < 0 else (buf[:cut], buf[cut:])
                if len(carry) > CHUNK:  # a giant tag: fine unless it is a cell or row
                    if _CELL_TAG_RE.match(carry):
                        raise _damaged(name, f"an oversized cell tag in {info.filename[:80]}")
                    carry = b""
                if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
                    raise FileRejected(
                        f"{name} contains an XML document type declaration (in {info.filename[:80]}); Excel never "
                        "writes one and it is a known attack ('billion laughs'). Open the file in Excel and save it "
                        "again as .xlsx, or export CSV.",
                        reason="xml_dtd",
                    )
                if b"dimension" in body:
                    for ref in _DIM_RE.findall(body):
                        for corner in ref.split(b":"):
                            _check_ref(corner, name, info.filename, limits, strict=False)
                _check_refs(body, name, info.filename, limits)
                if not chunk:
                    return
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise _damaged(name, str(exc)[:200]) from None


def _check_refs(body: bytes, name: str, part: str, limits: Limits) -> None:
    """Find any r="…" cell or row position beyond the caps, or malformed, at regex (C) speed."""
    norm = body.translate(_NORM)
    if b" r " in norm or b" r= " in norm:  # an unusual spelling: the exact, slower scan of every position
        for letters, digits, rest in _CELL_RE.findall(body):
            _check_ref(letters + digits + rest, name, part, limits)
        return
    beyond = _beyond_re(limits.max_columns, limits.max_rows + 1)
    pos = 0
    while m := beyond.search(norm, pos):
        start, pos = m.start(), m.end()
        lt = norm.rfind(b"<", max(0, start - 4096), start)
        tag = norm[lt + 1 : start + 1].split(b" ", 1)[0].rsplit(b":", 1)[-1] if lt >= 0 else b"c"
        if tag in (b"c", b"row"):  # not e.g. a theme's <a:fillToRect r="50000">
            end = norm.find(b'"', start + 4, start + 64)
            _check_ref(norm[start + 4 : end if end > 0 else start + 64], name, part, limits)


@functools.lru_cache(maxsize=8)
def _beyond_re(max_columns: int, max_row: int) -> re.Pattern[bytes]:
    """A regex matching ` r="…"` whose column or row exceeds the caps, or which is not letters-then-digits."""
    letters, digits = column_letters(max_columns), str(max_row)
    cols = [f"[A-Za-z]{{{len(letters) + 1},}}"]
    for i, ch in enumerate(letters):
        if ch < "Z":
            nxt = chr(ord(ch) + 1)
            prefix = "".join(f"[{c}{c.lower()}]" for c in letters[:i])
            cols.append(f"{prefix}[{nxt}-Z{nxt.lower()}-z][A-Za-z]{{{len(letters) - i - 1}}}")
    rows = [f"[0-9]{{{len(digits) + 1},}}"]
    rows += [f"{digits[:i]}[{int(d) + 1}-9][0-9]{{{len(digits) - i - 1}}}" for i, d in enumerate(digits) if d < "9"]
    pattern = f' r="(?:(?:{"|".join(cols)})[0-9]|[A-Za-z]*+(?:{"|".join(rows)})"|[A-Za-z]*+[0-9]*+[^0-9"])'
    return re.compile(pattern.encode())


def _check_ref(ref: bytes, name: str, part: str, limits: Limits, *, strict: bool = True) -> None:
    m = re.fullmatch(rb"([A-Za-z]{0,3})([0-9]{1,9})", ref)
    if m is None:
        if strict:
            raise _damaged(name, f"a malformed cell position {ref[:20]!r} in {part[:80]}")
        return
    _check_position(name, _column_number(m[1]), int(m[2]), limits, limits.max_rows + 1)


def _check_position(name: str, col: int, row: int, limits: Limits, max_row: int) -> None:
    if col > limits.max_columns:
        raise FileRejected(
            f"{name} has a sheet that reaches column {column_letters(col)} ({col:,}); at most "
            f"{limits.max_columns:,} columns can be imported. Delete the unused columns (select them, right-click → "
            "Delete, not just Clear) or copy only the data to a new sheet, save and upload again.",
            reason="too_many_columns",
        )
    if row > max_row:
        raise FileRejected(
            f"{name} has a sheet that reaches row {row:,}; at most {limits.max_rows:,} rows can be imported. "
            "Delete the unused rows below the data (Delete, not just Clear), or split the data into several files.",
            reason="too_many_rows",
        )
