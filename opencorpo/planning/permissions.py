"""Role checks of the planning API: the caller's roles in the model of the URL (global plus per-model)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from opencorpo.accounts.access import model_in_scope
from opencorpo.accounts.models import ModelRole
from opencorpo.accounts.roles import Role, roles_of

MODELLERS = {Role.ADMINISTRATOR.value, Role.MODELLER.value}
LOCKERS = {Role.ADMINISTRATOR.value, Role.MODELLER.value, Role.APPROVER.value}
WRITERS = {Role.ADMINISTRATOR.value, Role.MODELLER.value, Role.PLANNER.value}


class ModelScoped(BasePermission):
    """Every model-scoped endpoint first checks that the caller may see the model at all; roles are those held
    everywhere plus those given in the model of the URL."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if "model" in view.kwargs:
            model_id = model_in_scope(request.user, view.kwargs["model"]) if request.user.is_authenticated else None
            self.roles = set(roles_of(request.user, model_id))
        else:  # a list across models: a role anywhere lets one read it; creating a model needs a global role
            self.roles = set(roles_of(request.user))
            if request.method in SAFE_METHODS and request.user.is_authenticated:
                self.roles |= set(ModelRole.objects.filter(user_id=request.user.pk).values_list("role", flat=True))
        return self.allowed(request)

    def allowed(self, request: Request) -> bool:
        raise NotImplementedError


class ReadOrModel(ModelScoped):
    """Anyone with a role reads structure; administrators and modellers change it."""

    message = "Only modellers and administrators change a model's structure. Ask one of them."

    def allowed(self, request: Request) -> bool:
        return bool(self.roles) if request.method in SAFE_METHODS else bool(self.roles & MODELLERS)


class ReadOrLock(ModelScoped):
    """As ReadOrModel, and approvers may send changes too: the structure service then lets them lock and unlock
    periods and versions only (opencorpo/planning/structure.py)."""

    message = "Only modellers and administrators change a model's structure, and approvers lock periods. Ask one."

    def allowed(self, request: Request) -> bool:
        return bool(self.roles) if request.method in SAFE_METHODS else bool(self.roles & LOCKERS)


class CanWriteCells(ModelScoped):
    message = "Only planners, modellers and administrators enter values. Ask an administrator for the planner role."

    def allowed(self, request: Request) -> bool:
        return bool(self.roles & WRITERS)


class CanRead(ModelScoped):
    message = "Your account has no role yet. Ask an administrator to give you one."

    def allowed(self, request: Request) -> bool:
        return bool(self.roles)
