"""Role checks of the planning API (roles are global until per-model roles arrive with the security work)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from opencorpo.accounts.roles import Role, roles_of

MODELLERS = {Role.ADMINISTRATOR.value, Role.MODELLER.value}
WRITERS = {Role.ADMINISTRATOR.value, Role.MODELLER.value, Role.PLANNER.value}


class ReadOrModel(BasePermission):
    """Anyone with a role reads structure; administrators and modellers change it."""

    message = "Only modellers and administrators change a model's structure. Ask one of them."

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = set(roles_of(request.user))
        return bool(roles) if request.method in SAFE_METHODS else bool(roles & MODELLERS)


class CanWriteCells(BasePermission):
    message = "Only planners, modellers and administrators enter values. Ask an administrator for the planner role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(set(roles_of(request.user)) & WRITERS)


class CanRead(BasePermission):
    message = "Your account has no role yet. Ask an administrator to give you one."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(roles_of(request.user))
