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
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from django.db import connection, transaction

from opencorpo.accounts.access import access_scope
from opencorpo.core.audit import audit
from opencorpo.engine.allocate import AllocationStep, step_down
from opencorpo.planning.cells import CellForbidden
from opencorpo.planning.changes import Change, Key, changes_apply, cube_lock, current_values
from opencorpo.planning.context import CubeContext, DimensionInfo, cube_context
from opencorpo.planning.errors import InvalidQuery, VersionLocked
from opencorpo.planning.models import FACT_SLOTS, Allocation, AllocationRun, DimensionKind
from opencorpo.planning.visibility import Visible

REQUIRED = ("dimension", "pool", "driver", "received", "charged", "steps")


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
