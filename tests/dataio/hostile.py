"""Builds the small hostile, invalid and normal upload files the reading tests use, in a folder at test time.

Workbooks are written part by part with `zipfile`, sheet XML by hand, so each file is exactly the attack it names.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def sheet_xml(rows: list[str], dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{dim}<sheetData>{"".join(rows)}</sheetData></worksheet>'
    )


def row(r: int | None, *cells: str) -> str:
    return f'<row r="{r}">{"".join(cells)}</row>' if r is not None else f"<row>{''.join(cells)}</row>"


def num(ref: str, v: object, style: int = 0) -> str:
    return f'<c r="{ref}" s="{style}"><v>{v}</v></c>'


def text(ref: str, s: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{s}</t></is></c>'


HIDDEN = ' state="hidden"'
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {NS}><fonts count="1"><font/></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/>'
    '<xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>'
)


def xlsx_parts(sheets: dict[str, str], shared: str | None = None, hidden: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The parts of a minimal valid workbook; `sheets` maps titles to sheet XML."""
    over = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared is not None:
        over += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
        '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        f'"/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType='
        f'"{CT}.styles+xml"/>{over}</Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
        f'org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} {RNS}><sheets>'
        + "".join(
            f'<sheet name="{t}" sheetId="{i}" r:id="rId{i}"{HIDDEN if t in hidden else ""}/>'
            for i, t in enumerate(sheets, 1)
        )
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        + f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>'
        + (f'<Relationship Id="rIdT" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>' if shared else "")
        + "</Relationships>",
        "xl/styles.xml": STYLES,
    }
    for i, xml in enumerate(sheets.values(), 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    return {k: v.encode() for k, v in parts.items()}


def write_zip(path: Path, parts: dict[str, bytes], *, encrypt: str | None = None) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    data = bytearray(buf.getvalue())
    if encrypt:  # zipfile cannot encrypt: set the "encrypted" flag of that entry's local and central headers
        for sig, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
            at = data.find(sig)
            while at >= 0:
                if data[at + name_at : at + name_at + len(encrypt)] == encrypt.encode():
                    data[at + flag_at] |= 1
                at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))
    return path


def shared_strings(strings: list[str], dtd: str = "") -> str:
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?>{dtd}<sst {NS} count="{len(strings)}">{items}</sst>'


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(2, 10))
    + "]>"
)


def simple_sheet() -> str:
    return sheet_xml([row(1, text("A1", "Account"), text("B1", "Amount")), row(2, text("A2", "Sales"), num("B2", 5))])


def build(folder: Path) -> dict[str, Path]:
    """Every hostile file by name."""
    f: dict[str, Path] = {}
    big = folder / "big.csv"
    with big.open("wb") as fh:
        fh.write(b"a,b\n")
        fh.truncate(3 * 2**20)
    f["oversized"] = big
    f["pdf"] = folder / "report.csv"
    f["pdf"].write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n" + b"x" * 500)
    rnd = random.Random(7)  # noqa: S311 (reproducible junk, not secrets)
    f["binary"] = folder / "data.csv"
    f["binary"].write_bytes(b"\x00\x03" + bytes(rnd.randrange(256) for _ in range(4000)))
    f["xls"] = folder / "old.xls"
    f["xls"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    f["exe"] = folder / "setup.csv"
    f["exe"].write_bytes(b"MZ\x90\x00" + bytes(200))
    f["xlsm"] = write_zip(folder / "macro.xlsm", xlsx_parts({"S": simple_sheet()}))
    parts = xlsx_parts({"S": simple_sheet()})
    f["vba"] = write_zip(folder / "vba.xlsx", {**parts, "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(100)})
    f["ratio"] = write_zip(folder / "ratio.xlsx", {**parts, "xl/media/image1.png": bytes(20 * 2**20)})
    f["total"] = write_zip(folder / "total.xlsx", {**parts, "xl/media/image1.png": os.urandom(600 * 1024)})
    many = {f"xl/media/i{i}.png": b"x" for i in range(1001)}
    f["entries"] = write_zip(folder / "entries.xlsx", {**parts, **many})
    f["traversal"] = write_zip(folder / "traversal.xlsx", {**parts, "../../etc/cron.d/evil": b"x"})
    f["absolute"] = write_zip(folder / "absolute.xlsx", {**parts, "/etc/evil.xml": b"<x/>"})
    f["encrypted"] = write_zip(folder / "encrypted.xlsx", parts, encrypt="xl/worksheets/sheet1.xml")
    far = sheet_xml([row(1, num("A1", 1)), row(1048576, num("XFD1048576", 2))], dimension="A1:XFD1048576")
    f["farcell"] = write_zip(folder / "farcell.xlsx", xlsx_parts({"S": far}))
    far2 = sheet_xml([row(1, num("A1", 1)), row(1048576, num("XFD1048576", 2))])
    f["farcell_nodim"] = write_zip(folder / "farcell2.xlsx", xlsx_parts({"S": far2}))
    long = "".join(rnd.choice("abcdefghij") for _ in range(1_000_000))
    refs = [row(i, f'<c r="A{i}" t="s"><v>0</v></c>') for i in range(1, 12_001)]
    f["sst_bomb"] = write_zip(folder / "sst.xlsx", xlsx_parts({"S": sheet_xml(refs)}, shared=shared_strings([long])))
    bomb_sst = shared_strings(["&lol9;"], dtd=LAUGHS)
    sst_sheet = sheet_xml([row(1, '<c r="A1" t="s"><v>0</v></c>')])
    f["laughs_sst"] = write_zip(folder / "laughs.xlsx", xlsx_parts({"S": sst_sheet}, shared=bomb_sst))
    laughs_sheet = sheet_xml([row(1, text("A1", "&lol9;"))]).replace("?><worksheet", "?>" + LAUGHS + "<worksheet", 1)
    f["laughs_sheet"] = write_zip(folder / "laughs2.xlsx", xlsx_parts({"S": laughs_sheet}))
    f["nul"] = folder / "nul.csv"
    f["nul"].write_bytes(b"account,amount\nsales,1\ncost,\x002\n")
    f["ragged"] = folder / "ragged.csv"
    f["ragged"].write_bytes(b"account,amount\nsales,1\ncost,1,000\n")
    f["duplicate"] = folder / "dup.csv"
    f["duplicate"].write_bytes(b"account,Amount,amount\nsales,1,2\n")
    f["blank_header"] = folder / "blank.csv"
    f["blank_header"].write_bytes(b"account,,amount\nsales,1,2\n")
    return f


def wide_rows_xlsx(path: Path, rows: int, cols: int) -> Path:
    """A sheet with neither a dimension nor r= positions, so only the child's own counting can stop it."""
    body = [row(None, *(f"<c><v>{r * cols + c}</v></c>" for c in range(cols))) for r in range(rows)]
    return write_zip(path, xlsx_parts({"S": sheet_xml(body)}))


def many_strings_xlsx(path: Path, count: int) -> Path:
    """A valid workbook whose shared-string table (which openpyxl loads whole) needs a lot of memory."""
    strings = [os.urandom(32).hex() for _ in range(count)]
    sheet = sheet_xml([row(1, '<c r="A1" t="s"><v>0</v></c>'), row(2, f'<c r="A2" t="s"><v>{count - 1}</v></c>')])
    return write_zip(path, xlsx_parts({"S": sheet}, shared=shared_strings(strings)))


def normal_xlsx(path: Path) -> Path:
    """Numbers, dates, text, booleans, errors and formulas' cached values; a hidden first sheet; header on row 2."""
    shared = shared_strings(["Account", "Amount", "Revenue"])
    data = sheet_xml(
        [
            row(
                2,
                '<c r="A2" t="s"><v>0</v></c>',
                '<c r="B2" t="s"><v>1</v></c>',
                text("C2", "Date"),
                text("D2", "Double"),
                text("E2", "Flag"),
            ),
            row(
                3,
                '<c r="A3" t="s"><v>2</v></c>',
                num("B3", 1234),
                num("C3", 45292, 1),
                '<c r="D3"><f>B3*2</f><v>2468</v></c>',
                '<c r="E3" t="b"><v>1</v></c>',
            ),
            row(
                4,
                text("A4", "Cost"),
                num("B4", 0.30000000000000004),
                num("C4", 45292.5, 2),
                '<c r="D4"><f>B4*2</f></c>',
                '<c r="E4" t="e"><v>#N/A</v></c>',
            ),
            row(5),
            row(
                6,
                text("A6", "Tax"),
                num("B6", "-1.5E-3"),
                '<c r="D6" t="str"><f>A6&amp;"!"</f><v>Tax!</v></c>',
                '<c r="E6" t="b"><v>0</v></c>',
            ),
            row(7, text("A7", "Big"), num("B7", "1E+20"), num("C7", "12345678901234567890")),
            row(9, '<c r="G9" s="1"/>'),
            row(10),
        ],
        dimension="A2:G10",
    )
    hidden = sheet_xml([row(1, text("A1", "secret"))])
    return write_zip(path, xlsx_parts({"Hidden": hidden, "Data": data}, shared=shared, hidden=("Hidden",)))
