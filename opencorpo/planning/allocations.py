"""Step-down allocations: a pool (e.g. IT costs of a shared-services department) goes to targets by a driver
(headcount, revenue), step after step, month by month. Each run writes one audited batch and records every amount
moved, so an allocated cost can be traced to its source.

A definition (JSON):
    dimension      the dimension allocated along, usually "entity"
    pool           accounts whose value at a source is its pool (totals stand for their leaves)
    driver         the account whose value at each target gives its share (e.g. "HC")
    received       the account that receives allocated amounts at a target
    charged        the account that takes the amount out at the source (written negative)
    steps          [{"source": member, "targets": [members; totals stand for their leaves]}], in order
    fixed          {dimension: leaf member} for every other dimension but time and version
    precision      decimals (default 2)
Running again replaces the previous result of the same months: received/charged cells are set, not added to.
A definition is checked when it is submitted (`allocation_create`), so a malformed one is never stored.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, connection, transaction

from opencorpo.accounts.access import access_scope
from opencorpo.accounts.roles import BUILDERS, role_require
from opencorpo.core.audit import audit
from opencorpo.engine.allocate import AllocationStep, step_down
from opencorpo.planning.cells import CellForbidden
from opencorpo.planning.changes import Change, Key, changes_apply, cube_lock, current_values
from opencorpo.planning.context import CubeContext, DimensionInfo, cube_context
from opencorpo.planning.errors import InvalidQuery, InvalidStructure, UnknownObject, VersionLocked
from opencorpo.planning.models import FACT_SLOTS, Allocation, AllocationRun, Cube, DimensionKind, Model
from opencorpo.planning.visibility import Visible

REQUIRED = ("dimension", "pool", "driver", "received", "charged", "steps")
KEYS = (*REQUIRED, "fixed", "precision")


def allocation_create(
    *, model: Model, cube: str, code: str, name: str, definition: dict[str, Any], user: Any = None
) -> Allocation:
    """Define an allocation (administrators and modellers); a malformed definition is refused, nothing stored."""
    role_require(user, model.pk, *BUILDERS, action="define allocations")
    if model.allocations.filter(code=code).exists():
        raise InvalidStructure(
            f"Allocation {code!r} exists already; choose another code.", fields={"code": ["already used"]}
        )
    found = model.cubes.filter(code=cube).first()
    if found is None:
        raise InvalidStructure(f"Model {model.code!r} has no cube {cube!r}.", fields={"cube": ["unknown"]})
    allocation_check(cube=found, definition=definition, user=user)
    try:
        with transaction.atomic():  # the definition and its audit event together
            allocation = Allocation.objects.create(model=model, cube=found, code=code, name=name, definition=definition)
            audit("allocation.create", f"{model.code}/{code}", {"cube": cube, "definition": definition})
    except IntegrityError:  # defined by someone else since the check above
        raise InvalidStructure(
            f"Allocation {code!r} exists already; choose another code.", fields={"code": ["already used"]}
        ) from None
    return allocation


def allocation_check(*, cube: Cube, definition: Any, user: Any = None) -> None:
    """400 naming what is wrong: the definition's shape, every dimension and member it names (as this user sees
    them), leaves where values are read or written, and a fixed member for every other dimension."""
    try:
        _shape_check(definition)
        _members_check(cube, definition, user)
    except (InvalidQuery, UnknownObject) as error:
        message = f"The allocation's definition is not valid: {error.message}"
        raise InvalidStructure(message, fields={"definition": [error.message]}) from None


def _shape_check(definition: Any) -> None:
    if not isinstance(definition, dict):
        raise InvalidQuery(f"it must be an object with {', '.join(REQUIRED)} (and optionally fixed, precision).")
    unknown = sorted(set(definition) - set(KEYS))
    if unknown:
        raise InvalidQuery(f"unknown key(s) {', '.join(map(repr, unknown))}; the keys are {', '.join(KEYS)}.")
    missing = [key for key in REQUIRED if not definition.get(key)]
    if missing:
        raise InvalidQuery(f"{', '.join(missing)} missing.")
    for key in ("dimension", "driver", "received", "charged"):
        if not isinstance(definition[key], str):
            raise InvalidQuery(f"{key} must be a code (text), not {definition[key]!r}.")
    if not _codes(definition["pool"]):
        raise InvalidQuery('pool must be a list of account codes, e.g. ["RENT"].')
    steps = definition["steps"]
    for number, step in enumerate(steps if isinstance(steps, list) else [None], start=1):
        if not (
            isinstance(step, dict)
            and set(step) == {"source", "targets"}
            and isinstance(step["source"], str)
            and _codes(step["targets"])
        ):
            raise InvalidQuery(
                f'steps must be a list of {{"source": member, "targets": [members]}}; step {number} is not.'
            )
    fixed = definition.get("fixed", {})
    if not isinstance(fixed, dict) or not all(isinstance(v, str) for v in fixed.values()):
        raise InvalidQuery('fixed must give a member code per dimension, e.g. {"product": "P-NONE"}.')
    precision = definition.get("precision", 2)
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 6:
        raise InvalidQuery(f"precision must be a whole number of decimals from 0 to 6, not {precision!r}.")


def _codes(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(code, str) for code in value)


def _members_check(cube: Cube, definition: dict[str, Any], user: Any) -> None:
    context = cube_context(cube)
    visible = Visible(context, access_scope(user, cube.model_id), user)
    account, time, versions = (
        context.of_kind(k) for k in (DimensionKind.ACCOUNT, DimensionKind.TIME, DimensionKind.VERSION)
    )
    if account is None or time is None or versions is None:
        raise InvalidQuery("allocations need a cube with accounts, time and versions.")
    along = context.info(definition["dimension"])
    if along in (account, time, versions):
        raise InvalidQuery(f"allocate along a dimension other than {along.dimension.code!r}, e.g. entity.")
    for code in definition["pool"]:
        visible.id_of(account, code)
    for key in ("driver", "received", "charged"):
        code = definition[key]
        member = visible.id_of(account, code)
        if not account.hierarchy.is_leaf(member):
            raise InvalidQuery(f"{key} {code!r} is a total; name a leaf account.")
        if account.members[member].is_ratio:
            raise InvalidQuery(f"{key} {code!r} is a ratio, which holds no values; name another account.")
        if key != "driver" and account.members[member].is_calculated:
            raise InvalidQuery(f"{key} {code!r} is calculated by a formula; the allocation writes it, so name another.")
    for number, step in enumerate(definition["steps"], start=1):
        if not along.hierarchy.is_leaf(visible.id_of(along, step["source"])):
            raise InvalidQuery(f"step {number}: source {step['source']!r} is a total; allocate from a leaf.")
        for code in step["targets"]:
            visible.id_of(along, code)
    fixed = definition.get("fixed", {})
    for code in fixed:
        context.info(code)
    _fixed_key(context, visible, fixed, along, version_id=0)


def allocation_run(*, allocation: Allocation, version: str, periods: list[str], user: Any) -> dict[str, Any]:
    definition = allocation.definition
    missing = [key for key in REQUIRED if not definition.get(key)]
    if missing:
        raise InvalidQuery(f"Allocation {allocation.code!r} lacks {', '.join(missing)}; complete its definition.")
    context = cube_context(allocation.cube)
    visible = Visible(context, access_scope(user, allocation.model_id))
    along = context.info(definition["dimension"])
    account, time, versions = (
        context.of_kind(k) for k in (DimensionKind.ACCOUNT, DimensionKind.TIME, DimensionKind.VERSION)
    )
    if account is None or time is None or versions is None:
        raise InvalidQuery("Allocations need a cube with accounts, time and versions.")
    version_id = visible.id_of(versions, version)
    if versions.closed(version_id):
        raise VersionLocked(f"Version {version!r} is locked; ask an approver to unlock it before allocating.")
    months = [m for code in periods for m in time.hierarchy.leaves(visible.id_of(time, code)) if not time.closed(m)]
    if not months:
        raise InvalidQuery("Every chosen period is closed (or none was chosen); choose open months to allocate.")
    pool = [leaf for code in definition["pool"] for leaf in account.hierarchy.leaves(visible.id_of(account, code))]
    driver, received, charged = (visible.id_of(account, definition[k]) for k in ("driver", "received", "charged"))
    steps = [
        (visible.id_of(along, step["source"]), _targets(visible, along, step["targets"]))
        for step in definition["steps"]
    ]
    base = _fixed_key(context, visible, definition.get("fixed", {}), along, version_id)
    precision = int(definition.get("precision", 2))
    members = {m for source, targets in steps for m in (source, *targets)}
    written = [(along, m) for m in members] + [(account, received), (account, charged), (versions, version_id)]
    others = [i for i in context.dimensions if i.slot not in (along.slot, account.slot, time.slot, versions.slot)]
    written += [(i, base[FACT_SLOTS.index(i.slot)]) for i in others]
    for info, member in written:
        if not visible.writable(info, member):
            raise CellForbidden(f"You may not change {info.members[member].code!r}, which this allocation writes.")
    position = {slot: i for i, slot in enumerate(FACT_SLOTS)}
    batch = uuid.uuid4()
    lines: list[dict[str, Any]] = []
    with transaction.atomic():
        cube_lock(allocation.cube_id)
        values = _values(allocation.cube_id, base, position[along.slot], position[account.slot], months, members)
        writes: dict[Key, float | None] = {}
        for month in months:

            def at(member: int, accounts: list[int], month: int = month) -> float:
                return sum(values.get((member, a, month), 0.0) for a in accounts)

            balances = {source: at(source, pool) for source, _ in steps}
            plan = [AllocationStep(source, {t: at(t, [driver]) for t in targets}) for source, targets in steps]
            result = step_down(balances, plan, precision=precision)
            moved_in: dict[int, float] = defaultdict(float)
            moved_out: dict[int, float] = defaultdict(float)
            for line in result.lines:
                moved_in[line.target] += line.amount
                moved_out[line.source] += line.amount
                lines.append(
                    {
                        "step": line.step,
                        "period": time.members[month].code,
                        "source": along.members[line.source].code,
                        "target": along.members[line.target].code,
                        "amount": line.amount,
                    }
                )
            for member in members:
                for target_account, amount in ((received, moved_in[member]), (charged, -moved_out[member])):
                    key = list(base)
                    key[1], key[position[along.slot]], key[position[account.slot]] = month, member, target_account
                    writes[tuple(key)] = round(amount, precision) or None  # type: ignore[index]
        current = current_values(allocation.cube_id, list(writes))
        changes: list[Change] = [
            (key, current.get(key, (None, 0))[0], new)
            for key, new in writes.items()
            if current.get(key, (None, 0))[0] != new
        ]
        user_id = user.pk if user is not None and user.is_authenticated else None
        changes_apply(allocation.cube, changes, batch=batch, user_id=user_id, source="allocation")
        run = AllocationRun.objects.create(
            allocation=allocation,
            version_id=version_id,
            batch=batch if changes else None,
            lines=lines,
            created_by=user if user_id else None,
        )
    audit("allocation.run", f"{allocation.model.code}/{allocation.code}", {"version": version, "periods": periods})
    return {"run": run.pk, "batch": str(batch) if changes else None, "changed": len(changes), "lines": lines}


def _targets(visible: Visible, along: DimensionInfo, codes: list[str]) -> list[int]:
    return list(dict.fromkeys(leaf for code in codes for leaf in along.hierarchy.leaves(visible.id_of(along, code))))


def _fixed_key(
    context: CubeContext, visible: Visible, fixed: dict[str, str], along: DimensionInfo, version_id: int
) -> list[int]:
    key = dict.fromkeys(FACT_SLOTS, 0)
    key["version_id"] = version_id
    for info in context.dimensions:
        if info.dimension.kind in (DimensionKind.ACCOUNT, DimensionKind.TIME, DimensionKind.VERSION) or info is along:
            continue
        code = fixed.get(info.dimension.code)
        if code is None:
            raise InvalidQuery(f"Say which member of {info.dimension.code!r} the allocation uses (in 'fixed').")
        member = visible.id_of(info, code)
        if not info.hierarchy.is_leaf(member):
            raise InvalidQuery(f"{code!r} is a total of {info.dimension.code!r}; fix a leaf member.")
        key[info.slot] = member
    return [key[slot] for slot in FACT_SLOTS]


def _values(
    cube_id: int, base: list[int], along: int, account: int, months: list[int], members: set[int]
) -> dict[tuple[int, int, int], float]:
    """(member along the dimension, account, month) → value, for the fixed members of the other dimensions."""
    conditions = ["cube_id = %s", "period_id = ANY(%s)", f"{FACT_SLOTS[along]} = ANY(%s)"]
    params: list[Any] = [cube_id, months, sorted(members)]
    for i, slot in enumerate(FACT_SLOTS):
        if i not in (1, along, account):
            conditions.append(f"{slot} = %s")
            params.append(base[i])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {FACT_SLOTS[along]}, {FACT_SLOTS[account]}, period_id, value FROM planning_fact "
            f"WHERE {' AND '.join(conditions)}",
            params,
        )
        return {(row[0], row[1], row[2]): row[3] for row in cursor.fetchall()}
