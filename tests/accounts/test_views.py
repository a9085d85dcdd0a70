"""Browser sign-in through the API: CSRF cookie, login, me, logout."""

from __future__ import annotations

import pytest
from django.test import Client

from opencorpo.accounts.roles import Role
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str):
    token = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    return client.post(
        "/api/v1/auth/login",
        {"username": username, "password": password},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )


def test_login_me_logout_round_trip():
    make_user("petra", Role.PLANNER)
    client = Client(enforce_csrf_checks=True)
    response = login(client, "petra", PASSWORD)
    assert response.status_code == 200
    assert response.json()["user"] == {"username": "petra", "full_name": "Petra", "roles": ["planner"]}
    assert client.get("/api/v1/auth/me").json()["user"]["username"] == "petra"
    token = client.get("/api/v1/auth/csrf").json()["csrf_token"]  # rotated at login
    assert client.post("/api/v1/auth/logout", HTTP_X_CSRFTOKEN=token).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 403


def test_a_wrong_password_is_a_400_that_does_not_say_which_part_was_wrong():
    make_user("petra")
    response = login(Client(enforce_csrf_checks=True), "petra", "wrong")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert response.json()["error"]["message"] == "Wrong username or password. Check them and try again."
    unknown = login(Client(enforce_csrf_checks=True), "nobody", "wrong").json()["error"]["message"]
    assert unknown == response.json()["error"]["message"]


def test_login_without_csrf_token_is_refused():
    make_user("petra")
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/auth/login", {"username": "petra", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"


def test_repeated_failures_lock_the_user_out_from_that_address_only():
    make_user("petra")
    for _ in range(4):
        assert login(Client(enforce_csrf_checks=True), "petra", "guess").status_code == 400
    assert login(Client(enforce_csrf_checks=True), "petra", "guess").status_code == 403  # the fifth failure locks
    locked = login(Client(enforce_csrf_checks=True), "petra", PASSWORD)  # even the right password
    assert locked.status_code == 403 and locked.json()["error"]["code"] == "locked_out"
    assert "Wait 15 minutes" in locked.json()["error"]["message"]
    elsewhere = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.9.8.7")
    assert login(elsewhere, "petra", PASSWORD).status_code == 200  # a different address is not locked


def test_pages_carry_a_content_security_policy_and_other_secure_headers():
    response = Client().get("/login")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
