"""Audit events: structure, access, sign-ins and tokens. The actor is the signed-in user of the current request
(session or token: DRF sets the request's user once it authenticates), or the system."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest

from opencorpo.core.observability import request_id_var

logger = logging.getLogger("opencorpo.audit")
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)
SECRET_KEYS = {"password", "key", "token", "secret"}


def audit(action: str, target: str = "", details: dict[str, Any] | None = None, actor: Any = None) -> None:
    """Record one event (in the caller's transaction: it is kept only if the change is) and log it."""
    from opencorpo.core.models import AuditEvent

    if actor is None:
        request = current_request.get()
        actor = getattr(request, "user", None) if request is not None else None
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    clean = {k: ("***" if k in SECRET_KEYS else _plain(v)) for k, v in (details or {}).items()}
    name = actor.get_username() if actor is not None else "system"
    AuditEvent.objects.create(
        actor=actor, actor_name=name, action=action, target=target[:255], details=clean, request_id=request_id_var.get()
    )
    logger.info("audit", extra={"data": {"action": action, "target": target, "actor": name}})


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return getattr(value, "code", None) or str(value)
