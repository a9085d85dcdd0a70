"""Test helpers that build users with roles through the real services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group

from opencorpo.accounts.roles import Role
from opencorpo.accounts.services import roles_ensure

PASSWORD = "correct-horse-battery-9"


def make_user(username: str, role: Role | None = None) -> AbstractUser:
    roles_ensure()
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=username.title())
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user  # type: ignore[return-value]
