"""Saved reports and dashboards. A report stores a grid query and how to show it, never its numbers: every reader
runs the query through the grid service with their own access (see services.report_data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportKind(models.TextChoices):
    GRID = "grid"
    CHART = "chart"


class Report(models.Model):
    """A saved grid query. `definition` = {"query": <grid query body>, "display": {...}, "chart": {...}}."""

    model = models.ForeignKey("planning.Model", on_delete=models.CASCADE, related_name="+")
    cube = models.ForeignKey("planning.Cube", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=ReportKind.choices, default=ReportKind.GRID)
    definition = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared = models.BooleanField(default=False)  # seen by everyone with a role in the model, not just its author
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["model", "code"]
        constraints = [models.UniqueConstraint(fields=["model", "code"], name="report_code_unique_in_model")]


class Dashboard(models.Model):
    """An ordered set of reports: `items` = [{"report": <code>, "size": "small"|"medium"|"large"}, ...]."""

    model = models.ForeignKey("planning.Model", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    items = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["model", "code"]
        constraints = [models.UniqueConstraint(fields=["model", "code"], name="dashboard_code_unique_in_model")]
