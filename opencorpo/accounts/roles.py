"""The five roles and what each may do (docs/security.md): held everywhere as Django groups, or in one model
(`ModelRole`); a model's effective roles are the union."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    MODELLER = "modeller"
    PLANNER = "planner"
    APPROVER = "approver"
    VIEWER = "viewer"


ROLE_DESCRIPTIONS = {
    Role.ADMINISTRATOR: "users, roles, access, imports, tokens and every model",
    Role.MODELLER: "builds models: dimensions, hierarchies, cubes, formulas",
    Role.PLANNER: "enters and submits the budget of the units they own",
    Role.APPROVER: "reviews, approves or rejects submissions; locks periods",
    Role.VIEWER: "reads dashboards and reports",
}


def roles_of(user: AbstractBaseUser | AnonymousUser, model_id: int | None = None) -> list[str]:
    """The user's roles: those held everywhere (their groups), plus, with `model_id`, those given in that model."""
    if not user.is_authenticated:
        return []
    names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
    if model_id is not None:
        from django.db.models import Q

        from opencorpo.accounts.models import ModelRole

        names |= set(
            ModelRole.objects.filter(model_id=model_id)
            .filter(Q(user_id=user.pk) | Q(group__in=user.groups.all()))  # type: ignore[attr-defined]
            .values_list("role", flat=True)
        )
    if getattr(user, "is_superuser", False):
        names.add(Role.ADMINISTRATOR)
    token_role = getattr(user, "token_role", None)  # a request made with an API token acts with its role only
    if token_role is not None:
        names = {token_role} if may_delegate(names, token_role) else set()
    return [role.value for role in Role if role.value in names]


def may_delegate(held: set[str], role: str) -> bool:
    """Whether someone holding `held` may give `role` to a token: administrators any, others their own or viewer."""
    return Role.ADMINISTRATOR.value in held or role in held or (role == Role.VIEWER.value and bool(held))


def has_role(user: AbstractBaseUser | AnonymousUser, role: Role, model_id: int | None = None) -> bool:
    return role.value in roles_of(user, model_id)
