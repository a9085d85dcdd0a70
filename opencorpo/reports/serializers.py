"""Serializers of the reports API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from opencorpo.reports.models import Dashboard, Report, ReportKind
from opencorpo.reports.redaction import DefinitionReader

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class ReportSerializer(serializers.ModelSerializer[Report]):
    cube: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    kind = serializers.CharField(read_only=True, help_text="grid or chart")
    editable = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["code", "name", "kind", "cube", "definition", "shared", "created_by", "editable", "updated_at"]

    def get_editable(self, report: Report) -> bool:
        from opencorpo.reports.services import report_editable

        return report_editable(report, self.context.get("user"))

    def to_representation(self, instance: Report) -> dict[str, Any]:
        """The definition as the reader may see it: without the members hidden from them (redaction.py)."""
        data: dict[str, Any] = super().to_representation(instance)
        readers = self.context.setdefault("readers", {})  # one per cube, shared by the reports of a list
        if instance.cube_id not in readers:
            readers[instance.cube_id] = DefinitionReader(instance.cube, self.context.get("user"))
        data["definition"] = readers[instance.cube_id].definition(instance.definition)
        return data


class ReportWriteSerializer(serializers.Serializer[Any]):
    code = serializers.RegexField(CODE)
    name = serializers.CharField(max_length=200)
    kind = serializers.RegexField(r"^(grid|chart)$", default=ReportKind.GRID, help_text="grid or chart")
    cube = serializers.CharField(max_length=64)
    definition = serializers.JSONField(help_text='{"query": <grid query>, "display": {...}, "chart": {...}}')
    shared = serializers.BooleanField(default=False)


class DashboardItemSerializer(serializers.Serializer[Any]):
    report = serializers.CharField(max_length=64)
    size = serializers.ChoiceField(choices=["small", "medium", "large"], default="medium")


class DashboardSerializer(serializers.ModelSerializer[Dashboard]):
    items = DashboardItemSerializer(many=True)

    class Meta:
        model = Dashboard
        fields = ["code", "name", "items", "updated_at"]
        read_only_fields = ["updated_at"]


class DashboardWriteSerializer(serializers.Serializer[Any]):
    code = serializers.RegexField(CODE)
    name = serializers.CharField(max_length=200)
    items = DashboardItemSerializer(many=True)
