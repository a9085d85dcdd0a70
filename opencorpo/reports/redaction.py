"""A report's definition as one reader may see it: the member codes they cannot read are left out (docs/security.md).

A shared report names members its author chose; a reader restricted by grants must not learn the codes of members
hidden from them, neither from the definition the reports API sends nor from the error of running it. Readability
is asked of the one enforcement point (`planning/visibility.py` with the reader's `accounts/access.py` scope), and
a hidden member is treated exactly like a missing one:
- a `members` list keeps the codes the reader can read (none left: the selection is left out);
- a `children_of`/`descendants_of`/`leaves_of` parent stays when the reader can read it or something beneath it
  (the grid then shows the readable part), else the selection is left out;
- a filter, and the versions of `variance`, stay only when readable (the grid reads nothing else);
- the members named by a chart (waterfall `steps`, `total`, `start`, `end`) or a display (`actual`, `forecast`,
  `cutoff`) are left out the same way.
Run, a report with a part left out fails with a message that names the dimension, never the member.
"""

from __future__ import annotations

from typing import Any

from opencorpo.accounts.access import access_scope
from opencorpo.planning.context import DimensionInfo, cube_context
from opencorpo.planning.errors import InvalidQuery, UnknownObject
from opencorpo.planning.models import Cube, DimensionKind
from opencorpo.planning.visibility import Visible

PARENT_KEYS = ("children_of", "descendants_of", "leaves_of")
CHART_MEMBERS = {"total": DimensionKind.ACCOUNT, "start": DimensionKind.VERSION, "end": DimensionKind.VERSION}
DISPLAY_MEMBERS = {"actual": DimensionKind.VERSION, "forecast": DimensionKind.VERSION, "cutoff": DimensionKind.TIME}


class DefinitionReader:
    """The members of one cube as one reader sees them. A reader without grants sees every member, and so every
    definition as stored (a code that no longer exists then fails the run with the grid's own message)."""

    def __init__(self, cube: Cube, user: Any) -> None:
        scope = access_scope(user, cube.model_id)
        self.visible = Visible(cube_context(cube), scope, user) if scope.grants else None

    def definition(self, definition: dict[str, Any]) -> dict[str, Any]:
        """The definition with the members the reader cannot read left out."""
        if self.visible is None:
            return definition
        shown = {**definition, "query": self.query(definition.get("query") or {})[0]}
        if isinstance(definition.get("chart"), dict):
            shown["chart"] = self._chart(definition["chart"])
        if isinstance(definition.get("display"), dict):
            shown["display"] = self._named(definition["display"], DISPLAY_MEMBERS)
        return shown

    def query_to_run(self, query: dict[str, Any]) -> dict[str, Any]:
        """The grid query to run for the reader; 400 naming the dimension when a part shows them nothing."""
        shown, left_out = self.query(query)
        if left_out:
            raise InvalidQuery(" ".join(left_out))
        return shown

    def query(self, query: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The query with the parts the reader cannot see left out, and a sentence for each part left out."""
        if self.visible is None:
            return query, []
        shown, left_out = dict(query), []
        for axis in ("rows", "columns"):
            if isinstance(query.get(axis), list):
                selections = [(selection, self._selection(selection)) for selection in query[axis]]
                shown[axis] = [kept for _, kept in selections if kept is not None]
                left_out += [_nothing_in(selection) for selection, kept in selections if kept is None]
        if isinstance(query.get("filters"), dict):
            hidden = [code for code, member in query["filters"].items() if not self._readable(code, member)]
            shown["filters"] = {code: member for code, member in query["filters"].items() if code not in hidden}
            left_out += [f"The filter on {code!r} names no member you can see." for code in hidden]
        variance = query.get("variance")
        if isinstance(variance, dict) and not all(
            self._readable_of_kind(DimensionKind.VERSION, v) for v in variance.values()
        ):
            del shown["variance"]
            left_out.append("The variance compares a version you cannot see.")
        return shown, left_out

    # ---- the parts -------------------------------------------------------------------------------------------

    def _selection(self, selection: Any) -> Any:
        """The selection as the reader sees it, or None when it shows them nothing."""
        info = self._info(selection.get("dimension")) if isinstance(selection, dict) else None
        if info is None:  # not a selection of this cube: the grid refuses it without naming a member
            return selection
        if selection.get("members"):
            members = [code for code in selection["members"] if self._readable_in(info, code)]
            return {**selection, "members": members} if members else None
        parent = next((selection[key] for key in PARENT_KEYS if selection.get(key)), None)
        return selection if parent is None or self._shows_under(info, parent) else None

    def _chart(self, chart: dict[str, Any]) -> dict[str, Any]:
        shown = self._named(chart, CHART_MEMBERS)
        if isinstance(chart.get("steps"), list):
            shown["steps"] = [
                step
                for step in chart["steps"]
                if not isinstance(step, dict) or self._readable_of_kind(DimensionKind.ACCOUNT, step.get("account"))
            ]
        return shown

    def _named(self, part: dict[str, Any], kinds: dict[str, DimensionKind]) -> dict[str, Any]:
        """`part` without the keys (of `kinds`) that name a member the reader cannot read."""
        return {
            key: value for key, value in part.items() if key not in kinds or self._readable_of_kind(kinds[key], value)
        }

    # ---- members ---------------------------------------------------------------------------------------------

    def _info(self, dimension: Any) -> DimensionInfo | None:
        assert self.visible is not None
        try:
            return self.visible.context.info(str(dimension))
        except UnknownObject:
            return None

    def _readable(self, dimension: str, code: Any) -> bool:
        info = self._info(dimension)
        return info is None or self._readable_in(info, code)

    def _readable_of_kind(self, kind: str, code: Any) -> bool:
        assert self.visible is not None
        info = self.visible.context.of_kind(kind)
        return info is None or self._readable_in(info, code)

    def _readable_in(self, info: DimensionInfo, code: Any) -> bool:
        assert self.visible is not None
        member_id = info.by_code.get(code) if isinstance(code, str) else None
        return member_id is not None and self.visible.readable(info, member_id)

    def _shows_under(self, info: DimensionInfo, code: Any) -> bool:
        """The grid shows something of a parent: it, or a member beneath it, is readable."""
        assert self.visible is not None
        member_id = info.by_code.get(code) if isinstance(code, str) else None
        if member_id is None:
            return False
        return any(self.visible.readable(info, m) for m in (member_id, *info.hierarchy.descendants(member_id)))


def _nothing_in(selection: dict[str, Any]) -> str:
    return f"The selection on {selection.get('dimension')!r} names no members you can see."
