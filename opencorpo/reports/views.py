"""Reports API: saved reports (read: any role; save: planners, modellers, administrators; the author or a modeller
changes one) and dashboards (read: any role; change: modellers and administrators). A report's numbers come from
the grid service run with the reader's own access, exactly as POST .../cubes/{c}/query would answer them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.core.errors import Conflict, Forbidden
from opencorpo.planning.context import cube_get
from opencorpo.planning.errors import UnknownObject
from opencorpo.planning.permissions import CanRead, CanWriteCells, ReadOrModel
from opencorpo.planning.views import model_get, valid
from opencorpo.reports.models import Dashboard, Report
from opencorpo.reports.serializers import (
    DashboardSerializer,
    DashboardWriteSerializer,
    ReportSerializer,
    ReportWriteSerializer,
)
from opencorpo.reports.services import definition_check, report_data, report_editable, report_visible, reports_defaults

GridAnswer = inline_serializer("ReportData", {"values": serializers.ListField(required=False)})


class ReadOrSave(CanWriteCells):
    """Any role reads reports; planners, modellers and administrators save them."""

    message = (
        "Only planners, modellers and administrators save reports; viewers and approvers read the shared ones. "
        "Ask an administrator for the planner role."
    )

    def allowed(self, request: Request) -> bool:
        return bool(self.roles) if request.method in SAFE_METHODS else super().allowed(request)


def report_get(model: str, code: str, user: Any) -> Report:
    report = Report.objects.filter(model__code=model, code=code).select_related("cube", "created_by").first()
    if report is None or not report_visible(report, user):
        raise UnknownObject(f"Model {model!r} has no report {code!r}.")
    return report


def dashboard_get(model: str, code: str) -> Dashboard:
    dashboard = Dashboard.objects.filter(model__code=model, code=code).first()
    if dashboard is None:
        raise UnknownObject(f"Model {model!r} has no dashboard {code!r}.")
    return dashboard


class ReportListView(APIView):
    permission_classes = [ReadOrSave]

    @extend_schema(responses=ReportSerializer(many=True), summary="Reports of a model (the standard ones included)")
    def get(self, request: Request, model: str) -> Response:
        reports_defaults(model_get(model))
        reports = [
            r
            for r in Report.objects.filter(model__code=model).select_related("cube", "created_by")
            if report_visible(r, request.user)
        ]
        return Response(ReportSerializer(reports, many=True, context={"user": request.user}).data)

    @extend_schema(request=ReportWriteSerializer, responses={201: ReportSerializer}, summary="Save a report")
    def post(self, request: Request, model: str) -> Response:
        data = valid(ReportWriteSerializer, request.data)
        found = model_get(model)
        cube = cube_get(model_code=model, cube_code=data.pop("cube"))
        definition_check(data["definition"])
        try:
            with transaction.atomic():
                report = Report.objects.create(model=found, cube=cube, created_by=request.user, **data)  # type: ignore[misc]
        except IntegrityError:
            raise Conflict(f"Model {model!r} already has a report {data['code']!r}; choose another code.") from None
        return Response(ReportSerializer(report, context={"user": request.user}).data, status=status.HTTP_201_CREATED)


class ReportDetailView(APIView):
    permission_classes = [ReadOrSave]

    @extend_schema(responses=ReportSerializer)
    def get(self, request: Request, model: str, code: str) -> Response:
        return Response(ReportSerializer(report_get(model, code, request.user), context={"user": request.user}).data)

    @extend_schema(request=ReportWriteSerializer(partial=True), responses=ReportSerializer)
    def patch(self, request: Request, model: str, code: str) -> Response:
        report = self._editable(request, model, code)
        data = valid(ReportWriteSerializer, request.data, partial=True)
        data.pop("code", None)
        if "cube" in data:
            report.cube = cube_get(model_code=model, cube_code=data.pop("cube"))
        if "definition" in data:
            definition_check(data["definition"])
        for key, value in data.items():
            setattr(report, key, value)
        report.save()
        return Response(ReportSerializer(report, context={"user": request.user}).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, model: str, code: str) -> Response:
        self._editable(request, model, code).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _editable(self, request: Request, model: str, code: str) -> Report:
        report = report_get(model, code, request.user)
        if not report_editable(report, request.user):
            raise Forbidden("Only the report's author, modellers and administrators change it.")
        return report


class ReportDataView(APIView):
    permission_classes = [CanRead]

    @extend_schema(responses=GridAnswer, summary="A report's numbers: its grid query run with your own access")
    def get(self, request: Request, model: str, code: str) -> Response:
        return Response(report_data(report_get(model, code, request.user), request.user))


class DashboardListView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=DashboardSerializer(many=True))
    def get(self, request: Request, model: str) -> Response:
        reports_defaults(model_get(model))
        return Response(DashboardSerializer(Dashboard.objects.filter(model__code=model), many=True).data)

    @extend_schema(request=DashboardWriteSerializer, responses={201: DashboardSerializer})
    def post(self, request: Request, model: str) -> Response:
        data = valid(DashboardWriteSerializer, request.data)
        try:
            with transaction.atomic():
                dashboard = Dashboard.objects.create(model=model_get(model), created_by=request.user, **data)  # type: ignore[misc]
        except IntegrityError:
            raise Conflict(f"Model {model!r} already has a dashboard {data['code']!r}.") from None
        return Response(DashboardSerializer(dashboard).data, status=status.HTTP_201_CREATED)


class DashboardDetailView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=DashboardSerializer)
    def get(self, request: Request, model: str, code: str) -> Response:
        return Response(DashboardSerializer(dashboard_get(model, code)).data)

    @extend_schema(request=DashboardWriteSerializer(partial=True), responses=DashboardSerializer)
    def patch(self, request: Request, model: str, code: str) -> Response:
        dashboard = dashboard_get(model, code)
        data = valid(DashboardWriteSerializer, request.data, partial=True)
        data.pop("code", None)
        for key, value in data.items():
            setattr(dashboard, key, value)
        dashboard.save()
        return Response(DashboardSerializer(dashboard).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, model: str, code: str) -> Response:
        dashboard_get(model, code).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
