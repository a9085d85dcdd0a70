"""Loads a cube's dimensions, members and account rules once, as the engine's CubeShape plus lookups by code."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import cast

from opencorpo.engine.accounts import AccountRule, AccountType, default_polarity, default_time_balance
from opencorpo.engine.cube import CubeShape
from opencorpo.engine.hierarchy import Hierarchy
from opencorpo.planning.errors import UnknownObject
from opencorpo.planning.models import Cube, Dimension, DimensionKind, Member
from opencorpo.planning.structure import hierarchy_of


@dataclass
class DimensionInfo:
    dimension: Dimension
    slot: str
    hierarchy: Hierarchy
    members: dict[int, Member]
    by_code: dict[str, int] = field(default_factory=dict)

    def closed(self, member_id: int) -> bool:
        """A locked version, or a closed period (a locked month, or a month under a locked quarter or year)."""
        if self.dimension.kind == DimensionKind.VERSION:
            return self.members[member_id].locked
        if self.dimension.kind == DimensionKind.TIME:
            return any(self.members[m].locked for m in (member_id, *self.hierarchy.ancestors(member_id)))
        return False

    def id_of(self, code: str) -> int:
        member_id = self.by_code.get(code)
        if member_id is None:
            raise UnknownObject(f"Dimension {self.dimension.code!r} has no member {code!r}.")
        return member_id


@dataclass
class CubeContext:
    cube: Cube
    dimensions: list[DimensionInfo]
    shape: CubeShape

    def info(self, code: str) -> DimensionInfo:
        for info in self.dimensions:
            if info.dimension.code == code:
                return info
        names = ", ".join(i.dimension.code for i in self.dimensions)
        raise UnknownObject(f"Cube {self.cube.code!r} has no dimension {code!r}; it has {names}.")

    def of_kind(self, kind: str) -> DimensionInfo | None:
        return next((i for i in self.dimensions if i.dimension.kind == kind), None)

    def polarity_sign(self, account_id: int) -> int:
        account = self.of_kind(DimensionKind.ACCOUNT)
        if account is None:
            return 0
        member = account.members[account_id]
        polarity = member.polarity or (
            default_polarity(cast(AccountType, member.account_type)) if member.account_type else "neutral"
        )
        return {"higher_is_better": 1, "lower_is_better": -1}.get(polarity, 0)


_CONTEXTS: OrderedDict[tuple[int, tuple[tuple[int, int], ...]], CubeContext] = OrderedDict()
_CONTEXTS_KEPT = 32


def structure_key(cube: Cube) -> tuple[tuple[int, int], ...]:
    """(dimension id, structure version) of every dimension of the cube: changes with any member change."""
    return tuple(cube.cube_dimensions.order_by("position").values_list("dimension_id", "dimension__structure_version"))


def cube_versions(cube_id: int) -> tuple[int, tuple[tuple[int, int], ...]]:
    """The cube's data version and its structure key, in one query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.data_version, array_agg(d.id ORDER BY cd.position),
                      array_agg(d.structure_version ORDER BY cd.position)
               FROM planning_cube c JOIN planning_cubedimension cd ON cd.cube_id = c.id
               JOIN planning_dimension d ON d.id = cd.dimension_id WHERE c.id = %s GROUP BY c.data_version""",
            [cube_id],
        )
        data_version, ids, versions = cursor.fetchone()
    return int(data_version), tuple(zip(ids, versions, strict=True))


def cube_context(cube: Cube, structure: tuple[tuple[int, int], ...] | None = None) -> CubeContext:
    """The cube's structure, loaded once per process and structure version (one small query to check)."""
    key = (cube.pk, structure if structure is not None else structure_key(cube))
    context = _CONTEXTS.get(key)
    if context is None:
        context = _load_context(cube)
        _CONTEXTS[key] = context
        while len(_CONTEXTS) > _CONTEXTS_KEPT:
            _CONTEXTS.popitem(last=False)
    else:
        _CONTEXTS.move_to_end(key)
    return replace(context, cube=cube)  # shared structure, this caller's cube row


def _load_context(cube: Cube) -> CubeContext:
    infos = []
    for link in cube.cube_dimensions.select_related("dimension").order_by("position"):
        members = {m.pk: m for m in link.dimension.members.all()}
        infos.append(
            DimensionInfo(
                dimension=link.dimension,
                slot=link.slot,
                hierarchy=hierarchy_of(link.dimension, members.values()),
                members=members,
                by_code={m.code: m.pk for m in members.values()},
            )
        )
    account = next((i for i in infos if i.dimension.kind == DimensionKind.ACCOUNT), None)
    time = next((i for i in infos if i.dimension.kind == DimensionKind.TIME), None)
    rules: dict[int, AccountRule] = {}
    for member in account.members.values() if account else []:
        balance = member.time_balance or (
            default_time_balance(cast(AccountType, member.account_type)) if member.account_type else "flow"
        )
        ratio = (member.ratio_numerator_id, member.ratio_denominator_id) if member.ratio_numerator_id else None
        if balance != "flow" or ratio:
            rules[member.pk] = AccountRule(time_balance=balance, ratio=ratio, scale=member.ratio_scale)  # type: ignore[arg-type]
    shape = CubeShape(
        dimensions=tuple(i.dimension.code for i in infos),
        hierarchies={i.dimension.code: i.hierarchy for i in infos},
        time_dimension=time.dimension.code if time else None,
        account_dimension=account.dimension.code if account else None,
        account_rules=rules,
    )
    return CubeContext(cube=cube, dimensions=infos, shape=shape)


def cube_get(*, model_code: str, cube_code: str) -> Cube:
    cube = Cube.objects.select_related("model").filter(model__code=model_code, code=cube_code).first()
    if cube is None:
        raise UnknownObject(f"Model {model_code!r} has no cube {cube_code!r}.")
    return cube
