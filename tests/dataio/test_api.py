"""The data in and out API over HTTP: uploads become jobs, error reports and exports are job files, planning
templates round-trip with conflicts reported instead of overwritten, and imports can be undone."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from opencorpo.accounts.roles import Role
from opencorpo.core.models import Job
from opencorpo.core.services import job_run
from opencorpo.dataio.models import ImportBatch
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.models import Member
from tests.accounts.test_access import grant
from tests.dataio.test_imports import MAPPING, text
from tests.factories import make_user
from tests.planning.test_cells import at, value

pytestmark = pytest.mark.django_db
API = "/api/v1/models/acme"


@pytest.fixture
def planner(cube) -> Client:
    client = Client()
    client.force_login(make_user("pia", Role.PLANNER))
    return client


def upload(client: Client, data: bytes, name: str = "actuals.csv", **fields):
    body = {"file": SimpleUploadedFile(name, data), "mapping": json.dumps(MAPPING), **fields}
    response = client.post(f"{API}/cubes/pl/imports/", body)
    assert response.status_code == 202, response.content
    batch = response.json()
    job_run(batch["job"]["id"])  # what the worker does
    return batch, client.get(f"/api/v1/jobs/{batch['job']['id']}").json()


def test_an_upload_is_a_job_and_a_failed_one_has_an_error_report(planner, cube):
    batch, job = upload(planner, text([["SALES", "E1", "2026-01", "5"], ["NOPE", "E1", "2026-01", "1"]]))
    assert job["status"] == "failed" and job["result"]["files"] == ["errors.csv"]
    report = planner.get(f"/api/v1/jobs/{job['id']}/files/errors.csv")
    assert report.status_code == 200
    assert b"3,Account,NOPE,account has no member 'NOPE'" in b"".join(report.streaming_content)
    assert planner.get(f"/api/v1/jobs/{job['id']}/files/..%2Fsecret").status_code == 404
    batch, job = upload(planner, text([["SALES", "E1", "2026-01", "5"]]))
    assert job["status"] == "succeeded" and value(cube, "SALES", "E1", "2026-01", "actual") == 5.0
    history = planner.get(f"{API}/cubes/pl/imports/").json()
    assert [b["status"] for b in history] == ["applied", "failed"]
    undone = planner.post(f"{API}/imports/{batch['id']}/undo")
    assert undone.status_code == 200 and value(cube, "SALES", "E1", "2026-01", "actual") is None


def test_bad_requests_are_clear_400s(planner):
    response = planner.post(f"{API}/cubes/pl/imports/", {"file": SimpleUploadedFile("a.csv", b"x"), "mapping": "{"})
    assert response.status_code == 400 and "mapping is not valid JSON" in response.json()["error"]["message"]
    response = planner.post(
        f"{API}/cubes/pl/imports/",
        {"file": SimpleUploadedFile("a.csv", b"x"), "mode": "replace", "mapping": json.dumps(MAPPING)},
    )
    assert response.status_code == 400 and "Replace needs a slice" in response.json()["error"]["message"]
    viewer = Client()
    viewer.force_login(make_user("vic", Role.VIEWER))
    assert viewer.post(f"{API}/cubes/pl/imports/", {"file": SimpleUploadedFile("a.csv", b"x")}).status_code == 403


def replace(client: Client, slice_: str):
    body = {"file": SimpleUploadedFile("a.csv", b"x"), "mode": "replace", "mapping": json.dumps(MAPPING)}
    return client.post(f"{API}/cubes/pl/imports/", {**body, "slice": slice_})


@pytest.mark.parametrize(
    ("slice_", "message"),
    [
        ('["time"]', "The slice maps dimensions to lists of member codes"),
        ('{"time": "2026-03"}', "The slice maps dimensions to lists of member codes"),
        ('{"time": []}', "The slice maps dimensions to lists of member codes"),
        ('{"time": [202603]}', "The slice maps dimensions to lists of member codes"),
        ('{"region": ["EAST"]}', "The slice is not valid: Cube 'pl' has no dimension 'region'"),
        ('{"time": ["2026-03", "2099-01"]}', "The slice is not valid: Dimension 'time' has no member '2099-01'"),
    ],
)
def test_a_malformed_slice_is_a_400_when_submitted_and_nothing_is_queued(planner, slice_, message):
    response = replace(planner, slice_)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["message"].startswith(message) and error["fields"] == {"slice": ["not valid"]}
    assert not ImportBatch.objects.exists() and not Job.objects.exists()


def test_a_slice_must_be_open_and_writable_for_the_importer(cube, planner):
    structure.member_update(member=Member.objects.get(dimension__code="time", code="2026-02"), locked=True)
    response = replace(planner, '{"time": ["FY2026-Q1"]}')
    assert response.status_code == 400
    assert "'2026-02' of the slice is locked or not yours to change" in response.json()["error"]["message"]
    eve = make_user("eve", Role.PLANNER)
    grant(cube, eve, "entity", "EAST", "write")
    client = Client()
    client.force_login(eve)
    hidden = replace(client, '{"entity": ["WEST"]}')  # named exactly as a member that does not exist
    assert hidden.status_code == 400 and "has no member 'WEST'" in hidden.json()["error"]["message"]
    assert not ImportBatch.objects.exists() and not Job.objects.exists()
    assert replace(client, '{"entity": ["EAST"], "time": ["2026-03"]}').status_code == 202


def export(client: Client, kind: str, query: dict) -> bytes:
    response = client.post(
        f"{API}/cubes/pl/exports/", {"query": query, "format": kind}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    job = response.json()
    job_run(job["id"])
    job = client.get(f"/api/v1/jobs/{job['id']}").json()
    assert job["status"] == "succeeded", job["error"]
    return b"".join(client.get(f"/api/v1/jobs/{job['id']}/files/{job['result']['files'][0]}").streaming_content)


QUERY = {
    "rows": [{"dimension": "account", "descendants_of": "NI", "include_parent": "before"}],
    "columns": [{"dimension": "time", "members": ["2026-01", "2026-02"]}],
    "filters": {"entity": "E1", "version": "budget"},
}


def test_exports_write_the_grid_with_totals_as_formulas(planner, cube):
    cells_write(cube=cube, cells=[CellWrite(at("SALES"), 100.0), CellWrite(at("RENT"), 30.0)], user=None)
    book = openpyxl.load_workbook(io.BytesIO(export(planner, "xlsx", QUERY)))
    sheet = book.active
    cells = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    net_income = cells["NI Net income"]
    assert str(net_income[1].value).startswith("=")  # a live total, not a number
    csv_text = export(planner, "csv", QUERY).decode()
    assert "SALES Sales,100" in csv_text.replace('"', "")
    bad = planner.post(f"{API}/cubes/pl/exports/", {"query": {"rows": []}}, content_type="application/json")
    assert bad.status_code == 400


def test_a_template_round_trip_writes_changes_and_reports_conflicts(planner, cube):
    cells_write(cube=cube, cells=[CellWrite(at("SALES"), 100.0), CellWrite(at("RENT"), 30.0)], user=None)
    book = openpyxl.load_workbook(io.BytesIO(export(planner, "template", QUERY)))
    plan = book["Plan"]
    rows = {row[0].value: row for row in plan.iter_rows() if row[0].value}
    rows["SALES Sales"][1].value = 120  # January
    rows["RENT Rent"][1].value = 35
    cells_write(cube=cube, cells=[CellWrite(at("RENT"), 31.0)], user=None)  # someone else, after the download
    out = io.BytesIO()
    book.save(out)
    response = planner.post(f"{API}/cubes/pl/templates/", {"file": SimpleUploadedFile("plan.xlsx", out.getvalue())})
    assert response.status_code == 202, response.content
    job_run(response.json()["id"])
    job = planner.get(f"/api/v1/jobs/{response.json()['id']}").json()
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["changed"] == 1 and value(cube, "SALES", "E1", "2026-01") == 120.0
    [conflict] = job["result"]["conflicts"]
    assert (conflict["yours"], conflict["theirs"], conflict["downloaded"]) == (35.0, 31.0, 30.0)
    assert value(cube, "RENT", "E1", "2026-01") == 31.0


def test_an_exported_workbook_recalculated_by_libreoffice_gives_the_api_totals(planner, cube, tmp_path):
    from tests.dataio.test_exports import recalculated

    cells = [
        CellWrite(at(a, e, m), float(v))
        for a, e, m, v in [
            ("SALES", "E1", "2026-01", 100),
            ("DISC", "E1", "2026-01", 7),
            ("RENT", "E1", "2026-01", 30),
            ("WAGES", "E1", "2026-02", 45.5),
            ("SALES", "E2", "2026-02", 10),
        ]
    ]
    cells_write(cube=cube, cells=cells, user=None)
    query = {**QUERY, "filters": {"entity": "EAST", "version": "budget"}}
    api = planner.post(f"{API}/cubes/pl/query", query, content_type="application/json").json()
    path = tmp_path / "export.xlsx"
    path.write_bytes(export(planner, "xlsx", query))
    sheet = recalculated(path, tmp_path).active
    rows = {row[0].value: [cell.value for cell in row[1:3]] for row in sheet.iter_rows() if row[0].value}
    for header, values in zip(api["rows"]["headers"], api["values"], strict=True):
        label = f"{header[0]['code']} {header[0]['name']}"
        assert [v or 0 for v in rows[label]] == pytest.approx([v or 0 for v in values]), label  # NI = 100−7−30 …
