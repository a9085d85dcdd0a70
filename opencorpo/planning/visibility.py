"""Applies the reader's AccessScope to a cube's members: what exists for them, what they may change.

Every planning read and write resolves member codes through here, so a hidden member answers exactly like one
that does not exist, and no total that includes a hidden leaf is ever computed for the reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opencorpo.accounts.access import AccessScope
from opencorpo.planning.context import CubeContext, DimensionInfo
from opencorpo.planning.errors import InvalidCell, UnknownObject
from opencorpo.planning.models import DimensionKind


@dataclass
class Visible:
    context: CubeContext
    scope: AccessScope
    user: Any = None  # who reads (None: the system); used for the approval workflow's frozen units

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

    def tops(self, info: DimensionInfo) -> list[int]:
        """The top members of what the reader sees, in hierarchy order: readable members whose parent is not (the
        roots, for a reader who may read everything)."""
        found: list[int] = []
        pending = list(info.hierarchy.roots())
        while pending:
            member_id = pending.pop(0)
            if self.readable(info, member_id):
                found.append(member_id)
            else:
                pending[0:0] = info.hierarchy.children(member_id)
        return found

    def only_readable(self, info: DimensionInfo, member_ids: list[int]) -> list[int]:
        return [m for m in member_ids if self.readable(info, m)]

    def leaf_cell(self, coordinate: dict[str, str], prefix: str, hint: str) -> list[tuple[DimensionInfo, str, int]]:
        """A cell's members (cube order) from dimension → code: every dimension named, each member a readable leaf;
        otherwise an InvalidCell starting with `prefix` and, for a total, ending with `hint`."""
        extra = set(coordinate) - {info.dimension.code for info in self.context.dimensions}
        if extra:
            raise InvalidCell(f"{prefix}cube {self.context.cube.code!r} has no dimension {', '.join(sorted(extra))}.")
        members = []
        for info in self.context.dimensions:
            code = coordinate.get(info.dimension.code)
            if code is None:
                raise InvalidCell(f"{prefix}name a member of dimension {info.dimension.code!r}.")
            member_id = info.by_code.get(code)
            if member_id is None or not self.readable(info, member_id):  # hidden answers like missing
                raise InvalidCell(f"{prefix}dimension {info.dimension.code!r} has no member {code!r}.")
            if not info.hierarchy.is_leaf(member_id):
                raise InvalidCell(f"{prefix}{code!r} is a total of dimension {info.dimension.code!r}; {hint}.")
            members.append((info, code, member_id))
        return members
