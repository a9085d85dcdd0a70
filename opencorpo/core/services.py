"""Job services: submit a job (enqueued after commit, idempotent by key) and run it exactly to one outcome."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone

from opencorpo.core import jobs, metrics
from opencorpo.core.errors import Forbidden, UserError
from opencorpo.core.models import FINISHED_STATUSES, Job, JobStatus

logger = logging.getLogger(__name__)


def job_submit(
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    created_by: AbstractBaseUser | AnonymousUser | None = None,
    idempotency_key: str | None = None,
    check_permission: bool = True,
) -> Job:
    """Create a queued Job and enqueue it once the transaction commits; the same key returns the same job."""
    job_kind = jobs.kind_of(kind)
    if job_kind is None:
        known = ", ".join(k.name for k in jobs.all_kinds())
        raise UserError(f"Unknown job kind {kind!r}; known kinds: {known}.", fields={"kind": ["unknown job kind"]})
    if check_permission and (created_by is None or not job_kind.may_submit(created_by)):
        raise Forbidden(f"You may not start {kind!r} jobs. Ask an administrator.")
    user = created_by if isinstance(created_by, User) else None
    if idempotency_key:
        existing = Job.objects.filter(kind=kind, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=kind, params=params or {}, created_by=user, idempotency_key=idempotency_key)
    except IntegrityError:  # a concurrent double submit with the same key won the race
        return Job.objects.get(kind=kind, idempotency_key=idempotency_key)
    metrics.JOBS_SUBMITTED.labels(kind).inc()
    transaction.on_commit(lambda: _enqueue(job.id))
    return job


def _enqueue(job_id: uuid.UUID) -> None:
    from opencorpo.core.tasks import run_job

    run_job.delay(str(job_id))


def job_run(job_id: str) -> Job | None:
    """Run a job's handler once; a redelivered or duplicate message for a finished job changes nothing."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("job vanished before it ran", extra={"job_id": job_id})
            return None
        if job.status in FINISHED_STATUSES:
            return job
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at", "updated_at"])

    job_kind = jobs.kind_of(job.kind)
    started = time.perf_counter()
    try:
        if job_kind is None:
            raise UserError(f"This worker does not know job kind {job.kind!r}; upgrade the worker.")
        result = job_kind.handler(job.params, lambda percent, message: job_progress(job.pk, percent, message))
    except UserError as error:
        _finish(job, JobStatus.FAILED, error=error.message)
    except Exception:
        logger.exception("job crashed", extra={"job_id": str(job.pk), "kind": job.kind})
        _finish(
            job,
            JobStatus.FAILED,
            error="The job failed unexpectedly; the error was logged. Retry it, or ask an administrator.",
        )
    else:
        _finish(job, JobStatus.SUCCEEDED, result=result)
    metrics.JOB_SECONDS.labels(job.kind, job.status).observe(time.perf_counter() - started)
    return job


def job_progress(job_id: uuid.UUID, percent: int, message: str = "") -> None:
    """Record progress in its own short transaction so pollers see it while the job runs."""
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        progress=max(0, min(100, int(percent))), message=message[:500], updated_at=timezone.now()
    )


def _finish(job: Job, status: str, *, result: dict[str, Any] | None = None, error: str = "") -> None:
    job.status = status
    job.result = result
    job.error = error
    job.finished_at = timezone.now()
    if status == JobStatus.SUCCEEDED:
        job.progress = 100
        job.message = Job.objects.filter(pk=job.pk).values_list("message", flat=True).first() or "Done."
    Job.objects.filter(pk=job.pk).update(
        status=job.status,
        result=job.result,
        error=job.error,
        finished_at=job.finished_at,
        progress=job.progress,
        message=job.message,
        updated_at=timezone.now(),
    )
