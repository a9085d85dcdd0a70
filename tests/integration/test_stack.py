"""End to end through real processes: a gunicorn web server and a Celery worker, on each broker we support."""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client

from opencorpo.accounts.roles import Role
from tests.factories import PASSWORD, make_user
from tests.stack import Browserless, free_port, processes, service_env, wait_until, web_command, worker_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_job_submitted_through_the_api_is_run_by_a_worker_on_the_folder_broker(tmp_path):
    client = Client()
    client.force_login(make_user("ada", Role.ADMINISTRATOR))
    with processes((worker_command(), service_env()), log_dir=tmp_path):
        job_id = client.post("/api/v1/jobs/", {"kind": "demo.load"}, content_type="application/json").json()["id"]
        job = wait_until(
            lambda: (body := client.get(f"/api/v1/jobs/{job_id}").json())["status"] in {"succeeded", "failed"} and body,
            300,  # the demo load: a few seconds alone, much longer on a busy 2-core machine
            "the worker to finish the job",
        )
    assert job["status"] == "succeeded", (job, (tmp_path / "process-0.log").read_text()[-2000:])
    assert job["progress"] == 100 and job["attempts"] == 1
    users = ["admin", "approver", "eu-planner", "modeller", "planner", "viewer"]
    assert sorted(job["result"]["users_created"]) == users


def test_with_rabbitmq_and_redis_the_same_job_runs_and_metrics_merge_across_web_processes(tmp_path):
    make_user("ada", Role.ADMINISTRATOR)
    port = free_port()
    env = service_env(
        CELERY_BROKER_URL=os.environ["TEST_RABBITMQ_URL"],
        REDIS_URL=os.environ["TEST_REDIS_URL"],
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    (tmp_path / "metrics").mkdir()
    with processes((web_command(port), env), (worker_command(), env), log_dir=tmp_path):
        web = Browserless(f"http://127.0.0.1:{port}")
        status, ready = wait_until(
            lambda: (r := web.request("GET", "/readyz"))[0] == 200 and r, 60, "/readyz to be 200"
        )
        assert {name: check["ok"] for name, check in ready["checks"].items()} == {
            "database": True,
            "cache": True,
            "broker": True,
        }
        web.login("ada", PASSWORD)
        status, job = web.request("POST", "/api/v1/jobs/", {"kind": "demo.load"})
        assert status == 202, job
        done = wait_until(
            lambda: (
                (b := web.request("GET", f"/api/v1/jobs/{job['id']}")[1])["status"] in {"succeeded", "failed"} and b
            ),
            300,  # the demo load: a few seconds alone, much longer on a busy 2-core machine
            "the worker to finish the job",
        )
        assert done["status"] == "succeeded", (tmp_path / "process-1.log").read_text()[-2000:]
        for _ in range(20):
            web.request("GET", "/healthz")
        text = _fetch_text(f"http://127.0.0.1:{port}/metrics")
    served = re.search(
        r'opencorpo_http_request_duration_seconds_count\{method="GET",route="healthz",status="200"\} (\S+)', text
    )
    assert served and float(served.group(1)) == 20.0  # summed over both gunicorn workers


def _fetch_text(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()
