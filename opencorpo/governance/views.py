"""Governance API: approval status board and transitions, approver assignments, cell comments, notifications.
Views stay thin: the services decide who may do what, and their errors say what to do."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.roles import Role
from opencorpo.core.errors import UserError
from opencorpo.governance.approvals import approval_transition, approver_assign, approver_json, approver_remove
from opencorpo.governance.comments import comment_add, comment_json, comments_list
from opencorpo.governance.models import Approval
from opencorpo.governance.notifications import notification_json, notification_read
from opencorpo.governance.selectors import approval_board, approvers_list, notifications_of
from opencorpo.governance.serializers import (
    ApprovalBoardSerializer,
    ApprovalSerializer,
    ApproverSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    NotificationSerializer,
    NotificationsSerializer,
    TransitionSerializer,
)
from opencorpo.planning.context import cube_context, cube_get
from opencorpo.planning.permissions import CanRead, ModelScoped
from opencorpo.planning.views import model_get, valid


class AdministratorsChange(ModelScoped):
    """Anyone with a role reads the assignments; administrators change them."""

    message = "Only administrators assign approvers. Ask one of them."

    def allowed(self, request: Request) -> bool:
        if request.method in SAFE_METHODS:
            return bool(self.roles)
        return Role.ADMINISTRATOR.value in self.roles


def approval_json(approval: Approval) -> dict[str, Any]:
    return {
        "version": approval.version.code,
        "entity": approval.entity.code,
        "state": approval.state,
        "comment": approval.comment,
        "submitted_by": approval.submitted_by.get_username() if approval.submitted_by else None,
        "updated_by": approval.updated_by.get_username() if approval.updated_by else None,
        "updated_at": approval.updated_at.isoformat(),
    }


class ApprovalListView(APIView):
    permission_classes = [CanRead]

    @extend_schema(
        parameters=[OpenApiParameter("version", str, required=True, description="the version's code")],
        responses=ApprovalBoardSerializer,
        summary="The status board of a version: every unit you can read, its state, who moved it and when",
    )
    def get(self, request: Request, model: str) -> Response:
        version = request.query_params.get("version", "").strip()
        if not version:
            raise UserError("Name the version: ?version=<code>.", fields={"version": ["required"]})
        return Response(approval_board(model=model_get(model), version=version, user=request.user))

    @extend_schema(
        request=TransitionSerializer, responses=ApprovalSerializer, summary="Submit, approve, reject or reopen a unit"
    )
    def post(self, request: Request, model: str) -> Response:
        data = valid(TransitionSerializer, request.data)
        return Response(approval_json(approval_transition(model=model_get(model), user=request.user, **data)))


class ApproverListView(APIView):
    permission_classes = [AdministratorsChange]

    @extend_schema(responses=ApproverSerializer(many=True), summary="Who approves which entity subtree")
    def get(self, request: Request, model: str) -> Response:
        return Response(approvers_list(model=model_get(model), user=request.user))

    @extend_schema(request=ApproverSerializer, responses={201: ApproverSerializer}, summary="Assign an approver")
    def post(self, request: Request, model: str) -> Response:
        approver = approver_assign(model=model_get(model), **valid(ApproverSerializer, request.data))
        return Response(approver_json(approver), status=status.HTTP_201_CREATED)


class ApproverDetailView(APIView):
    permission_classes = [AdministratorsChange]

    @extend_schema(responses={204: None}, summary="Remove an approver assignment")
    def delete(self, request: Request, model: str, approver_id: int) -> Response:
        approver_remove(model=model_get(model), approver_id=approver_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _coordinate(raw: str | None) -> dict[str, str] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise UserError(
            'coordinate must be a JSON object of dimension → member code, e.g. {"entity": "E1", "version": "budget"}.',
            fields={"coordinate": ["not a JSON object of codes"]},
        )
    return value


class CommentListView(APIView):
    permission_classes = [CanRead]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "coordinate", str, description='JSON {"<dimension>": "<member code>"}: one cell, or all cells with them'
            )
        ],
        responses=CommentSerializer(many=True),
        summary="Comments you may see: of one cell, of some members, or of the whole cube",
    )
    def get(self, request: Request, model: str, cube: str) -> Response:
        found = cube_get(model_code=model, cube_code=cube)
        return Response(comments_list(found, request.user, _coordinate(request.query_params.get("coordinate"))))

    @extend_schema(
        request=CommentCreateSerializer, responses={201: CommentSerializer}, summary="Comment on a cell (read access)"
    )
    def post(self, request: Request, model: str, cube: str) -> Response:
        data = valid(CommentCreateSerializer, request.data)
        found = cube_get(model_code=model, cube_code=cube)
        comment = comment_add(found, data["coordinate"], data["text"], request.user)
        return Response(comment_json(comment, cube_context(found)), status=status.HTTP_201_CREATED)


class NotificationListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="only the unread ones")],
        responses=NotificationsSerializer,
        summary="Your newest notifications (up to 100) and how many are unread",
    )
    def get(self, request: Request) -> Response:
        unread = request.query_params.get("unread", "").lower() in {"1", "true", "yes"}
        return Response(notifications_of(request.user, unread_only=unread))


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark one of your notifications read")
    def post(self, request: Request, notification_id: int) -> Response:
        return Response(notification_json(notification_read(user=request.user, notification_id=notification_id)))
