"""OpenAPI shapes of the planning answers built as plain dicts (grid reads, cell writes, spreads): documentation
for clients and the typed front-end client, not used to build the answers (the hot path stays plain JSON)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class HeaderSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField(help_text="Depth in the hierarchy; 0 for a top member.")
    has_children = serializers.BooleanField()
    number_format = serializers.CharField(required=False, help_text="An account's Excel number pattern, if it has one.")


class AxisBlockSerializer(serializers.Serializer[Any]):
    dimensions = serializers.ListField(child=serializers.CharField())
    headers = serializers.ListField(
        child=serializers.ListField(child=HeaderSerializer()), help_text="One header per dimension for each position."
    )


def _matrix(child: serializers.Field[Any, Any, Any, Any], help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.ListField(child=child), help_text=help_text)


class VarianceSerializer(serializers.Serializer[Any]):
    version = serializers.CharField()
    reference = serializers.CharField()
    rows = AxisBlockSerializer()
    columns = AxisBlockSerializer()
    absolute = _matrix(serializers.FloatField(allow_null=True), "Version minus reference.")
    percent = _matrix(serializers.FloatField(allow_null=True), "Absolute over |reference| × 100; null when 0.")
    favourable = _matrix(serializers.BooleanField(allow_null=True), "By account polarity; null when equal.")


class GridAnswerSerializer(serializers.Serializer[Any]):
    cube = serializers.CharField()
    data_version = serializers.IntegerField(help_text="The committed data version the numbers are as of.")
    rows = AxisBlockSerializer()
    columns = AxisBlockSerializer()
    filters = serializers.DictField(child=HeaderSerializer())
    values = _matrix(serializers.FloatField(allow_null=True), "Rows × columns; null where the cell is empty.")
    editable = _matrix(serializers.BooleanField(), "Whether the reader may type into the cell.")
    row_versions = _matrix(serializers.IntegerField(allow_null=True), "For optimistic concurrency on writes.")
    reasons = _matrix(
        serializers.CharField(allow_null=True),
        "Why a cell is read-only: locked, no_access, calculated, total, approval or converted (null if editable).",
    )
    currency = serializers.CharField(allow_null=True)
    variance = VarianceSerializer(required=False)
    comments = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=3, max_length=3),
        help_text="[row, column, count] of each cell with comments the reader may see.",
    )


class CellsWrittenSerializer(serializers.Serializer[Any]):
    batch = serializers.CharField(allow_null=True, help_text="The audit batch of the write; null if nothing changed.")
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    data_version = serializers.IntegerField()
    row_versions = serializers.ListField(
        child=serializers.IntegerField(), help_text="Each written cell's row version after the write, in order."
    )
