"""Serializers of the job API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from opencorpo.core.models import Job


class JobSerializer(serializers.ModelSerializer[Job]):
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "error",
            "result",
            "attempts",
            "cancel_requested",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
        ]
        read_only_fields = fields


class JobSubmitSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(max_length=64)
    params = serializers.DictField(required=False, default=dict)
    idempotency_key = serializers.CharField(max_length=128, required=False, allow_null=True, default=None)
