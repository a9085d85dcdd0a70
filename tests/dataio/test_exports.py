"""Exports (XLSX, CSV) and planning templates: recalculated by a real spreadsheet, injection-safe, streamed."""

from __future__ import annotations

import csv
import inspect
import io
import shutil
import subprocess
import tracemalloc
from collections.abc import Iterator, Sequence
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from opencorpo.dataio.csvout import csv_rows, neutralise
from opencorpo.dataio.excel import Line, Sheet, formula, write_xlsx
from opencorpo.dataio.template import TemplateError, read_template, write_template

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＠SUM(A1)"]


def recalculated(path: Path, tmp_path: Path) -> openpyxl.Workbook:
    """Open `path` in headless LibreOffice (fresh profile, recalculation on load forced) and return its values."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is needed: apt-get install -y --no-install-recommends libreoffice-calc-nogui"
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
    out = tmp_path / "recalculated"
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx"]
    subprocess.run(
        [*command, "--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return openpyxl.load_workbook(out / path.name, data_only=True)


def safe_rows(path: Path, sheet: str) -> list[list[str]]:
    """Rows of strings the way the hostile-file-safe reader returns them (numbers as shortest text at 15 digits,
    '' for empty, trailing empties dropped), with its rules: the first row is a header of distinct names, and no
    row below it is wider."""

    def text(v: object) -> str:
        if isinstance(v, float):
            r = float(f"{v:.15g}")
            return str(int(r)) if r.is_integer() else repr(r)
        return "" if v is None else str(v)

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [[text(v) for v in row] for row in workbook[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    names = [name.strip().casefold() for name in rows[0]]
    assert all(names) and len(set(names)) == len(names), f"{sheet}: row 1 is not a header: {rows[0]}"
    assert all(len(row) <= len(names) for row in rows), f"{sheet}: a row is wider than the header"
    return rows


def plan_sheet() -> Sheet:
    """A P&L: contiguous SUM parents, a parent after its children, a weighted +/- margin and a weighted ratio."""
    lines = (
        Line(("Revenue",), 0, (600.0, 660.0), "#,##0", children=((1, 1), (2, 1), (3, 1))),  # row 5 = SUM(C6:C8)
        Line(("Product A",), 1, (100.0, 110.0), "#,##0"),
        Line(("Product B",), 1, (200.0, 220.0), "#,##0"),
        Line(("Product C",), 1, (300.0, 330.0), "#,##0"),
        Line(("Salaries",), 1, (150.0, 160.0), "#,##0.00"),
        Line(("Rent",), 1, (50.0, None), "#,##0.00"),
        Line(("Costs",), 0, (200.0, 160.0), "#,##0.00", children=((4, 1), (5, 1))),  # parent after its children
        Line(("Margin",), 0, (400.0, 500.0), "#,##0", children=((0, 1), (6, -1))),
        Line(("Margin share A",), 1, (0.25, 0.2), "0.0%"),
        Line(("Margin share B",), 1, (0.5, 0.4), "0.0%"),
        Line(("Blended share",), 0, (None, None), "0.0%", children=((8, 0.75), (9, 0.25))),  # no cached value given
    )
    return Sheet("P&L 2025", ("Account",), ("Jan", "Feb"), lines, filters=(("Version", "Budget"),))


def test_formulas_are_sums_of_contiguous_children_else_weighted_terms():
    assert formula(((2, 1), (0, 1), (1, 1)), 4, 2) == "=SUM(C5:C7)"
    assert formula(((0, 1), (1, 1), (4, -1)), 4, 2) == "=C5+C6-C9"
    assert formula(((3, -1), (5, 0.5)), 4, 27) == "=-AB8+0.5*AB10"
    assert formula(((0, 1),), 4, 2) == "=C5"


def test_libreoffice_recalculates_the_exported_totals_and_they_follow_a_changed_child(tmp_path):
    # The harness itself: a wrong cached value must be replaced by the recalculated one.
    probe = tmp_path / "probe.xlsx"
    book = xlsxwriter.Workbook(str(probe))
    sheet = book.add_worksheet()
    sheet.write_number(0, 0, 1)
    sheet.write_number(1, 0, 2)
    sheet.write_formula(2, 0, "=SUM(A1:A2)", None, 99)
    book.close()
    assert recalculated(probe, tmp_path / "probe")["Sheet1"]["A3"].value == 3

    path = tmp_path / "plan.xlsx"
    write_xlsx(plan_sheet(), path)
    plan = openpyxl.load_workbook(path)["P&L 2025"]
    formulas = [plan[f"B{r}"].value for r in (4, 10, 11, 14)]
    assert formulas == ["=SUM(B5:B7)", "=SUM(B8:B9)", "=B4-B10", "=0.75*B12+0.25*B13"]
    values = recalculated(path, tmp_path / "first")["P&L 2025"]
    totals = {r: (values[f"B{r}"].value, values[f"C{r}"].value) for r in (4, 10, 11, 14)}
    assert totals[4] == (600, 660)
    assert totals[10] == (200, 160)
    assert totals[11] == (400, 500)
    assert totals[14] == pytest.approx((0.75 * 0.25 + 0.25 * 0.5, 0.75 * 0.2 + 0.25 * 0.4))

    book = openpyxl.load_workbook(path)  # a user changes Product B in January and Rent in February
    book["P&L 2025"]["B6"] = 1200
    book["P&L 2025"]["C9"] = 40
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    values = recalculated(edited, tmp_path / "second")["P&L 2025"]
    assert (values["B4"].value, values["B11"].value) == (1600, 1400)  # revenue and margin follow the child
    assert (values["C10"].value, values["C11"].value) == (200, 460)
    assert values["B14"].number_format == "0.0%"


def test_hostile_labels_are_text_in_xlsx_and_numbers_stay_numbers(tmp_path):
    lines = tuple(Line(("Entity", label), 1, (1.5, -2.0)) for label in HOSTILE)
    sheet = Sheet("=cmd|' /C calc'!A0", ("Entity", "Account"), ("-1", "@Jan"), lines, filters=(("Version", "=1+1"),))
    path = tmp_path / "hostile.xlsx"
    write_xlsx(sheet, path)
    ws = openpyxl.load_workbook(path).active
    assert (ws["A1"].data_type, ws["A1"].value) == ("s", "=cmd|' /C calc'!A0")
    assert (ws["B2"].data_type, ws["B2"].value, ws["B2"].quotePrefix) == ("s", "=1+1", True)
    assert [(ws.cell(3, c).data_type, ws.cell(3, c).value) for c in (3, 4)] == [("s", "-1"), ("s", "@Jan")]
    for row, label in enumerate(HOSTILE, start=4):
        assert (ws.cell(row, 2).data_type, ws.cell(row, 2).value) == ("s", label.replace("\r", "\n"))
        assert [(ws.cell(row, c).data_type, ws.cell(row, c).value) for c in (3, 4)] == [("n", 1.5), ("n", -2)]
    assert not any(cell.data_type == "f" for row in ws.iter_rows() for cell in row)


def test_hostile_labels_get_an_apostrophe_in_csv_and_numbers_stay_numbers():
    lines = tuple(Line(("Entity", label), 1, (1.5, -2.0)) for label in HOSTILE)
    sheet = Sheet("t", ("Entity", "Account"), ("-1", "Feb"), lines)
    rows = list(csv.reader(io.StringIO("".join(csv_rows(sheet)))))
    assert rows[0] == ["Entity", "Account", "'-1", "Feb"]
    assert [row[1] for row in rows[1:]] == ["'" + label for label in HOSTILE]
    assert all(row[2:] == ["1.5", "-2"] for row in rows[1:])
    assert neutralise("Revenue - Net") == "Revenue - Net"
    assert neutralise("-") == "'-"


def test_frozen_panes_number_formats_indentation_and_bold_header(tmp_path):
    out = io.BytesIO()
    write_xlsx(plan_sheet(), out)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["P&L 2025"]
    assert ws.freeze_panes == "B4"
    assert [ws.cell(3, c).value for c in (1, 2, 3)] == ["Account", "Jan", "Feb"]
    assert all(ws.cell(3, c).font.bold for c in (1, 2, 3))
    assert (ws["A2"].value, ws["B2"].value) == ("Version", "Budget")
    assert [ws[f"A{r}"].alignment.indent for r in (4, 5, 10)] == [0, 1, 0]
    assert [ws[f"B{r}"].number_format for r in (4, 8, 12)] == ["#,##0", "#,##0.00", "0.0%"]
    assert ws["B5"].value == 100 and ws["B5"].data_type == "n"
    assert ws["C9"].value is None  # an empty value is a blank cell


def template_sheet() -> Sheet:
    def leaf(name: str, values: tuple[float | None, float | None], stamps: tuple[str, str]) -> Line:
        return Line(("Budget", name), 1, values, "#,##0", editable=(True, True), stamps=stamps)

    lines = (
        Line(("Budget", "Revenue"), 0, (300.0, 330.0), "#,##0", children=((1, 1), (2, 1))),
        leaf("Product A", (100.0, 110.0), ("a1:7", "a2:7")),
        leaf("Product B", (200.0, None), ("b1:3", "b2:0")),
        Line(("Budget", "Growth"), 1, (0.1, 0.2), "0.0%", editable=(False, False), stamps=(None, None)),
    )
    return Sheet("Sales plan", ("Version", "Account"), ("Jan", "Feb"), lines, filters=(("Entity", "FR"),))


META = {"model": "acme", "cube": "sales", "data_version": "42", "downloaded": "2025-01-31T10:00:00Z", "user": "=ann"}


def test_template_protects_all_but_the_input_cells_and_hides_its_meta(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(template_sheet(), path, meta=META)
    book = openpyxl.load_workbook(path)
    plan, meta = book["Plan"], book["_meta"]
    assert plan.protection.sheet and not plan.protection.password
    assert meta.sheet_state == "veryHidden"
    assert [plan.cell(1, c).value for c in range(1, 5)] == ["Version", "Account", "Jan", "Feb"]
    assert plan.freeze_panes == "C2" and "Entity: FR" in plan["A1"].comment.text
    inputs = {"C3", "D3", "C4", "D4"}
    for row in plan.iter_rows():
        for cell in row:
            assert cell.protection.locked == (cell.coordinate not in inputs), cell.coordinate
    assert plan["D4"].value is None and plan["D4"].fill.fgColor.rgb.endswith("FFF2CC")
    assert plan["C2"].value == "=SUM(C3:C4)"


def test_template_round_trip_returns_exactly_the_edited_cells(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(template_sheet(), path, meta=META)
    book = openpyxl.load_workbook(path)
    book["Plan"]["C4"] = 250.5
    book["Plan"]["D4"] = 12
    book["Plan"]["C5"] = 999  # a locked cell: not an input, ignored
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    upload = read_template(safe_rows(edited, "Plan"), safe_rows(edited, "_meta"))
    assert upload.meta == META
    assert len(upload.cells) == 4
    changes = {(c.stamp, c.value, c.original) for c in upload.changes()}
    assert changes == {("b1:3", 250.5, 200.0), ("b2:0", 12.0, None)}
    unchanged = read_template(safe_rows(path, "Plan"), safe_rows(path, "_meta"))
    assert unchanged.changes() == [] and {c.stamp for c in unchanged.cells} == {"a1:7", "a2:7", "b1:3", "b2:0"}


def test_bad_templates_raise_a_template_error_naming_the_problem(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(template_sheet(), path, meta=META)
    values, meta = safe_rows(path, "Plan"), safe_rows(path, "_meta")

    typed = [list(row) for row in values]
    typed[2][2] = "abc"
    typed[3].append("1,5x")  # D4 was empty: the reader dropped it
    with pytest.raises(TemplateError, match=r"C3: 'abc' is not a number; D4: '1,5x' is not a number") as caught:
        read_template(typed, meta)
    assert isinstance(caught.value, ValueError) and len(caught.value.problems) == 2

    inserted = [*values[:3], ["Budget", "Product X", "5", "5"], *values[3:]]
    with pytest.raises(TemplateError, match="layout"):
        read_template(inserted, meta)
    renamed = [list(row) for row in values]
    renamed[3][1] = "Product Z"
    with pytest.raises(TemplateError, match="layout"):
        read_template(renamed, meta)
    with pytest.raises(TemplateError, match="_meta"):
        read_template(values, [])
    with pytest.raises(TemplateError, match="_meta"):
        read_template(values, [row for row in meta if row[:2] != ["layout", "digest"]])
    with pytest.raises(TemplateError, match="_meta"):
        read_template(values, [*meta, ["cell", "C3", "x", "oops"]])
    with pytest.raises(ValueError, match="distinct"):
        write_template(Sheet("t", ("Jan",), ("jan",), ()), tmp_path / "bad.xlsx", meta={})


class LazyLines(Sequence[Line]):
    """200k lines made on demand: the export must not need them all at once."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.furthest = -1  # the furthest line read so far

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if not 0 <= index < self.count:
            raise IndexError(index)
        self.furthest = max(self.furthest, index)
        return Line((f"Entity {index % 97}", f"=Account {index}"), 1, (index * 1.25, None, -float(index)))

    def __iter__(self) -> Iterator[Line]:
        return (self[i] for i in range(self.count))


def test_csv_of_200k_lines_streams_without_building_the_text():
    sheet = Sheet("big", ("Entity", "Account"), ("Jan", "Feb", "Mar"), LazyLines(200_000))
    stream = csv_rows(sheet)
    assert inspect.isgenerator(stream)
    assert next(stream).startswith("Entity,Account,Jan") and next(stream) and sheet.lines.furthest == 0  # lazily
    tracemalloc.start()
    try:
        count = size = 0
        for index, line in enumerate(stream):
            if index == 5:
                assert line == "Entity 6,'=Account 6,7.5,,-6\r\n"
            count, size = count + 1, size + len(line.encode())  # the text is dropped as it would be sent
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_001 - 2 and size > 7_000_000
    assert peak < 1_000_000, f"peak {peak:,} bytes for {size:,} bytes of CSV"
    header = next(csv_rows(sheet, bom=True))
    assert header == "\ufeffEntity,Account,Jan,Feb,Mar\r\n"


def test_xlsx_export_streams_rows_to_disk(tmp_path):
    sheet = Sheet("big", ("Entity", "Account"), ("Jan", "Feb", "Mar"), LazyLines(5_000))
    tracemalloc.start()
    try:
        write_xlsx(sheet, tmp_path / "big.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_500_000, f"peak {peak:,} bytes: rows were kept in memory"
    ws = openpyxl.load_workbook(tmp_path / "big.xlsx", read_only=True).active
    assert list(ws.iter_rows(min_row=5002, values_only=True)) == [("Entity 52", "=Account 4999", 6248.75, None, -4999)]
