"""Planning API: models, dimensions, members, cubes, versions, grid queries and cell writes. Views stay thin."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opencorpo.accounts.access import access_scope
from opencorpo.governance.comments import comment_marks
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.context import cube_get
from opencorpo.planning.errors import InvalidCell, UnknownObject
from opencorpo.planning.grid import grid_read
from opencorpo.planning.history import cell_history
from opencorpo.planning.models import Dimension, DimensionKind, Member, Model
from opencorpo.planning.permissions import CanRead, CanWriteCells, ReadOrLock, ReadOrModel
from opencorpo.planning.schemas import CellsWrittenSerializer, GridAnswerSerializer
from opencorpo.planning.serializers import (
    CellsWriteSerializer,
    CubeCreateSerializer,
    CubeSerializer,
    DimensionCreateSerializer,
    DimensionSerializer,
    DimensionUpdateSerializer,
    GridQuerySerializer,
    MemberCreateSerializer,
    MembersBulkSerializer,
    MemberSerializer,
    MemberWriteSerializer,
    ModelCreateSerializer,
    ModelSerializer,
    ModelUpdateSerializer,
    VersionCreateSerializer,
    VersionLockSerializer,
    grid_query,
    member_rows,
)

AnyObject = inline_serializer("AnyObject", {"detail": serializers.DictField(required=False)})


def model_get(code: str) -> Model:
    model = Model.objects.filter(code=code).first()
    if model is None:
        raise UnknownObject(f"There is no model {code!r}.")
    return model


def dimension_get(model_code: str, code: str) -> Dimension:
    dimension = Dimension.objects.filter(model__code=model_code, code=code).select_related("model").first()
    if dimension is None:
        raise UnknownObject(f"Model {model_code!r} has no dimension {code!r}.")
    return dimension


def member_get(dimension: Dimension, code: str, user: Any) -> Member:
    """The member as `user` may see it: a hidden member answers exactly like a missing one, before any other check
    (so neither a role refusal nor a lock tells that it exists)."""
    member = dimension.members.filter(code=code).first()
    if member is None or not readable_members(user, dimension, [member]):
        raise UnknownObject(f"Dimension {dimension.code!r} has no member {code!r}.")
    return member


def readable_members(user: Any, dimension: Dimension, members: list[Member]) -> list[Member]:
    """The members this user may see (a hidden one is not listed at all): the rule of planning/visibility.py,
    including "a ratio is readable only with its numerator and denominator"."""
    scope = access_scope(user, dimension.model_id)
    if dimension.pk not in scope.grants:
        return members if scope.cap > 0 else []
    hierarchy = structure.hierarchy_of(dimension)

    def readable(member: Member) -> bool:
        parts = (member.ratio_numerator_id, member.ratio_denominator_id) if member.is_ratio else ()
        return all(scope.can_read(dimension.pk, hierarchy, m) for m in (member.pk, *parts) if m is not None)

    return [m for m in members if readable(m)]


def members_json(user: Any, dimension: Dimension, members: list[Member]) -> list[dict[str, Any]]:
    """Serialised readable members; a hidden parent (or ratio part) is not named."""
    shown = readable_members(user, dimension, members)
    every = {m.pk for m in readable_members(user, dimension, list(dimension.members.all()))}
    data = []
    for member, item in zip(shown, MemberSerializer(shown, many=True).data, strict=True):
        item = dict(item)
        if member.parent_id is not None and member.parent_id not in every:
            item["parent"] = None
        data.append(item)
    return data


def valid(serializer_class: type[serializers.Serializer[Any]], data: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ModelListView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=ModelSerializer(many=True))
    def get(self, request: Request) -> Response:
        visible = [m for m in Model.objects.all() if access_scope(request.user, m.pk).cap > 0]
        return Response(ModelSerializer(visible, many=True, context={"user": request.user}).data)

    @extend_schema(request=ModelCreateSerializer, responses={201: ModelSerializer})
    def post(self, request: Request) -> Response:
        model = structure.model_create(**valid(ModelCreateSerializer, request.data), user=request.user)
        return Response(ModelSerializer(model, context={"user": request.user}).data, status=status.HTTP_201_CREATED)


class ModelDetailView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=ModelSerializer)
    def get(self, request: Request, model: str) -> Response:
        return Response(ModelSerializer(model_get(model), context={"user": request.user}).data)

    @extend_schema(request=ModelUpdateSerializer, responses=ModelSerializer)
    def patch(self, request: Request, model: str) -> Response:
        values = valid(ModelUpdateSerializer, request.data, partial=True)
        return Response(
            ModelSerializer(
                structure.model_update(model=model_get(model), user=request.user, **values),
                context={"user": request.user},
            ).data
        )


class DimensionDetailView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=DimensionSerializer)
    def get(self, request: Request, model: str, dimension: str) -> Response:
        return Response(DimensionSerializer(dimension_get(model, dimension)).data)

    @extend_schema(request=DimensionUpdateSerializer, responses=DimensionSerializer)
    def patch(self, request: Request, model: str, dimension: str) -> Response:
        name = valid(DimensionUpdateSerializer, request.data)["name"]
        found = structure.dimension_update(dimension=dimension_get(model, dimension), name=name, user=request.user)
        return Response(DimensionSerializer(found).data)


class DimensionListView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=DimensionSerializer(many=True))
    def get(self, request: Request, model: str) -> Response:
        return Response(DimensionSerializer(model_get(model).dimensions.all(), many=True).data)

    @extend_schema(request=DimensionCreateSerializer, responses={201: DimensionSerializer})
    def post(self, request: Request, model: str) -> Response:
        values = valid(DimensionCreateSerializer, request.data)
        dimension = structure.dimension_create(model=model_get(model), user=request.user, **values)
        return Response(DimensionSerializer(dimension).data, status=status.HTTP_201_CREATED)


class MemberListView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request: Request, model: str, dimension: str) -> Response:
        found = dimension_get(model, dimension)
        members = list(found.members.only("id", "dimension", "ratio_numerator", "ratio_denominator"))
        shown = {member.pk for member in readable_members(request.user, found, members)}
        return Response(member_rows(found.members.all(), shown))

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def post(self, request: Request, model: str, dimension: str) -> Response:
        member = structure.member_create(
            dimension=dimension_get(model, dimension), user=request.user, **valid(MemberCreateSerializer, request.data)
        )
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    permission_classes = [ReadOrLock]  # approvers lock and unlock periods here; the service checks the rest

    @extend_schema(responses=MemberSerializer)
    def get(self, request: Request, model: str, dimension: str, code: str) -> Response:
        found = dimension_get(model, dimension)
        return Response(members_json(request.user, found, [member_get(found, code, request.user)])[0])

    @extend_schema(request=MemberWriteSerializer, responses=MemberSerializer)
    def patch(self, request: Request, model: str, dimension: str, code: str) -> Response:
        found = dimension_get(model, dimension)
        member = member_get(found, code, request.user)
        values = valid(MemberWriteSerializer, request.data, partial=True)
        if "parent" in values:
            values["parent"] = values["parent"] or ""
        changed = structure.member_update(member=member, user=request.user, **values)
        shown = members_json(request.user, found, [changed])  # a hidden parent is not named
        return Response(shown[0] if shown else {"code": changed.code, "name": changed.name})

    @extend_schema(
        parameters=[inline_serializer("MemberDeleteQuery", {"delete_data": serializers.BooleanField(default=False)})],
        responses=inline_serializer("MemberDeleted", {"deleted_values": serializers.IntegerField()}),
    )
    def delete(self, request: Request, model: str, dimension: str, code: str) -> Response:
        member = member_get(dimension_get(model, dimension), code, request.user)
        delete_data = request.query_params.get("delete_data", "").lower() in {"1", "true", "yes"}
        return Response(
            {"deleted_values": structure.member_delete(member=member, delete_data=delete_data, user=request.user)}
        )


class MembersBulkView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(
        request=MembersBulkSerializer,
        responses=inline_serializer(
            "BulkResult", {k: serializers.IntegerField() for k in ("created", "updated", "deleted")}
        ),
    )
    def post(self, request: Request, model: str, dimension: str) -> Response:
        data = valid(MembersBulkSerializer, request.data)
        upserts = [dict(row) for row in data["upserts"]]
        return Response(
            structure.members_bulk(
                dimension=dimension_get(model, dimension), upserts=upserts, deletes=data["deletes"], user=request.user
            )
        )


class CubeListView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=CubeSerializer(many=True))
    def get(self, request: Request, model: str) -> Response:
        return Response(CubeSerializer(model_get(model).cubes.all(), many=True).data)

    @extend_schema(request=CubeCreateSerializer, responses={201: CubeSerializer})
    def post(self, request: Request, model: str) -> Response:
        values = valid(CubeCreateSerializer, request.data)
        cube = structure.cube_create(model=model_get(model), user=request.user, **values)
        return Response(CubeSerializer(cube).data, status=status.HTTP_201_CREATED)


class CubeDetailView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=CubeSerializer)
    def get(self, request: Request, model: str, cube: str) -> Response:
        return Response(CubeSerializer(cube_get(model_code=model, cube_code=cube)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, model: str, cube: str) -> Response:
        structure.cube_delete(cube=cube_get(model_code=model, cube_code=cube), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GridQueryView(APIView):
    permission_classes = [CanRead]

    @extend_schema(
        request=GridQuerySerializer, responses=GridAnswerSerializer, summary="Read a grid: rows × columns × filters"
    )
    def post(self, request: Request, model: str, cube: str) -> Response:
        query = grid_query(request.data)
        found = cube_get(model_code=model, cube_code=cube)
        answer = grid_read(cube=found, query=query, user=request.user)
        # Comment counts are added on every read, outside the answer cache: comments do not move the data version.
        return Response({**answer, "comments": comment_marks(found, request.user, answer)})


class CellsWriteView(APIView):
    permission_classes = [CanWriteCells]

    @extend_schema(
        request=CellsWriteSerializer, responses=CellsWrittenSerializer, summary="Write leaf cells (all or nothing)"
    )
    def post(self, request: Request, model: str, cube: str) -> Response:
        cells = [CellWrite(**cell) for cell in valid(CellsWriteSerializer, request.data)["cells"]]
        result = cells_write(
            cube=cube_get(model_code=model, cube_code=cube), cells=cells, user=request.user, source="api"
        )
        return Response(result)


class VersionListView(APIView):
    permission_classes = [ReadOrModel]

    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request: Request, model: str) -> Response:
        dimension = model_get(model).dimensions.get(kind=DimensionKind.VERSION)
        versions = readable_members(request.user, dimension, list(dimension.members.all()))
        return Response(MemberSerializer(versions, many=True).data)

    @extend_schema(request=VersionCreateSerializer, responses={201: MemberSerializer})
    def post(self, request: Request, model: str) -> Response:
        values = valid(VersionCreateSerializer, request.data)
        version = structure.version_create(model=model_get(model), user=request.user, **values)
        return Response(MemberSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionDetailView(APIView):
    permission_classes = [ReadOrLock]  # approvers lock and unlock versions too

    @extend_schema(request=VersionLockSerializer, responses=MemberSerializer, summary="Lock or unlock a version")
    def patch(self, request: Request, model: str, code: str) -> Response:
        dimension = model_get(model).dimensions.get(kind=DimensionKind.VERSION)
        version = structure.version_lock(
            version=member_get(dimension, code, request.user),
            user=request.user,
            **valid(VersionLockSerializer, request.data),
        )
        return Response(MemberSerializer(version).data)


class CellHistoryView(APIView):
    permission_classes = [CanRead]

    @extend_schema(
        request=inline_serializer(
            "CellCoordinate", {"coordinate": serializers.DictField(child=serializers.CharField())}
        ),
        responses=AnyObject,
        summary="The recorded changes of one leaf cell, newest first",
    )
    def post(self, request: Request, model: str, cube: str) -> Response:
        coordinate = request.data.get("coordinate") if isinstance(request.data, dict) else None
        if not isinstance(coordinate, dict) or not all(isinstance(v, str) for v in coordinate.values()):
            raise InvalidCell('Send {"coordinate": {"<dimension>": "<member code>", …}}.')
        found = cube_get(model_code=model, cube_code=cube)
        return Response({"changes": cell_history(cube=found, coordinate=coordinate, user=request.user)})
