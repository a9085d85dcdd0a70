"""The five roles and what each may do (docs/security.md): held everywhere as Django groups, or in one model
(`ModelRole`); a model's effective roles are the union. `role_require` is the check every service makes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from opencorpo.accounts.memo import remembered


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
BUILDERS = (Role.ADMINISTRATOR, Role.MODELLER)  # change structure: models, dimensions, members, cubes, allocations
LOCKERS = (Role.ADMINISTRATOR, Role.MODELLER, Role.APPROVER)  # lock and unlock periods and versions
PLURALS = {
    Role.ADMINISTRATOR: "administrators",
    Role.MODELLER: "modellers",
    Role.PLANNER: "planners",
    Role.APPROVER: "approvers",
    Role.VIEWER: "viewers",
}


def roles_of(user: AbstractBaseUser | AnonymousUser, model_id: int | None = None) -> list[str]:
    """The user's roles: those held everywhere (their groups), plus, with `model_id`, those given in that model.
    Read once per user object (in a request: once per request) until roles change (accounts/memo.py)."""
    if not user.is_authenticated:
        return []
    names = set(remembered(user, ("groups",), lambda: _group_roles(user)))
    if model_id is not None:
        names |= remembered(user, ("model roles", model_id), lambda: _model_roles(user, model_id))
    if getattr(user, "is_superuser", False):
        names.add(Role.ADMINISTRATOR)
    token_role = getattr(user, "token_role", None)  # a request made with an API token acts with its role only
    if token_role is not None:
        names = {token_role} if may_delegate(names, token_role) else set()
    return [role.value for role in Role if role.value in names]


def _group_roles(user: Any) -> frozenset[str]:
    return frozenset(user.groups.values_list("name", flat=True))


def _model_roles(user: Any, model_id: int) -> frozenset[str]:
    from django.db.models import Q

    from opencorpo.accounts.models import ModelRole

    return frozenset(
        ModelRole.objects.filter(model_id=model_id)
        .filter(Q(user_id=user.pk) | Q(group__in=user.groups.all()))
        .values_list("role", flat=True)
    )


def may_delegate(held: set[str], role: str) -> bool:
    """Whether someone holding `held` may give `role` to a token: administrators any, others their own or viewer."""
    return Role.ADMINISTRATOR.value in held or role in held or (role == Role.VIEWER.value and bool(held))


def has_role(user: AbstractBaseUser | AnonymousUser, role: Role, model_id: int | None = None) -> bool:
    return role.value in roles_of(user, model_id)


def role_require(user: Any, model_id: int | None, *roles: Role, action: str) -> None:
    """Refuse (403) unless the user holds one of `roles` in the model (`model_id` None: held everywhere). `None` as
    the user is the system itself (the demo, the CLI, jobs run by an operator), which may do anything."""
    if user is None:
        return
    token_model = getattr(user, "token_model_id", None)  # a token limited to another model holds nothing here
    held = set() if token_model is not None and token_model != model_id else set(roles_of(user, model_id))
    if held.isdisjoint(role.value for role in roles):
        from opencorpo.core.errors import Forbidden  # not at the top: it loads DRF, whose settings load this module

        allowed = [PLURALS[role] for role in Role if role in roles]
        who = ", ".join(allowed[:-1]) + f" and {allowed[-1]}" if len(allowed) > 1 else allowed[0]
        where = " (held everywhere, not in one model)" if model_id is None else ""
        suggested = [role for role in Role if role in roles][-1]  # the least of the roles that would do
        raise Forbidden(
            f"Only {who}{where} may {action}. Ask an administrator for the {suggested.value} role.",
            extra={"required": [role.value for role in Role if role in roles]},
        )
