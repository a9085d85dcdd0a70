"""Request and response shapes of the planning API."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from django.db.models import F, QuerySet
from rest_framework import serializers

from opencorpo.accounts.roles import roles_of
from opencorpo.planning.models import (
    MEMBER_ATTRIBUTES,
    AccountType,
    Cube,
    Dimension,
    DimensionKind,
    Member,
    Model,
    Polarity,
    TimeBalance,
    VersionKind,
)

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
CODE_HELP = "letters, digits, '.', '_' or '-', starting with a letter or digit"


def code_field(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(CODE, max_length=64, error_messages={"invalid": f"Use {CODE_HELP}."}, **kwargs)


class ModelSerializer(serializers.ModelSerializer[Model]):
    roles = serializers.SerializerMethodField(
        help_text="The reader's roles in this model: held everywhere or given in this model (what pages may offer)."
    )

    class Meta:
        model = Model
        fields = ["code", "name", "description", "fiscal_year_start_month", "reporting_currency", "created_at", "roles"]

    def get_roles(self, model: Model) -> list[str]:
        user = self.context.get("user")
        return roles_of(user, model.pk) if user is not None else []


class ModelCreateSerializer(serializers.Serializer[Any]):
    code = code_field()
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    fiscal_year_start_month = serializers.IntegerField(min_value=1, max_value=12, default=1)
    reporting_currency = serializers.RegexField(r"^[A-Z]{3}$", default="EUR")
    first_fiscal_year = serializers.IntegerField(min_value=1900, max_value=2200, default=2025)
    years = serializers.IntegerField(min_value=1, max_value=30, default=3)


class DimensionSerializer(serializers.ModelSerializer[Dimension]):
    class Meta:
        model = Dimension
        fields = ["code", "name", "kind", "structure_version"]


class DimensionCreateSerializer(serializers.Serializer[Any]):
    code = code_field()
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=DimensionKind.choices, default=DimensionKind.CUSTOM)


class MemberSerializer(serializers.ModelSerializer[Member]):
    parent = serializers.CharField(source="parent.code", allow_null=True, read_only=True)  # type: ignore[assignment]
    ratio_numerator = serializers.CharField(source="ratio_numerator.code", allow_null=True, read_only=True)
    ratio_denominator = serializers.CharField(source="ratio_denominator.code", allow_null=True, read_only=True)

    class Meta:
        model = Member
        fields = [
            "code",
            "name",
            "parent",
            *MEMBER_ATTRIBUTES,
            "ratio_numerator",
            "ratio_denominator",
            "period_kind",
            "start_date",
            "end_date",
        ]


MEMBER_REFERENCES = ("parent", "ratio_numerator", "ratio_denominator")  # members named by their code


def member_rows(members: QuerySet[Member], shown: Container[int] | None = None) -> list[dict[str, Any]]:
    """What MemberSerializer(many=True) answers for these members, from one .values() query and no model instances
    (about 20× faster: a 2,000-account list is on the grid page's critical path). `shown`: the ids to list (None:
    all); a parent that is not listed is not named."""
    fields = MemberSerializer.Meta.fields
    plain = [name for name in fields if name not in MEMBER_REFERENCES]
    codes = {f"{name}_code": F(f"{name}__code") for name in MEMBER_REFERENCES}
    rows = []
    for row in members.values("id", "parent_id", *plain, **codes):
        if shown is not None and row["id"] not in shown:
            continue
        if shown is not None and row["parent_id"] is not None and row["parent_id"] not in shown:
            row["parent_code"] = None
        for day in ("start_date", "end_date"):
            row[day] = row[day].isoformat() if row[day] else None
        rows.append({name: row[f"{name}_code" if name in MEMBER_REFERENCES else name] for name in fields})
    return rows


class MemberWriteSerializer(serializers.Serializer[Any]):
    """Fields a client may set on a member; all optional on update."""

    name = serializers.CharField(max_length=200, required=False)
    parent = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)  # type: ignore[assignment]
    weight = serializers.FloatField(required=False)
    sort = serializers.IntegerField(required=False)
    attributes = serializers.DictField(required=False)
    account_type = serializers.ChoiceField(choices=AccountType.choices, required=False)
    time_balance = serializers.ChoiceField(choices=TimeBalance.choices, required=False)
    polarity = serializers.ChoiceField(choices=Polarity.choices, required=False)
    number_format = serializers.CharField(max_length=32, required=False, allow_blank=True)
    ratio_numerator = serializers.CharField(max_length=64, required=False, allow_blank=True)
    ratio_denominator = serializers.CharField(max_length=64, required=False, allow_blank=True)
    ratio_scale = serializers.FloatField(required=False)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    version_kind = serializers.ChoiceField(choices=VersionKind.choices, required=False)
    locked = serializers.BooleanField(required=False)
    formula = serializers.CharField(max_length=2000, required=False, allow_blank=True, trim_whitespace=True)


class MemberCreateSerializer(MemberWriteSerializer):
    code = code_field()
    name = serializers.CharField(max_length=200)


class MembersBulkSerializer(serializers.Serializer[Any]):
    upserts = MemberCreateSerializer(many=True, required=False, default=list)
    deletes = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list)

    def validate_upserts(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return value


class CubeSerializer(serializers.ModelSerializer[Cube]):
    dimensions = serializers.SerializerMethodField()

    class Meta:
        model = Cube
        fields = ["code", "name", "dimensions", "data_version"]

    def get_dimensions(self, cube: Cube) -> list[str]:
        return [link.dimension.code for link in cube.cube_dimensions.select_related("dimension").order_by("position")]


class CubeCreateSerializer(serializers.Serializer[Any]):
    code = code_field()
    name = serializers.CharField(max_length=200)
    dimensions = serializers.ListField(child=serializers.CharField(max_length=64), min_length=2, max_length=8)


class SelectionSerializer(serializers.Serializer[Any]):
    dimension = serializers.CharField(max_length=64)
    members = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list)
    children_of = serializers.CharField(max_length=64, required=False)
    descendants_of = serializers.CharField(max_length=64, required=False)
    leaves_of = serializers.CharField(max_length=64, required=False)
    level = serializers.IntegerField(min_value=0, required=False)
    include_parent = serializers.ChoiceField(choices=["before", "after"], required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        chosen = [key for key in ("members", "children_of", "descendants_of", "leaves_of") if attrs.get(key)]
        if len(chosen) != 1:
            raise serializers.ValidationError(
                f"Selection on {attrs.get('dimension')!r}: give exactly one of members, children_of, "
                f"descendants_of or leaves_of."
            )
        return attrs


class VarianceSerializer(serializers.Serializer[Any]):
    version = serializers.CharField(max_length=64)
    reference = serializers.CharField(max_length=64)


class GridQuerySerializer(serializers.Serializer[Any]):
    rows = SelectionSerializer(many=True)
    columns = SelectionSerializer(many=True)
    filters = serializers.DictField(child=serializers.CharField(max_length=64), required=False, default=dict)
    variance = VarianceSerializer(required=False)
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", required=False, help_text="convert to this currency (leave out: as entered, per entity)"
    )

    def query(self) -> Any:
        """The validated data as the grid service's GridQuery."""
        from opencorpo.planning.grid import GridQuery, Selection

        data = self.validated_data
        variance = data.get("variance")

        def selection(item: dict[str, Any]) -> Selection:
            return Selection(**{**item, "members": tuple(item.get("members") or ())})

        return GridQuery(
            rows=tuple(selection(s) for s in data["rows"]),
            columns=tuple(selection(s) for s in data["columns"]),
            filters=dict(data["filters"]),
            variance=(variance["version"], variance["reference"]) if variance else None,
            currency=data.get("currency"),
        )


def grid_query(data: Any) -> Any:
    """Validate a grid query body (400 with the fields at fault) and build the GridQuery."""
    serializer = GridQuerySerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.query()


class CellSerializer(serializers.Serializer[Any]):
    coordinate = serializers.DictField(child=serializers.CharField(max_length=64))
    value = serializers.FloatField(allow_null=True)
    row_version = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)


class CellsWriteSerializer(serializers.Serializer[Any]):
    cells = CellSerializer(many=True, allow_empty=False, max_length=50_000)  # type: ignore[call-arg]


class VersionLockSerializer(serializers.Serializer[Any]):
    locked = serializers.BooleanField()


class ModelUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    reporting_currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)


class DimensionUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)


class VersionCreateSerializer(serializers.Serializer[Any]):
    code = code_field()
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=VersionKind.choices, default="what_if")
