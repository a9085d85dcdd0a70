"""API tokens: shown once, stored hashed, acting with one role (and model) only, revocable, never logged."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from opencorpo.accounts.models import ApiToken
from opencorpo.accounts.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def session(role: Role, name: str) -> Client:
    client = Client()
    client.force_login(make_user(name, role))
    return client


def test_a_token_is_shown_once_stored_hashed_and_acts_with_its_role(model, caplog):
    caplog.set_level(logging.INFO)
    admin = session(Role.ADMINISTRATOR, "ada")
    created = admin.post("/api/v1/tokens/", {"name": "excel", "role": "viewer"}, content_type="application/json")
    assert created.status_code == 201
    key = created.json()["key"]
    stored = ApiToken.objects.get()
    assert key not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    assert "key" not in admin.get("/api/v1/tokens/").json()[0]
    machine = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert machine.get("/api/v1/auth/me").json()["user"]["roles"] == ["viewer"]  # not administrator
    assert machine.get("/api/v1/models/acme/dimensions/").status_code == 200
    assert (
        machine.post(
            "/api/v1/models/acme/dimensions/", {"code": "x", "name": "X"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert key not in caplog.text  # never in a log line
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_a_token_limited_to_one_model_sees_no_other(model):
    from opencorpo.planning import structure
    from opencorpo.planning.cells import CellWrite, cells_write

    other = structure.model_create(code="other", name="Other", first_fiscal_year=2026, years=1)
    admin = session(Role.ADMINISTRATOR, "ada")
    assert (
        admin.post(
            "/api/v1/tokens/", {"name": "feed", "role": "planner", "model": "other"}, content_type="application/json"
        ).status_code
        == 201
    )  # administrators may delegate any role
    viewer = session(Role.VIEWER, "vic")
    denied = viewer.post("/api/v1/tokens/", {"name": "up", "role": "planner"}, content_type="application/json")
    assert denied.status_code == 403  # no token carries more than its owner holds
    planner = session(Role.PLANNER, "pia")
    key = planner.post(
        "/api/v1/tokens/", {"name": "feed", "role": "planner", "model": "other"}, content_type="application/json"
    ).json()["key"]
    cube = structure.cube_create(
        model=model, code="pl", name="P&L", dimensions=["account", "entity", "time", "version"]
    )
    cells_write(
        cube=cube,
        cells=[CellWrite({"account": "SALES", "entity": "E1", "time": "2026-01", "version": "budget"}, 5.0)],
        user=None,
    )
    machine = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    query = {
        "rows": [{"dimension": "account", "members": ["SALES"]}],
        "columns": [{"dimension": "version", "members": ["budget"]}],
    }
    refused = machine.post("/api/v1/models/acme/cubes/pl/query", query, content_type="application/json")
    assert refused.status_code in {403, 404} and "5.0" not in refused.content.decode()
    assert [m["code"] for m in machine.get("/api/v1/models/").json()] == ["other"]  # the other model is not listed
    assert machine.get("/api/v1/models/acme/dimensions/").status_code == 404  # nor reachable
    assert other.code == "other"


def test_revoked_and_forged_tokens_are_refused(model):
    planner = session(Role.PLANNER, "pia")
    created = planner.post("/api/v1/tokens/", {"name": "t", "role": "planner"}, content_type="application/json").json()
    forged = created["key"][:-4] + "AAAA"
    assert Client(HTTP_AUTHORIZATION=f"Bearer {forged}").get("/api/v1/auth/me").status_code in {401, 403}
    assert planner.delete(f"/api/v1/tokens/{created['id']}").status_code == 204
    revoked = Client(HTTP_AUTHORIZATION=f"Bearer {created['key']}").get("/api/v1/auth/me")
    assert revoked.status_code in {401, 403} and "revoked" in revoked.json()["error"]["message"]
    machine = Client(HTTP_AUTHORIZATION=f"Bearer {created['key']}")
    assert machine.post(
        "/api/v1/tokens/", {"name": "t2", "role": "planner"}, content_type="application/json"
    ).status_code in {401, 403}
