"""`opencorpo import` and `opencorpo export`: the same checks and jobs as the API, with one-line errors."""

from __future__ import annotations

import json

import openpyxl
import pytest

from opencorpo.cli import main
from tests.dataio.test_imports import MAPPING, text
from tests.planning.test_cells import value

pytestmark = pytest.mark.django_db


def test_import_and_export_from_the_command_line(cube, tmp_path, capsys):
    (tmp_path / "mapping.json").write_text(json.dumps(MAPPING))
    (tmp_path / "good.csv").write_bytes(text([["SALES", "E1", "2026-01", "42"]]))
    (tmp_path / "bad.csv").write_bytes(text([["SALES", "E9", "2026-01", "1"]]))
    common = ["--model", "acme", "--cube", "pl", "--mapping", str(tmp_path / "mapping.json")]
    assert main(["import", str(tmp_path / "good.csv"), *common]) == 0
    assert value(cube, "SALES", "E1", "2026-01", "actual") == 42.0
    assert main(["import", str(tmp_path / "bad.csv"), *common]) == 2
    err = capsys.readouterr().err
    assert "line 2: Entity 'E9': entity has no member 'E9'" in err and "opencorpo: 1 row(s) of bad.csv" in err
    query = {
        "rows": [{"dimension": "account", "members": ["SALES"]}],
        "columns": [{"dimension": "time", "members": ["2026-01"]}],
        "filters": {"entity": "E1", "version": "actual"},
    }
    (tmp_path / "query.json").write_text(json.dumps(query))
    out = tmp_path / "out.xlsx"
    assert main(["export", str(out), "--model", "acme", "--cube", "pl", "--query", str(tmp_path / "query.json")]) == 0
    sheet = openpyxl.load_workbook(out).active
    assert 42 in [cell.value for row in sheet.iter_rows() for cell in row]
    assert main(["import", str(tmp_path / "missing.csv"), *common]) == 2
    assert "missing.csv" in capsys.readouterr().err
