"""Account services: role groups and the demo users."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from opencorpo.accounts.roles import Role

# (role held everywhere, username, full name): one user per role, and a planner whose grants limit them to Europe
# (opencorpo/demo/company.py gives the grant), to show member-level access.
DEMO_USERS: list[tuple[Role, str, str]] = [
    (Role.ADMINISTRATOR, "admin", "Ada Admin"),
    (Role.MODELLER, "modeller", "Max Modeller"),
    (Role.PLANNER, "planner", "Pia Planner"),
    (Role.APPROVER, "approver", "Arne Approver"),
    (Role.VIEWER, "viewer", "Vera Viewer"),
    (Role.PLANNER, "eu-planner", "Emil Europe"),
]


def roles_ensure() -> dict[str, int]:
    """Create the role groups that do not exist yet; return their ids."""
    return {role.value: Group.objects.get_or_create(name=role.value)[0].pk for role in Role}


@transaction.atomic
def demo_users_ensure(*, password_hashes: dict[str, str] | None = None) -> list[str]:
    """Create the demo users (idempotent); set a password only from a given hash, never in clear."""
    user_model = get_user_model()
    group_ids = roles_ensure()
    created = []
    for role, username, full_name in DEMO_USERS:
        first, last = full_name.split(" ", 1)
        user, was_created = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.opencorpo.invalid"},
        )
        if was_created:
            created.append(username)
            user.set_unusable_password()
        if password_hashes and username in password_hashes:
            user.password = password_hashes[username]
        if role == Role.ADMINISTRATOR:
            user.is_staff = True
        user.save()
        user.groups.add(group_ids[role.value])
    return created
