"""Celery tasks: thin wrappers that load a job by id and call its service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from opencorpo.core.observability import request_id_var
from opencorpo.core.services import job_run


@shared_task(  # type: ignore[untyped-decorator]
    name="opencorpo.run_job",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def run_job(job_id: str) -> str | None:
    token = request_id_var.set(f"job-{job_id}")
    try:
        job = job_run(job_id)
        return job.status if job else None
    finally:
        request_id_var.reset(token)
