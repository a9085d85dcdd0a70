"""A shared report never carries to a reader the codes of members hidden from them: not in the definitions the
reports API lists and shows, not in the numbers or the error of running it (docs/security.md, reports/redaction.py).

The reader "eve" is a viewer with read access to EAST only: WEST and its entity W1 (and the WORLD total over them)
are hidden from her; the modeller "mo" writes the reports and sees everything."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from opencorpo.accounts.roles import Role
from opencorpo.reports.models import Report
from tests.accounts.test_access import grant
from tests.factories import make_user

pytestmark = pytest.mark.django_db
API = "/api/v1/models/acme"
HIDDEN = ("WEST", "W1")
VERSIONS = {"dimension": "version", "members": ["actual", "budget"]}
FIGURES = {"account": "NI", "time": "2026-01"}


def by_entity(entity: dict[str, Any], filters: dict[str, str] | None = None) -> dict[str, Any]:
    return {"query": {"rows": [entity], "columns": [VERSIONS], "filters": filters or FIGURES}}


# code → (definition the modeller saves, entity selection eve's definition shows (None: left out), her rows)
REPORTS: dict[str, tuple[dict[str, Any], dict[str, Any] | None, list[str] | None]] = {
    "some-hidden": (
        by_entity({"dimension": "entity", "members": ["E1", "W1", "WEST", "E2"]}),
        {"dimension": "entity", "members": ["E1", "E2"]},
        ["E1", "E2"],
    ),
    "all-hidden": (by_entity({"dimension": "entity", "members": ["W1", "WEST"]}), None, None),
    "children-of-hidden": (by_entity({"dimension": "entity", "children_of": "WEST"}), None, None),
    "descendants-of-hidden": (by_entity({"dimension": "entity", "descendants_of": "WEST"}), None, None),
    "leaves-of-hidden": (by_entity({"dimension": "entity", "leaves_of": "WEST"}), None, None),
    "children-of-partly-hidden": (  # WORLD is hidden from eve, but she reads EAST beneath it: the grid shows EAST
        by_entity({"dimension": "entity", "children_of": "WORLD"}),
        {"dimension": "entity", "children_of": "WORLD"},
        ["EAST"],
    ),
    "leaves-of-partly-hidden": (
        by_entity({"dimension": "entity", "leaves_of": "WORLD"}),
        {"dimension": "entity", "leaves_of": "WORLD"},
        ["E1", "E2"],
    ),
}
FILTERED = {
    "query": {
        "rows": [{"dimension": "account", "members": ["REV", "COST"]}],
        "columns": [VERSIONS],
        "filters": {"entity": "W1", "time": "2026-01"},
    }
}


def login(username: str, role: Role) -> Client:
    client = Client()
    client.force_login(make_user(username, role))
    return client


def save(client: Client, code: str, definition: dict[str, Any], *, shared: bool = True):
    body = {"code": code, "name": code, "cube": "pl", "definition": definition, "shared": shared}
    return client.post(f"{API}/reports/", data=json.dumps(body), content_type="application/json")


@pytest.fixture
def saved(cube) -> Client:
    """The modeller's shared reports; returns eve's client."""
    modeller = login("mo", Role.MODELLER)
    for code, (definition, _, _) in REPORTS.items():
        assert save(modeller, code, definition).status_code == 201
    assert save(modeller, "filtered", FILTERED).status_code == 201
    eve = make_user("eve", Role.VIEWER)
    grant(cube, eve, "entity", "EAST", "read")
    client = Client()
    client.force_login(eve)
    return client


def leaks(answer: Any) -> list[str]:
    text = json.dumps(answer)
    return [code for code in HIDDEN if f'"{code}"' in text or f"'{code}'" in text]


def test_a_restricted_readers_list_and_details_never_name_hidden_members(saved):
    listed = saved.get(f"{API}/reports/")
    assert listed.status_code == 200
    assert not leaks(listed.json())
    for code, (_, entity, _) in REPORTS.items():
        shown = saved.get(f"{API}/reports/{code}").json()["definition"]
        assert not leaks(shown), code
        assert shown["query"]["rows"] == ([entity] if entity else []), code
        assert shown["query"]["columns"] == [VERSIONS] and shown["query"]["filters"] == FIGURES, code
    filtered = saved.get(f"{API}/reports/filtered").json()["definition"]
    assert filtered["query"] == {**FILTERED["query"], "filters": {"time": "2026-01"}}
    assert Report.objects.get(code="some-hidden").definition == REPORTS["some-hidden"][0]  # stored as written


def test_running_a_report_shows_the_readable_rows_and_never_names_a_hidden_member(saved):
    for code, (_, _, rows) in REPORTS.items():
        answer = saved.get(f"{API}/reports/{code}/data")
        assert not leaks(answer.json()), code
        if rows is None:
            assert answer.status_code == 400, (code, answer.json())
            error = answer.json()["error"]
            assert error["code"] == "invalid_query"
            assert error["message"] == "The selection on 'entity' names no members you can see.", code
        else:
            assert answer.status_code == 200, (code, answer.json())
            assert [h[0]["code"] for h in answer.json()["rows"]["headers"]] == rows, code
    filtered = saved.get(f"{API}/reports/filtered/data")
    assert filtered.status_code == 400 and not leaks(filtered.json())
    assert filtered.json()["error"]["message"] == "The filter on 'entity' names no member you can see."


def test_the_readable_rows_carry_the_readers_numbers(saved):
    mine = saved.get(f"{API}/reports/some-hidden/data").json()
    full = login("pia", Role.PLANNER).get(f"{API}/reports/some-hidden/data").json()
    assert [h[0]["code"] for h in full["rows"]["headers"]] == ["E1", "W1", "WEST", "E2"]
    assert mine["values"] == [full["values"][0], full["values"][3]]


@pytest.mark.parametrize("role", [Role.MODELLER, Role.PLANNER, Role.VIEWER])
def test_an_unrestricted_reader_sees_the_definition_unchanged(saved, role):
    client = login("una", role)
    for code, (definition, _, _) in REPORTS.items():
        assert client.get(f"{API}/reports/{code}").json()["definition"] == definition, code
    listed = {r["code"]: r["definition"] for r in client.get(f"{API}/reports/").json()}
    assert listed["filtered"] == FILTERED
    answer = client.get(f"{API}/reports/some-hidden/data").json()
    assert [h[0]["code"] for h in answer["rows"]["headers"]] == ["E1", "W1", "WEST", "E2"]


def test_a_hidden_member_reads_back_like_a_missing_one(cube):
    """A restricted author cannot learn whether a code exists by saving a report that names it."""
    planner = make_user("pat", Role.PLANNER)
    grant(cube, planner, "entity", "EAST", "write")
    client = Client()
    client.force_login(planner)
    answers = [
        save(client, code, by_entity({"dimension": "entity", "members": ["E1", named]}), shared=False).json()
        for code, named in (("names-hidden", "W1"), ("names-missing", "NOPE"))
    ]
    assert [a["definition"] for a in answers] == [by_entity({"dimension": "entity", "members": ["E1"]})] * 2
    errors = [client.get(f"{API}/reports/names-{k}/data").status_code for k in ("hidden", "missing")]
    assert errors == [200, 200]


def test_hidden_accounts_and_versions_leave_the_chart_display_and_variance(cube):
    """Account and version grants: the bridge's steps and total, the rolling display and the variance."""
    modeller = login("mo", Role.MODELLER)
    modeller.get(f"{API}/reports/")  # the standard reports
    ann = make_user("ann", Role.APPROVER)
    grant(cube, ann, "account", "REV", "read")  # NI and COST (over hidden leaves) are hidden from her
    grant(cube, ann, "version", "actual", "read")  # budget too
    client = Client()
    client.force_login(ann)

    bridge = client.get(f"{API}/reports/variance-bridge").json()["definition"]
    assert bridge["query"]["rows"] == [{"dimension": "account", "members": ["REV"]}]
    assert bridge["query"]["columns"] == [{"dimension": "version", "members": ["actual"]}]
    assert "variance" not in bridge["query"]
    assert [s["account"] for s in bridge["chart"]["steps"]] == ["REV"]
    assert "total" not in bridge["chart"] and "start" not in bridge["chart"] and bridge["chart"]["end"] == "actual"
    stored = Report.objects.get(code="variance-bridge").definition["chart"]
    assert (stored["total"], len(stored["steps"])) == ("NI", 2)

    rolling = client.get(f"{API}/reports/rolling-forecast").json()["definition"]
    assert rolling["display"]["actual"] == "actual" and "forecast" not in rolling["display"]

    run = client.get(f"{API}/reports/variance-bridge/data")
    assert run.status_code == 400
    assert run.json()["error"]["message"] == "The variance compares a version you cannot see."
    text = json.dumps(run.json())
    assert "budget" not in text and "COST" not in text and '"NI"' not in text
