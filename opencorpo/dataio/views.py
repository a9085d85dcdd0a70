"""Data in and out API: uploads become import jobs, exports and templates become files of jobs. Views stay thin."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.roles import Role, has_role
from opencorpo.core.errors import UserError
from opencorpo.core.serializers import JobSerializer
from opencorpo.dataio.exports import export_submit
from opencorpo.dataio.imports import import_submit, import_undo
from opencorpo.dataio.models import ImportBatch, ImportMode, SavedMapping
from opencorpo.planning.context import cube_get
from opencorpo.planning.errors import InvalidStructure, UnknownObject
from opencorpo.planning.permissions import CanRead, CanWriteCells, ReadOrModel
from opencorpo.planning.serializers import GridQuerySerializer, code_field
from opencorpo.planning.views import AnyObject, valid


class ImportBatchSerializer(serializers.ModelSerializer[ImportBatch]):
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    cube: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    job = JobSerializer(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "cube",
            "filename",
            "mode",
            "slice",
            "status",
            "rows",
            "bad_rows",
            "changed",
            "control",
            "skip_bad_rows",
            "validate_only",
            "created_by",
            "created_at",
            "applied_at",
            "undone_at",
            "job",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()
    mapping = serializers.CharField(required=False, help_text="the mapping definition as JSON text")
    mapping_code = serializers.CharField(required=False, help_text="or the code of a saved mapping")
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.MERGE)
    slice = serializers.CharField(required=False, help_text='replace mode: JSON {"<dimension>": ["<member>", ...]}')
    skip_bad_rows = serializers.BooleanField(default=False)
    validate_only = serializers.BooleanField(default=False)


def _json(text: str | None, name: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        message = f"{name} is not valid JSON ({error.msg} at position {error.pos})."
        raise UserError(message, fields={name: ["not JSON"]}) from None


class ImportListView(APIView):
    permission_classes = [CanWriteCells]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=ImportBatchSerializer(many=True), summary="Import batches of a cube, newest first")
    def get(self, request: Request, model: str, cube: str) -> Response:
        batches = ImportBatch.objects.filter(cube=cube_get(model_code=model, cube_code=cube)).select_related("job")
        return Response(ImportBatchSerializer(own_batches(request.user, batches)[:200], many=True).data)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportBatchSerializer},
        summary="Upload a CSV or XLSX file of facts; it is checked and applied by a job",
    )
    def post(self, request: Request, model: str, cube: str) -> Response:
        data = valid(ImportUploadSerializer, request.data)
        upload = data["file"]
        batch = import_submit(
            cube=cube_get(model_code=model, cube_code=cube),
            user=request.user,
            upload=upload,
            filename=upload.name,
            mapping=_json(data.get("mapping"), "mapping"),
            mapping_code=data.get("mapping_code"),
            mode=data["mode"],
            slice_=_json(data.get("slice"), "slice"),
            skip_bad_rows=data["skip_bad_rows"],
            validate_only=data["validate_only"],
        )
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


def own_batches(user: Any, batches: Any) -> Any:
    """A batch's rows, totals and errors are its importer's: others see only their own (administrators all)."""
    model_id = batches.first().model_id if batches.exists() else None
    return batches if has_role(user, Role.ADMINISTRATOR, model_id) else batches.filter(created_by_id=user.pk)


def _batch(model: str, batch_id: str, user: Any) -> ImportBatch:
    mine = own_batches(user, ImportBatch.objects.filter(model__code=model, pk=batch_id))
    found: ImportBatch | None = mine.select_related("cube", "job").first()
    if found is None:
        raise UnknownObject(f"Model {model!r} has no import batch {batch_id}.")
    return found


class ImportDetailView(APIView):
    permission_classes = [CanWriteCells]

    @extend_schema(responses=ImportBatchSerializer)
    def get(self, request: Request, model: str, batch: str) -> Response:
        return Response(ImportBatchSerializer(_batch(model, batch, request.user)).data)


class ImportUndoView(APIView):
    permission_classes = [CanWriteCells]

    @extend_schema(request=None, responses=AnyObject, summary="Undo an applied import as one step")
    def post(self, request: Request, model: str, batch: str) -> Response:
        return Response(import_undo(batch=_batch(model, batch, request.user), user=request.user))


class MappingSerializer(serializers.Serializer[Any]):
    code = code_field()
    name = serializers.CharField(max_length=200)
    definition = serializers.DictField()


class MappingListView(APIView):
    permission_classes = [CanWriteCells]
    parser_classes = [JSONParser]

    @extend_schema(responses=MappingSerializer(many=True), summary="Saved column mappings of a cube")
    def get(self, request: Request, model: str, cube: str) -> Response:
        found = SavedMapping.objects.filter(cube=cube_get(model_code=model, cube_code=cube))
        return Response([{"code": m.code, "name": m.name, "definition": m.definition} for m in found])

    @extend_schema(request=MappingSerializer, responses={201: MappingSerializer}, summary="Save (or replace) a mapping")
    def post(self, request: Request, model: str, cube: str) -> Response:
        data = valid(MappingSerializer, request.data)
        found = cube_get(model_code=model, cube_code=cube)
        if not isinstance(data["definition"].get("columns"), dict):
            raise InvalidStructure('A mapping needs "columns": {"<file column>": {"dimension": "<code>"}, ...}.')
        SavedMapping.objects.update_or_create(
            cube=found,
            code=data["code"],
            defaults={"model": found.model, "name": data["name"], "definition": data["definition"]},
        )
        return Response(data, status=status.HTTP_201_CREATED)


class ExportSerializer(serializers.Serializer[Any]):
    query = GridQuerySerializer()
    format = serializers.ChoiceField(choices=["xlsx", "csv", "template"], default="xlsx")


class ExportView(APIView):
    permission_classes = [CanRead]
    parser_classes = [JSONParser]

    @extend_schema(
        request=ExportSerializer,
        responses={202: JobSerializer},
        summary="Export a grid to XLSX or CSV, or download a planning template (a job; fetch its file)",
    )
    def post(self, request: Request, model: str, cube: str) -> Response:
        data = valid(ExportSerializer, request.data)
        found = cube_get(model_code=model, cube_code=cube)
        job = export_submit(cube=found, user=request.user, query=dict(request.data["query"]), kind=data["format"])
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class TemplateUploadView(APIView):
    permission_classes = [CanWriteCells]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("TemplateUpload", {"file": serializers.FileField()})},
        responses={202: JobSerializer},
        summary="Upload a filled planning template: changed cells are written, cells changed since are conflicts",
    )
    def post(self, request: Request, model: str, cube: str) -> Response:
        from opencorpo.dataio.exports import template_submit

        upload = request.data.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise UserError("Attach the filled template as 'file'.", fields={"file": ["required"]})
        found = cube_get(model_code=model, cube_code=cube)
        job = template_submit(cube=found, user=request.user, upload=upload, filename=upload.name)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class MemberImportView(APIView):
    permission_classes = [ReadOrModel]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("MemberUpload", {"file": serializers.FileField()})},
        responses=inline_serializer("MemberImport", {k: serializers.IntegerField() for k in ("created", "updated")}),
        summary="Import members in parent–child form (code, name, parent, fields; other columns become attributes)",
    )
    def post(self, request: Request, model: str, dimension: str) -> Response:
        import tempfile
        from pathlib import Path

        from opencorpo.dataio.members import members_import
        from opencorpo.planning.views import dimension_get

        upload = request.data.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise UserError("Attach the members file as 'file'.", fields={"file": ["required"]})
        with tempfile.TemporaryDirectory(prefix="opencorpo-members-") as folder:
            result = members_import(
                dimension=dimension_get(model, dimension),
                upload=upload,
                filename=upload.name,
                folder=Path(folder),
                user=request.user,
            )
        return Response(result)
