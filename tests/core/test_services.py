"""Job services: submit, permission, idempotency, one outcome per job, failures recorded."""

from __future__ import annotations

from typing import Any

import pytest

from opencorpo.accounts.roles import Role
from opencorpo.core import jobs
from opencorpo.core.errors import Forbidden, UserError
from opencorpo.core.models import Job, JobStatus
from opencorpo.core.services import job_cancel, job_retry, job_run, job_submit
from tests.factories import make_user

pytestmark = pytest.mark.django_db

calls: list[dict[str, Any]] = []


@jobs.register("test.echo", may_submit=lambda user: user.is_authenticated, description="test")
def _echo(params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    calls.append({k: v for k, v in params.items() if k != "_job"})  # _job: the id the runner passes
    progress(40, "halfway")
    if params.get("fail") == "user":
        raise UserError("Column B has no header; add one and upload again.")
    if params.get("fail") == "crash":
        raise RuntimeError("boom")
    return {"echo": params.get("value")}


def test_unknown_kind_is_a_user_error_naming_the_known_kinds():
    user = make_user("ann", Role.ADMINISTRATOR)
    with pytest.raises(UserError, match=r"Unknown job kind 'nope'.*demo.load"):
        job_submit(kind="nope", created_by=user)
    assert Job.objects.count() == 0


def test_a_viewer_may_not_start_the_demo_load():
    viewer = make_user("vic", Role.VIEWER)
    with pytest.raises(Forbidden):
        job_submit(kind="demo.load", created_by=viewer)
    assert Job.objects.count() == 0


def test_the_same_idempotency_key_returns_the_same_job():
    user = make_user("ann")
    first = job_submit(kind="test.echo", params={"value": 1}, created_by=user, idempotency_key="k1")
    second = job_submit(kind="test.echo", params={"value": 2}, created_by=user, idempotency_key="k1")
    assert first.pk == second.pk
    assert Job.objects.count() == 1


def test_a_job_runs_once_and_a_redelivery_changes_nothing():
    calls.clear()
    job = job_submit(kind="test.echo", params={"value": 7}, created_by=make_user("ann"))
    job_run(str(job.pk))
    job_run(str(job.pk))  # a duplicate message
    job.refresh_from_db()
    assert (job.status, job.progress, job.result, job.attempts) == (JobStatus.SUCCEEDED, 100, {"echo": 7}, 1)
    assert job.message == "halfway"
    assert calls == [{"value": 7}]


def test_a_job_interrupted_while_running_fails_on_redelivery_and_can_be_retried():
    calls.clear()
    job = job_submit(kind="test.echo", params={"value": 3}, created_by=make_user("ann"))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=1)  # the worker died mid-way
    job_run(str(job.pk))  # the broker redelivers the unacknowledged message
    job.refresh_from_db()
    assert (job.status, job.attempts, calls) == (JobStatus.FAILED, 1, [])
    assert "worker stopped while running this job" in job.error
    job_retry(job)
    job_run(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.attempts, calls) == (JobStatus.SUCCEEDED, 2, [{"value": 3}])


def test_cancelling_a_queued_job_and_a_running_one():
    queued = job_submit(kind="test.echo", params={"value": 1}, created_by=make_user("ann"))
    assert job_cancel(queued).status == JobStatus.CANCELLED
    job_run(str(queued.pk))
    queued.refresh_from_db()
    assert queued.status == JobStatus.CANCELLED and queued.attempts == 0
    running = job_submit(kind="test.echo", params={"value": 2}, created_by=make_user("bob"))
    Job.objects.filter(pk=running.pk).update(status=JobStatus.QUEUED)
    Job.objects.filter(pk=running.pk).update(cancel_requested=True)  # as job_cancel does while it runs
    job_run(str(running.pk))  # the handler reports progress, sees the request and stops
    running.refresh_from_db()
    assert running.status == JobStatus.CANCELLED and "Cancelled on request" in running.error


@pytest.mark.parametrize(
    ("fail", "error"),
    [
        ("user", "Column B has no header; add one and upload again."),
        ("crash", "The job failed unexpectedly; the error was logged. Retry it, or ask an administrator."),
    ],
)
def test_a_failing_job_records_a_message_a_person_can_act_on(fail, error):
    job = job_submit(kind="test.echo", params={"fail": fail}, created_by=make_user("ann"))
    job_run(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.error, job.result) == (JobStatus.FAILED, error, None)
    assert "boom" not in job.error


def test_the_demo_load_creates_one_user_per_role_and_is_idempotent():
    job = job_submit(kind="demo.load", check_permission=False)
    job_run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert sorted(job.result["users_created"]) == ["admin", "approver", "eu-planner", "modeller", "planner", "viewer"]
    again = job_submit(kind="demo.load", check_permission=False)
    job_run(str(again.pk))
    again.refresh_from_db()
    assert again.result["users_created"] == []
