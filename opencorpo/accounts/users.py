"""User administration: administrators list, create and change users — names, e-mail, roles held everywhere (their
groups), active or not, a new password — and unlock a user locked out by failed sign-ins. Users are deactivated,
never deleted, so that the audit trail keeps naming them. Roles given in one model are managed in model_roles.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.grants import IsAdministrator
from opencorpo.accounts.models import ApiToken
from opencorpo.accounts.roles import Role
from opencorpo.accounts.services import roles_ensure
from opencorpo.accounts.views import session_only
from opencorpo.core.audit import audit
from opencorpo.core.errors import Conflict, Forbidden, NotFound, UserError

ROLE_NAMES = [r.value for r in Role]


class UserAdminSerializer(serializers.Serializer[Any]):
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLE_NAMES), required=False, default=list)
    is_active = serializers.BooleanField(required=False, default=True)
    password = serializers.CharField(
        max_length=256, required=False, allow_blank=True, default="", write_only=True, trim_whitespace=False
    )
    last_login = serializers.DateTimeField(read_only=True, allow_null=True)
    locked_out = serializers.BooleanField(read_only=True)
    password_set = serializers.BooleanField(read_only=True)


class UserChangeSerializer(serializers.Serializer[Any]):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLE_NAMES), required=False)
    is_active = serializers.BooleanField(required=False)
    password = serializers.CharField(max_length=256, required=False, write_only=True, trim_whitespace=False)
    unlock = serializers.BooleanField(required=False, help_text="Clear the failed sign-ins that lock the user out.")


def _locked_out(usernames: list[str]) -> set[str]:
    from axes.models import AccessAttempt

    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).values_list("username", flat=True)
    )


def _as_json(user: Any, locked: set[str]) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "roles": [role for role in ROLE_NAMES if role in {g.name for g in user.groups.all()}],
        "is_active": user.is_active,
        "last_login": user.last_login,
        "locked_out": user.username in locked,
        "password_set": user.has_usable_password(),
    }


def users_list() -> list[dict[str, Any]]:
    users = list(get_user_model().objects.order_by("username").prefetch_related("groups"))
    locked = _locked_out([u.username for u in users])
    return [_as_json(u, locked) for u in users]


def _password_check(password: str, user: Any) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise UserError(
            "The password is too weak: " + " ".join(error.messages) + " Choose another.",
            fields={"password": list(error.messages)},
        ) from None


def _roles_set(user: Any, roles: list[str]) -> None:
    ids = roles_ensure()
    user.groups.remove(*[ids[r] for r in ROLE_NAMES if r not in roles])
    user.groups.add(*[ids[r] for r in roles])


def _administrators_left(excluding: Any) -> bool:
    """Whether another active user would still administer the installation (superusers count)."""
    admins = get_user_model().objects.filter(is_active=True).exclude(pk=excluding.pk)
    return admins.filter(is_superuser=True).exists() or admins.filter(groups__name=Role.ADMINISTRATOR.value).exists()


@transaction.atomic
def user_create(*, username: str, password: str = "", roles: list[str], actor: Any, **values: Any) -> dict[str, Any]:
    """A new user with the given global roles; without a password the user signs in through single sign-on only."""
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise Conflict(f"There is already a user {username!r}; choose another username.")
    user = user_model(username=username, **values)
    if password:
        _password_check(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # created by someone else since the check above
        raise Conflict(f"There is already a user {username!r}; choose another username.") from None
    _roles_set(user, roles)
    audit("user.create", username, {"roles": roles, "active": user.is_active}, actor=actor)
    return _as_json(user, set())


@transaction.atomic
def user_update(*, username: str, actor: Any, **changes: Any) -> dict[str, Any]:
    user = get_user_model().objects.select_for_update().filter(username=username).first()
    if user is None:
        raise NotFound(f"There is no user {username!r}.")
    roles = changes.pop("roles", None)
    password = changes.pop("password", None)
    unlock = changes.pop("unlock", False)
    demoted = roles is not None and Role.ADMINISTRATOR.value not in roles
    if (demoted or changes.get("is_active") is False) and user.pk == getattr(actor, "pk", None):
        raise Forbidden(
            "You cannot deactivate yourself or take your own administrator role; ask another administrator."
        )
    was_admin = user.is_superuser or user.groups.filter(name=Role.ADMINISTRATOR.value).exists()
    removing = was_admin and (demoted or changes.get("is_active") is False)
    if removing:  # one removal of an administrator at a time: two could otherwise each leave only the other
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('opencorpo.administrators'))")
    if removing and not _administrators_left(user):
        raise Conflict(f"{username!r} is the last administrator; make someone else administrator first.")
    for field, value in changes.items():
        setattr(user, field, value)
    if password is not None:
        _password_check(password, user)
        user.set_password(password)
    user.save()
    if roles is not None:
        _roles_set(user, roles)
    if changes.get("is_active") is False or password is not None:  # deactivated or reset: old tokens stop at once
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if unlock:
        from axes.utils import reset

        reset(username=username)
    details = {**changes, "roles": roles, "password_changed": password is not None, "unlocked": bool(unlock)}
    audit("user.update", username, {k: v for k, v in details.items() if v is not None}, actor=actor)
    return _as_json(user, set() if unlock else _locked_out([username]))


class UserListView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(responses=UserAdminSerializer(many=True), summary="Every user, with roles held everywhere")
    def get(self, request: Request) -> Response:
        session_only(request, "Users")
        return Response(users_list())

    @extend_schema(request=UserAdminSerializer, responses={201: UserAdminSerializer}, summary="Create a user")
    def post(self, request: Request) -> Response:
        session_only(request, "Users")
        data = UserAdminSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(user_create(**data.validated_data, actor=request.user), status=status.HTTP_201_CREATED)


class UserDetailView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(request=UserChangeSerializer, responses=UserAdminSerializer, summary="Change or unlock a user")
    def patch(self, request: Request, username: str) -> Response:
        session_only(request, "Users")
        data = UserChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = user_update(username=username, **data.validated_data, actor=request.user)
        if "password" in data.validated_data and username == request.user.get_username():
            own = get_user_model().objects.get(username=username)
            update_session_auth_hash(request._request, own)  # one's own new password keeps one signed in
        return Response(answer)
