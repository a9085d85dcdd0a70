"""Explain a cell: its formula and the values of its inputs, a ratio's parts, a total's children and their
contributions, and the recorded changes (user, import, spread, allocation, formula, copy, merge) that made it.

Every number comes from the grid read or the formula resolver under the reader's access scope, so an explanation
shows nothing the reader could not read in a grid."""

from __future__ import annotations

from typing import Any

from opencorpo.accounts.access import access_scope
from opencorpo.planning.context import CubeContext, cube_context
from opencorpo.planning.errors import InvalidCell
from opencorpo.planning.formulas import _resolve, formula_plan
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.history import cell_history
from opencorpo.planning.models import FACT_SLOTS, Cube, DimensionKind
from opencorpo.planning.visibility import Visible


def cell_explain(*, cube: Cube, coordinate: dict[str, str], user: Any) -> dict[str, Any]:
    context = cube_context(cube)
    visible = Visible(context, access_scope(user, cube.model_id))
    members: dict[str, int] = {}
    for info in context.dimensions:
        code = coordinate.get(info.dimension.code)
        if code is None:
            raise InvalidCell(f"Name a member of dimension {info.dimension.code!r} to explain a cell.")
        members[info.dimension.code] = visible.id_of(info, code)
    answer: dict[str, Any] = {"coordinate": coordinate, "value": _value(cube, context, coordinate, {}, user)}
    parents = [i for i in context.dimensions if not i.hierarchy.is_leaf(members[i.dimension.code])]
    account = context.of_kind(DimensionKind.ACCOUNT)
    member = account.members[members[account.dimension.code]] if account is not None else None
    if member is not None and member.is_ratio and account is not None:
        answer["ratio"] = {
            "scale": member.ratio_scale,
            **{
                part: {
                    "account": code,
                    "value": _value(cube, context, {**coordinate, account.dimension.code: code}, {}, user),
                }
                for part, code in (
                    ("numerator", account.members[member.ratio_numerator_id].code),  # type: ignore[index]
                    ("denominator", account.members[member.ratio_denominator_id].code),  # type: ignore[index]
                )
            },
        }
    elif member is not None and member.formula and not parents:
        answer["formula"] = _formula(context, visible, members, member.code)
    answer["children"] = [
        {
            "dimension": info.dimension.code,
            "member": coordinate[info.dimension.code],
            "items": _children(cube, context, coordinate, info.dimension.code, user),
        }
        for info in parents
    ]
    if not parents:
        answer["changes"] = cell_history(cube=cube, coordinate=coordinate, user=user, limit=20)
    return answer


def _value(cube: Cube, context: CubeContext, coordinate: dict[str, str], rows: dict[str, Any], user: Any) -> Any:
    grid = grid_read(cube=cube, query=_query(context, coordinate, rows), user=user)
    return grid["values"][0][0] if not rows else grid


def _query(context: CubeContext, coordinate: dict[str, str], rows: dict[str, Any]) -> GridQuery:
    codes = [info.dimension.code for info in context.dimensions]
    row_dimension = next(iter(rows), codes[0])
    column_dimension = next(code for code in codes if code != row_dimension)
    row = Selection(dimension=row_dimension, **rows.get(row_dimension, {"members": (coordinate[row_dimension],)}))
    column = Selection(dimension=column_dimension, members=(coordinate[column_dimension],))
    filters = {code: coordinate[code] for code in codes if code not in (row_dimension, column_dimension)}
    return GridQuery(rows=(row,), columns=(column,), filters=filters)


def _children(cube: Cube, context: CubeContext, coordinate: dict[str, str], dimension: str, user: Any) -> list[Any]:
    info = context.info(dimension)
    grid = _value(cube, context, coordinate, {dimension: {"children_of": coordinate[dimension]}}, user)
    parent = info.by_code[coordinate[dimension]]
    items = []
    for header, row in zip(grid["rows"]["headers"], grid["values"], strict=True):
        child = info.by_code[header[0]["code"]]
        weight = info.hierarchy.node(child).weight if info.hierarchy.parent(child) == parent else 1.0
        value = row[0]
        items.append(
            {
                "code": header[0]["code"],
                "name": header[0]["name"],
                "weight": weight,
                "value": value,
                "contribution": None if value is None else value * weight,
            }
        )
    return items


def _formula(context: CubeContext, visible: Visible, members: dict[str, int], code: str) -> dict[str, Any]:
    """The formula and each input's value at the cell. For a reader with member grants, an input read from another
    cube or through pins (which may sum members hidden from them) is shown without its value."""
    plan = formula_plan(context.cube.model_id)
    item = plan.items[f"{context.cube.code}!{code}"]
    time = context.of_kind(DimensionKind.TIME)
    account = context.of_kind(DimensionKind.ACCOUNT)
    assert time is not None and account is not None
    slots = dict.fromkeys(FACT_SLOTS, 0)
    for info in context.dimensions:
        if info.dimension.kind not in (DimensionKind.TIME, DimensionKind.ACCOUNT):
            slots[info.slot] = members[info.dimension.code]
    row = tuple(slots[s] for s in FACT_SLOTS)
    periods = time.hierarchy.leaves()
    column = periods.index(members[time.dimension.code])
    inputs = []
    for key, ref in item.refs:
        local = key.split("!", 1)[0] == context.cube.code and not ref.pins
        shown = (not visible.scope.grants or local) and (
            not local or visible.readable(account, account.by_code[ref.item])
        )
        entry: dict[str, Any] = {"reference": ref.key, "cube": key.split("!", 1)[0], "account": ref.item}
        if shown:
            series = _resolve(key, ref, item, context, [row], periods)
            entry["value"] = float(series.values[0, column]) if series.present[0, column] else None
        else:
            entry["value"], entry["hidden"] = None, True
        inputs.append(entry)
    return {"text": item.formula.text, "inputs": inputs, "uses_time": item.formula.uses_time}
