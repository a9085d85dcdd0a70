"""Comparing and merging versions held as plain cell maps {cell: value}; a missing cell is empty.

`merge3` works like git: `base` is the branch point, `ours` the version the branch came from as it is now,
`theirs` the branch as it is now. What only the branch changed is taken; what only ours changed, or both
changed alike, is left alone; what both changed differently is a conflict. `changes` is what to write into
ours (None = delete the cell), so applying it to ours gives the merged version. NaN reads as empty.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from opencorpo.engine.errors import EngineError

C = TypeVar("C", bound=Hashable)
Choice = Literal["ours", "theirs"] | float | None
_SHOWN = 5  # cells named in a message before "and N more"


class MergeError(EngineError):
    """Merge conflicts are unresolved, or the resolution does not fit the conflicts."""


@dataclass(frozen=True)
class CellDiff(Generic[C]):
    cell: C
    before: float | None
    after: float | None


@dataclass(frozen=True)
class Conflict(Generic[C]):
    cell: C
    base: float | None
    ours: float | None
    theirs: float | None


@dataclass(frozen=True)
class MergeResult(Generic[C]):
    changes: dict[C, float | None]
    conflicts: tuple[Conflict[C], ...]


def diff(a: Mapping[C, float], b: Mapping[C, float], *, tolerance: float = 1e-9) -> list[CellDiff[C]]:
    """The cells whose value differs from `a` to `b` by more than `tolerance`, sorted by cell."""
    cells = _sorted(a.keys() | b.keys())
    pairs = ((cell, _value(a, cell), _value(b, cell)) for cell in cells)
    return [CellDiff(cell, x, y) for cell, x, y in pairs if not _same(x, y, tolerance)]


def diff_totals(diffs: Iterable[CellDiff[Any]]) -> tuple[float, float]:
    """(sum of the before values, sum of the after values), an empty value counting as 0."""
    before = after = 0.0
    for change in diffs:
        before += change.before or 0.0
        after += change.after or 0.0
    return before, after


def merge3(
    base: Mapping[C, float], ours: Mapping[C, float], theirs: Mapping[C, float], *, tolerance: float = 1e-9
) -> MergeResult[C]:
    """Merge the branch `theirs` into `ours`, both descended from `base`; see the module docstring."""
    changes: dict[C, float | None] = {}
    conflicts: list[Conflict[C]] = []
    for cell in _sorted(base.keys() | ours.keys() | theirs.keys()):
        b, o, t = _value(base, cell), _value(ours, cell), _value(theirs, cell)
        if _same(t, b, tolerance) or _same(o, t, tolerance):
            continue
        if _same(o, b, tolerance):
            changes[cell] = t
        else:
            conflicts.append(Conflict(cell, b, o, t))
    return MergeResult(changes, tuple(conflicts))


def resolve(result: MergeResult[C], choices: Mapping[C, Choice]) -> dict[C, float | None]:
    """All the changes to write into ours once every conflict has a choice: 'ours', 'theirs', a value or None."""
    in_conflict = {conflict.cell for conflict in result.conflicts}
    stray = [cell for cell in choices if cell not in in_conflict]
    if stray:
        raise MergeError(
            f"{_count(stray, 'choice is', 'choices are')} for cells not in conflict ({_show(stray)}); remove them."
        )
    open_cells = [conflict.cell for conflict in result.conflicts if conflict.cell not in choices]
    if open_cells:
        raise MergeError(
            f"{_count(open_cells, 'conflict is', 'conflicts are')} still unresolved "
            f"({_show(open_cells)}); choose ours, theirs or a value for each."
        )
    changes = dict(result.changes)
    for conflict in result.conflicts:
        value = _chosen(conflict, choices[conflict.cell])
        if not _same(value, conflict.ours, 0.0):
            changes[conflict.cell] = value
    return changes


def _chosen(conflict: Conflict[C], choice: Choice) -> float | None:
    if choice == "ours":
        return conflict.ours
    if choice == "theirs":
        return conflict.theirs
    if choice is None or (isinstance(choice, int | float) and not isinstance(choice, bool) and math.isfinite(choice)):
        return None if choice is None else float(choice)
    raise MergeError(
        f"The choice {choice!r} for cell {conflict.cell} is not valid; "
        "use 'ours', 'theirs', a finite number, or None to leave the cell empty."
    )


def _value(cells: Mapping[C, float], cell: C) -> float | None:
    value = cells.get(cell)
    return None if value is None or math.isnan(value) else value


def _same(x: float | None, y: float | None, tolerance: float) -> bool:
    if x is None or y is None:
        return x is y
    return abs(x - y) <= tolerance


def _sorted(cells: Iterable[C]) -> list[C]:
    items: list[Any] = list(cells)
    try:
        return sorted(items)
    except TypeError:  # cells of mixed or unorderable types
        return sorted(items, key=lambda cell: (type(cell).__name__, repr(cell)))


def _count(items: list[Any], one: str, many: str) -> str:
    return f"1 {one}" if len(items) == 1 else f"{len(items)} {many}"


def _show(cells: list[Any]) -> str:
    shown = ", ".join(str(cell) for cell in cells[:_SHOWN])
    return shown if len(cells) <= _SHOWN else f"{shown} and {len(cells) - _SHOWN} more"
