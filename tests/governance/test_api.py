"""The governance API end to end through Django's test client: JSON bodies, status codes and error messages."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.governance.conftest import person

pytestmark = pytest.mark.django_db
API = "/api/v1/models/acme"


@pytest.fixture
def as_(people):
    def client(username: str) -> Client:
        c = Client()
        c.force_login(people[username])
        return c

    return client


def post(client: Client, path: str, body: object):
    return client.post(path, body, content_type="application/json")


def test_board_and_transitions(as_):
    pia, ann, walt = as_("pia"), as_("ann"), as_("walt")
    assert pia.get(f"{API}/approvals/").json()["error"]["fields"] == {"version": ["required"]}
    board = pia.get(f"{API}/approvals/?version=budget").json()
    assert (board["units"][0]["entity"], board["units"][0]["actions"]) == ("EAST", ["submit"])
    body = {"version": "budget", "entity": "EAST", "action": "submit"}
    done = post(pia, f"{API}/approvals/", body)
    assert done.status_code == 200 and done.json()["state"] == "submitted" and done.json()["submitted_by"] == "pia"
    again = post(pia, f"{API}/approvals/", body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "wrong_state"
    assert again.json()["error"]["state"] == "submitted"
    refused = post(walt, f"{API}/approvals/", {**body, "action": "approve"})
    assert refused.status_code == 403 and "not an assigned approver of 'EAST'" in refused.json()["error"]["message"]
    bare = post(ann, f"{API}/approvals/", {**body, "action": "reject"})
    assert bare.status_code == 400 and bare.json()["error"]["fields"] == {"comment": ["required"]}
    assert post(ann, f"{API}/approvals/", {**body, "action": "approve"}).json()["state"] == "approved"
    hidden = post(pia, f"{API}/approvals/", {**body, "entity": "W1"})
    assert hidden.status_code == 404 and hidden.json()["error"]["message"] == "Dimension 'entity' has no member 'W1'."
    nobody = Client()
    nobody.force_login(person("nobody", None))
    assert nobody.get(f"{API}/approvals/?version=budget").status_code == 404  # without a role no model exists


def test_administrators_assign_approvers(as_, people):
    ada, pia = as_("ada"), as_("pia")
    made = post(ada, f"{API}/approvers/", {"entity": "E1", "user": "walt"})
    assert made.status_code == 201 and made.json()["entity"] == "E1" and made.json()["user"] == "walt"
    assert post(pia, f"{API}/approvers/", {"entity": "E1", "user": "walt"}).status_code == 403
    not_approver = post(ada, f"{API}/approvers/", {"entity": "E1", "user": "vic"})
    assert not_approver.status_code == 400 and "give them the approver role" in not_approver.json()["error"]["message"]
    assert post(ada, f"{API}/approvers/", {"entity": "E1"}).status_code == 400
    assert {(a["entity"], a["user"]) for a in ada.get(f"{API}/approvers/").json()} == {
        ("WORLD", "ann"),
        ("WEST", "walt"),
        ("E1", "walt"),
    }
    assert [a["entity"] for a in pia.get(f"{API}/approvers/").json()] == ["E1"]  # the rest sit on hidden members
    assert ada.delete(f"{API}/approvers/{made.json()['id']}").status_code == 204
    assert ada.delete(f"{API}/approvers/{made.json()['id']}").status_code == 404


def test_comments_over_the_api(as_, cube):
    vic, pia = as_("vic"), as_("pia")
    coordinate = {"account": "RENT", "entity": "W1", "time": "2026-01", "version": "budget"}
    added = post(vic, f"{API}/cubes/pl/comments/", {"coordinate": coordinate, "text": "Is this right?"})
    assert added.status_code == 201 and added.json()["author"] == "vic" and added.json()["coordinate"] == coordinate
    listed = vic.get(f"{API}/cubes/pl/comments/", {"coordinate": json.dumps({"entity": "W1"})}).json()
    assert [c["text"] for c in listed] == ["Is this right?"]
    assert pia.get(f"{API}/cubes/pl/comments/").json() == []
    hidden = pia.get(f"{API}/cubes/pl/comments/", {"coordinate": json.dumps(coordinate)})
    missing = pia.get(f"{API}/cubes/pl/comments/", {"coordinate": json.dumps({**coordinate, "entity": "X"})})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"].replace("W1", "X") == missing.json()["error"]["message"]
    bad = vic.get(f"{API}/cubes/pl/comments/", {"coordinate": "entity=W1"})
    assert bad.status_code == 400 and "coordinate must be a JSON object" in bad.json()["error"]["message"]


def test_notifications_over_the_api(as_):
    pia, ann, walt = as_("pia"), as_("ann"), as_("walt")
    post(pia, f"{API}/approvals/", {"version": "budget", "entity": "EAST", "action": "submit"})
    mine = ann.get("/api/v1/notifications/").json()
    assert mine["unread"] == 1 and mine["notifications"][0]["link"].startswith("/app/workflow?")
    number = mine["notifications"][0]["id"]
    assert walt.post(f"/api/v1/notifications/{number}/read").status_code == 404
    read = ann.post(f"/api/v1/notifications/{number}/read")
    assert read.status_code == 200 and read.json()["read"] is True
    assert ann.get("/api/v1/notifications/?unread=true").json() == {"unread": 0, "notifications": []}
    assert Client().get("/api/v1/notifications/").status_code in {401, 403}
