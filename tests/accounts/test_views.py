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
