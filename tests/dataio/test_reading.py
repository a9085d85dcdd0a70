"""Reading uploads: every hostile file is refused with a message saying what to do, and the caller is never hurt."""

from __future__ import annotations

import os
import resource
from datetime import date, datetime
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest

from opencorpo.core.errors import UserError
from opencorpo.dataio.reading import FileRejected, Limits, Table, _parse_in_child, read_table
from tests.dataio import hostile

# No test here touches the database: they need neither the `db` fixture nor a django_db mark.

TODO_WORDS = ("open", "save", "send", "split", "delete", "remove", "export", "rename", "fix", "shorten", "choose")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return hostile.build(tmp_path_factory.mktemp("hostile"))


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def refuse(path: Path, out: Path, limits: Limits | None = None, **kw: object) -> FileRejected:
    """Read a file that must be refused; the calling process survives, stays small, and no rows file is left."""
    pid, before = os.getpid(), maxrss_mb()
    with pytest.raises(FileRejected) as caught:
        read_table(path, filename=path.name, limits=limits or Limits(), out_dir=out, **kw)  # type: ignore[arg-type]
    assert os.getpid() == pid
    assert maxrss_mb() - before < 64, "the calling process must not hold the file's contents"
    assert list(out.iterdir()) == []
    exc = caught.value
    assert path.name in exc.message and any(word in exc.message.lower() for word in TODO_WORDS), exc.message
    return exc


CASES = [
    ("oversized", Limits(max_bytes=2**20), "too_large", "is 3 MiB; at most 1 MiB can be imported"),
    ("pdf", None, "not_a_spreadsheet", "is a PDF document"),
    ("binary", None, "not_a_spreadsheet", "is a binary file"),
    ("xls", None, "not_a_spreadsheet", "Excel 97-2003 workbook (.xls)"),
    ("exe", None, "not_a_spreadsheet", "is a Windows program"),
    ("xlsm", None, "macros", "macro-enabled workbook"),
    ("vba", None, "macros", "macro-enabled workbook"),
    ("ratio", None, "zip_bomb", "(xl/media/image1.png) that unpacks 1,029 times larger"),
    ("total", Limits(max_unzipped_bytes=512 * 1024), "zip_bomb", "unpacks to more than 524,288 bytes"),
    ("entries", None, "zip_bomb", "holds 1,007 parts (at most 1,000 are allowed)"),
    ("traversal", None, "unsafe_path", "unsafe path ('../../etc/cron.d/evil')"),
    ("absolute", None, "unsafe_path", "unsafe path ('/etc/evil.xml')"),
    ("encrypted", None, "encrypted", "is encrypted or password-protected"),
    ("farcell", None, "too_many_columns", "reaches column XFD (16,384); at most 200 columns"),
    ("farcell_nodim", None, "too_many_rows", "reaches row 1,048,576; at most 1,000,000 rows"),
    ("sst_bomb", None, "cell_too_long", "row 1, column A has 1,000,000 characters; at most 32,767"),
    ("laughs_sst", None, "xml_dtd", "document type declaration (in xl/sharedStrings.xml)"),
    ("laughs_sheet", None, "xml_dtd", "document type declaration (in xl/worksheets/sheet1.xml)"),
    ("nul", None, "nul_byte", "NUL byte (a binary zero) on line 3"),
    ("ragged", None, "ragged_row", "line 3 has 3 values but the header has 2 columns"),
    ("duplicate", None, "bad_header", "column C (3) of the header (line 1) repeats the name 'amount' of column B"),
    ("blank_header", None, "bad_header", "column B (2) of the header (line 1) has no name"),
]


@pytest.mark.parametrize(("key", "limits", "reason", "says"), CASES, ids=[c[0] for c in CASES])
def test_hostile_file_is_refused(files, tmp_path, key, limits, reason, says):
    exc = refuse(files[key], tmp_path, limits)
    assert (exc.reason, exc.code) == (reason, "file_rejected")
    assert says in exc.message
    assert isinstance(exc, UserError) and exc.extra == {"reason": reason}
    assert exc.status_code == (413 if reason == "too_large" else 400)


@pytest.mark.parametrize("key", ["laughs_sst", "laughs_sheet"])
def test_entity_bombs_are_also_refused_by_defusedxml_in_the_child(files, tmp_path, key):
    assert openpyxl.xml.DEFUSEDXML is True
    with pytest.raises(FileRejected) as caught:  # skip the guard: the parser itself must refuse
        _parse_in_child(files[key], kind="xlsx", filename="b.xlsx", limits=Limits(), sheet=None, out_dir=tmp_path)
    assert caught.value.reason == "xml_dtd" and "billion laughs" in caught.value.message


def test_web_page_named_xls_is_refused(tmp_path):
    (page := tmp_path / "export.xls").write_bytes(b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    (out := tmp_path / "out").mkdir()
    assert "web page or XML document" in refuse(page, out).message


def test_too_many_rows_and_columns_in_csv(tmp_path):
    (out := tmp_path / "out").mkdir()
    (ok := tmp_path / "ten.csv").write_text("a,b\n" + "x,1\n" * 10)
    table = read_table(ok, filename="ten.csv", limits=Limits(max_rows=10), out_dir=tmp_path)
    assert table.rows == 10
    (eleven := tmp_path / "eleven.csv").write_text("a,b\n" + "x,1\n" * 11)
    exc = refuse(eleven, out, Limits(max_rows=10))
    assert exc.reason == "too_many_rows" and "more than 10 data rows" in exc.message
    (wide := tmp_path / "wide.csv").write_text(",".join(f"c{i}" for i in range(201)) + "\n")
    exc = refuse(wide, out)
    assert exc.reason == "too_many_columns" and "201 columns (line 1); at most 200" in exc.message


def test_too_many_rows_and_columns_in_xlsx_caught_by_the_guard_and_by_the_child(tmp_path):
    (out := tmp_path / "out").mkdir()
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])  # type: ignore[union-attr]
    wb.save(small := tmp_path / "small.xlsx")  # its theme has <a:fillToRect r="50000">: not a cell position
    assert read_table(small, filename="small.xlsx", limits=Limits(max_rows=10), out_dir=tmp_path).rows == 0
    wb = openpyxl.Workbook()
    for i in range(30):
        wb.active.append([f"r{i}", i])  # type: ignore[union-attr]
    wb.save(declared := tmp_path / "declared.xlsx")
    exc = refuse(declared, out, Limits(max_rows=10))
    assert exc.reason == "too_many_rows" and "reaches row 30; at most 10 rows" in exc.message
    # neither <dimension> nor r= positions: only the child's counting can see the size
    exc = refuse(hostile.wide_rows_xlsx(tmp_path / "long.xlsx", 20, 5), out, Limits(max_rows=10))
    assert exc.reason == "too_many_rows" and "more than 10 data rows" in exc.message
    exc = refuse(hostile.wide_rows_xlsx(tmp_path / "wide.xlsx", 2, 250), out)
    assert exc.reason == "too_many_columns" and "row 1 of sheet 'S' has a value in column IP" in exc.message


@pytest.mark.parametrize(
    ("cell", "reason", "says"),
    [
        ("<c r = 'XFD1'><v>1</v></c>", "too_many_columns", "reaches column XFD"),  # unusual spelling
        ('<c\n  r="A&#57;999999"><v>1</v></c>', "damaged", "malformed cell position"),  # a character reference
        ('<x:c r="IV1"><x:v>1</x:v></x:c>', "too_many_columns", "reaches column IV (256)"),  # a namespace prefix
        ("bin", "too_many_columns", "reaches column XFD"),  # the sheet part not named .xml
        ("utf16", "damaged", "xl/worksheets/sheet1.xml is not UTF-8 XML"),  # UTF-16 hides from a byte scan
    ],
    ids=["spelling", "char-ref", "prefix", "part-name", "utf-16"],
)
def test_the_position_scan_is_not_fooled(tmp_path, cell, reason, says):
    (out := tmp_path / "out").mkdir()
    far = '<c r="XFD1"><v>1</v></c>'
    sheet = hostile.sheet_xml([hostile.row(1, hostile.text("A1", "a"), far if cell in ("bin", "utf16") else cell)])
    parts = hostile.xlsx_parts({"S": sheet})
    if cell == "bin":
        renamed = {k: k.replace("sheet1.xml", "sheet1.bin") for k in parts}
        parts = {renamed[k]: v.replace(b"sheet1.xml", b"sheet1.bin") for k, v in parts.items()}
    if cell == "utf16":
        parts["xl/worksheets/sheet1.xml"] = sheet.replace('"UTF-8"', '"UTF-16"').encode("utf-16")
    parts["xl/media/image1.png"] = b"\x89PNG\r\n\x1a\n<\0" + bytes(range(256)) * 4  # binary parts are skipped
    exc = refuse(hostile.write_zip(tmp_path / "odd.xlsx", parts), out)
    assert exc.reason == reason and says in exc.message


@pytest.mark.parametrize(
    ("data", "limits", "reason", "says"),
    [
        (b"a,b\nx,0123456789012\n", Limits(max_cell_chars=10), "cell_too_long", "line 2 is longer than 10 characters"),
        (b'a,b\nx,"never closed\n', Limits(max_cell_chars=10), "cell_too_long", "missing closing double quote"),
        (b"\n \n,,\n", None, "empty", "has no header row"),
    ],
    ids=["long-value", "unclosed-quote", "no-header"],
)
def test_csv_values_and_header(tmp_path, data, limits, reason, says):
    (out := tmp_path / "out").mkdir()
    (path := tmp_path / "v.csv").write_bytes(data)
    exc = refuse(path, out, limits)
    assert exc.reason == reason and says in exc.message


def test_child_over_its_memory_limit_is_refused_and_the_caller_lives(tmp_path):
    (out := tmp_path / "out").mkdir()
    limits = Limits(memory_bytes=180 * 2**20)  # the child needs about 150 MiB for Python and openpyxl
    small = hostile.many_strings_xlsx(tmp_path / "small.xlsx", 1_000)
    assert read_table(small, filename="small.xlsx", limits=limits, out_dir=tmp_path).rows == 1
    # a valid workbook whose 300,000 distinct texts (which openpyxl holds in memory) need more than that
    exc = refuse(hostile.many_strings_xlsx(tmp_path / "strings.xlsx", 300_000), out, limits)
    assert exc.reason == "too_complex"
    assert "could not be read within 180 MiB of memory and 120 s" in exc.message and "Split it" in exc.message


def test_child_over_its_time_limit_is_killed(tmp_path):
    path = hostile.normal_xlsx(tmp_path / "slow.xlsx")
    (out := tmp_path / "out").mkdir()
    exc = refuse(path, out, Limits(seconds=0.05))
    assert exc.reason == "too_complex" and "of memory and 0.05 s" in exc.message


def read(tmp_path: Path, name: str, data: bytes, **kw: object) -> tuple[Table, list[list[str]]]:
    (path := tmp_path / name).write_bytes(data)
    table = read_table(path, filename=name, out_dir=tmp_path, **kw)  # type: ignore[arg-type]
    rows = list(table.iter_rows())
    assert len(rows) == table.rows
    return table, rows


def test_csv_comma_with_quotes_line_breaks_and_short_rows(tmp_path):
    data = b'account,amount,note\r\nSales,"1,000","a ""quoted"" note"\r\nCost,2,"two\nlines"\r\nTax\r\n'
    table, rows = read(tmp_path, "a.csv", data)
    assert table.header == ["account", "amount", "note"] and table.sheet is None and table.encoding == "utf-8"
    assert rows == [["Sales", "1,000", 'a "quoted" note'], ["Cost", "2", "two\nlines"], ["Tax", "", ""]]
    assert table.notes == () and table.header_line == 1


@pytest.mark.parametrize(
    ("data", "header", "rows"),
    [
        (b"Konto;Betrag\nUmsatz;1,5\nKosten;-2\n", ["Konto", "Betrag"], [["Umsatz", "1,5"], ["Kosten", "-2"]]),
        (b"a\tb\n1\t2,5\n", ["a", "b"], [["1", "2,5"]]),
        (b"sep=;\na;b\n1,5;2\n", ["a", "b"], [["1,5", "2"]]),
        (b"\n a , b ,,\n1,2,,\n\n3,,\n,,\n\n", ["a", "b"], [["1", "2"], ["", ""], ["3", ""]]),
        (b"single\nx\ny\n", ["single"], [["x"], ["y"]]),
    ],
    ids=["semicolon", "tab", "sep-line", "blank-lines-and-trailing-separators", "one-column"],
)
def test_csv_delimiters_and_blank_rows(tmp_path, data, header, rows):
    table, got = read(tmp_path, "d.csv", data)
    assert (table.header, got) == (header, rows)


def test_csv_header_after_a_blank_line_reports_its_line(tmp_path):
    table, rows = read(tmp_path, "h.csv", b"\n\na,b\n1,2\n")
    assert table.header_line == 3 and rows == [["1", "2"]]


def test_csv_with_bom_and_in_windows_1252(tmp_path):
    table, rows = read(tmp_path, "bom.csv", "\ufeffcompte,montant\nRéservé,5\n".encode())
    assert table.header == ["compte", "montant"] and rows == [["Réservé", "5"]] and table.encoding == "utf-8-sig"
    table, rows = read(tmp_path, "ansi.csv", "compte;montant\nRéservé;€5\n".encode("cp1252"))
    assert table.header == ["compte", "montant"] and rows == [["Réservé", "€5"]]
    assert table.encoding == "cp1252" and "Windows-1252" in table.notes[0] and "CSV UTF-8" in table.notes[0]


def test_normal_xlsx_rows_read_exactly(tmp_path):
    path = hostile.normal_xlsx(tmp_path / "n.xlsx")
    table = read_table(path, filename="n.xlsx", out_dir=tmp_path)
    assert (table.sheet, table.header_line, table.encoding) == ("Data", 2, None)  # first visible sheet
    assert table.header == ["Account", "Amount", "Date", "Double", "Flag"]
    assert list(table.iter_rows()) == [
        ["Revenue", "1234", "2024-01-01", "2468", "TRUE"],  # formula: its cached value
        ["Cost", "0.3", "2024-01-01 12:00:00", "", "#N/A"],  # no float noise; no cached value → ''
        ["", "", "", "", ""],  # an empty row inside the data is kept; the trailing ones are dropped
        ["Tax", "-0.0015", "", "Tax!", "FALSE"],
        ["Big", "1e+20", "12345678901234567890", "", ""],
    ]
    assert table.rows == 5
    hidden = read_table(path, filename="n.xlsx", sheet="Hidden", out_dir=tmp_path)
    assert (hidden.header, hidden.rows) == (["secret"], 0)
    table.discard()
    assert not table.rows_path.exists()


def test_unknown_sheet_is_refused_naming_the_sheets(tmp_path):
    (out := tmp_path / "out").mkdir()
    exc = refuse(hostile.normal_xlsx(tmp_path / "n.xlsx"), out, sheet="Budget")
    assert exc.reason == "no_sheet" and "has no sheet named 'Budget'; its sheets are 'Hidden', 'Data'" in exc.message


def test_workbook_written_by_openpyxl(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Entity", "Period", "Value", "Share"])
    ws.append(["E1", date(2025, 3, 31), 1500, 0.1 + 0.2])
    ws.append(["E2", datetime(2025, 4, 1, 8, 30), -7.25, 1 / 3])
    wb.save(path := tmp_path / "written.xlsx")
    table = read_table(path, filename="written.xlsx", out_dir=tmp_path)
    assert list(table.iter_rows()) == [
        ["E1", "2025-03-31", "1500", "0.3"],
        ["E2", "2025-04-01 08:30:00", "-7.25", "0.333333333333333"],
    ]


def test_csv_content_is_read_whatever_the_extension(tmp_path):
    table, rows = read(tmp_path, "export.xls", b"a\tb\n1\t2\n")  # old systems name TSV text .xls
    assert table.header == ["a", "b"] and rows == [["1", "2"]]
    table, rows = read(tmp_path, "mz.csv", b"MZone,b\n1,2\n")  # "MZ" alone does not make a program
    assert table.header == ["MZone", "b"] and rows == [["1", "2"]]
