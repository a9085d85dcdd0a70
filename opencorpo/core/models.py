"""The Job row: one background task's kind, status, progress and outcome, polled by the UI."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True, default="")
    error = models.TextField(blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)  # a running job stops at its next progress report
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["created_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_at_most_100"),
            models.UniqueConstraint(fields=["kind", "idempotency_key"], name="job_unique_idempotency_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"


class Installation(models.Model):
    """One row with this database's own identity, so caches and snapshot files of different databases never mix."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)


class AuditEvent(models.Model):
    """Append-only log of who changed the structure or access, and of sign-ins and tokens (the database refuses
    UPDATE and DELETE). Fact changes have their own audit, planning_factchange."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(  # no constraint: deleting a user must not rewrite the log
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, default="")  # kept if the user is deleted
    action = models.CharField(max_length=64, db_index=True)  # e.g. member.update, grant.set, login.failed
    target = models.CharField(max_length=255, blank=True, default="")  # e.g. demo/account/4000
    details = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
