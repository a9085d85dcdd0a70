"""Operations endpoints (health, readiness, metrics) and the job API."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.core import metrics
from opencorpo.core.errors import NotFound
from opencorpo.core.health import readiness
from opencorpo.core.selectors import job_get, jobs_visible_to
from opencorpo.core.serializers import JobSerializer, JobSubmitSerializer
from opencorpo.core.services import job_submit


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


class JobDetailView(APIView):
    @extend_schema(responses=JobSerializer)
    def get(self, request: Request, job_id: str) -> Response:
        try:
            uuid.UUID(job_id)
        except ValueError:
            raise NotFound(f"{job_id!r} is not a job id; job ids look like 3f2b…-…-…") from None
        return Response(JobSerializer(job_get(user=request.user, job_id=job_id)).data)
