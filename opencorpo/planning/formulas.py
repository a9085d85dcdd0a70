"""Calculated line items: a formula on an account computes that account's leaf cells in every cube that has the
account dimension. Results are stored as ordinary facts (so reads stay fast) and recalculated incrementally, in
the writer's transaction, whenever an input changes.

Rules (docs/adr/0006-formulas.md):
* A formula item is a leaf account; its cells are computed, never entered; parents aggregate its results.
* An item reference reads the same cell of another account; `cube!item` reads another cube: dimensions both cubes
  share are matched member by member, dimensions only the source has are summed over all their leaves (or pinned
  with `{dimension: code}`), `{dimension: @attribute}` reads the source member named by the attribute of the cell's
  member of that dimension (a lookup), dimensions only the target has are broadcast.
* A recalculation never writes into a locked version or a closed period: what was closed stays as it was.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from opencorpo.engine.errors import EngineError
from opencorpo.engine.formula import (
    Formula,
    FormulaCycleError,
    FormulaError,
    Ref,
    Series,
    evaluate,
    evaluation_order,
    parse,
    recalculation_order,
)
from opencorpo.planning.changes import Change, Key, cube_lock, rows_apply
from opencorpo.planning.context import CubeContext, DimensionInfo, cube_context
from opencorpo.planning.errors import InvalidStructure
from opencorpo.planning.models import FACT_SLOTS, Cube, Dimension, DimensionKind, Member

Row = tuple[int, ...]  # a fact key with the period and account slots set to 0


@dataclass(frozen=True)
class Item:
    key: str  # "cube!account"
    cube: Cube
    account: Member
    formula: Formula
    refs: tuple[tuple[str, Ref], ...]  # (input key "cube!account", reference); one input may be read twice


@dataclass(frozen=True)
class FormulaPlan:
    items: dict[str, Item]
    dependencies: dict[str, list[str]]


_PLANS: dict[int, tuple[tuple[object, ...], FormulaPlan]] = {}


def formula_plan(model_id: int) -> FormulaPlan:
    """Every formula item of the model in every cube with accounts, checked; InvalidStructure names what is wrong.

    Kept per process while the formulas and the cubes are the same (by content: a rolled-back change is no issue).
    Structure changes check with `formulas_check`, which never uses what is kept."""
    accounts = Dimension.objects.filter(model_id=model_id, kind=DimensionKind.ACCOUNT).first()
    if accounts is None:
        return FormulaPlan({}, {})
    stamp = (
        tuple(Cube.objects.filter(model_id=model_id).values_list("pk", "code")),
        tuple(accounts.members.exclude(formula="").values_list("pk", "code", "formula")),
    )
    kept = _PLANS.get(model_id)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    plan = _plan(accounts)
    _PLANS[model_id] = (stamp, plan)
    return plan


def formulas_check(accounts: Dimension) -> None:
    """Raise InvalidStructure when a formula of the model does not parse, names what is not there, or loops."""
    _plan(accounts)


def _plan(accounts: Dimension) -> FormulaPlan:
    model_id = accounts.model_id
    members = list(accounts.members.all())
    with_formula = [m for m in members if m.formula]
    if not with_formula:
        return FormulaPlan({}, {})
    by_code = {m.code: m for m in members}
    parents = {m.parent_id for m in members if m.parent_id}
    cubes = {c.code: c for c in Cube.objects.filter(model_id=model_id, cube_dimensions__dimension=accounts)}
    parsed: dict[str, Formula] = {}
    for member in with_formula:
        if member.pk in parents:
            raise _invalid(member, f"{member.code!r} has children; a formula computes leaf cells, so put it on a leaf.")
        if member.is_ratio:
            raise _invalid(member, f"{member.code!r} is a ratio already; give it either a ratio or a formula.")
        try:
            parsed[member.code] = parse(member.formula)
        except FormulaError as error:
            raise _invalid(member, error.message, position=error.position) from None
        for ref in parsed[member.code].refs:
            _check_ref(member, ref, by_code, cubes)
    items: dict[str, Item] = {}
    for cube in cubes.values():
        for code, formula in parsed.items():
            key = f"{cube.code}!{code}"
            refs = tuple((f"{ref.cube or cube.code}!{ref.item}", ref) for ref in formula.refs)
            items[key] = Item(key, cube, by_code[code], formula, refs)
    dependencies = {key: list(dict.fromkeys(k for k, _ in item.refs)) for key, item in items.items()}
    try:
        evaluation_order(dependencies)
    except FormulaCycleError as error:
        raise InvalidStructure(error.message, fields={"formula": [error.message]}, extra={"path": error.path}) from None
    return FormulaPlan(items, dependencies)


def _invalid(member: Member, message: str, position: int | None = None) -> InvalidStructure:
    extra = {"member": member.code, **({"position": position} if position is not None else {})}
    return InvalidStructure(f"Formula of {member.code!r}: {message}", fields={"formula": [message]}, extra=extra)


def _check_ref(member: Member, ref: Ref, accounts: dict[str, Member], cubes: dict[str, Cube]) -> None:
    where = f"at position {ref.start}"
    if ref.item not in accounts:
        raise _invalid(member, f"there is no account {ref.item!r} ({where}); check the code.", ref.start)
    if ref.cube is not None and ref.cube not in cubes:
        names = ", ".join(sorted(cubes)) or "none"
        raise _invalid(member, f"there is no cube {ref.cube!r} with accounts ({where}); cubes: {names}.", ref.start)
    if ref.pins and ref.cube is not None:
        dimensions = {
            d.dimension.code: d.dimension for d in cubes[ref.cube].cube_dimensions.select_related("dimension")
        }
        for pin in ref.pins:
            dimension = dimensions.get(pin.dimension)
            if dimension is None:
                raise _invalid(member, f"cube {ref.cube!r} has no dimension {pin.dimension!r} ({where}).", ref.start)
            if pin.member is not None and not dimension.members.filter(code=pin.member).exists():
                raise _invalid(
                    member, f"dimension {pin.dimension!r} has no member {pin.member!r} ({where}).", ref.start
                )


def formulas_recalculate(*, cube: Cube, keys: list[Key], batch: uuid.UUID, user_id: int | None) -> None:
    """Recalculate, in this transaction, every formula cell that depends on the changed cells (and nothing else)."""
    context = cube_context(cube)
    account = context.of_kind(DimensionKind.ACCOUNT)
    if account is None or not any(member.formula for member in account.members.values()):
        return  # the cached structure says there is nothing to do: no query
    plan = formula_plan(cube.model_id)
    position = FACT_SLOTS.index(account.slot)
    changed = {f"{cube.code}!{account.members[key[position]].code}" for key in keys if key[position]}
    order = recalculation_order(plan.dependencies, changed)
    dirty: dict[int, set[Row] | None] = {cube.pk: {_row_of(key, position) for key in keys}}
    _run(plan, order, dirty, changed, {key[0] for key in keys}, batch, user_id)


def formulas_after_load(
    *, cube: Cube, accounts: set[int], versions: set[int], batch: uuid.UUID, user_id: int | None
) -> None:
    """After a set-wise load: recalculate, in full for the loaded versions, what depends on the loaded accounts."""
    context = cube_context(cube)
    account = context.of_kind(DimensionKind.ACCOUNT)
    if account is None or not any(member.formula for member in account.members.values()):
        return
    plan = formula_plan(cube.model_id)
    changed = {f"{cube.code}!{account.members[a].code}" for a in accounts if a in account.members}
    _run(plan, recalculation_order(plan.dependencies, changed), {}, set(), versions, batch, user_id)


def formula_items_recalculate(*, model_id: int, codes: Iterable[str], user_id: int | None = None) -> None:
    """After formulas changed: recalculate those items everywhere (open versions), then what depends on them."""
    plan = formula_plan(model_id)
    keys = {key for key, item in plan.items.items() if item.account.code in set(codes)}
    if not keys:
        return
    order = recalculation_order(plan.dependencies, keys)
    versions = set(
        Member.objects.filter(dimension__model_id=model_id, dimension__kind=DimensionKind.VERSION).values_list(
            "pk", flat=True
        )
    )
    _run(plan, order, {}, set(), versions, uuid.uuid4(), user_id)


def _run(
    plan: FormulaPlan,
    order: list[str],
    dirty: dict[int, set[Row] | None],
    done: set[str],
    versions: set[int],
    batch: uuid.UUID,
    user_id: int | None,
) -> None:
    for key in order:
        item = plan.items[key]
        rows: set[Row] | None = set() if dirty else None  # in full when no changed rows say where
        for ref_key, ref in item.refs:
            if ref_key not in done or rows is None:
                continue
            same = ref_key.split("!", 1)[0] == item.cube.code and not ref.pins
            upstream = dirty.get(item.cube.pk, set()) if same else None
            rows = None if upstream is None else rows | upstream
        cube_lock(item.cube.pk)
        changes = item_changes(item, plan, rows, versions)
        rows_apply(item.cube, changes, batch=batch, user_id=user_id, source="formula")
        if dirty:
            written = dirty.get(item.cube.pk, set())
            dirty[item.cube.pk] = None if rows is None or written is None else written | rows
        done.add(key)


def _row_of(key: Key, account_position: int) -> Row:
    row = list(key)
    row[1] = 0
    row[account_position] = 0
    return tuple(row)


def item_changes(item: Item, plan: FormulaPlan, rows: set[Row] | None, versions: set[int]) -> list[Change]:
    """The cell changes that bring the item's stored results in line with its formula on the given rows."""
    context = cube_context(item.cube)
    account, time = context.of_kind(DimensionKind.ACCOUNT), context.of_kind(DimensionKind.TIME)
    assert account is not None and time is not None
    position = FACT_SLOTS.index(account.slot)
    target_rows = sorted(rows if rows is not None else _all_rows(item, plan, context, position, versions))
    target_rows = [row for row in target_rows if row[0] in versions]
    if not target_rows:
        return []
    periods = time.hierarchy.leaves()
    result = _evaluate(item, plan, context, target_rows, periods)
    stored = _stored(item.cube.pk, account.slot, item.account.pk, target_rows, position)
    version = context.of_kind(DimensionKind.VERSION)
    changes: list[Change] = []
    for i, row in enumerate(target_rows):
        if version is not None and version.closed(row[0]):
            continue
        for j, period in enumerate(periods):
            if time.closed(period):
                continue
            key = list(row)
            key[1], key[position] = period, item.account.pk
            cell: Key = tuple(key)  # type: ignore[assignment]
            new = float(result.values[i, j]) if result.present[i, j] else None
            old = stored.get(cell)
            if old != new:
                changes.append((cell, old, new))
    return changes


def _evaluate(item: Item, plan: FormulaPlan, context: CubeContext, rows: list[Row], periods: list[int]) -> Series:
    time = context.of_kind(DimensionKind.TIME)
    assert time is not None
    years = [time.hierarchy.ancestors(p)[-1] if time.hierarchy.ancestors(p) else p for p in periods]
    year_index = {year: index for index, year in enumerate(dict.fromkeys(years))}
    year_of = np.array([year_index[y] for y in years], dtype=np.int64)
    inputs = {ref.key: _resolve(key, ref, item, context, rows, periods) for key, ref in item.refs}
    try:
        return evaluate(item.formula, lambda ref: inputs[ref.key], rows=len(rows), year_of=year_of)
    except EngineError as error:
        raise InvalidStructure(f"Formula of {item.account.code!r}: {error.message}") from None


def _resolve(key: str, ref: Ref, item: Item, target: CubeContext, rows: list[Row], periods: list[int]) -> Series:
    """The input matrix (rows × periods) of one reference, mapped from its source cube onto the target rows."""
    source_code, account_code = key.split("!", 1)
    source = (
        target
        if source_code == target.cube.code
        else cube_context(Cube.objects.get(model_id=target.cube.model_id, code=source_code))
    )
    account = source.of_kind(DimensionKind.ACCOUNT)
    assert account is not None
    pins = {pin.dimension: pin for pin in ref.pins}
    fixed: dict[str, list[int]] = {}  # source slot → the leaves summed
    matched: list[tuple[str, list[int | None]]] = []  # source slot → per target row, the member it must roll up to
    for info in source.dimensions:
        kind = info.dimension.kind
        if kind in (DimensionKind.ACCOUNT, DimensionKind.TIME):
            continue
        if kind == DimensionKind.VERSION:
            matched.append((info.slot, [row[0] for row in rows]))
            continue
        pin = pins.get(info.dimension.code)
        same = next((t for t in target.dimensions if t.dimension.pk == info.dimension.pk), None)
        if pin is not None and pin.member is not None:
            fixed[info.slot] = info.hierarchy.leaves(info.id_of(pin.member))
        elif pin is not None and pin.attribute is not None:
            matched.append((info.slot, [_lookup(target, info, row, pin.attribute) for row in rows]))
        elif same is not None:
            matched.append((info.slot, [row[FACT_SLOTS.index(same.slot)] for row in rows]))
        else:
            fixed[info.slot] = info.hierarchy.leaves()
    sums = _source_sums(source, account.slot, account.id_of(account_code), fixed, matched, periods)
    values = np.zeros((len(rows), len(periods)))
    present = np.zeros((len(rows), len(periods)), dtype=bool)
    column = {period: j for j, period in enumerate(periods)}
    for i in range(len(rows)):
        wanted = tuple(members[i] for _, members in matched)
        for period, value in sums.get(wanted, {}).items():
            values[i, column[period]] = value
            present[i, column[period]] = True
    return Series(values=values, present=present)


def _lookup(target: CubeContext, source: DimensionInfo, row: Row, attribute: str) -> int | None:
    """The source member whose code is the attribute of the cell's member (same dimension first, else any)."""
    candidates = sorted(target.dimensions, key=lambda t: t.dimension.pk != source.dimension.pk)
    for info in candidates:
        member_id = row[FACT_SLOTS.index(info.slot)]
        member = info.members.get(member_id)
        if member is not None and attribute in member.attributes:
            return source.by_code.get(str(member.attributes[attribute]))
    return None


def _source_sums(
    source: CubeContext,
    account_slot: str,
    account_id: int,
    fixed: dict[str, list[int]],
    matched: list[tuple[str, list[int | None]]],
    periods: list[int],
) -> dict[tuple[int | None, ...], dict[int, float]]:
    """Source facts summed per (matched members) and period; a fact counts for its member and every ancestor."""
    conditions = ["cube_id = %s", f"{account_slot} = %s", "period_id = ANY(%s)"]
    params: list[Any] = [source.cube.pk, account_id, periods]
    for slot, leaves in fixed.items():
        conditions.append(f"{slot} = ANY(%s)")
        params.append(leaves)
    for slot, members in matched:
        conditions.append(f"{slot} = ANY(%s)")
        params.append(sorted({leaf for m in set(members) if m for leaf in _leaves(source, slot, m)}))
    slots = [slot for slot, _ in matched]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join([*slots, 'period_id', 'value'])} FROM planning_fact WHERE {' AND '.join(conditions)}",
            params,
        )
        facts = cursor.fetchall()
    wanted = [set(members) for _, members in matched]
    ups = [_ancestry(source, slot) for slot in slots]
    sums: dict[tuple[int | None, ...], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for fact in facts:
        options = [[m for m in (fact[d], *ups[d](fact[d])) if m in wanted[d]] for d in range(len(slots))]
        for combo in _product(options):
            sums[combo][fact[-2]] += fact[-1]
    return sums


def _leaves(context: CubeContext, slot: str, member_id: int) -> list[int]:
    info = next(i for i in context.dimensions if i.slot == slot)
    return info.hierarchy.leaves(member_id) if member_id in info.hierarchy else []


def _ancestry(context: CubeContext, slot: str):  # type: ignore[no-untyped-def]
    info = next(i for i in context.dimensions if i.slot == slot)
    if info.dimension.kind == DimensionKind.VERSION:
        return lambda member_id: []
    return info.hierarchy.ancestors


def _product(options: list[list[int]]) -> list[tuple[int, ...]]:
    combos: list[tuple[int, ...]] = [()]
    for choices in options:
        combos = [(*combo, choice) for combo in combos for choice in choices]
    return combos


def _stored(cube_id: int, slot: str, account_id: int, rows: list[Row], position: int) -> dict[Key, float]:
    versions = sorted({row[0] for row in rows})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(FACT_SLOTS)}, value FROM planning_fact "
            f"WHERE cube_id = %s AND {slot} = %s AND version_id = ANY(%s)",
            [cube_id, account_id, versions],
        )
        wanted = set(rows)
        return {tuple(r[:8]): r[8] for r in cursor.fetchall() if _row_of(tuple(r[:8]), position) in wanted}


def _all_rows(item: Item, plan: FormulaPlan, context: CubeContext, position: int, versions: set[int]) -> set[Row]:
    """Where the item is evaluated in full: rows holding it or a same-cube input, and rows a source cube maps to."""
    account = context.of_kind(DimensionKind.ACCOUNT)
    assert account is not None
    accounts = [item.account.pk] + [
        account.id_of(key.split("!", 1)[1]) for key, _ in item.refs if key.split("!", 1)[0] == item.cube.code
    ]
    other = [s for i, s in enumerate(FACT_SLOTS) if i not in (1, position)]
    found: set[Row] = set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT {', '.join(other)} FROM planning_fact "
            f"WHERE cube_id = %s AND {account.slot} = ANY(%s) AND version_id = ANY(%s)",
            [item.cube.pk, accounts, sorted(versions)],
        )
        for values in cursor.fetchall():
            row = dict(zip(other, values, strict=True))
            found.add(tuple(row.get(slot, 0) for slot in FACT_SLOTS))
    for key, _ in item.refs:
        source_code = key.split("!", 1)[0]
        if source_code != item.cube.code:
            found |= _projected_rows(context, plan, source_code, versions)
    return found


def _projected_rows(target: CubeContext, plan: FormulaPlan, source_code: str, versions: set[int]) -> set[Row]:
    """Rows of the source cube expressed in the target's slots, when the source has every target dimension."""
    source = cube_context(Cube.objects.get(model_id=target.cube.model_id, code=source_code))
    by_dimension = {info.dimension.pk: info.slot for info in source.dimensions}
    needed = [
        info
        for info in target.dimensions
        if info.dimension.kind not in (DimensionKind.ACCOUNT, DimensionKind.TIME, DimensionKind.VERSION)
    ]
    if any(info.dimension.pk not in by_dimension for info in needed):
        return set()
    columns = [by_dimension[info.dimension.pk] for info in needed]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT version_id{''.join(', ' + c for c in columns)} FROM planning_fact "
            "WHERE cube_id = %s AND version_id = ANY(%s)",
            [source.cube.pk, sorted(versions)],
        )
        found = set()
        for values in cursor.fetchall():
            row = dict.fromkeys(FACT_SLOTS, 0)
            row["version_id"] = values[0]
            for info, value in zip(needed, values[1:], strict=True):
                row[info.slot] = value
            found.add(tuple(row[slot] for slot in FACT_SLOTS))
    return found
