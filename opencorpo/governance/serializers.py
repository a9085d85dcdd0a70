"""Request validation and response shapes (for the OpenAPI document) of the governance API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers as S

from opencorpo.governance.approvals import ACTIONS
from opencorpo.governance.comments import MAX_TEXT
from opencorpo.governance.models import ApprovalState


class TransitionSerializer(S.Serializer[Any]):
    version = S.CharField(max_length=64)
    entity = S.CharField(max_length=64)
    action = S.ChoiceField(choices=list(ACTIONS))
    comment = S.CharField(max_length=MAX_TEXT, allow_blank=True, required=False, default="")


class ApprovalSerializer(S.Serializer[Any]):
    version = S.CharField()
    entity = S.CharField()
    state = S.ChoiceField(choices=ApprovalState.choices)
    comment = S.CharField()
    submitted_by = S.CharField(allow_null=True)
    updated_by = S.CharField(allow_null=True)
    updated_at = S.DateTimeField()


class ApprovalUnitSerializer(S.Serializer[Any]):
    entity = S.CharField()
    name = S.CharField()
    parent = S.CharField(allow_null=True)  # type: ignore[assignment]  # a field named like Field.parent
    level = S.IntegerField()
    state = S.ChoiceField(choices=ApprovalState.choices)
    comment = S.CharField()
    submitted_by = S.CharField(allow_null=True)
    updated_by = S.CharField(allow_null=True)
    updated_at = S.DateTimeField(allow_null=True)
    actions = S.ListField(child=S.CharField(), help_text="what you may do now: submit, approve, reject, reopen")


class ApprovalBoardSerializer(S.Serializer[Any]):
    version = S.CharField()
    locked = S.BooleanField()
    units = ApprovalUnitSerializer(many=True)


class ApproverSerializer(S.Serializer[Any]):
    id = S.IntegerField(read_only=True)
    entity = S.CharField(max_length=64)
    user = S.CharField(max_length=150, required=False, allow_null=True, default=None)
    group = S.CharField(max_length=150, required=False, allow_null=True, default=None)


class CommentCreateSerializer(S.Serializer[Any]):
    coordinate = S.DictField(child=S.CharField(max_length=64))
    text = S.CharField(max_length=MAX_TEXT)


class CommentSerializer(S.Serializer[Any]):
    id = S.IntegerField()
    thread = S.CharField()
    coordinate = S.DictField(child=S.CharField())
    author = S.CharField(allow_null=True)
    text = S.CharField()
    created_at = S.DateTimeField()
    copied_from = S.CharField(allow_null=True)


class NotificationSerializer(S.Serializer[Any]):
    id = S.IntegerField()
    text = S.CharField()
    link = S.CharField()
    read = S.BooleanField()
    created_at = S.DateTimeField()


class NotificationsSerializer(S.Serializer[Any]):
    unread = S.IntegerField()
    notifications = NotificationSerializer(many=True)
