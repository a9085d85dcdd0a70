"""User administration through the API: list, create, change roles, deactivate, reset a password, unlock."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from opencorpo.accounts.models import ApiToken
from opencorpo.accounts.roles import Role, roles_of
from opencorpo.accounts.tokens import token_issue
from opencorpo.accounts.users import user_update
from opencorpo.core.errors import Conflict
from opencorpo.core.models import AuditEvent
from tests.accounts.test_views import login
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "violet-harbour-1729"


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_an_administrator_creates_a_user_who_can_then_sign_in_with_the_roles_given():
    make_user("ada", Role.ADMINISTRATOR)
    admin = signed_in("ada")
    body = {"username": "nora", "first_name": "Nora", "email": "nora@example.org", "roles": ["planner", "viewer"]}
    created = admin.post("/api/v1/users/", {**body, "password": NEW_PASSWORD}, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["roles"] == ["planner", "viewer"] and created.json()["password_set"] is True
    assert "password" not in created.json()
    assert login(Client(enforce_csrf_checks=True), "nora", NEW_PASSWORD).status_code == 200
    assert roles_of(get_user_model().objects.get(username="nora")) == ["planner", "viewer"]
    listed = {u["username"]: u for u in admin.get("/api/v1/users/").json()}
    assert listed["nora"]["email"] == "nora@example.org" and listed["nora"]["is_active"] is True
    event = AuditEvent.objects.get(action="user.create", target="nora")
    assert event.actor_name == "ada" and NEW_PASSWORD not in str(event.details)


def test_bad_input_is_refused_with_a_message_and_nothing_is_created():
    make_user("ada", Role.ADMINISTRATOR)
    admin = signed_in("ada")
    weak = admin.post("/api/v1/users/", {"username": "nora", "password": "123"}, content_type="application/json")
    assert weak.status_code == 400 and "too weak" in weak.json()["error"]["message"]
    twice = admin.post("/api/v1/users/", {"username": "ADA"}, content_type="application/json")
    assert twice.status_code == 409 and "already a user" in twice.json()["error"]["message"]
    role = admin.post("/api/v1/users/", {"username": "x", "roles": ["king"]}, content_type="application/json")
    assert role.status_code == 400
    assert not get_user_model().objects.filter(username__in=["nora", "x"]).exists()


def test_only_administrators_manage_users():
    make_user("petra", Role.PLANNER)
    make_user("mo", Role.MODELLER)
    for username in ("petra", "mo"):
        client = signed_in(username)
        assert client.get("/api/v1/users/").status_code == 403
        response = client.post("/api/v1/users/", {"username": "sneaky"}, content_type="application/json")
        assert response.status_code == 403
        assert (
            client.patch(
                "/api/v1/users/petra", {"roles": ["administrator"]}, content_type="application/json"
            ).status_code
            == 403
        )
    assert roles_of(get_user_model().objects.get(username="petra")) == ["planner"]
    assert not get_user_model().objects.filter(username="sneaky").exists()


def test_an_administrators_token_cannot_manage_users():
    ada = make_user("ada", Role.ADMINISTRATOR)
    _, key = token_issue(user=ada, name="ci", role=Role.ADMINISTRATOR.value)
    response = Client().get("/api/v1/users/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403 and "signed-in session" in response.json()["error"]["message"]


def test_roles_change_and_deactivation_revokes_tokens_and_blocks_sign_in():
    make_user("ada", Role.ADMINISTRATOR)
    petra = make_user("petra", Role.PLANNER)
    token_issue(user=petra, name="laptop", role=Role.PLANNER.value)
    admin = signed_in("ada")
    changed = admin.patch("/api/v1/users/petra", {"roles": ["approver"]}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["roles"] == ["approver"]
    off = admin.patch("/api/v1/users/petra", {"is_active": False}, content_type="application/json")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert not ApiToken.objects.filter(user=petra, revoked_at__isnull=True).exists()
    assert login(Client(enforce_csrf_checks=True), "petra", PASSWORD).status_code == 400
    assert AuditEvent.objects.filter(action="user.update", target="petra").count() == 2


def test_the_last_administrator_cannot_be_removed_nor_can_an_administrator_demote_themselves():
    make_user("ada", Role.ADMINISTRATOR)
    make_user("bob", Role.ADMINISTRATOR)
    admin = signed_in("ada")
    own = admin.patch("/api/v1/users/ada", {"roles": ["viewer"]}, content_type="application/json")
    assert own.status_code == 403 and "another administrator" in own.json()["error"]["message"]
    assert admin.patch("/api/v1/users/bob", {"is_active": False}, content_type="application/json").status_code == 200
    with pytest.raises(Conflict, match="last administrator"):  # e.g. from a script, acting as the system
        user_update(username="ada", actor=None, roles=["viewer"])
    assert roles_of(get_user_model().objects.get(username="ada")) == ["administrator"]


def test_a_locked_out_user_is_listed_as_such_and_an_administrator_unlocks_them():
    make_user("ada", Role.ADMINISTRATOR)
    make_user("petra", Role.PLANNER)
    for _ in range(5):
        login(Client(enforce_csrf_checks=True), "petra", "guess")
    assert login(Client(enforce_csrf_checks=True), "petra", PASSWORD).status_code == 403
    admin = signed_in("ada")
    listed = {u["username"]: u for u in admin.get("/api/v1/users/").json()}
    assert listed["petra"]["locked_out"] is True and listed["ada"]["locked_out"] is False
    unlocked = admin.patch("/api/v1/users/petra", {"unlock": True}, content_type="application/json")
    assert unlocked.status_code == 200 and unlocked.json()["locked_out"] is False
    assert login(Client(enforce_csrf_checks=True), "petra", PASSWORD).status_code == 200


def test_a_new_password_set_by_an_administrator_works_and_the_old_one_stops():
    make_user("ada", Role.ADMINISTRATOR)
    make_user("petra", Role.PLANNER)
    admin = signed_in("ada")
    weak = admin.patch("/api/v1/users/petra", {"password": "petra"}, content_type="application/json")
    assert weak.status_code == 400
    assert (
        admin.patch("/api/v1/users/petra", {"password": NEW_PASSWORD}, content_type="application/json").status_code
        == 200
    )
    assert login(Client(enforce_csrf_checks=True), "petra", PASSWORD).status_code == 400
    assert login(Client(enforce_csrf_checks=True), "petra", NEW_PASSWORD).status_code == 200
    missing = admin.patch("/api/v1/users/nobody", {"is_active": False}, content_type="application/json")
    assert missing.status_code == 404


def test_a_password_reset_revokes_the_users_tokens_and_ones_own_keeps_the_session():
    ada = make_user("ada", Role.ADMINISTRATOR)
    petra = make_user("petra", Role.PLANNER)
    _, key = token_issue(user=petra, name="laptop", role=Role.PLANNER.value)
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    admin = Client()
    admin.force_login(ada)
    assert (
        admin.patch("/api/v1/users/petra", {"password": NEW_PASSWORD}, content_type="application/json").status_code
        == 200
    )
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 403
    own = admin.patch("/api/v1/users/ada", {"password": NEW_PASSWORD + "-2"}, content_type="application/json")
    assert own.status_code == 200
    assert admin.get("/api/v1/users/").status_code == 200  # still signed in after changing one's own password
