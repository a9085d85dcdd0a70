"""Optional single sign-on with an OpenID Connect provider, on when OIDC_ISSUER is set (docs/security.md).

Authlib does the protocol: discovery from `{OIDC_ISSUER}/.well-known/openid-configuration`, the authorization code
flow with PKCE (S256), state and nonce kept in the session, the token exchange, and the ID token checks (signature
against the provider's JWKS, issuer, audience, expiry, nonce). This module turns the verified claims into a local
user with the mapped roles and a Django session, and every refusal into the API's JSON error.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.services import roles_ensure
from opencorpo.core.audit import audit
from opencorpo.core.errors import UserError

AFTER_SIGN_IN = "/app/"
NEXT_KEY = "oidc_next"  # the session key of the page to return to after signing in
NEXT_MAX_LENGTH = 2000
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
HTTP_TIMEOUT_SECONDS = 10
CLOCK_LEEWAY_SECONDS = 60
NOT_CONFIGURED = (
    "Single sign-on is not configured on this server: sign in with your username and password, "
    "or ask an administrator to set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET."
)
START_AGAIN = "Start again from the sign-in page."


class SsoError(UserError):
    """A refused single sign-on; `username` (when known) goes to the audit trail."""

    def __init__(self, code: str, message: str, *, status_code: int = 400, username: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.status_code = status_code
        self.username = username


def sso_enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


@functools.lru_cache(maxsize=8)
def _client_for(issuer: str, client_id: str, client_secret: str, scopes: str) -> Any:
    """One Authlib client per configuration; it caches the discovery document and the keys (refetched on a new kid)."""
    return OAuth().register(
        "oidc",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "default_timeout": HTTP_TIMEOUT_SECONDS},
    )


def oidc_client() -> Any:
    if not sso_enabled():
        raise SsoError("sso_not_configured", NOT_CONFIGURED, status_code=status.HTTP_404_NOT_FOUND)
    return _client_for(settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET, settings.OIDC_SCOPES)


def _unavailable(what: str) -> SsoError:
    return SsoError(
        "sso_unavailable",
        f"The sign-in provider could not be used ({what}). Try again later; if it persists, "
        "an administrator should check OIDC_ISSUER and that this server can reach the provider.",
        status_code=status.HTTP_502_BAD_GATEWAY,
    )


def provider_metadata(client: Any) -> dict[str, Any]:
    """The provider's discovery document, checked to name the configured issuer and the endpoints the flow needs."""
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, AuthlibBaseError) as error:
        raise _unavailable(f"discovery failed: {type(error).__name__}") from None
    issuer = str(metadata.get("issuer") or "")
    if issuer.rstrip("/") != settings.OIDC_ISSUER.rstrip("/"):
        raise _unavailable(f"its discovery document names the issuer {issuer!r}, not OIDC_ISSUER")
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(key)]
    if missing:
        raise _unavailable(f"its discovery document lacks {', '.join(missing)}")
    return metadata


def _token_refusal(error: JoseError) -> str:
    claims = set(error.claim.split(",")) if isinstance(error, ClaimError) else set()
    if isinstance(error, BadSignatureError | InvalidKeyIdError):
        why = "its signature does not match the provider's published keys"
    elif isinstance(error, ExpiredTokenError):
        why = "it has expired (check the clocks of this server and the provider)"
    elif claims & {"aud", "azp"}:
        why = "it was issued for another application (audience), not for OIDC_CLIENT_ID"
    elif "nonce" in claims:
        why = "its nonce does not match this sign-in"
    elif "iss" in claims:
        why = "it was issued by another issuer than OIDC_ISSUER"
    else:
        why = f"{error.error or type(error).__name__}: {error.description}".rstrip(": ")
    return f"The sign-in provider's identity token was refused: {why}. {START_AGAIN}"


def _claim(claims: dict[str, Any], name: str) -> Any:
    """A claim by name, or by a dotted path into nested objects (e.g. realm_access.roles)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def roles_from_claims(claims: dict[str, Any]) -> list[str]:
    """The OpenCorpo roles that OIDC_ROLE_MAP gives the provider groups in OIDC_ROLE_CLAIM."""
    value = _claim(claims, settings.OIDC_ROLE_CLAIM)
    groups = [value] if isinstance(value, str) else [str(g) for g in value] if isinstance(value, list) else []
    return sorted({role for group in groups for role in settings.OIDC_ROLE_MAP.get(group, [])})


def verified_claims(request: HttpRequest, client: Any) -> dict[str, Any]:
    """Exchange the code (state, PKCE), verify the ID token, and merge in the userinfo of the same subject."""
    metadata = provider_metadata(client)
    options = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
    }
    try:
        token = client.authorize_access_token(request, claims_options=options, leeway=CLOCK_LEEWAY_SECONDS)
    except MismatchingStateError:
        raise SsoError(
            "sso_state_mismatch",
            f"This sign-in does not match one started in this browser (unknown, used or expired state). {START_AGAIN}",
        ) from None
    except JoseError as error:
        raise SsoError("sso_invalid_token", _token_refusal(error)) from None
    except AuthlibBaseError as error:
        detail = f"{error.error}: {error.description}" if error.description else str(error.error)
        raise SsoError("sso_refused", f"The sign-in provider refused the sign-in ({detail}). {START_AGAIN}") from None
    except requests.RequestException as error:
        raise _unavailable(f"token exchange failed: {type(error).__name__}") from None
    claims = dict(token.get("userinfo") or {})
    if not claims:
        raise SsoError(
            "sso_invalid_token",
            "The sign-in provider sent no identity token: its client must allow OpenID Connect (scope openid).",
        )
    if metadata.get("userinfo_endpoint"):
        try:
            extra = dict(client.userinfo(token=token))
        except (requests.RequestException, AuthlibBaseError) as error:
            raise _unavailable(f"userinfo failed: {type(error).__name__}") from None
        if extra.get("sub") != claims.get("sub"):
            raise SsoError("sso_invalid_token", "The provider's userinfo is about another user than its ID token.")
        claims = {**extra, **claims}  # the signed ID token wins where both say something
    return claims


@transaction.atomic
def user_from_claims(claims: dict[str, Any]) -> tuple[Any, list[str] | None, bool]:
    """Create or update the local user; sync their roles held everywhere when OIDC_ROLE_MAP is set."""
    raw = _claim(claims, settings.OIDC_USERNAME_CLAIM)
    username = raw.strip() if isinstance(raw, str) else ""
    if not username or len(username) > 150:
        raise SsoError(
            "sso_no_username",
            f"The sign-in provider sent no usable {settings.OIDC_USERNAME_CLAIM!r} claim (1-150 characters) to name "
            "the user: an administrator should set OIDC_USERNAME_CLAIM, or have the provider release that claim.",
        )
    user_model = get_user_model()
    user = user_model.objects.select_for_update().filter(username=username).first()
    created = user is None
    if user is None:
        user = user_model(username=username)
        user.set_unusable_password()
    elif user.has_usable_password():
        raise SsoError(
            "sso_account_conflict",
            f"The account {username!r} signs in with a password, so single sign-on may not take it over. "
            "Sign in with the password, or ask an administrator to remove the account's password.",
            status_code=status.HTTP_403_FORBIDDEN,
            username=username,
        )
    if not user.is_active:
        raise SsoError(
            "account_disabled",
            f"The account {username!r} is disabled here. Ask an administrator to enable it.",
            status_code=status.HTTP_403_FORBIDDEN,
            username=username,
        )
    first, last = claims.get("given_name"), claims.get("family_name")
    if not isinstance(first, str) and not isinstance(last, str) and isinstance(claims.get("name"), str):
        first, _, last = claims["name"].strip().partition(" ")
    for field, value, limit in (
        ("first_name", first, 150),
        ("last_name", last, 150),
        ("email", claims.get("email"), 254),
    ):
        if isinstance(value, str):
            setattr(user, field, value.strip()[:limit])
    user.save()
    roles = None
    if settings.OIDC_ROLE_MAP:
        roles = roles_from_claims(claims)
        group_ids = roles_ensure()
        user.groups.remove(*[gid for role, gid in group_ids.items() if role not in roles])
        user.groups.add(*[group_ids[role] for role in roles])
    return user, roles, created


def next_checked(value: str | None) -> str | None:
    """The page to return to after signing in, when it is a page of the app on this site: a path `/app` or under
    `/app/`, with no scheme or host, no `//`, no backslash, no `..` segment, no percent-escape and no control
    character; else None (an open-redirect guard: the start URL's `next` comes from whoever wrote the link)."""
    if not value or len(value) > NEXT_MAX_LENGTH or "//" in value or "\\" in value or "%" in value:
        return None  # no percent-escapes either: "%2e%2e" is a ".." segment to the browser
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or ".." in parts.path.split("/"):
        return None
    return value if parts.path == "/app" or parts.path.startswith("/app/") else None


def _refused(error: SsoError) -> None:
    with transaction.atomic():
        audit("login.failed", error.username, {"method": "oidc", "reason": error.code})


class AuthOptionsView(APIView):
    """How one may sign in here, for the login page: with a password, and with SSO when configured."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        enabled = sso_enabled()
        start_url = reverse("auth-oidc-start") if enabled else None
        label = settings.OIDC_LABEL if enabled else None
        return Response({"sso": {"enabled": enabled, "start_url": start_url, "label": label}})


class OidcStartView(APIView):
    """Send the browser to the provider's sign-in page (authorization request with state, nonce and PKCE); keep the
    page to come back to (`?next=`, when it is a page of the app) in the session for the callback."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponseRedirect:
        client = oidc_client()
        provider_metadata(client)
        redirect_uri = request._request.build_absolute_uri(reverse("auth-oidc-callback"))
        request.session[NEXT_KEY] = next_checked(request.query_params.get("next"))
        response: HttpResponseRedirect = client.authorize_redirect(request._request, redirect_uri)
        return response


class OidcCallbackView(APIView):
    """The provider sends the browser back here: verify, create or update the user, sign them in, and go to the page
    kept at the start (else the app's home)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponseRedirect:
        client = oidc_client()
        try:
            user, roles, created = user_from_claims(verified_claims(request._request, client))
        except SsoError as error:
            _refused(error)
            raise
        after = next_checked(request.session.pop(NEXT_KEY, None)) or AFTER_SIGN_IN  # before login may flush it
        login(request._request, user, backend=LOGIN_BACKEND)
        audit("login", user.get_username(), {"method": "oidc", "created": created, "roles": roles}, actor=user)
        return HttpResponseRedirect(after)
