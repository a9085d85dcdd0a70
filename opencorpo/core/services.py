"""Job services: submit a job (enqueued after commit, idempotent by key) and run it exactly to one outcome."""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from opencorpo.core import jobs, metrics
from opencorpo.core.errors import CLOSED_MARK, CLOSED_MESSAGE, Conflict, Forbidden, UserError
from opencorpo.core.models import FINISHED_STATUSES, Job, JobStatus

logger = logging.getLogger(__name__)


def job_submit(
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    created_by: AbstractBaseUser | AnonymousUser | None = None,
    idempotency_key: str | None = None,
    check_permission: bool = True,
    enqueue: bool = True,
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
    if enqueue:  # False: the caller runs it in-process (the command line)
        transaction.on_commit(lambda: _enqueue(job.id))
    return job


def _enqueue(job_id: uuid.UUID) -> None:
    from opencorpo.core.tasks import run_job

    run_job.delay(str(job_id))


def job_run(job_id: str) -> Job | None:
    """Run a job's handler once; a redelivered or duplicate message for a finished job changes nothing.

    While a job runs, its runner holds a session advisory lock on the job, which PostgreSQL releases when the
    runner's connection dies. A message for a running job whose lock is free was redelivered because its worker
    died: that attempt rolled back, and the job is marked failed (retryable) instead of being run again blindly.
    """
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:  # taken before the status check, released when the job ends
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"job:{job_id}"])
            if not cursor.fetchone()[0]:
                return Job.objects.filter(pk=job_id).first()  # a live runner has it: a duplicate message
    try:
        return _job_run_locked(job_id)
    finally:
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"job:{job_id}"])


def _job_run_locked(job_id: str) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("job vanished before it ran", extra={"job_id": job_id})
            return None
        if job.status in FINISHED_STATUSES:
            return job
        if job.status == JobStatus.RUNNING:  # redelivered, and no runner holds its lock: the worker died
            interrupted = (
                f"The worker stopped while running this job (attempt {job.attempts}); nothing it was writing was "
                "kept. Retry the job; if it stops again, the input may be too large for the worker's limits."
            )
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, error=interrupted, finished_at=timezone.now(), updated_at=timezone.now()
            )
            return Job.objects.get(pk=job.pk)
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at", "updated_at"])

    job_kind = jobs.kind_of(job.kind)
    started = time.perf_counter()
    try:
        if job_kind is None:
            raise UserError(f"This worker does not know job kind {job.kind!r}; upgrade the worker.")
        params = {**job.params, "_job": str(job.pk)}  # a handler's files go to job_folder(params["_job"])
        result = job_kind.handler(params, lambda percent, message: job_progress(job.pk, percent, message))
    except JobCancelled:
        _finish(job, JobStatus.CANCELLED, error="Cancelled on request; nothing it was writing was kept.")
    except UserError as error:
        _finish(job, JobStatus.FAILED, error=error.message, result=error.extra or None)
    except IntegrityError as error:
        if CLOSED_MARK not in str(error):
            raise
        _finish(job, JobStatus.FAILED, error=CLOSED_MESSAGE)
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


class JobCancelled(Exception):
    """Raised from a progress report when the job was asked to stop; its transaction rolls back."""


def job_progress(job_id: uuid.UUID, percent: int, message: str = "") -> None:
    """Record progress so pollers see it while the job runs, and stop the job if it was asked to.

    Report progress outside the job's own transaction (the phases before the final apply): inside it, the row
    would stay invisible until commit."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_job SET progress = %s, message = %s, updated_at = now() WHERE id = %s AND status = %s "
            "RETURNING cancel_requested",
            [max(0, min(100, int(percent))), message[:500], str(job_id), JobStatus.RUNNING],
        )
        row = cursor.fetchone()
    if row is not None and row[0]:
        raise JobCancelled


def job_cancel(job: Job) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    if job.status in FINISHED_STATUSES:
        raise Conflict(f"The job has {job.status} already; there is nothing to cancel.")
    if job.status == JobStatus.QUEUED:
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.CANCELLED, error="Cancelled before it started.", finished_at=timezone.now()
        )
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
    return Job.objects.get(pk=job.pk)


def job_retry(job: Job) -> Job:
    """Queue a failed or cancelled job again, with the same parameters and files."""
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise Conflict(f"Only failed or cancelled jobs can be retried; this one is {job.status}.")
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.QUEUED,
            error="",
            progress=0,
            message="",
            result=None,
            cancel_requested=False,
            finished_at=None,
            updated_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return Job.objects.get(pk=job.pk)


def job_folder(job_id: uuid.UUID | str) -> Path:
    """Where a job's input and output files live (uploads, error reports, exports)."""
    folder = Path(settings.DATA_DIR) / "jobs" / str(uuid.UUID(str(job_id)))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _finish(job: Job, status: str, *, result: dict[str, Any] | None = None, error: str = "") -> None:
    job.status = status
    job.result = result
    job.error = error
    job.finished_at = timezone.now()
    if status == JobStatus.SUCCEEDED:
        job.progress = 100
        job.message = Job.objects.filter(pk=job.pk).values_list("message", flat=True).first() or "Done."
    done = {"progress": job.progress, "message": job.message} if status == JobStatus.SUCCEEDED else {}
    Job.objects.filter(pk=job.pk).update(  # a failed job keeps the last progress it reported
        status=job.status,
        result=job.result,
        error=job.error,
        finished_at=job.finished_at,
        updated_at=timezone.now(),
        **done,
    )
