"""Structure services: models, dimensions, members (create, rename, move, delete, bulk) and versions.

Each takes the acting `user` (None: the system itself, e.g. the demo or the CLI) and checks the role first
(docs/security.md): administrators and modellers change structure; approvers may also lock and unlock periods and
versions; creating a model needs one of those roles held everywhere."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q

from opencorpo.accounts.roles import BUILDERS, LOCKERS, role_require
from opencorpo.core.audit import audit
from opencorpo.engine.accounts import AccountRule
from opencorpo.engine.errors import EngineError
from opencorpo.engine.hierarchy import Hierarchy, Node
from opencorpo.engine.periods import fiscal_calendar
from opencorpo.engine.ratios import ratio_evaluation_rank
from opencorpo.planning.errors import DataInTheWay, InvalidStructure, UnknownObject
from opencorpo.planning.models import (
    MEMBER_ATTRIBUTES,
    Cube,
    CubeDimension,
    Dimension,
    DimensionKind,
    Member,
    Model,
    VersionKind,
)
from opencorpo.planning.partitions import partitions_drop_version, partitions_ensure

MEMBER_FIELDS = {"name", *MEMBER_ATTRIBUTES, "period_kind", "start_date", "end_date"}
DEFAULT_VERSIONS = [
    ("actual", "Actual", VersionKind.ACTUAL),
    ("budget", "Budget", VersionKind.BUDGET),
    ("forecast", "Forecast", VersionKind.FORECAST),
]


@transaction.atomic
def model_create(
    *,
    code: str,
    name: str,
    fiscal_year_start_month: int = 1,
    reporting_currency: str = "EUR",
    first_fiscal_year: int = 2025,
    years: int = 3,
    description: str = "",
    user: Any = None,
) -> Model:
    """A model with its built-in dimensions: Account, Entity, Time (the fiscal calendar) and Version."""
    role_require(user, None, *BUILDERS, action="create models")
    if not 1 <= fiscal_year_start_month <= 12:
        raise InvalidStructure(
            "fiscal_year_start_month must be 1 (January) to 12 (December).",
            fields={"fiscal_year_start_month": ["must be 1..12"]},
        )
    if not 1 <= years <= 30:
        raise InvalidStructure("years must be between 1 and 30.", fields={"years": ["must be 1..30"]})
    if Model.objects.filter(code=code).exists():
        raise InvalidStructure(
            f"A model with code {code!r} exists already; choose another code.", fields={"code": ["already used"]}
        )
    model = Model.objects.create(
        code=code,
        name=name,
        fiscal_year_start_month=fiscal_year_start_month,
        reporting_currency=reporting_currency.upper(),
        description=description,
    )
    for kind, label in [
        (DimensionKind.ACCOUNT, "Account"),
        (DimensionKind.ENTITY, "Entity"),
        (DimensionKind.TIME, "Time"),
        (DimensionKind.VERSION, "Version"),
    ]:
        Dimension.objects.create(model=model, code=kind.value, name=label, kind=kind)
    time = model.dimensions.get(kind=DimensionKind.TIME)
    by_code: dict[str, Member] = {}
    for sort, period in enumerate(fiscal_calendar(first_fiscal_year, years, fiscal_year_start_month)):
        by_code[period.code] = Member.objects.create(
            dimension=time,
            code=period.code,
            name=period.name,
            sort=sort,
            period_kind=period.kind,
            parent=by_code.get(period.parent_code) if period.parent_code else None,
            start_date=period.start,
            end_date=period.end,
            attributes={"fiscal_year": period.fiscal_year},
        )
    version_dimension = model.dimensions.get(kind=DimensionKind.VERSION)
    for sort, (version_code, version_name, version_kind) in enumerate(DEFAULT_VERSIONS):
        Member.objects.create(
            dimension=version_dimension, code=version_code, name=version_name, sort=sort, version_kind=version_kind
        )
    audit(
        "model.create",
        model.code,
        {
            "name": name,
            "fiscal_year_start_month": fiscal_year_start_month,
            "reporting_currency": reporting_currency,
            "years": years,
        },
    )
    return model


def dimension_create(
    *, model: Model, code: str, name: str, kind: str = DimensionKind.CUSTOM, user: Any = None
) -> Dimension:
    role_require(user, model.pk, *BUILDERS, action="add dimensions")
    if kind not in DimensionKind.values:
        raise InvalidStructure(f"Unknown dimension kind {kind!r}; use one of {', '.join(DimensionKind.values)}.")
    try:
        with transaction.atomic():
            dimension = Dimension.objects.create(model=model, code=code, name=name, kind=kind)
            audit("dimension.create", f"{model.code}/{code}", {"name": name, "kind": kind})
            return dimension
    except IntegrityError:
        raise InvalidStructure(
            f"Model {model.code!r} already has a dimension {code!r} or a {kind} dimension; choose another."
        ) from None


def hierarchy_of(dimension: Dimension, members: Iterable[Member] | None = None) -> Hierarchy:
    rows = members if members is not None else dimension.members.all()
    return Hierarchy(Node(id=m.pk, code=m.code, parent_id=m.parent_id, weight=m.weight, sort=m.sort) for m in rows)


def _member_by_code(dimension: Dimension, code: str) -> Member:
    member = dimension.members.filter(code=code).first()
    if member is None:
        raise UnknownObject(f"Dimension {dimension.code!r} has no member {code!r}.")
    return member


def _fact_count(member: Member) -> int:
    """How many facts sit on this member, across every cube that uses its dimension."""
    total = 0
    with connection.cursor() as cursor:
        for cube_id, slot in CubeDimension.objects.filter(dimension_id=member.dimension_id).values_list(
            "cube_id", "slot"
        ):
            cursor.execute(
                f"SELECT count(*) FROM planning_fact WHERE cube_id = %s AND {slot} = %s", [cube_id, member.pk]
            )
            total += cursor.fetchone()[0]
    return total


def _check_parent_holds_no_data(parent: Member | None) -> None:
    if parent is not None and not parent.children.exists() and (count := _fact_count(parent)):
        raise DataInTheWay(
            f"Member {parent.code!r} holds {count} values; it cannot get children, because values live on leaves. "
            f"Move or delete its values first (DELETE the member's data or add the child elsewhere)."
        )


def _clean(dimension: Dimension, values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - MEMBER_FIELDS - {"parent", "ratio_numerator", "ratio_denominator", "code"}
    if unknown:
        raise InvalidStructure(f"Unknown member fields: {', '.join(sorted(unknown))}.")
    cleaned = {key: value for key, value in values.items() if key in MEMBER_FIELDS}
    for key in ("ratio_numerator", "ratio_denominator"):
        if values.get(key):
            cleaned[key] = _member_by_code(dimension, values[key])
    return cleaned


@transaction.atomic
def member_create(
    *, dimension: Dimension, code: str, name: str, parent: str | None = None, user: Any = None, **values: Any
) -> Member:
    role_require(user, dimension.model_id, *BUILDERS, action=f"add members to {dimension.code!r}")
    parent_member = _member_by_code(dimension, parent) if parent else None
    _check_parent_holds_no_data(parent_member)
    if dimension.members.filter(code=code).exists():
        raise InvalidStructure(
            f"Dimension {dimension.code!r} already has a member {code!r}.", fields={"code": ["already used"]}
        )
    values.setdefault("sort", dimension.members.count())  # appended after its siblings
    member = Member.objects.create(
        dimension=dimension, code=code, parent=parent_member, **_clean(dimension, {**values, "name": name})
    )
    _touched(dimension)
    if member.formula:
        _formulas_changed(dimension, [member.code])
    if dimension.kind == DimensionKind.VERSION:
        for cube_id in CubeDimension.objects.filter(dimension=dimension).values_list("cube_id", flat=True):
            partitions_ensure(cube_id=cube_id, version_ids=[member.pk])
    audit("member.create", _target(member), {"name": name, "parent": parent, **values})
    return member


@transaction.atomic
def member_update(*, member: Member, user: Any = None, **values: Any) -> Member:
    """Rename, re-attribute or move (`parent`: a code, or "" for a root); facts stay on their leaves. Locking or
    unlocking a period or a version (`locked` alone) is for approvers too."""
    dimension = member.dimension
    if set(values) == {"locked"} and dimension.kind in (DimensionKind.TIME, DimensionKind.VERSION):
        what = "periods" if dimension.kind == DimensionKind.TIME else "versions"
        role_require(user, dimension.model_id, *LOCKERS, action=f"lock or unlock {what}")
    else:
        role_require(user, dimension.model_id, *BUILDERS, action=f"change members of {dimension.code!r}")
    if "parent" in values:
        new_parent = _member_by_code(dimension, values["parent"]) if values["parent"] else None
        if new_parent is not None:
            _check_parent_holds_no_data(new_parent)
        try:
            hierarchy_of(dimension).moved(member.pk, new_parent.pk if new_parent else None)
        except EngineError as error:
            raise InvalidStructure(error.message) from None
        member.parent = new_parent
    for key, value in _clean(dimension, values).items():
        setattr(member, key, value)
    member.save()
    _touched(dimension)
    if "formula" in values:
        _formulas_changed(dimension, [member.code])
    audit("member.update", _target(member), values)
    return member


@transaction.atomic
def member_delete(*, member: Member, delete_data: bool = False, user: Any = None) -> int:
    """Delete a leaf; its values block the deletion unless `delete_data` (then they are removed and audited)."""
    role_require(user, member.dimension.model_id, *BUILDERS, action=f"delete members of {member.dimension.code!r}")
    if member.children.exists():
        raise DataInTheWay(f"Member {member.code!r} has children; delete or move them first.")
    ratios = Member.objects.filter(Q(ratio_numerator=member) | Q(ratio_denominator=member)).values_list(
        "code", flat=True
    )
    if ratios:
        raise DataInTheWay(
            f"Member {member.code!r} is an input of the ratio {', '.join(map(repr, ratios))}; change that ratio first."
        )
    count = _fact_count(member)
    if count and not delete_data:
        raise DataInTheWay(
            f"Member {member.code!r} holds {count} values. Pass delete_data=true to delete them with it, "
            f"or move them first."
        )
    from opencorpo.planning.cells import facts_delete_on_member

    facts_delete_on_member(member=member, user_id=user.pk if user is not None and user.is_authenticated else None)
    if member.dimension.kind == DimensionKind.VERSION:  # its (now empty) fact partitions go with it
        for cube_id in CubeDimension.objects.filter(dimension_id=member.dimension_id).values_list("cube_id", flat=True):
            partitions_drop_version(cube_id=cube_id, version_id=member.pk)
    target = _target(member)
    member.delete()
    _touched(member.dimension)
    audit("member.delete", target, {"deleted_values": count})
    return count


@transaction.atomic
def members_bulk(
    *, dimension: Dimension, upserts: list[dict[str, Any]], deletes: list[str] | None = None, user: Any = None
) -> dict[str, int]:
    """Create or update many members (by code) and delete some, in one transaction; the final tree is validated."""
    role_require(user, dimension.model_id, *BUILDERS, action=f"change members of {dimension.code!r}")
    existing = {m.code: m for m in dimension.members.all()}
    had_children = {m.parent_id for m in existing.values() if m.parent_id}
    references = ("parent", "ratio_numerator", "ratio_denominator")
    created = updated = 0
    for index, row in enumerate(upserts, start=1):
        code = str(row.get("code") or "").strip()
        if not code or (not row.get("name") and code not in existing):
            raise InvalidStructure(f"Row {index}: every new member needs a code and a name.")
        values = _clean(dimension, {key: value for key, value in row.items() if key not in references})
        member = existing.get(code)
        if member is None:
            values.setdefault("sort", len(existing))  # new members keep the order they were given in
            member = existing[code] = Member.objects.create(dimension=dimension, code=code, **values)
            created += 1
        else:
            for key, value in values.items():
                setattr(member, key, value)
            updated += 1
    for row in upserts:  # references second, so rows may come in any order
        member = existing[row["code"]]
        for key in references:
            if key in row:
                target = row[key]
                if target and target not in existing:
                    raise InvalidStructure(f"Member {row['code']!r} names {key} {target!r}, which does not exist.")
                setattr(member, key, existing[target] if target else None)
        if member.parent is not None and member.parent.pk not in had_children:
            _check_parent_holds_no_data(member.parent)
            had_children.add(member.parent.pk)
    unknown = [code for code in deletes or [] if code not in existing]
    if unknown:
        raise UnknownObject(f"Dimension {dimension.code!r} has no member {', '.join(map(repr, unknown))} to delete.")
    survivors = [m for code, m in existing.items() if code not in set(deletes or [])]
    try:
        hierarchy_of(dimension, survivors)
    except EngineError as error:
        raise InvalidStructure(error.message) from None
    for member in survivors:
        member.save()
    for code in deletes or []:
        member_delete(member=existing[code], user=user)
    _touched(dimension)
    formulas = [str(row["code"]).strip() for row in upserts if "formula" in row]
    if formulas:
        _formulas_changed(dimension, formulas)
    codes = [str(row.get("code")) for row in upserts]
    audit(
        "members.bulk",
        f"{dimension.model.code}/{dimension.code}",
        {
            "created": created,
            "updated": updated,
            "deleted": deletes or [],
            "codes": codes[:100],
            "formulas": {c: r["formula"] for c, r in zip(codes, upserts, strict=True) if "formula" in r},
        },
    )
    return {"created": created, "updated": updated, "deleted": len(deletes or [])}


@transaction.atomic
def cube_create(*, model: Model, code: str, name: str, dimensions: list[str], user: Any = None) -> Cube:
    """A cube over the named dimensions, in that order; Version and Time are required."""
    role_require(user, model.pk, *BUILDERS, action="create cubes")
    by_code = {d.code: d for d in model.dimensions.all()}
    missing = [c for c in dimensions if c not in by_code]
    if missing:
        raise UnknownObject(f"Model {model.code!r} has no dimension {', '.join(map(repr, missing))}.")
    if len(set(dimensions)) != len(dimensions):
        raise InvalidStructure("A cube names each dimension once.")
    chosen = [by_code[c] for c in dimensions]
    kinds = [d.kind for d in chosen]
    if DimensionKind.VERSION not in kinds or DimensionKind.TIME not in kinds:
        raise InvalidStructure("A cube needs the model's Version and Time dimensions.")
    if len(chosen) - 2 > 6:
        raise InvalidStructure("A cube has at most 6 dimensions besides Version and Time.")
    if Cube.objects.filter(model=model, code=code).exists():
        raise InvalidStructure(f"Model {model.code!r} already has a cube {code!r}.", fields={"code": ["already used"]})
    cube = Cube.objects.create(model=model, code=code, name=name)
    others = iter(f"m{i}" for i in range(1, 7))
    for position, dimension in enumerate(chosen):
        slot = {"version": "version_id", "time": "period_id"}.get(dimension.kind) or next(others)
        CubeDimension.objects.create(cube=cube, dimension=dimension, position=position, slot=slot)
    versions = by_code_of_kind(model, DimensionKind.VERSION).members.values_list("pk", flat=True)
    partitions_ensure(cube_id=cube.pk, version_ids=list(versions))
    audit("cube.create", f"{model.code}/{code}", {"name": name, "dimensions": dimensions})
    return cube


def by_code_of_kind(model: Model, kind: str) -> Dimension:
    return model.dimensions.get(kind=kind)


def model_update(*, model: Model, user: Any = None, **values: Any) -> Model:
    """Rename or re-describe a model; its code and calendar stay (they are referenced everywhere)."""
    role_require(user, model.pk, *BUILDERS, action="change a model")
    for key in ("name", "description", "reporting_currency"):
        if key in values:
            setattr(model, key, values[key])
    model.save()
    audit("model.update", model.code, values)
    return model


def dimension_update(*, dimension: Dimension, name: str, user: Any = None) -> Dimension:
    role_require(user, dimension.model_id, *BUILDERS, action="rename dimensions")
    dimension.name = name
    dimension.save(update_fields=["name"])
    audit("dimension.update", f"{dimension.model.code}/{dimension.code}", {"name": name})
    return dimension


@transaction.atomic
def cube_delete(*, cube: Cube, user: Any = None) -> None:
    """Drop the cube and its fact partitions; the fact audit keeps its history."""
    role_require(user, cube.model_id, *BUILDERS, action="delete cubes")
    from opencorpo.planning.partitions import partitions_drop_cube

    partitions_drop_cube(cube_id=cube.pk)
    audit("cube.delete", f"{cube.model.code}/{cube.code}")
    cube.delete()


def version_create(*, model: Model, code: str, name: str, kind: str = VersionKind.WHAT_IF, user: Any = None) -> Member:
    """A new, empty version (its fact partitions are created in every cube)."""
    role_require(user, model.pk, *BUILDERS, action="create versions")
    if kind not in VersionKind.values:
        raise InvalidStructure(f"Unknown version kind {kind!r}; use one of {', '.join(VersionKind.values)}.")
    return member_create(
        dimension=by_code_of_kind(model, DimensionKind.VERSION), code=code, name=name, version_kind=kind, user=user
    )


def version_lock(*, version: Member, locked: bool, user: Any = None) -> Member:
    role_require(user, version.dimension.model_id, *LOCKERS, action="lock or unlock versions")
    version.locked = locked
    version.save(update_fields=["locked"])
    _touched(version.dimension)
    audit("version.lock" if locked else "version.unlock", _target(version))
    return version


def _target(member: Member) -> str:
    return f"{member.dimension.model.code}/{member.dimension.code}/{member.code}"


def _formulas_changed(dimension: Dimension, codes: list[str]) -> None:
    """Recalculate the changed formula items (and what depends on them) in this transaction."""
    from opencorpo.planning.formulas import formula_items_recalculate

    formula_items_recalculate(model_id=dimension.model_id, codes=codes)


def _touched(dimension: Dimension) -> None:
    """Every structure change ends here: check what the engine will need, then bump the structure version."""
    if dimension.kind == DimensionKind.ACCOUNT:
        members = list(dimension.members.all())
        half = [m.code for m in members if (m.ratio_numerator_id is None) != (m.ratio_denominator_id is None)]
        if half:
            raise InvalidStructure(f"Ratio {half[0]!r} needs both a numerator and a denominator account.")
        rules = {
            m.pk: AccountRule(ratio=(m.ratio_numerator_id, m.ratio_denominator_id), scale=m.ratio_scale)
            for m in members
            if m.ratio_numerator_id is not None and m.ratio_denominator_id is not None
        }
        try:
            ratio_evaluation_rank(hierarchy_of(dimension, members), rules)
        except EngineError as error:
            raise InvalidStructure(error.message) from None
        from opencorpo.planning.formulas import formulas_check  # formulas read cubes through this module

        formulas_check(dimension)
    if dimension.kind in (DimensionKind.VERSION, DimensionKind.TIME):
        closed_refresh(dimension.pk)
    Dimension.objects.filter(pk=dimension.pk).update(structure_version=F("structure_version") + 1)


def closed_refresh(dimension_id: int) -> None:
    """Keep the database's lock guard (planning_closed) in step: locked members and everything under them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM planning_closed WHERE member_id IN (SELECT id FROM planning_member WHERE dimension_id = %s)",
            [dimension_id],
        )
        cursor.execute(
            """WITH RECURSIVE down AS (
                   SELECT id FROM planning_member WHERE dimension_id = %s AND locked
                   UNION SELECT m.id FROM planning_member m JOIN down d ON m.parent_id = d.id)
               INSERT INTO planning_closed (member_id) SELECT id FROM down ON CONFLICT DO NOTHING""",
            [dimension_id],
        )
