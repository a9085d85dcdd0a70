"""Formula errors: each says what is wrong, where (a 0-based character position) and what to do."""

from __future__ import annotations

from collections.abc import Sequence

from opencorpo.engine.errors import EngineError
from opencorpo.engine.hierarchy import CYCLE_ARROW

# Longer formulas are shown as a window of this many characters either side of the position.
_SHOWN_AROUND = 60


class FormulaError(EngineError):
    """A formula cannot be parsed, evaluated or ordered; `position` is the 0-based offset of the problem
    in the formula text, or None when the problem has no single place (a cycle between formulas)."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class FormulaCycleError(FormulaError):
    """Formulas depend on each other in a cycle; `path` names it from one formula back to itself."""

    def __init__(self, path: Sequence[str]) -> None:
        super().__init__(
            f"Formulas depend on each other in a cycle: {CYCLE_ARROW.join(path)}; "
            "break the cycle by making one of them an input."
        )
        self.path = list(path)


def where(position: int, text: str) -> str:
    """'at position 7 in "Units * )"', with a long text cut to a window around the position."""
    shown = text.translate(str.maketrans("\n\r\t", "   "))
    if len(shown) > 2 * _SHOWN_AROUND + 20:
        first, last = max(0, position - _SHOWN_AROUND), position + _SHOWN_AROUND
        shown = ("…" if first > 0 else "") + shown[first:last] + ("…" if last < len(shown) else "")
    return f'at position {position} in "{shown}"'
