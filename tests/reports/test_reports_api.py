"""The reports API end to end: standard reports made lazily, saving and sharing, roles, and report data that
always comes from the grid with the reader's own access."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from opencorpo.accounts.roles import Role
from opencorpo.reports.models import Dashboard, Report
from opencorpo.reports.services import reports_defaults
from tests.accounts.test_access import grant
from tests.factories import make_user

pytestmark = pytest.mark.django_db
API = "/api/v1/models/acme"
QUERY = {
    "rows": [{"dimension": "account", "members": ["REV", "COST", "NI"]}],
    "columns": [{"dimension": "version", "members": ["actual", "budget"]}],
    "filters": {"time": "2026-01"},
    "variance": {"version": "actual", "reference": "budget"},
}


def login(username: str, role: Role | None) -> Client:
    client = Client()
    client.force_login(make_user(username, role))
    return client


def send(client: Client, method: str, path: str, body: object):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def test_standard_reports_and_overview_are_made_when_first_listed(cube):
    assert not Report.objects.exists()
    answer = login("vic", Role.VIEWER).get(f"{API}/reports/")
    assert answer.status_code == 200
    codes = {r["code"] for r in answer.json()}
    assert {"income-statement", "budget-vs-actual", "rolling-forecast", "variance-bridge", "variance-heatmap"} <= codes
    overview = Dashboard.objects.get(model=cube.model, code="overview")
    assert overview.items[0]["report"] == "variance-bridge"
    reports_defaults(cube.model)  # a second call changes nothing
    assert Report.objects.filter(model=cube.model).count() == len(codes)


def test_bridge_steps_carry_their_sign_in_the_total(cube):
    reports_defaults(cube.model)
    chart = Report.objects.get(code="variance-bridge").definition["chart"]
    assert chart["total"] == "NI"
    assert chart["steps"] == [{"account": "REV", "sign": 1.0}, {"account": "COST", "sign": -1.0}]


def test_budget_vs_actual_data_has_variance_and_favourable(cube):
    client = login("pia", Role.PLANNER)
    client.get(f"{API}/reports/")
    data = client.get(f"{API}/reports/budget-vs-actual/data").json()
    rows = [h[0]["code"] for h in data["rows"]["headers"]]
    assert rows == ["REV", "COST", "NI"]
    revenue = data["variance"]["absolute"][0][0]
    assert revenue == pytest.approx(0.1 * 95.0 * 6 * 2)  # (100 − 5) × (1 + 2 + 3) × two months, 10 % above
    assert data["variance"]["favourable"][0][0] is True
    assert data["variance"]["favourable"][1][0] is False  # costs above budget


def test_restricted_reader_never_sees_hidden_members(cube):
    reports_defaults(cube.model)
    viewer = make_user("eve", Role.VIEWER)
    grant(cube, viewer, "entity", "EAST", "read")
    client = Client()
    client.force_login(viewer)
    data = client.get(f"{API}/reports/entity-bars/data").json()
    assert [h[0]["code"] for h in data["rows"]["headers"]] == ["EAST"]
    heat = client.get(f"{API}/reports/variance-heatmap/data").json()
    assert [h[0]["code"] for h in heat["variance"]["rows"]["headers"]] == ["EAST"]
    assert "WEST" not in json.dumps(heat) and "W1" not in json.dumps(heat)
    # The same report read by a planner with full access shows both regions: nothing is shared between readers.
    full = login("pia", Role.PLANNER).get(f"{API}/reports/entity-bars/data").json()
    assert [h[0]["code"] for h in full["rows"]["headers"]] == ["EAST", "WEST"]


def test_planner_saves_a_private_report_and_shares_it(cube):
    planner, viewer = login("pia", Role.PLANNER), login("vic", Role.VIEWER)
    body = {"code": "my-pl", "name": "My P&L", "cube": "pl", "definition": {"query": QUERY}}
    created = send(planner, "post", f"{API}/reports/", body)
    assert created.status_code == 201, created.json()
    assert created.json()["created_by"] == "pia" and created.json()["editable"] is True
    assert viewer.get(f"{API}/reports/my-pl").status_code == 404  # private until shared
    assert send(planner, "patch", f"{API}/reports/my-pl", {"shared": True}).status_code == 200
    seen = viewer.get(f"{API}/reports/my-pl").json()
    assert seen["editable"] is False
    assert send(viewer, "patch", f"{API}/reports/my-pl", {"name": "Mine"}).status_code == 403
    assert send(planner, "post", f"{API}/reports/", body).status_code == 409
    assert planner.delete(f"{API}/reports/my-pl").status_code == 204


def test_saving_checks_roles_and_the_query(cube):
    body = {"code": "x", "name": "X", "cube": "pl", "definition": {"query": QUERY}}
    assert send(login("vic", Role.VIEWER), "post", f"{API}/reports/", body).status_code == 403
    assert login("nobody", None).get(f"{API}/reports/").status_code in (403, 404)
    planner = login("pia", Role.PLANNER)
    bad = {**body, "definition": {"query": {"rows": [{"dimension": "account"}], "columns": []}}}
    assert send(planner, "post", f"{API}/reports/", bad).status_code == 400
    assert send(planner, "post", f"{API}/reports/", {**body, "definition": {}}).status_code == 400


@pytest.mark.parametrize("role", [Role.VIEWER, Role.APPROVER])
def test_a_reader_who_saves_a_report_is_told_who_may(cube, role):
    body = {"code": "x", "name": "X", "cube": "pl", "definition": {"query": QUERY}}
    refused = send(login("rea", role), "post", f"{API}/reports/", body)
    assert refused.status_code == 403
    message = refused.json()["error"]["message"]
    assert message.startswith("Only planners, modellers and administrators save reports;"), message
    assert "enter values" not in message
    assert not Report.objects.filter(code="x").exists()


def test_dashboards_are_changed_by_modellers_only(cube):
    planner, modeller = login("pia", Role.PLANNER), login("mo", Role.MODELLER)
    listed = planner.get(f"{API}/dashboards/").json()
    assert [d["code"] for d in listed] == ["overview"]
    body = {"code": "mine", "name": "Mine", "items": [{"report": "budget-vs-actual", "size": "large"}]}
    assert send(planner, "post", f"{API}/dashboards/", body).status_code == 403
    assert send(modeller, "post", f"{API}/dashboards/", body).status_code == 201
    changed = send(modeller, "patch", f"{API}/dashboards/mine", {"name": "Renamed"})
    assert changed.json()["name"] == "Renamed"
    assert modeller.delete(f"{API}/dashboards/mine").status_code == 204
