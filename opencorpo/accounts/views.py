"""Session sign-in for the browser: CSRF cookie, login, logout and the current user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.roles import roles_of
from opencorpo.core.errors import UserError


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
        if user is None or not user.is_active:
            raise InvalidCredentials("Wrong username or password. Check them and try again.")
        login(request._request, user)
        return Response({"user": UserSerializer(user).data})


class LogoutView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=None, responses=inline_serializer("Empty", {}))
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response({})


class MeView(APIView):
    @extend_schema(responses=UserEnvelope)
    def get(self, request: Request) -> Response:
        return Response({"user": UserSerializer(request.user).data})
