"""Applies the reader's AccessScope to a cube's members: what exists for them, what they may change.

Every planning read and write resolves member codes through here, so a hidden member answers exactly like one
that does not exist, and no total that includes a hidden leaf is ever computed for the reader."""

from __future__ import annotations

from dataclasses import dataclass

from opencorpo.accounts.access import AccessScope
from opencorpo.planning.context import CubeContext, DimensionInfo
from opencorpo.planning.errors import UnknownObject
from opencorpo.planning.models import DimensionKind


@dataclass
class Visible:
    context: CubeContext
    scope: AccessScope

    def readable(self, info: DimensionInfo, member_id: int) -> bool:
        if not self.scope.can_read(info.dimension.pk, info.hierarchy, member_id):
            return False
        member = info.members[member_id]
        if info.dimension.kind == DimensionKind.ACCOUNT and member.is_ratio:  # a ratio shows its inputs' totals
            inputs = (member.ratio_numerator_id, member.ratio_denominator_id)
            return all(self.scope.can_read(info.dimension.pk, info.hierarchy, i) for i in inputs if i is not None)
        return True

    def writable(self, info: DimensionInfo, member_id: int) -> bool:
        return self.scope.can_write(info.dimension.pk, info.hierarchy, member_id)

    def id_of(self, info: DimensionInfo, code: str) -> int:
        member_id = info.by_code.get(code)
        if member_id is None or not self.readable(info, member_id):
            raise UnknownObject(f"Dimension {info.dimension.code!r} has no member {code!r}.")
        return member_id

    def only_readable(self, info: DimensionInfo, member_ids: list[int]) -> list[int]:
        return [m for m in member_ids if self.readable(info, m)]
