"""Session sign-in for the browser: CSRF cookie, login, logout and the current user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.models import ApiToken
from opencorpo.accounts.roles import Role, roles_of
from opencorpo.accounts.tokens import token_issue, token_revoke
from opencorpo.core.audit import audit
from opencorpo.core.errors import Forbidden, NotFound, UserError


class UserSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    roles = serializers.SerializerMethodField()

    def get_roles(self, user: Any) -> list[str]:
        return roles_of(user)


class LoginSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


UserEnvelope = inline_serializer("UserEnvelope", {"user": UserSerializer()})


class InvalidCredentials(UserError):
    code = "invalid_credentials"


class LockedOut(UserError):
    status_code = 403
    code = "locked_out"


LOCKED_OUT_MESSAGE = (
    "Too many failed sign-ins for this user from your address. Wait 15 minutes, or ask an administrator to unlock."
)


def lockout_response(request: Any, credentials: Any = None, *args: Any, **kwargs: Any) -> Any:
    """What axes answers for a locked-out sign-in: the API's JSON error, never an HTML page."""
    from django.http import JsonResponse

    from opencorpo.core.errors import error_body

    return JsonResponse(error_body("locked_out", LOCKED_OUT_MESSAGE), status=403)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=inline_serializer("CsrfToken", {"csrf_token": serializers.CharField()}))
    def get(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(request._request)})


@method_decorator(csrf_protect, name="dispatch")  # DRF checks CSRF only for signed-in users; login needs it too
class LoginView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=LoginSerializer, responses=UserEnvelope)
    def post(self, request: Request) -> Response:
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, **data.validated_data)
        username = data.validated_data["username"]
        if getattr(request._request, "axes_locked_out", False):
            _signin_event("login.locked_out", username)
            raise LockedOut(LOCKED_OUT_MESSAGE)
        if user is None or not user.is_active:
            _signin_event("login.failed", username)
            raise InvalidCredentials("Wrong username or password. Check them and try again.")
        login(request._request, user)
        audit("login", user.get_username(), actor=user)
        return Response({"user": UserSerializer(user).data})


def _signin_event(action: str, username: str) -> None:
    """A failed or refused sign-in is kept even though the request fails (its own transaction), never the password."""
    with transaction.atomic():
        audit(action, username[:150])


class LogoutView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=None, responses=inline_serializer("Empty", {}))
    def post(self, request: Request) -> Response:
        if request.user.is_authenticated:
            audit("logout", request.user.get_username(), actor=request.user)
        logout(request._request)
        return Response({})


class MeView(APIView):
    @extend_schema(responses=UserEnvelope)
    def get(self, request: Request) -> Response:
        return Response({"user": UserSerializer(request.user).data})


class TokenSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=[r.value for r in Role])
    model = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)
    prefix = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True)


def _as_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "role": token.role,
        "model": token.model.code if token.model else None,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def session_only(request: Request, what: str) -> None:
    """Refuses a request made with an API token: `what` ("Tokens", "Users") is managed from a signed-in session."""
    if isinstance(request.auth, ApiToken):
        raise Forbidden(f"{what} are managed from a signed-in session, not with an API token.")


class TokenListView(APIView):
    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        tokens = (
            ApiToken.objects.filter(user_id=int(request.user.pk or 0)).select_related("model").order_by("-created_at")
        )
        return Response([_as_json(t) for t in tokens])

    @extend_schema(request=TokenSerializer, responses={201: TokenSerializer}, summary="Create a token (key shown once)")
    def post(self, request: Request) -> Response:
        session_only(request, "Tokens")
        data = TokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        model = None
        if data.validated_data["model"]:
            from opencorpo.planning.views import model_get

            model = model_get(data.validated_data["model"])
        token, key = token_issue(
            user=request.user, name=data.validated_data["name"], role=data.validated_data["role"], model=model
        )
        return Response({**_as_json(token), "key": key}, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    @extend_schema(responses={204: None}, summary="Revoke a token")
    def delete(self, request: Request, token_id: int) -> Response:
        session_only(request, "Tokens")
        token = ApiToken.objects.filter(pk=token_id, user_id=int(request.user.pk or 0), revoked_at__isnull=True).first()
        if token is None:
            raise NotFound(f"You have no active token {token_id}.")
        token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
