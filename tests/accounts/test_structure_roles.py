"""Roles are enforced in the structure services, not only in the views: every service that changes a model's structure
refuses a user without the role (403 naming it) and changes nothing; approvers may lock and unlock periods and
versions, nothing else; creating a model needs a role held everywhere. Roles and grants are read once per request."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from opencorpo.accounts.access import access_scope
from opencorpo.accounts.model_roles import model_role_give
from opencorpo.accounts.models import ModelRole
from opencorpo.accounts.roles import Role, roles_of
from opencorpo.core.errors import Forbidden
from opencorpo.core.models import AuditEvent
from opencorpo.dataio.members import members_import
from opencorpo.planning import structure
from opencorpo.planning.allocations import allocation_create
from opencorpo.planning.bundle_import import bundle_import
from opencorpo.planning.models import Allocation, Cube, Dimension, DimensionKind, Member, Model
from tests.accounts.test_access import grant
from tests.factories import make_user

pytestmark = pytest.mark.django_db
API = "/api/v1/models/acme"
BUILDERS = {"administrator", "modeller"}
LOCKERS = {"administrator", "modeller", "approver"}
ALLOCATION = {
    "dimension": "entity",
    "pool": ["RENT"],
    "driver": "HC",
    "received": "WAGES",
    "charged": "RENT",
    "steps": [{"source": "E1", "targets": ["E2"]}],
}


def import_members(cube: Cube, user: Any) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        return members_import(
            dimension=dimension(cube, DimensionKind.ENTITY),
            upload=io.BytesIO(b"code,name,parent\nE3,Three,EAST\n"),
            filename="entities.csv",
            folder=Path(folder),
            user=user,
        )


def member(cube: Cube, dimension: str, code: str) -> Member:
    return Member.objects.get(dimension__model=cube.model, dimension__code=dimension, code=code)


def dimension(cube: Cube, kind: str) -> Dimension:
    return cube.model.dimensions.get(kind=kind)


# name → (call, the roles that may make it)
CALLS: dict[str, tuple[Callable[[Cube, Any], Any], set[str]]] = {
    "model_update": (lambda c, u: structure.model_update(model=c.model, name="Renamed", user=u), BUILDERS),
    "dimension_create": (
        lambda c, u: structure.dimension_create(model=c.model, code="product", name="Product", user=u),
        BUILDERS,
    ),
    "dimension_update": (
        lambda c, u: structure.dimension_update(dimension=dimension(c, DimensionKind.ENTITY), name="Units", user=u),
        BUILDERS,
    ),
    "member_create": (
        lambda c, u: structure.member_create(
            dimension=dimension(c, DimensionKind.ACCOUNT), code="NEW", name="N", user=u
        ),
        BUILDERS,
    ),
    "member_update": (
        lambda c, u: structure.member_update(member=member(c, "account", "SALES"), name="Turnover", user=u),
        BUILDERS,
    ),
    "member_update (formula)": (
        lambda c, u: structure.member_update(member=member(c, "account", "SALES"), formula="RENT * 2", user=u),
        BUILDERS,
    ),
    "member_update (period renamed)": (
        lambda c, u: structure.member_update(member=member(c, "time", "2026-01"), name="January", user=u),
        BUILDERS,
    ),
    "member_update (period locked)": (
        lambda c, u: structure.member_update(member=member(c, "time", "2026-01"), locked=True, user=u),
        LOCKERS,
    ),
    "member_update (version locked)": (
        lambda c, u: structure.member_update(member=member(c, "version", "budget"), locked=True, user=u),
        LOCKERS,
    ),
    "member_update (entity locked)": (
        lambda c, u: structure.member_update(member=member(c, "entity", "E1"), locked=True, user=u),
        BUILDERS,
    ),
    "member_delete": (lambda c, u: structure.member_delete(member=member(c, "account", "DISC"), user=u), BUILDERS),
    "members_bulk": (
        lambda c, u: structure.members_bulk(
            dimension=dimension(c, DimensionKind.ENTITY), upserts=[{"code": "E3", "name": "Three"}], user=u
        ),
        BUILDERS,
    ),
    "cube_create": (
        lambda c, u: structure.cube_create(
            model=c.model, code="small", name="Small", dimensions=["account", "time", "version"], user=u
        ),
        BUILDERS,
    ),
    "cube_delete": (lambda c, u: structure.cube_delete(cube=c, user=u), BUILDERS),
    "version_create": (
        lambda c, u: structure.version_create(model=c.model, code="whatif", name="What if", user=u),
        BUILDERS,
    ),
    "version_lock": (
        lambda c, u: structure.version_lock(version=member(c, "version", "budget"), locked=True, user=u),
        LOCKERS,
    ),
    "members_import": (lambda c, u: import_members(c, u), BUILDERS),
    "allocation_create": (
        lambda c, u: allocation_create(
            model=c.model, cube="pl", code="rent", name="Rent", definition=ALLOCATION, user=u
        ),
        BUILDERS,
    ),
}


def snapshot() -> tuple[Any, ...]:
    """Everything a structure change could touch."""
    return (
        list(Model.objects.order_by("pk").values_list("code", "name")),
        list(Dimension.objects.order_by("pk").values_list("code", "name")),
        list(Member.objects.order_by("pk").values_list("code", "name", "formula", "locked", "parent_id")),
        list(Cube.objects.order_by("pk").values_list("code", flat=True)),
        Allocation.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", list(CALLS))
def test_each_structure_service_checks_the_role_itself(cube, name, role):
    call, allowed = CALLS[name]
    user = make_user("someone", role)
    if role.value in allowed:
        call(cube, user)
        return
    before = snapshot()
    with pytest.raises(Forbidden) as refused:
        call(cube, user)
    assert refused.value.status_code == 403
    assert refused.value.extra["required"] == [r.value for r in Role if r.value in allowed]
    assert "may" in refused.value.message and "Ask an administrator for the" in refused.value.message
    assert snapshot() == before


def test_the_system_itself_may_change_structure(cube):
    structure.member_update(member=member(cube, "time", "2026-01"), locked=True, user=None)
    assert member(cube, "time", "2026-01").locked


def test_a_role_in_the_model_counts_but_creating_a_model_needs_a_role_held_everywhere(cube):
    mo = make_user("mo")
    model_role_give(model=cube.model, role=Role.MODELLER.value, user="mo", group=None)
    for name, (call, _) in CALLS.items():
        if name != "cube_delete":
            call(cube, mo)
    with pytest.raises(Forbidden, match=r"Only administrators and modellers \(held everywhere, not in one model\)"):
        structure.model_create(code="other", name="Other", first_fiscal_year=2026, years=1, user=mo)
    assert not Model.objects.filter(code="other").exists()
    structure.model_create(
        code="other", name="Other", first_fiscal_year=2026, years=1, user=make_user("g", Role.MODELLER)
    )
    planner_elsewhere = make_user("pia", Role.PLANNER)  # a modeller of another model only
    model_role_give(model=Model.objects.get(code="other"), role=Role.MODELLER.value, user="pia", group=None)
    with pytest.raises(Forbidden, match="modeller role"):
        structure.cube_delete(cube=cube, user=planner_elsewhere)


def test_a_bundle_import_needs_a_role_held_everywhere(tmp_path):
    with pytest.raises(Forbidden, match="import model bundles"):
        bundle_import(path=tmp_path, user=make_user("pia", Role.PLANNER))


def test_a_token_limited_to_another_model_holds_no_role_here(cube):
    mo = make_user("mo", Role.MODELLER)
    mo.token_role, mo.token_model_id = Role.MODELLER.value, cube.model_id + 1  # as TokenAuthentication sets them
    with pytest.raises(Forbidden):
        structure.model_update(model=cube.model, name="Renamed", user=mo)


# --------------------------------------------------------------------------------------------------------- the API


def client_of(name: str, role: Role) -> Client:
    client = Client()
    client.force_login(make_user(name, role))
    return client


def send(client: Client, method: str, path: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(f"{API}{path}", body, content_type="application/json")


def test_an_approver_locks_periods_and_versions_through_the_api_but_changes_no_structure(cube):
    approver = client_of("abe", Role.APPROVER)
    assert send(approver, "patch", "/dimensions/time/members/2026-01", {"locked": True}).status_code == 200
    assert send(approver, "patch", "/versions/budget", {"locked": True}).status_code == 200
    assert member(cube, "time", "2026-01").locked and member(cube, "version", "budget").locked
    assert send(approver, "patch", "/dimensions/time/members/2026-01", {"locked": False}).status_code == 200
    assert not member(cube, "time", "2026-01").locked
    before = snapshot()
    renamed = send(approver, "patch", "/dimensions/time/members/2026-02", {"name": "Feb", "locked": True})
    assert renamed.status_code == 403
    assert renamed.json()["error"]["message"] == (
        "Only administrators and modellers may change members of 'time'. Ask an administrator for the modeller role."
    )
    added = send(approver, "post", "/dimensions/account/members/", {"code": "NEW", "name": "New"})
    assert added.status_code == 403 and "modellers and administrators" in added.json()["error"]["message"]
    deleted = approver.delete(f"{API}/dimensions/account/members/WAGES")
    assert deleted.status_code == 403 and "delete members of 'account'" in deleted.json()["error"]["message"]
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.PLANNER, Role.VIEWER])
def test_planners_and_viewers_neither_lock_nor_change_structure(cube, role):
    client = client_of("pia", role)
    before = snapshot()
    for method, path, body in [
        ("patch", "/dimensions/time/members/2026-01", {"locked": True}),
        ("patch", "/versions/budget", {"locked": True}),
        ("post", "/dimensions/account/members/", {"code": "NEW", "name": "New"}),
        ("post", "/versions/", {"code": "whatif", "name": "What if"}),
        ("post", "/allocations/", {"code": "rent", "name": "Rent", "cube": "pl", "definition": ALLOCATION}),
    ]:
        response = send(client, method, path, body)
        assert response.status_code == 403, (path, response.json())
        assert response.json()["error"]["code"] == "forbidden"
    assert snapshot() == before


def test_modellers_change_structure_through_the_api(cube):
    modeller = client_of("mo", Role.MODELLER)
    assert send(modeller, "post", "/dimensions/account/members/", {"code": "NEW", "name": "New"}).status_code == 201
    assert send(modeller, "patch", "/dimensions/time/members/2026-01", {"locked": True}).status_code == 200
    made = send(
        modeller, "post", "/allocations/", {"code": "rent", "name": "Rent", "cube": "pl", "definition": ALLOCATION}
    )
    assert made.status_code == 201 and Allocation.objects.filter(code="rent").exists()


# ------------------------------------------------------------------------------------------ once per request


def test_roles_and_grants_are_read_once_until_they_change(cube, django_assert_num_queries):
    pia = make_user("pia")
    model_role_give(model=cube.model, role=Role.PLANNER.value, user="pia", group=None)
    grant(cube, pia, "entity", "EAST", "write")
    with django_assert_num_queries(3):  # groups, roles in the model, grants; then nothing more
        for _ in range(3):
            assert roles_of(pia, cube.model_id) == ["planner"]
            assert access_scope(pia, cube.model_id).cap == 2
            assert roles_of(pia) == []
    team = Group.objects.create(name="controllers")
    pia.groups.add(team)  # a change of membership, roles or grants is seen at once by the same user object
    ModelRole.objects.create(model=cube.model, group=team, role=Role.APPROVER.value)
    assert roles_of(pia, cube.model_id) == ["planner", "approver"]
    ModelRole.objects.filter(user=pia).delete()
    assert roles_of(pia, cube.model_id) == ["approver"] and access_scope(pia, cube.model_id).cap == 1
    grant(cube, pia, "entity", "WEST", "none")
    assert len(access_scope(pia, cube.model_id).grants[dimension(cube, DimensionKind.ENTITY).pk]) == 2


def test_a_model_scoped_request_reads_the_roles_once(cube):
    pia = make_user("pia")
    model_role_give(model=cube.model, role=Role.PLANNER.value, user="pia", group=None)
    grant(cube, pia, "entity", "EAST", "write")
    client = Client()
    client.force_login(pia)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/dimensions/entity/members/")
    assert [m["code"] for m in response.json()] == ["EAST", "E1", "E2"]
    statements = [q["sql"] for q in queries.captured_queries]
    # the permission class, model_in_scope and the view's two access scopes used to read them 4 and 3 times
    assert sum("accounts_modelrole" in sql for sql in statements) == 1
    assert sum("FROM accounts_grant" in sql for sql in statements) == 1
    assert sum(sql.startswith('SELECT "auth_group"."name"') for sql in statements) == 1


def test_a_hidden_member_answers_an_approver_exactly_like_a_missing_one(cube):
    """Approvers pass the first gate with changes (to lock); a member they may not read must still answer like one
    that does not exist — before any role refusal — and cannot be locked."""
    approver = make_user("abe", Role.APPROVER)
    grant(cube, approver, "entity", "EAST", "read")  # W1 (under WEST) is hidden from abe
    grant(cube, approver, "version", "actual", "read")  # and so is every version but actual
    client = Client()
    client.force_login(approver)
    before = snapshot()
    for method, body in (("patch", {"name": "x"}), ("patch", {"locked": True}), ("delete", {})):
        hidden = send(client, method, "/dimensions/entity/members/W1", body)
        missing = send(client, method, "/dimensions/entity/members/NOPE", body)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["error"]["message"].replace("W1", "?") == missing.json()["error"]["message"].replace(
            "NOPE", "?"
        )
    assert send(client, "patch", "/versions/budget", {"locked": True}).status_code == 404
    assert snapshot() == before  # nothing changed, nothing audited
    assert send(client, "patch", "/versions/actual", {"locked": True}).status_code == 200  # a version abe reads
    assert not member(cube, "version", "budget").locked and member(cube, "version", "actual").locked
