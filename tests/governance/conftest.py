"""The small planning model of tests/planning (entities WORLD > EAST (E1, E2), WEST (W1)), people with roles, and
helpers to grant access and assign approvers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from opencorpo.accounts.models import Grant
from opencorpo.accounts.roles import Role
from opencorpo.governance.approvals import approval_transition, approver_assign
from opencorpo.planning.models import Member
from tests.factories import make_user
from tests.planning.conftest import cube, model  # noqa: F401


def grant(model, principal, dimension: str, code: str, access: str) -> None:  # noqa: F811
    member = Member.objects.get(dimension__model=model, dimension__code=dimension, code=code)
    target = {"group": principal} if isinstance(principal, Group) else {"user": principal}
    Grant.objects.create(model=model, dimension=member.dimension, member=member, access=access, **target)


def person(username: str, role: Role | None, email: bool = True):
    user = make_user(username, role)
    if email:
        user.email = f"{username}@example.com"
        user.save(update_fields=["email"])
    return user


@pytest.fixture
def people(model):  # noqa: F811
    """pia plans EAST, ann approves WORLD (so everything), walt approves WEST only, ada administers, vic views."""
    crew = {
        "pia": person("pia", Role.PLANNER),
        "ann": person("ann", Role.APPROVER),
        "walt": person("walt", Role.APPROVER),
        "ada": person("ada", Role.ADMINISTRATOR),
        "vic": person("vic", Role.VIEWER),
    }
    grant(model, crew["pia"], "entity", "EAST", "write")
    approver_assign(model=model, entity="WORLD", user="ann")
    approver_assign(model=model, entity="WEST", user="walt")
    return crew


def move(model, user, action: str, entity: str = "EAST", version: str = "budget", comment: str = ""):  # noqa: F811
    return approval_transition(model=model, version=version, entity=entity, action=action, user=user, comment=comment)
