"""Errors a user can cause, and their mapping to JSON responses; the API never answers with an HTML page."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from opencorpo.core.observability import request_id_var
from opencorpo.engine.errors import EngineError

logger = logging.getLogger(__name__)


CLOSED_MARK = "opencorpo-closed:"  # raised by the planning_fact triggers (planning migration 0006)
CLOSED_MESSAGE = "The version or period is locked; ask an approver to unlock it before changing values."


class UserError(Exception):
    """Base for errors caused by what a user sent; the message says what is wrong and what to do."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(
        self, message: str, *, fields: dict[str, list[str]] | None = None, extra: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.extra = extra or {}


class NotFound(UserError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Forbidden(UserError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class Conflict(UserError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


def error_body(code: str, message: str, *, fields: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "request_id": request_id_var.get()}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return {"error": body}


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(key): [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    return {}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF hook: every error leaves as {"error": {code, message, fields?, request_id}}."""
    if isinstance(exc, UserError):
        return Response(error_body(exc.code, exc.message, fields=exc.fields, **exc.extra), status=exc.status_code)
    if isinstance(exc, EngineError):  # a model the engine cannot evaluate: the message names the members at fault
        return Response(error_body("invalid_model", exc.message), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError) and CLOSED_MARK in str(exc):  # the database's own lock guard refused
        return Response(error_body("version_locked", CLOSED_MESSAGE), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's handler500 answers with JSON
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = "Some fields are not valid: " + "; ".join(
            f"{name}: {' '.join(msgs)}" for name, msgs in fields.items()
        )
        if not fields:
            message = " ".join(str(item) for item in exc.detail) if isinstance(exc.detail, list) else str(exc.detail)
        response.data = error_body("invalid", message, fields=fields or None)
    elif isinstance(exc, exceptions.AuthenticationFailed):
        response.data = error_body("authentication_failed", str(exc.detail))
    elif isinstance(exc, exceptions.NotAuthenticated):
        response.data = error_body("not_authenticated", "You are not signed in. Sign in and try again.")
    elif isinstance(exc, exceptions.PermissionDenied):
        message = (
            str(exc.detail)
            if exc.detail != exceptions.PermissionDenied.default_detail
            else ("You do not have permission to do this. Ask an administrator for access.")
        )
        response.data = error_body("forbidden", message)
    else:
        response.data = error_body(
            str(exc.get_codes()) if isinstance(exc.get_codes(), str) else "error", str(exc.detail)
        )
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", f"Nothing lives at {request.path}. Check the address."), status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    message = (
        "Something went wrong on our side; it has been logged. Try again, and quote the request id if it persists."
    )
    return JsonResponse(error_body("server_error", message), status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("forbidden", "You do not have permission to do this."), status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(
        error_body("bad_request", "The request could not be understood. Check it and try again."), status=400
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    message = "The CSRF token is missing or wrong. Reload the page (or GET /api/v1/auth/csrf) and send X-CSRFToken."
    return JsonResponse(error_body("csrf_failed", message), status=403)
