"""Operations endpoints (health, readiness, metrics) and the job API."""

from __future__ import annotations

import uuid

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.roles import Role, has_role
from opencorpo.core import metrics
from opencorpo.core.errors import Forbidden, NotFound
from opencorpo.core.health import readiness
from opencorpo.core.models import AuditEvent, Job
from opencorpo.core.selectors import job_get, jobs_visible_to
from opencorpo.core.serializers import JobSerializer, JobSubmitSerializer
from opencorpo.core.services import job_cancel, job_folder, job_retry, job_submit


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    report = readiness()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    body, content_type = metrics.render_latest()
    return HttpResponse(body, content_type=content_type)


class JobListView(APIView):
    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request: Request) -> Response:
        jobs = jobs_visible_to(request.user).select_related("created_by")[:100]
        return Response(JobSerializer(jobs, many=True).data)

    @extend_schema(request=JobSubmitSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        data = JobSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = job_submit(created_by=request.user, **data.validated_data)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def _job(request: Request, job_id: str) -> Job:
    try:
        uuid.UUID(job_id)
    except ValueError:
        raise NotFound(f"{job_id!r} is not a job id; job ids look like 3f2b…-…-…") from None
    return job_get(user=request.user, job_id=job_id)


class JobDetailView(APIView):
    @extend_schema(responses=JobSerializer)
    def get(self, request: Request, job_id: str) -> Response:
        return Response(JobSerializer(_job(request, job_id)).data)


class JobCancelView(APIView):
    @extend_schema(request=None, responses=JobSerializer, summary="Cancel a queued or running job")
    def post(self, request: Request, job_id: str) -> Response:
        return Response(JobSerializer(job_cancel(_job(request, job_id))).data)


class JobRetryView(APIView):
    @extend_schema(request=None, responses={202: JobSerializer}, summary="Queue a failed or cancelled job again")
    def post(self, request: Request, job_id: str) -> Response:
        return Response(JobSerializer(job_retry(_job(request, job_id))).data, status=status.HTTP_202_ACCEPTED)


class JobFileView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes}, summary="Download a file a job produced")
    def get(self, request: Request, job_id: str, name: str) -> FileResponse:
        job = _job(request, job_id)
        if name not in (job.result or {}).get("files", []):
            raise NotFound(f"Job {job_id} has no file {name!r}; its files are listed in result.files.")
        return FileResponse(open(job_folder(job.pk) / name, "rb"), as_attachment=True, filename=name)


class AuditEventListView(APIView):
    @extend_schema(
        parameters=[
            inline_serializer(
                "AuditQuery",
                {"action": serializers.CharField(required=False), "target": serializers.CharField(required=False)},
            )
        ],
        responses=inline_serializer(
            "AuditEvent",
            {
                "at": serializers.DateTimeField(),
                "actor": serializers.CharField(),
                "action": serializers.CharField(),
                "target": serializers.CharField(),
                "details": serializers.DictField(),
            },
            many=True,
        ),
        summary="The audit log of structure, access, sign-ins and tokens (administrators), newest first",
    )
    def get(self, request: Request) -> Response:
        if not has_role(request.user, Role.ADMINISTRATOR):
            raise Forbidden("Only administrators read the audit log. Ask one of them.")
        events = AuditEvent.objects.all()
        if request.query_params.get("action"):
            events = events.filter(action__startswith=request.query_params["action"])
        if request.query_params.get("target"):
            events = events.filter(target__startswith=request.query_params["target"])
        return Response(
            [
                {
                    "at": e.at,
                    "actor": e.actor_name,
                    "action": e.action,
                    "target": e.target,
                    "details": e.details,
                    "request_id": e.request_id,
                }
                for e in events[:500]
            ]
        )
