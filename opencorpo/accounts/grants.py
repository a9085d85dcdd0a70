"""Grant services and API: administrators give users or groups none/read/write on a member's subtree."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.access import model_in_scope
from opencorpo.accounts.models import Access, Grant
from opencorpo.accounts.roles import Role, has_role
from opencorpo.core.audit import audit
from opencorpo.core.errors import NotFound, UserError


class IsAdministrator(BasePermission):
    message = "Only administrators manage access. Ask one of them."

    def has_permission(self, request: Request, view: Any) -> bool:
        model_id = None
        if "model" in view.kwargs and request.user.is_authenticated:
            model_id = model_in_scope(request.user, view.kwargs["model"])
        return has_role(request.user, Role.ADMINISTRATOR, model_id)


class GrantSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    dimension = serializers.CharField(max_length=64)
    member = serializers.CharField(max_length=64)
    user = serializers.CharField(max_length=150, required=False, allow_null=True, default=None)
    group = serializers.CharField(max_length=150, required=False, allow_null=True, default=None)
    access = serializers.ChoiceField(choices=Access.choices)


def _as_json(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "dimension": grant.dimension.code,
        "member": grant.member.code,
        "user": grant.user.get_username() if grant.user else None,
        "group": grant.group.name if grant.group else None,
        "access": grant.access,
    }


def grant_set(*, model: Any, dimension: str, member: str, access: str, user: str | None, group: str | None) -> Grant:
    """Create or change the grant of one user or group on one member (one grant per member and principal)."""
    if (user is None) == (group is None):
        raise UserError("Name either a user or a group, not both.", fields={"user": ["or group"]})
    found = model.dimensions.filter(code=dimension).first()
    if found is None:
        raise NotFound(f"Model {model.code!r} has no dimension {dimension!r}.")
    target = found.members.filter(code=member).first()
    if target is None:
        raise NotFound(f"Dimension {dimension!r} has no member {member!r}.")
    principal: dict[str, Any] = {}
    if user is not None:
        principal["user"] = get_user_model().objects.filter(username=user).first()
        if principal["user"] is None:
            raise NotFound(f"There is no user {user!r}.")
    else:
        principal["group"] = Group.objects.filter(name=group).first()
        if principal["group"] is None:
            raise NotFound(f"There is no group {group!r}.")
    grant, _ = Grant.objects.update_or_create(
        member=target, **principal, defaults={"model": model, "dimension": found, "access": access}
    )
    audit("grant.set", f"{model.code}/{dimension}/{member}", {"user": user, "group": group, "access": access})
    return grant


class GrantListView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(responses=GrantSerializer(many=True))
    def get(self, request: Request, model: str) -> Response:
        from opencorpo.planning.views import model_get

        grants = Grant.objects.filter(model=model_get(model)).select_related("dimension", "member", "user", "group")
        return Response([_as_json(g) for g in grants])

    @extend_schema(request=GrantSerializer, responses={201: GrantSerializer})
    def post(self, request: Request, model: str) -> Response:
        from opencorpo.planning.views import model_get

        data = GrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = grant_set(model=model_get(model), **{k: v for k, v in data.validated_data.items() if k != "id"})
        return Response(_as_json(grant), status=status.HTTP_201_CREATED)


class GrantDetailView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, model: str, grant_id: int) -> Response:
        found = Grant.objects.filter(model__code=model, pk=grant_id).select_related("dimension", "member").first()
        if found is None:
            raise NotFound(f"Model {model!r} has no grant {grant_id}.")
        audit("grant.delete", f"{model}/{found.dimension.code}/{found.member.code}", _as_json(found))
        found.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
