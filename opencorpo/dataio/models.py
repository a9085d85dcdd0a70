"""Saved column mappings and import batches (one per uploaded file run: validated, applied, undone)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from opencorpo.planning.models import CODE_MAX, Cube, Model


class SavedMapping(models.Model):
    """A reusable column mapping of a cube (see dataio/mapping.py for the definition's fields)."""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="mappings")
    cube = models.ForeignKey(Cube, on_delete=models.CASCADE, related_name="mappings")
    code = models.SlugField(max_length=CODE_MAX)
    name = models.CharField(max_length=200)
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cube_id", "code"]
        constraints = [models.UniqueConstraint(fields=["cube", "code"], name="mapping_code_unique_in_cube")]


class ImportMode(models.TextChoices):
    MERGE = "merge"  # upsert the cells in the file
    ADD = "add"  # add the file's values to what is there
    REPLACE = "replace"  # the slice becomes exactly the file: cells of the slice not in the file are cleared


class ImportStatus(models.TextChoices):
    PENDING = "pending"
    VALIDATED = "validated"  # checked only (a preview), nothing applied
    APPLIED = "applied"
    FAILED = "failed"
    DUPLICATE = "duplicate"  # the same file, mapping and mode were applied already: nothing changed
    UNDONE = "undone"


class ImportBatch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # also the audit batch
    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="imports")
    cube = models.ForeignKey(Cube, on_delete=models.CASCADE, related_name="imports")
    job = models.ForeignKey("core.Job", null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=255)
    file_hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=64, db_index=True)  # file, cube, mode, mapping and slice
    mode = models.CharField(max_length=8, choices=ImportMode.choices, default=ImportMode.MERGE)
    mapping = models.JSONField()
    slice = models.JSONField(default=dict, blank=True)
    skip_bad_rows = models.BooleanField(default=False)
    validate_only = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows = models.IntegerField(default=0)
    bad_rows = models.IntegerField(default=0)
    changed = models.IntegerField(default=0)
    control = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
