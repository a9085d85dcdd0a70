"""The planning API end to end through Django's test client: structure, writes, queries, errors, roles."""

from __future__ import annotations

import pytest
from django.test import Client

from opencorpo.accounts.roles import Role
from tests.factories import make_user
from tests.planning.conftest import ACCOUNTS, ENTITIES

pytestmark = pytest.mark.django_db
API = "/api/v1/models"


@pytest.fixture
def modeller() -> Client:
    client = Client()
    client.force_login(make_user("mo", Role.MODELLER))
    return client


@pytest.fixture
def planner() -> Client:
    client = Client()
    client.force_login(make_user("pia", Role.PLANNER))
    return client


def post(client: Client, path: str, body: object):
    return client.post(path, body, content_type="application/json")


@pytest.fixture
def built(modeller: Client) -> Client:
    assert (
        post(modeller, f"{API}/", {"code": "acme", "name": "Acme", "first_fiscal_year": 2026, "years": 1}).status_code
        == 201
    )
    for dimension, rows in (("account", ACCOUNTS), ("entity", ENTITIES)):
        response = post(modeller, f"{API}/acme/dimensions/{dimension}/members/bulk", {"upserts": rows})
        assert response.status_code == 200, response.json()
    assert post(modeller, f"{API}/acme/dimensions/", {"code": "product", "name": "Product"}).status_code == 201
    assert post(modeller, f"{API}/acme/dimensions/product/members/", {"code": "ALL", "name": "All"}).status_code == 201
    assert (
        post(
            modeller, f"{API}/acme/dimensions/product/members/", {"code": "P1", "name": "P1", "parent": "ALL"}
        ).status_code
        == 201
    )
    cube = {"code": "pl", "name": "P&L", "dimensions": ["account", "entity", "product", "time", "version"]}
    assert post(modeller, f"{API}/acme/cubes/", cube).status_code == 201
    return modeller


def cell(account: str, value: float | None, row_version: int | None = None, version: str = "budget") -> dict:
    coordinate = {"account": account, "entity": "E1", "product": "P1", "time": "2026-02", "version": version}
    return {"coordinate": coordinate, "value": value, "row_version": row_version}


QUERY = {
    "rows": [{"dimension": "account", "children_of": "REV", "include_parent": "after"}],
    "columns": [{"dimension": "version", "members": ["actual", "budget"]}],
    "filters": {"entity": "EAST", "time": "FY2026-Q1"},
    "variance": {"version": "budget", "reference": "actual"},
}


def test_build_write_and_read_a_model_through_the_api(built, planner):
    response = post(
        planner,
        f"{API}/acme/cubes/pl/cells",
        {"cells": [cell("SALES", 100), cell("DISC", 5), cell("SALES", 80, version="actual")]},
    )
    assert response.status_code == 200 and response.json()["changed"] == 3
    grid = post(planner, f"{API}/acme/cubes/pl/query", QUERY).json()
    assert [h[0]["code"] for h in grid["rows"]["headers"]] == ["SALES", "DISC", "REV"]
    assert grid["values"] == [[80.0, 100.0], [None, 5.0], [80.0, 95.0]]
    assert grid["variance"]["absolute"] == [[20.0], [5.0], [15.0]]
    assert grid["variance"]["favourable"] == [[True], [False], [True]]  # more discount is unfavourable
    assert built.get(f"{API}/acme/cubes/pl").json()["data_version"] == 1
    members = built.get(f"{API}/acme/dimensions/account/members/").json()
    assert [m["code"] for m in members][:3] == ["NI", "REV", "SALES"]


def test_a_stale_write_answers_409_with_the_current_value(built, planner):
    post(planner, f"{API}/acme/cubes/pl/cells", {"cells": [cell("SALES", 100)]})
    response = post(planner, f"{API}/acme/cubes/pl/cells", {"cells": [cell("SALES", 120, row_version=0)]})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "stale_write" and "nothing was saved" in error["message"]
    assert error["conflicts"][0]["value"] == 100.0 and error["conflicts"][0]["row_version"] == 1


def test_writes_to_a_locked_version_answer_409_naming_it(built, planner):
    assert (
        built.patch(f"{API}/acme/versions/actual", {"locked": True}, content_type="application/json").status_code == 200
    )
    response = post(planner, f"{API}/acme/cubes/pl/cells", {"cells": [cell("SALES", 1, version="actual")]})
    assert response.status_code == 409 and "Version 'actual' is locked" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"cells": [cell("NOPE", 1)]}, 400, "no member 'NOPE'"),
        ({"cells": []}, 400, "cells"),
        ({"cells": [{"value": 1}]}, 400, "coordinate"),
        ({"cells": [{**cell("SALES", 1), "value": "lots"}]}, 400, "value"),
        ({}, 400, "cells"),
    ],
)
def test_malformed_writes_are_4xx_naming_the_problem(built, planner, body, status, needle):
    response = post(planner, f"{API}/acme/cubes/pl/cells", body)
    assert response.status_code == status and needle in response.json()["error"]["message"]
    assert built.get(f"{API}/acme/cubes/pl").json()["data_version"] == 0


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({**QUERY, "rows": [{"dimension": "account"}]}, "give exactly one of members"),
        ({**QUERY, "filters": {"entity": "MARS", "time": "FY2026"}}, "no member 'MARS'"),
        ({"rows": [], "columns": []}, "rows"),
    ],
)
def test_malformed_queries_are_4xx_naming_the_problem(built, planner, body, needle):
    response = post(planner, f"{API}/acme/cubes/pl/query", body)
    assert 400 <= response.status_code < 500 and needle in response.json()["error"]["message"]


def test_roles_decide_who_changes_structure_and_who_enters_values(built, planner):
    viewer = Client()
    viewer.force_login(make_user("vic", Role.VIEWER))
    assert post(viewer, f"{API}/acme/cubes/pl/query", QUERY).status_code == 200
    refused = post(viewer, f"{API}/acme/cubes/pl/cells", {"cells": [cell("SALES", 1)]})
    assert refused.status_code == 403 and "planner" in refused.json()["error"]["message"]
    assert post(planner, f"{API}/acme/dimensions/account/members/", {"code": "X", "name": "X"}).status_code == 403
    nobody = Client()
    nobody.force_login(make_user("new"))
    assert nobody.get(f"{API}/").status_code == 403


def test_moving_and_deleting_members_through_the_api(built, planner):
    moved = built.patch(f"{API}/acme/dimensions/entity/members/E2", {"parent": "WEST"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["parent"] == "WEST"
    cycle = built.patch(
        f"{API}/acme/dimensions/entity/members/WORLD", {"parent": "E1"}, content_type="application/json"
    )
    assert cycle.status_code == 400 and "WORLD" in cycle.json()["error"]["message"]
    post(planner, f"{API}/acme/cubes/pl/cells", {"cells": [cell("SALES", 100)]})
    assert built.delete(f"{API}/acme/dimensions/account/members/SALES").status_code == 409
    gone = built.delete(f"{API}/acme/dimensions/account/members/SALES?delete_data=true")
    assert gone.status_code == 200 and gone.json() == {"deleted_values": 1}
    assert built.get(f"{API}/acme/dimensions/account/members/SALES").status_code == 404


def test_versions_cubes_models_and_dimensions_round_out_the_api(built, planner):
    created = post(built, f"{API}/acme/versions/", {"code": "whatif-1", "name": "What if: price +3%"})
    assert created.status_code == 201 and created.json()["version_kind"] == "what_if"
    written = post(planner, f"{API}/acme/cubes/pl/cells", {"cells": [cell("SALES", 7, version="whatif-1")]})
    assert written.status_code == 200  # the new version's partition exists in the cube
    assert (
        built.patch(f"{API}/acme", {"name": "Acme Corp"}, content_type="application/json").json()["name"] == "Acme Corp"
    )
    renamed = built.patch(f"{API}/acme/dimensions/product", {"name": "Product line"}, content_type="application/json")
    assert renamed.json()["name"] == "Product line"
    assert built.delete(f"{API}/acme/cubes/pl").status_code == 204
    assert built.get(f"{API}/acme/cubes/pl").status_code == 404


def test_the_history_of_a_cell_lists_who_changed_what_newest_first(built, planner):
    post(planner, f"{API}/acme/cubes/pl/cells", {"cells": [cell("SALES", 100)]})
    post(planner, f"{API}/acme/cubes/pl/cells", {"cells": [cell("SALES", 120, row_version=1)]})
    response = post(planner, f"{API}/acme/cubes/pl/history", {"coordinate": cell("SALES", 0)["coordinate"]})
    changes = response.json()["changes"]
    assert [(c["old_value"], c["new_value"], c["user"], c["source"]) for c in changes] == [
        (100.0, 120.0, "pia", "api"),
        (None, 100.0, "pia", "api"),
    ]
    total = post(
        planner, f"{API}/acme/cubes/pl/history", {"coordinate": {**cell("SALES", 0)["coordinate"], "account": "REV"}}
    )
    assert total.status_code == 400 and "history is kept per leaf cell" in total.json()["error"]["message"]
    assert post(planner, f"{API}/acme/cubes/pl/history", {"coordinate": "x"}).status_code == 400
