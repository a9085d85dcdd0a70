"""Role checks of the planning API (roles are global until per-model roles arrive with the security work)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from opencorpo.accounts.access import model_in_scope
from opencorpo.accounts.roles import Role, roles_of

MODELLERS = {Role.ADMINISTRATOR.value, Role.MODELLER.value}
WRITERS = {Role.ADMINISTRATOR.value, Role.MODELLER.value, Role.PLANNER.value}


class ModelScoped(BasePermission):
    """Every model-scoped endpoint first checks that the caller may see the model at all."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if "model" in view.kwargs and request.user.is_authenticated:
            model_in_scope(request.user, view.kwargs["model"])
        return self.allowed(request)

    def allowed(self, request: Request) -> bool:
        raise NotImplementedError


class ReadOrModel(ModelScoped):
    """Anyone with a role reads structure; administrators and modellers change it."""

    message = "Only modellers and administrators change a model's structure. Ask one of them."

    def allowed(self, request: Request) -> bool:
        roles = set(roles_of(request.user))
        return bool(roles) if request.method in SAFE_METHODS else bool(roles & MODELLERS)


class CanWriteCells(ModelScoped):
    message = "Only planners, modellers and administrators enter values. Ask an administrator for the planner role."

    def allowed(self, request: Request) -> bool:
        return bool(set(roles_of(request.user)) & WRITERS)


class CanRead(ModelScoped):
    message = "Your account has no role yet. Ask an administrator to give you one."

    def allowed(self, request: Request) -> bool:
        return bool(roles_of(request.user))
