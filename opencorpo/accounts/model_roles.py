"""Roles per model: administrators of a model give users or groups a role in that model only."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.grants import IsAdministrator
from opencorpo.accounts.models import ModelRole
from opencorpo.accounts.roles import Role
from opencorpo.core.audit import audit
from opencorpo.core.errors import NotFound, UserError


class ModelRoleSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    user = serializers.CharField(max_length=150, required=False, allow_null=True, default=None)
    group = serializers.CharField(max_length=150, required=False, allow_null=True, default=None)
    role = serializers.ChoiceField(choices=[r.value for r in Role])


def _as_json(item: ModelRole) -> dict[str, Any]:
    return {
        "id": item.pk,
        "user": item.user.get_username() if item.user else None,
        "group": item.group.name if item.group else None,
        "role": item.role,
    }


def model_role_give(*, model: Any, role: str, user: str | None, group: str | None) -> ModelRole:
    if (user is None) == (group is None):
        raise UserError("Name either a user or a group, not both.", fields={"user": ["or group"]})
    if user is not None:
        found = get_user_model().objects.filter(username=user).first()
        if found is None:
            raise NotFound(f"There is no user {user!r}.")
        item, _ = ModelRole.objects.get_or_create(model=model, user=found, group=None, role=role)
    else:
        team = Group.objects.filter(name=group).first()
        if team is None:
            raise NotFound(f"There is no group {group!r}.")
        item, _ = ModelRole.objects.get_or_create(model=model, user=None, group=team, role=role)
    audit("role.give", model.code, {"user": user, "group": group, "role": role})
    return item


class ModelRoleListView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(responses=ModelRoleSerializer(many=True), summary="Roles given in this model")
    def get(self, request: Request, model: str) -> Response:
        from opencorpo.planning.views import model_get

        found = ModelRole.objects.filter(model=model_get(model)).select_related("user", "group")
        return Response([_as_json(item) for item in found])

    @extend_schema(request=ModelRoleSerializer, responses={201: ModelRoleSerializer}, summary="Give a role here")
    def post(self, request: Request, model: str) -> Response:
        from opencorpo.planning.views import model_get

        data = ModelRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "id"}
        return Response(_as_json(model_role_give(model=model_get(model), **values)), status=status.HTTP_201_CREATED)


class ModelRoleDetailView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(responses={204: None}, summary="Take a role given in this model back")
    def delete(self, request: Request, model: str, role_id: int) -> Response:
        found = ModelRole.objects.filter(model__code=model, pk=role_id).select_related("user", "group").first()
        if found is None:
            raise NotFound(f"Model {model!r} has no role assignment {role_id}.")
        audit("role.take", model, _as_json(found))
        found.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
