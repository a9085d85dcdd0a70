"""Roles per model: a role given in one model works there and nowhere else; model administrators manage access."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from opencorpo.accounts.model_roles import model_role_give
from opencorpo.accounts.roles import Role, roles_of
from opencorpo.planning import structure
from tests.factories import make_user
from tests.planning.test_cells import at

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_role_in_one_model_works_there_only(cube):
    other = structure.model_create(code="other", name="Other", first_fiscal_year=2026, years=1)
    pat = make_user("pat")  # no role anywhere
    model_role_give(model=cube.model, role=Role.PLANNER.value, user="pat", group=None)
    assert roles_of(pat) == [] and roles_of(pat, cube.model_id) == ["planner"] and roles_of(pat, other.pk) == []
    client = client_of(pat)
    assert [m["code"] for m in client.get("/api/v1/models/").json()] == ["acme"]
    write = {"cells": [{"coordinate": at("SALES"), "value": 5}]}
    assert client.post("/api/v1/models/acme/cubes/pl/cells", write, content_type="application/json").status_code == 200
    assert client.get("/api/v1/models/other/cubes/").status_code == 404  # as if it did not exist
    assert (
        client.post("/api/v1/models/", {"code": "x", "name": "X"}, content_type="application/json").status_code == 403
    )


def test_a_group_can_hold_a_model_role_and_model_administrators_manage_access_there(cube):
    structure.model_create(code="other", name="Other", first_fiscal_year=2026, years=1)
    team = Group.objects.create(name="controllers")
    viv = make_user("viv")
    viv.groups.add(team)
    model_role_give(model=cube.model, role=Role.VIEWER.value, user=None, group="controllers")
    assert roles_of(viv, cube.model_id) == ["viewer"]
    boss = make_user("boss")
    model_role_give(model=cube.model, role=Role.ADMINISTRATOR.value, user="boss", group=None)
    client = client_of(boss)
    grant = {"dimension": "entity", "member": "EAST", "user": "viv", "access": "read"}
    assert client.post("/api/v1/models/acme/grants/", grant, content_type="application/json").status_code == 201
    assert client.get("/api/v1/models/other/grants/").status_code == 404
    given = client.post(
        "/api/v1/models/acme/roles/", {"user": "viv", "role": "planner"}, content_type="application/json"
    )
    assert given.status_code == 201 and set(roles_of(viv, cube.model_id)) == {"viewer", "planner"}
    assert client.delete(f"/api/v1/models/acme/roles/{given.json()['id']}").status_code == 204
    assert (
        client_of(viv)
        .post("/api/v1/models/acme/roles/", {"user": "viv", "role": "administrator"}, content_type="application/json")
        .status_code
        == 403
    )


def test_the_model_api_tells_the_reader_their_roles_in_each_model(cube):
    viewer = make_user("vic", Role.VIEWER)
    model_role_give(model=cube.model, role=Role.MODELLER.value, user="vic", group=None)
    client = Client()
    client.force_login(viewer)
    listed = {m["code"]: m["roles"] for m in client.get("/api/v1/models/").json()}
    assert listed[cube.model.code] == ["modeller", "viewer"]  # held everywhere and given here
    assert client.get(f"/api/v1/models/{cube.model.code}").json()["roles"] == ["modeller", "viewer"]
