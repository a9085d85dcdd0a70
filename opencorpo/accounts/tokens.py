"""API tokens for machines: issued once, stored as a digest, sent as `Authorization: Bearer oc_…`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from opencorpo.accounts.models import ApiToken
from opencorpo.accounts.roles import Role, may_delegate, roles_of

KEY_PREFIX = "oc_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user: Any, name: str, role: str, model: Any = None) -> tuple[ApiToken, str]:
    """A new token acting as `user` with at most `role`; the key is returned here and never again."""
    from opencorpo.core.errors import Forbidden, UserError  # not at import: DRF loads this module early

    if role not in [r.value for r in Role]:
        raise UserError(f"Unknown role {role!r}; use one of {', '.join(r.value for r in Role)}.")
    if not may_delegate(set(roles_of(user)), role):
        raise Forbidden(f"You do not hold the {role} role, so you cannot give it to a token.")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(key), role=role, model=model)
    from opencorpo.core.audit import audit

    audit("token.create", f"{user.get_username()}/{prefix}", {"name": name, "role": role, "model": model})
    return token, key


def token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    from opencorpo.core.audit import audit

    audit("token.revoke", f"{token.user.get_username()}/{token.prefix}", {"name": token.name})


class TokenAuthentication(authentication.BaseAuthentication):
    """DRF authentication by bearer token; the user acts with the token's role and model only."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if len(header) != 2 or header[0] != self.keyword or not header[1].startswith(KEY_PREFIX):
            return None
        key = header[1]
        prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
        token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
        if token is None or not hmac.compare_digest(token.digest, _digest(key)) or not token.user.is_active:
            raise exceptions.AuthenticationFailed("The API token is unknown or revoked; create a new one.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        user.token_role = token.role  # type: ignore[attr-defined]  # roles_of() narrows the user to this role
        user.token_model_id = token.model_id  # type: ignore[attr-defined]  # access_scope() refuses other models
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
