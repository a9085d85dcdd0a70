"""Job API, operations endpoints and JSON errors, through Django's test client."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from django.test import Client, override_settings
from django.urls import path

from config.celery import app as celery_app
from config.urls import handler500
from config.urls import urlpatterns as project_urlpatterns
from opencorpo.accounts.roles import Role
from opencorpo.core.models import Job
from opencorpo.core.observability import RequestContextFilter
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def signed_in(role: Role, username: str = "user") -> Client:
    client = Client()
    client.force_login(make_user(username, role))
    return client


def test_healthz_answers_without_a_database():
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_database_cache_and_broker():
    body = Client().get("/readyz").json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "cache": True,
        "broker": True,
    }


def test_readyz_names_an_unreachable_broker_with_503():
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "amqp://guest:guest@127.0.0.1:1//"
    try:
        response = Client().get("/readyz")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert "broker" in response.json()["message"]


def test_readyz_names_an_unreachable_cache_with_503():
    dead_redis = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    with override_settings(CACHES=dead_redis):
        from django.core.cache import caches

        caches._settings = None  # type: ignore[attr-defined]  # re-read CACHES
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


def test_metrics_count_requests_by_route():
    client = Client()
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    assert 'opencorpo_http_request_duration_seconds_count{method="GET",route="healthz",status="200"}' in text
    assert "opencorpo_http_request_db_seconds" in text


def test_every_response_carries_a_request_id_and_echoes_a_given_one(caplog):
    caplog.set_level(logging.INFO, logger="opencorpo.access")
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="trace-123")
    assert response["X-Request-ID"] == "trace-123"
    record = next(r for r in caplog.records if r.name == "opencorpo.access")
    assert RequestContextFilter().filter(record)
    assert (record.request_id, record.status, record.route) == ("trace-123", 200, "healthz")
    generated = Client().get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert generated != "bad id with spaces" and len(generated) == 32


def test_submit_a_job_as_administrator_then_poll_it():
    client = signed_in(Role.ADMINISTRATOR)
    response = client.post("/api/v1/jobs/", {"kind": "demo.load"}, content_type="application/json")
    assert response.status_code == 202
    job_id = response.json()["id"]
    polled = client.get(f"/api/v1/jobs/{job_id}").json()
    assert polled["kind"] == "demo.load" and polled["status"] == "queued" and "params" not in polled


def test_a_viewer_gets_a_403_with_a_message_and_no_job_is_created():
    response = signed_in(Role.VIEWER).post("/api/v1/jobs/", {"kind": "demo.load"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You may not start 'demo.load' jobs. Ask an administrator."
    assert Job.objects.count() == 0


def test_someone_elses_job_is_not_found_and_says_nothing_more():
    admin = signed_in(Role.ADMINISTRATOR, "boss")
    job_id = admin.post("/api/v1/jobs/", {"kind": "demo.load"}, content_type="application/json").json()["id"]
    other = signed_in(Role.PLANNER, "pat")
    response = other.get(f"/api/v1/jobs/{job_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert other.get("/api/v1/jobs/").json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "kind"), ({"kind": "demo.load", "params": "x"}, "params"), ({"kind": "x" * 65}, "kind")],
)
def test_a_malformed_submit_is_a_400_naming_the_field(body, field):
    response = signed_in(Role.ADMINISTRATOR).post("/api/v1/jobs/", body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"] and field in error["message"]


def test_a_bad_job_id_is_a_404_not_a_500():
    response = signed_in(Role.VIEWER).get("/api/v1/jobs/not-a-uuid")
    assert response.status_code == 404 and "not a job id" in response.json()["error"]["message"]
    assert signed_in(Role.VIEWER, "v2").get(f"/api/v1/jobs/{uuid.uuid4()}").status_code == 404


def test_anonymous_api_calls_get_a_json_403():
    response = Client().get("/api/v1/jobs/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


def test_unknown_pages_are_json_404s():
    response = Client().get("/api/v1/does-not-exist")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def _explode(request):
    raise RuntimeError("secret internals")


urlpatterns = [path("explode", _explode), *project_urlpatterns]
assert handler500 == "opencorpo.core.errors.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_an_unexpected_error_is_a_json_500_without_internals():
    response = Client(raise_request_exception=False).get("/explode")
    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["error"]["code"] == "server_error" and "secret" not in response.content.decode()
    assert body["error"]["request_id"] == response["X-Request-ID"]


def test_csrf_is_enforced_for_session_writes():
    user = make_user("csrf-user", Role.ADMINISTRATOR)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/jobs/", {"kind": "demo.load"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
