"""Single sign-on (OIDC) against a small OpenID provider on 127.0.0.1 — the provider is the one thing the tests cannot
reach, so this stands in for it: discovery, JWKS with an RSA key made here, authorize (redirects back with code and
state), token (checks the client secret and PKCE, returns an RS256 ID token signed here), userinfo."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client, override_settings

from opencorpo.accounts import oidc
from opencorpo.accounts.roles import Role, roles_of
from opencorpo.core.models import AuditEvent
from tests.factories import make_user
from tests.test_config import PRODUCTION, run_manage

CLIENT_ID = "opencorpo"
CLIENT_SECRET = "client-secret-for-the-tests"
ROLE_MAP = {"finance-admins": ["administrator"], "planners": ["planner"]}
CALLBACK = "http://testserver/api/v1/auth/oidc/callback"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeProvider:
    """An OpenID provider good enough for one relying party; tests bend its ID tokens to check they are refused."""

    def __init__(self) -> None:
        self.key = new_key()
        self.kid = "test-key-1"
        self.identity: dict[str, Any] = {
            "sub": "user-0001",
            "preferred_username": "sam.sso",
            "email": "sam@corp.example",
            "given_name": "Sam",
            "family_name": "Single",
        }
        self.userinfo_extra: dict[str, Any] = {"groups": ["planners", "finance-admins", "catering"]}
        self.id_token_changes: dict[str, Any] = {}  # claims of the next ID tokens replaced (None: dropped)
        self.signing_key: rsa.RSAPrivateKey | None = None  # sign with another key than the published one
        self.discovery_changes: dict[str, Any] = {}
        self.deny = False
        self.authorize_queries: list[dict[str, str]] = []
        self.codes: dict[str, dict[str, str]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- what the provider serves --------------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            **self.discovery_changes,
        }

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": b64url(n), "e": b64url(e)}]}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.identity,
            **self.id_token_changes,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        key = self.signing_key or self.key
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.authorize_queries.append(query)
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {"error": "invalid_request"}
        back = query["redirect_uri"]
        if self.deny:
            return 302, {"Location": f"{back}?{urlencode({'error': 'access_denied', 'state': query['state']})}"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        return 302, {"Location": f"{back}?{urlencode({'code': code, 'state': query['state']})}"}

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        client = (CLIENT_ID, CLIENT_SECRET)
        basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != basic and (form.get("client_id"), form.get("client_secret")) != client:
            return 401, {"error": "invalid_client"}
        request = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if request is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        challenge = b64url(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if request.get("code_challenge_method") != "S256" or challenge != request.get("code_challenge"):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        if form.get("redirect_uri") != request["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = {**self.identity, **self.userinfo_extra}
        body = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300}
        return 200, {**body, "id_token": self.id_token(request["nonce"])}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def answer(self, status: int, body: dict[str, Any]) -> None:
                location = body.pop("Location", None) if status == 302 else None
                data = json.dumps(body).encode()
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {name: values[0] for name, values in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self.answer(200, provider.discovery())
                elif url.path == "/jwks":
                    self.answer(200, provider.jwks())
                elif url.path == "/authorize":
                    self.answer(*provider.authorize(query))
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    claims = provider.access_tokens.get(token)
                    if claims:
                        self.answer(200, dict(claims))
                    else:
                        self.answer(401, {"error": "invalid_token"})
                else:
                    self.answer(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path == "/token":
                    self.answer(*provider.token(form, self.headers.get("Authorization", "")))
                else:
                    self.answer(404, {"error": "not_found"})

        return Handler

    # --- the browser's part ----------------------------------------------------------------------------------------
    def visit(self, url: str) -> str:
        """Open the authorization URL as the browser would (the user is signed in there); return where it sends us."""
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.netloc, timeout=10)
        try:
            connection.request("GET", f"{parts.path}?{parts.query}")
            response = connection.getresponse()
            response.read()
            assert response.status == 302, response.status
            return response.getheader("Location") or ""
        finally:
            connection.close()


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fake = FakeProvider()
    fake.thread.start()
    oidc._client_for.cache_clear()
    with override_settings(
        OIDC_ISSUER=fake.issuer, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_ROLE_MAP=ROLE_MAP
    ):
        yield fake
    fake.server.shutdown()
    fake.server.server_close()
    oidc._client_for.cache_clear()


def start(client: Client, provider: FakeProvider, query: dict[str, str] | None = None) -> str:
    """Click "Sign in with SSO", sign in at the provider; return the URL the provider sends the browser back to."""
    response = client.get("/api/v1/auth/oidc/start", query or {})
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(f"{provider.issuer}/authorize?")
    return provider.visit(response["Location"])


def callback(client: Client, back: str, **changes: str):
    parts = urlsplit(back)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return client.get(parts.path, {**query, **changes})


def sign_in(client: Client, provider: FakeProvider, **changes: str):
    return callback(client, start(client, provider), **changes)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- off unless configured ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_configuration_sso_is_off_and_says_so():
    client = Client()
    assert client.get("/api/v1/auth/options").json() == {"sso": {"enabled": False, "start_url": None, "label": None}}
    for path in ("/api/v1/auth/oidc/start", "/api/v1/auth/oidc/callback?code=x&state=y"):
        response = client.get(path)
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "sso_not_configured" and "Single sign-on is not configured" in error["message"]
    assert not signed_in(client)


@pytest.mark.django_db
def test_the_login_page_learns_that_sso_is_on(provider):
    options = Client().get("/api/v1/auth/options").json()
    assert options == {"sso": {"enabled": True, "start_url": "/api/v1/auth/oidc/start", "label": "SSO"}}


@pytest.mark.django_db
def test_the_login_button_names_the_configured_provider(provider):
    with override_settings(OIDC_LABEL="Corp Okta"):
        options = Client().get("/api/v1/auth/options").json()
    assert options["sso"]["label"] == "Corp Okta"


# --- the flow -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_with_sso_creates_the_user_with_mapped_roles_and_a_session(provider):
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, provider)

    assert response.status_code == 302 and response["Location"] == "/app/"
    asked = provider.authorize_queries[-1]
    assert asked["redirect_uri"] == CALLBACK and asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) >= 43 and asked["state"] and asked["nonce"]
    assert "code_verifier" not in asked and set(asked["scope"].split()) == {"openid", "email", "profile"}

    user = get_user_model().objects.get(username="sam.sso")
    assert (user.email, user.first_name, user.last_name) == ("sam@corp.example", "Sam", "Single")
    assert not user.has_usable_password()  # SSO users have no password here
    assert roles_of(user) == ["administrator", "planner"]  # catering maps to nothing
    me = client.get("/api/v1/auth/me").json()["user"]
    assert me == {"username": "sam.sso", "full_name": "Sam Single", "roles": ["administrator", "planner"]}
    event = AuditEvent.objects.get(action="login", target="sam.sso")
    assert event.details == {"method": "oidc", "created": True, "roles": ["administrator", "planner"]}


@pytest.mark.django_db
def test_the_next_sign_in_updates_the_user_and_replaces_their_mapped_roles(provider):
    sign_in(Client(), provider)
    user = get_user_model().objects.get(username="sam.sso")
    auditors = Group.objects.create(name="auditors")  # not a role: SSO leaves it alone
    user.groups.add(auditors)
    provider.identity["email"] = "sam.single@corp.example"
    provider.userinfo_extra["groups"] = ["planners"]

    client = Client()
    assert sign_in(client, provider).status_code == 302 and signed_in(client)
    user.refresh_from_db()
    assert user.email == "sam.single@corp.example"
    assert roles_of(user) == ["planner"]  # administrator went with the finance-admins group
    assert set(user.groups.values_list("name", flat=True)) == {"planner", "auditors"}
    assert get_user_model().objects.filter(username="sam.sso").count() == 1


@pytest.mark.django_db
def test_without_a_role_map_roles_are_managed_here(provider):
    with override_settings(OIDC_ROLE_MAP={}):
        sign_in(Client(), provider)
        user = get_user_model().objects.get(username="sam.sso")
        assert roles_of(user) == []
        user.groups.add(Group.objects.get_or_create(name=Role.VIEWER.value)[0])
        sign_in(Client(), provider)
        assert roles_of(user) == ["viewer"]


@pytest.mark.django_db
def test_the_username_and_role_claims_are_configurable_and_may_be_nested(provider):
    provider.userinfo_extra = {"realm_access": {"roles": ["planners"]}}
    with override_settings(OIDC_USERNAME_CLAIM="email", OIDC_ROLE_CLAIM="realm_access.roles"):
        client = Client()
        assert sign_in(client, provider).status_code == 302
    user = get_user_model().objects.get(username="sam@corp.example")
    assert roles_of(user) == ["planner"] and signed_in(client)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/app/reports/pl", "/app", "/app/grid?cube=pl&version=budget"])
def test_sso_returns_to_the_page_the_user_came_from(provider, page):
    client = Client()
    response = callback(client, start(client, provider, {"next": page}))
    assert response.status_code == 302 and response["Location"] == page
    assert signed_in(client) and oidc.NEXT_KEY not in client.session


HOSTILE_NEXT = [
    "https://evil.example",
    "https://evil.example/app/",
    "//evil",
    "//evil.example/app/",
    "/\\evil",
    "/app/\\evil",
    "/app//evil.example",
    "/login",
    "/application",
    "/api/v1/auth/logout",
    "/app/../admin/",
    "/app/%2e%2e/login",
    "/app/%2E%2E/%2e%2e/api/",
    "javascript:alert(1)",
    "/app/\r\nSet-Cookie: x=1",
    "",
]


@pytest.mark.django_db
@pytest.mark.parametrize("page", HOSTILE_NEXT)
def test_a_next_outside_the_app_is_ignored(provider, page):
    client = Client()
    response = callback(client, start(client, provider, {"next": page}))
    assert response.status_code == 302 and response["Location"] == "/app/"
    assert signed_in(client)


@pytest.mark.django_db
def test_a_later_sign_in_without_next_goes_home(provider):
    client = Client()
    start(client, provider, {"next": "/app/reports"})  # abandoned at the provider
    assert sign_in(client, provider)["Location"] == "/app/"


# --- refusals: a JSON error, no session, no user ---------------------------------------------------------------------


def _bad_signature(provider: FakeProvider) -> None:
    provider.signing_key = new_key()  # same kid, another key: the published key does not verify it


REFUSALS = {
    "wrong state": (None, {"state": "forged-state"}, "sso_state_mismatch", "does not match one started"),
    "bad signature": (_bad_signature, {}, "sso_invalid_token", "signature does not match"),
    "expired token": (
        lambda p: p.id_token_changes.update(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
        {},
        "sso_invalid_token",
        "has expired",
    ),
    "wrong audience": (lambda p: p.id_token_changes.update(aud="another-app"), {}, "sso_invalid_token", "audience"),
    "nonce mismatch": (lambda p: p.id_token_changes.update(nonce="not-this-one"), {}, "sso_invalid_token", "nonce"),
    "wrong issuer": (lambda p: p.id_token_changes.update(iss="http://evil.example"), {}, "sso_invalid_token", "issuer"),
    "no nonce": (lambda p: p.id_token_changes.update(nonce=None), {}, "sso_invalid_token", "nonce"),
    "provider refuses": (lambda p: setattr(p, "deny", True), {}, "sso_refused", "access_denied"),
    "no username": (
        lambda p: p.identity.pop("preferred_username"),
        {},
        "sso_no_username",
        "no usable 'preferred_username' claim",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_sign_in_is_refused_with_a_clear_json_error_and_no_session(provider, case):
    bend, callback_changes, code, message = REFUSALS[case]
    if bend:
        bend(provider)
    client = Client()
    response = sign_in(client, provider, **callback_changes)

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code and message in error["message"], error
    assert not signed_in(client)
    assert client.get("/api/v1/auth/me").status_code == 403
    assert not get_user_model().objects.exists()
    assert AuditEvent.objects.filter(action="login.failed", details__reason=code).exists()


@pytest.mark.django_db
def test_a_callback_cannot_be_replayed(provider):
    client = Client()
    back = start(client, provider)
    assert callback(client, back).status_code == 302
    client.post("/api/v1/auth/logout")
    replay = callback(client, back)
    assert replay.status_code == 400 and replay.json()["error"]["code"] == "sso_state_mismatch"
    assert not signed_in(client)


@pytest.mark.django_db
def test_a_callback_from_another_browser_is_refused(provider):
    back = start(Client(), provider)  # an attacker's own sign-in, handed to someone else's browser
    victim = Client()
    response = callback(victim, back)
    assert response.status_code == 400 and response.json()["error"]["code"] == "sso_state_mismatch"
    assert not signed_in(victim)


@pytest.mark.django_db
def test_sso_does_not_take_over_an_account_that_signs_in_with_a_password(provider):
    make_user("sam.sso", Role.ADMINISTRATOR)
    client = Client()
    response = sign_in(client, provider)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "sso_account_conflict" and "signs in with a password" in error["message"]
    assert not signed_in(client)


@pytest.mark.django_db
def test_a_disabled_account_stays_out(provider):
    user = get_user_model().objects.create(username="sam.sso", is_active=False)
    user.set_unusable_password()
    user.save()
    client = Client()
    response = sign_in(client, provider)
    assert response.status_code == 403 and response.json()["error"]["code"] == "account_disabled"
    assert not signed_in(client)


@pytest.mark.django_db
def test_an_unreachable_or_misconfigured_provider_is_a_502_not_a_500(provider):
    with override_settings(OIDC_ISSUER="http://127.0.0.1:1"):
        response = Client().get("/api/v1/auth/oidc/start")
    assert response.status_code == 502 and response.json()["error"]["code"] == "sso_unavailable"

    provider.discovery_changes = {"issuer": "http://elsewhere.example"}
    response = Client().get("/api/v1/auth/oidc/start")
    assert (
        response.status_code == 502
        and "names the issuer 'http://elsewhere.example'" in response.json()["error"]["message"]
    )


# --- configuration --------------------------------------------------------------------------------------------------

SSO = {"OIDC_ISSUER": "https://login.example.com", "OIDC_CLIENT_ID": "opencorpo", "OIDC_CLIENT_SECRET": "s3cret"}


def test_the_role_names_in_settings_are_the_roles():
    import config.settings

    names = config.settings._OIDC_ROLE_NAMES
    assert names == tuple(role.value for role in Role)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"OIDC_ISSUER": "https://login.example.com"}, "OIDC_ISSUER is set but OIDC_CLIENT_ID is not"),
        ({**SSO, "OIDC_CLIENT_SECRET": ""}, "OIDC_ISSUER is set but OIDC_CLIENT_SECRET is not"),
        ({"OIDC_CLIENT_ID": "opencorpo"}, "OIDC_CLIENT_ID set but OIDC_ISSUER is not"),
        ({"OIDC_ROLE_MAP": "planners=planner"}, "OIDC_ROLE_MAP set but OIDC_ISSUER is not"),
        ({**SSO, "OIDC_ISSUER": "login.example.com"}, "OIDC_ISSUER='login.example.com' is not understood"),
        ({**PRODUCTION, **SSO, "OIDC_ISSUER": "http://login.example.com"}, "must start with one of https://"),
        ({**SSO, "OIDC_ROLE_MAP": "planners=boss"}, "OIDC_ROLE_MAP entry 'planners=boss' is not understood"),
        ({**SSO, "OIDC_ROLE_MAP": "planners=planner,admins"}, "OIDC_ROLE_MAP entry 'admins' is not understood"),
        ({**SSO, "OIDC_SCOPES": "email profile"}, "OIDC_SCOPES='email profile' lacks openid"),
    ],
)
def test_half_an_sso_configuration_ends_with_one_line_saying_what_to_fix(env, expected):
    result = run_manage("migrate", "--check", **env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("opencorpo: ") and expected in lines[0]


def test_a_full_sso_configuration_starts():
    env = {**SSO, "OIDC_ROLE_MAP": "finance-admins=administrator, planners=planner", "OIDC_ROLE_CLAIM": "roles"}
    result = run_manage("check", DATABASE_URL=PRODUCTION["DATABASE_URL"], **env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_label_comes_from_the_environment():
    show = "from django.conf import settings; print(settings.OIDC_LABEL)"
    result = run_manage("shell", "-c", show, DATABASE_URL=PRODUCTION["DATABASE_URL"], **SSO, OIDC_LABEL=" Microsoft ")
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "Microsoft", result.stdout + result.stderr
