"""Governance records: the approval state of each unit (version × entity), its append-only history, who approves
which subtree, in-app notifications, and comments on cells."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone


class ApprovalState(models.TextChoices):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class Approval(models.Model):
    """The state of one unit: an entity member (and its subtree) in one version. No row means draft."""

    model = models.ForeignKey("planning.Model", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("planning.Member", on_delete=models.CASCADE, related_name="+")
    entity = models.ForeignKey("planning.Member", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=ApprovalState.choices, default=ApprovalState.DRAFT)
    comment = models.TextField(blank=True, default="")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "entity"], name="one_approval_per_unit")]
        indexes = [models.Index(fields=["model", "state"], name="approval_model_state")]  # frozen_units()


class ApprovalEvent(models.Model):
    """Append-only history of every transition (a database trigger refuses UPDATE and DELETE). Plain ids, like the
    fact audit, so the history outlives a deleted version or entity."""

    approval_id = models.BigIntegerField(db_index=True)
    model_id = models.BigIntegerField()
    version_id = models.BigIntegerField()
    entity_id = models.BigIntegerField()
    from_state = models.CharField(max_length=16, choices=ApprovalState.choices)
    to_state = models.CharField(max_length=16, choices=ApprovalState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    comment = models.TextField(blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["version_id", "entity_id"], name="approvalevent_unit")]


class Approver(models.Model):
    """A user or group who approves the units of `entity` and of every member below it."""

    model = models.ForeignKey("planning.Model", on_delete=models.CASCADE, related_name="+")
    entity = models.ForeignKey("planning.Member", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["model_id", "entity_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, group__isnull=True)
                | models.Q(user__isnull=True, group__isnull=False),
                name="approver_is_a_user_or_a_group",
            ),
            models.UniqueConstraint(fields=["entity", "user"], name="one_approver_per_entity_and_user"),
            models.UniqueConstraint(fields=["entity", "group"], name="one_approver_per_entity_and_group"),
        ]


class Notification(models.Model):
    """An in-app message to one user, with a link to what it is about."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    link = models.CharField(max_length=500, blank=True, default="")
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read"], name="notification_user_read")]


class Comment(models.Model):
    """A comment on one cell (leaf or total) of a cube; the comments of one cell form its thread.

    `members` is dimension code → member id for every dimension of the cube; `thread` is its canonical key
    (see comments.cell_key)."""

    model = models.ForeignKey("planning.Model", on_delete=models.CASCADE, related_name="+")
    cube = models.ForeignKey("planning.Cube", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("planning.Member", on_delete=models.CASCADE, related_name="+")
    members = models.JSONField()
    thread = models.CharField(max_length=400)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)  # kept when the comment is copied to another version
    copied_from = models.CharField(max_length=64, blank=True, default="")  # the source version's code
    origin = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["cube", "thread"], name="comment_cube_thread"),
            models.Index(fields=["version"], name="comment_version"),
        ]
