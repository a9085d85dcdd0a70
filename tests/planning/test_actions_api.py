"""The planning actions API end to end: formulas (4xx with position/name/path), spread, explain, versions
(copy, branch, diff, merge with a 409 listing conflicts), rates and allocations, with role checks."""

from __future__ import annotations

import pytest
from django.test import Client

from opencorpo.accounts.roles import Role
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.models import DimensionKind, FactChange
from tests.factories import make_user
from tests.planning.test_cells import at

pytestmark = pytest.mark.django_db
API = "/api/v1/models/acme"


def client_for(name: str, role: Role) -> Client:
    client = Client()
    client.force_login(make_user(name, role))
    return client


def post(client: Client, path: str, body: object, method: str = "post"):
    return getattr(client, method)(f"{API}{path}", body, content_type="application/json")


@pytest.fixture
def setup(cube):
    structure.members_bulk(
        dimension=cube.model.dimensions.get(kind=DimensionKind.ACCOUNT),
        upserts=[{"code": "UNITS", "name": "Units", "account_type": "statistical"}],
    )
    cells_write(cube=cube, cells=[CellWrite(at("UNITS", "E1"), 4.0), CellWrite(at("RENT", "E1"), 10.0)], user=None)
    return client_for("mo", Role.MODELLER), client_for("pia", Role.PLANNER)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("UNITS * (2", {"position": 8}),  # the "(" that is never closed
        ("UNITS * GHOST", {"position": 8, "member": "SALES"}),
    ],
)
def test_a_bad_formula_is_a_400_with_its_position_and_writes_nothing(setup, formula, expected):
    modeller, _ = setup
    response = post(modeller, "/dimensions/account/members/SALES", {"formula": formula}, "patch")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error.items() >= expected.items() and "formula" in error["fields"]
    assert not FactChange.objects.filter(source="formula").exists()


def test_a_cycle_is_a_400_with_its_path(setup):
    modeller, _ = setup
    assert post(modeller, "/dimensions/account/members/RENT", {"formula": "WAGES"}, "patch").status_code == 200
    response = post(modeller, "/dimensions/account/members/WAGES", {"formula": "RENT"}, "patch")
    assert response.status_code == 400 and response.json()["error"]["path"] == ["pl!RENT", "pl!WAGES", "pl!RENT"]


def test_formula_spread_and_explain_through_the_api(setup):
    modeller, planner = setup
    assert post(modeller, "/dimensions/account/members/SALES", {"formula": "UNITS * 25"}, "patch").status_code == 200
    explained = post(planner, "/cubes/pl/explain", {"coordinate": at("SALES")}).json()
    assert explained["value"] == 100.0
    assert explained["formula"]["inputs"] == [{"reference": "UNITS", "cube": "pl", "account": "UNITS", "value": 4.0}]
    assert [c["source"] for c in explained["changes"]] == ["formula"]
    spread = post(planner, "/cubes/pl/spread", {"coordinate": at("RENT", "EAST"), "value": 30, "method": "even"})
    assert spread.status_code == 200 and spread.json()["changed"] == 2
    total = post(planner, "/cubes/pl/explain", {"coordinate": at("COST", "EAST")}).json()
    by_dimension = {c["dimension"]: c["items"] for c in total["children"]}
    assert [(i["code"], i["value"]) for i in by_dimension["entity"]] == [("E1", 15.0), ("E2", 15.0)]
    assert [(i["code"], i["value"]) for i in by_dimension["account"]] == [("RENT", 30.0), ("WAGES", None)]


def test_versions_branch_diff_and_a_merge_conflict_is_a_409(setup):
    modeller, planner = setup
    branched = post(modeller, "/versions/branch", {"base": "budget", "code": "plus", "name": "Plus"})
    assert branched.status_code == 201, branched.json()
    assert (
        post(
            planner, "/cubes/pl/cells", {"cells": [{"coordinate": at("RENT", version="plus"), "value": 11}]}
        ).status_code
        == 200
    )
    assert post(planner, "/cubes/pl/cells", {"cells": [{"coordinate": at("RENT"), "value": 12}]}).status_code == 200
    diff = post(planner, "/cubes/pl/diff", {"version": "plus", "reference": "budget"}).json()
    cell = {"account": "RENT", "entity": "E1", "time": "2026-01"}
    assert diff["cells"] == [{"coordinate": cell, "before": 12.0, "after": 11.0}]
    conflict = post(modeller, "/versions/plus/merge", {})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["conflicts"][0]["theirs"] == 11.0
    assert post(planner, "/versions/plus/merge", {}).status_code == 403  # merging is for modellers
    label = "pl|account=RENT,entity=E1,time=2026-01"
    merged = post(modeller, "/versions/plus/merge", {"choices": {label: "theirs"}})
    assert merged.status_code == 200 and merged.json()["changed"] == 1


def test_rates_and_allocations_through_the_api(setup):
    modeller, planner = setup
    rates = {
        "rates": [{"version": "budget", "period": "2026-01", "currency": "USD", "rate_type": "average", "rate": 0.9}]
    }
    assert post(modeller, "/rates/", rates, "put").json() == {"written": 1}
    assert post(planner, "/rates/", rates, "put").status_code == 403
    assert modeller.get(f"{API}/rates/?version=budget").json()[0]["rate"] == 0.9
    bad = post(modeller, "/rates/", {"rates": [{**rates["rates"][0], "period": "2099-01"}]}, "put")
    assert bad.status_code == 400 and "no period '2099-01'" in bad.json()["error"]["message"]
    definition = {
        "dimension": "entity",
        "pool": ["RENT"],
        "driver": "UNITS",
        "received": "WAGES",
        "charged": "SALES",
        "steps": [{"source": "E1", "targets": ["E2"]}],
    }
    created = post(modeller, "/allocations/", {"code": "rent", "name": "Rent", "cube": "pl", "definition": definition})
    assert created.status_code == 201
    run = post(planner, "/allocations/rent/run", {"version": "budget", "periods": ["2026-01"]})
    assert run.status_code == 400 and "positive driver" in run.json()["error"]["message"]  # E2 has no units
