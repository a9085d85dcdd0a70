"""Request id, structured access logs and per-request latency/DB-time metrics."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

from opencorpo.core import metrics

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("opencorpo.access")


class RequestContextFilter(logging.Filter):
    """Adds the current request id (or job id) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class _QueryTimer:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


class RequestContextMiddleware:
    """Assigns a request id, times the request and its database work, and writes one JSON access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        from opencorpo.core.audit import current_request

        current = current_request.set(request)
        timer = _QueryTimer()
        started = time.perf_counter()
        try:
            with connection.execute_wrapper(timer):
                response = self.get_response(request)
        finally:
            request_id_var.reset(token)
            current_request.reset(current)
        elapsed = time.perf_counter() - started
        route = _route_of(request)
        response["X-Request-ID"] = request_id
        if route != "metrics":
            metrics.REQUEST_SECONDS.labels(request.method or "-", route, str(response.status_code)).observe(elapsed)
            metrics.REQUEST_DB_SECONDS.labels(route).observe(timer.seconds)
            metrics.REQUEST_DB_QUERIES.labels(route).observe(timer.count)
        user = getattr(request, "user", None)
        access_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                "db_ms": round(timer.seconds * 1000, 2),
                "db_queries": timer.count,
                "user_id": getattr(user, "pk", None),
            },
        )
        return response


def _route_of(request: HttpRequest) -> str:
    """The URL pattern rather than the raw path, so metric labels stay few."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.route or match.view_name or "unmatched"
