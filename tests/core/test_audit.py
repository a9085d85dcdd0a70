"""The audit log: structure, access, sign-ins and tokens, with the actor; append-only in the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.test import Client

from opencorpo.accounts.roles import Role
from opencorpo.core.models import AuditEvent
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_structure_access_sign_ins_and_tokens_are_logged_with_their_actor(cube):
    admin = make_user("ada", Role.ADMINISTRATOR)
    client = Client()
    assert (
        client.post(
            "/api/v1/auth/login", {"username": "ada", "password": "wrong"}, content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/auth/login", {"username": "ada", "password": PASSWORD}, content_type="application/json"
        ).status_code
        == 200
    )
    client.patch(
        "/api/v1/models/acme/dimensions/account/members/RENT",
        {"name": "Rent and leases"},
        content_type="application/json",
    )
    client.post(
        "/api/v1/models/acme/grants/",
        {"dimension": "entity", "member": "EAST", "user": "ada", "access": "read"},
        content_type="application/json",
    )
    created = client.post("/api/v1/tokens/", {"name": "etl", "role": "viewer"}, content_type="application/json")
    key = created.json()["key"]
    client.delete(f"/api/v1/tokens/{created.json()['id']}")
    events = list(AuditEvent.objects.order_by("id").values_list("action", "actor_name", "target"))
    assert events[-6:] == [
        ("login.failed", "system", "ada"),
        ("login", "ada", "ada"),
        ("member.update", "ada", "acme/account/RENT"),
        ("grant.set", "ada", "acme/entity/EAST"),
        ("token.create", "ada", f"ada/{key.split('_')[1]}"),
        ("token.revoke", "ada", f"ada/{key.split('_')[1]}"),
    ]
    assert AuditEvent.objects.get(action="member.update").details == {"name": "Rent and leases"}
    everything = str(list(AuditEvent.objects.values_list("details", flat=True)))
    assert key not in everything and "wrong" not in everything and PASSWORD not in everything
    log = client.get("/api/v1/audit/?action=token").json()
    assert [e["action"] for e in log] == ["token.revoke", "token.create"]
    viewer = Client()
    viewer.force_login(make_user("vic", Role.VIEWER))
    assert viewer.get("/api/v1/audit/").status_code == 403
    del admin


def test_the_audit_log_is_append_only_in_the_database(cube):
    assert AuditEvent.objects.exists()  # creating the fixture's model and members was logged
    for statement in ("UPDATE core_auditevent SET action = 'x'", "DELETE FROM core_auditevent"):
        with (
            pytest.raises((IntegrityError, InternalError, ProgrammingError), match="append-only"),
            transaction.atomic(),
        ):
            connection.cursor().execute(statement)
