"""Planning actions API: spread, explain, allocations, version copy/branch/diff/merge and exchange rates.
Views stay thin: validate, call the service, answer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.planning.allocations import allocation_create, allocation_run
from opencorpo.planning.context import cube_get
from opencorpo.planning.errors import UnknownObject
from opencorpo.planning.explain import cell_explain
from opencorpo.planning.models import Allocation
from opencorpo.planning.permissions import CanRead, CanWriteCells, ReadOrModel
from opencorpo.planning.rates import rates_list, rates_set
from opencorpo.planning.serializers import MemberSerializer, code_field
from opencorpo.planning.spreading import cells_spread
from opencorpo.planning.versioning import Slice, version_branch, version_copy, version_diff, version_merge
from opencorpo.planning.views import AnyObject, model_get, valid

Coordinate = serializers.DictField(child=serializers.CharField(max_length=64))


class SpreadSerializer(serializers.Serializer[Any]):
    coordinate = serializers.DictField(child=serializers.CharField(max_length=64))
    value = serializers.FloatField()
    method = serializers.ChoiceField(choices=["proportional", "even", "basis"], default="proportional")
    basis_version = serializers.CharField(max_length=64, required=False)
    basis_account = serializers.CharField(max_length=64, required=False, help_text="a driver account for the shares")
    held = serializers.ListField(child=serializers.DictField(child=serializers.CharField()), default=list)
    precision = serializers.IntegerField(min_value=0, max_value=6, default=2)


class SpreadView(APIView):
    permission_classes = [CanWriteCells]

    @extend_schema(request=SpreadSerializer, responses=AnyObject, summary="Spread a value typed at a total")
    def post(self, request: Request, model: str, cube: str) -> Response:
        data = valid(SpreadSerializer, request.data)
        return Response(cells_spread(cube=cube_get(model_code=model, cube_code=cube), user=request.user, **data))


class ExplainSerializer(serializers.Serializer[Any]):
    coordinate = serializers.DictField(child=serializers.CharField(max_length=64))


class ExplainView(APIView):
    permission_classes = [CanRead]

    @extend_schema(request=ExplainSerializer, responses=AnyObject, summary="Explain a cell: formula, parts, changes")
    def post(self, request: Request, model: str, cube: str) -> Response:
        coordinate = valid(ExplainSerializer, request.data)["coordinate"]
        found = cube_get(model_code=model, cube_code=cube)
        return Response(cell_explain(cube=found, coordinate=coordinate, user=request.user))


def slice_field(**kwargs: Any) -> serializers.DictField:
    return serializers.DictField(child=serializers.ListField(child=serializers.CharField(max_length=64)), **kwargs)


class CopySerializer(serializers.Serializer[Any]):
    source = serializers.CharField(max_length=64)  # type: ignore[assignment]
    target = serializers.CharField(max_length=64)
    where = slice_field(required=False, help_text="dimension → member codes (totals stand for their leaves)")


class VersionCopyView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(request=CopySerializer, responses=AnyObject, summary="Copy a version (or a slice) into another")
    def post(self, request: Request, model: str) -> Response:
        data = valid(CopySerializer, request.data)
        where = Slice(dict(data["where"])) if data.get("where") else None
        result = version_copy(
            model=model_get(model), source=data["source"], target=data["target"], where=where, user=request.user
        )
        return Response(result)


class BranchSerializer(serializers.Serializer[Any]):
    base = serializers.CharField(max_length=64)
    code = code_field()
    name = serializers.CharField(max_length=200)


class VersionBranchView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(request=BranchSerializer, responses={201: MemberSerializer}, summary="Branch a what-if version")
    def post(self, request: Request, model: str) -> Response:
        version = version_branch(model=model_get(model), user=request.user, **valid(BranchSerializer, request.data))
        return Response(MemberSerializer(version).data, status=status.HTTP_201_CREATED)


class DiffSerializer(serializers.Serializer[Any]):
    version = serializers.CharField(max_length=64)
    reference = serializers.CharField(max_length=64)
    where = slice_field(required=False)


class VersionDiffView(APIView):
    permission_classes = [CanRead]

    @extend_schema(request=DiffSerializer, responses=AnyObject, summary="Cell-by-cell differences of two versions")
    def post(self, request: Request, model: str, cube: str) -> Response:
        data = valid(DiffSerializer, request.data)
        where = Slice(dict(data["where"])) if data.get("where") else None
        found = cube_get(model_code=model, cube_code=cube)
        return Response(
            version_diff(
                cube=found, version=data["version"], reference=data["reference"], where=where, user=request.user
            )
        )


class MergeSerializer(serializers.Serializer[Any]):
    choices = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="conflict label → 'ours', 'theirs' or a number"
    )

    def validate_choices(self, value: dict[str, Any]) -> dict[str, Any]:
        for label, choice in value.items():
            if choice not in ("ours", "theirs") and not (choice is None or isinstance(choice, int | float)):
                raise serializers.ValidationError(f"{label}: choose 'ours', 'theirs', a number or null.")
        return value


class VersionMergeView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(request=MergeSerializer, responses=AnyObject, summary="Merge a branch back into its base")
    def post(self, request: Request, model: str, code: str) -> Response:
        choices = valid(MergeSerializer, request.data).get("choices")
        return Response(version_merge(branch=code, model=model_get(model), user=request.user, choices=choices))


class AllocationSerializer(serializers.Serializer[Any]):
    code = code_field()
    name = serializers.CharField(max_length=200)
    cube = serializers.CharField(max_length=64)
    definition = serializers.DictField()


class AllocationListView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=AllocationSerializer(many=True))
    def get(self, request: Request, model: str) -> Response:
        found = model_get(model).allocations.select_related("cube")
        return Response(
            [{"code": a.code, "name": a.name, "cube": a.cube.code, "definition": a.definition} for a in found]
        )

    @extend_schema(request=AllocationSerializer, responses={201: AllocationSerializer})
    def post(self, request: Request, model: str) -> Response:
        data = valid(AllocationSerializer, request.data)
        allocation_create(model=model_get(model), user=request.user, **data)
        return Response(data, status=status.HTTP_201_CREATED)


class AllocationRunSerializer(serializers.Serializer[Any]):
    version = serializers.CharField(max_length=64)
    periods = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1)


class AllocationRunView(APIView):
    permission_classes = [CanWriteCells]

    @extend_schema(request=AllocationRunSerializer, responses=AnyObject, summary="Run an allocation")
    def post(self, request: Request, model: str, code: str) -> Response:
        allocation = Allocation.objects.select_related("cube").filter(model__code=model, code=code).first()
        if allocation is None:
            raise UnknownObject(f"Model {model!r} has no allocation {code!r}.")
        data = valid(AllocationRunSerializer, request.data)
        return Response(allocation_run(allocation=allocation, user=request.user, **data))


class RateSerializer(serializers.Serializer[Any]):
    version = serializers.CharField(max_length=64)
    period = serializers.CharField(max_length=64)
    currency = serializers.CharField(max_length=3)
    rate_type = serializers.CharField(max_length=8)
    rate = serializers.FloatField()


class RatesSerializer(serializers.Serializer[Any]):
    rates = RateSerializer(many=True)


class RateListView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=RateSerializer(many=True))
    def get(self, request: Request, model: str) -> Response:
        return Response(rates_list(model=model_get(model), version=request.query_params.get("version")))

    @extend_schema(request=RatesSerializer, responses=AnyObject, summary="Create or update exchange rates")
    def put(self, request: Request, model: str) -> Response:
        rows = [dict(row) for row in valid(RatesSerializer, request.data)["rates"]]
        return Response(rates_set(model=model_get(model), rows=rows, user=request.user))
