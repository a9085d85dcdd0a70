"""Units frozen by the approval workflow: a submitted or approved version × entity unit is read-only to everyone
but administrators, on every write path (the write service, the import mapper, the grid's editability)."""

from __future__ import annotations

from typing import Any

from opencorpo.planning.context import CubeContext
from opencorpo.planning.models import FACT_SLOTS, DimensionKind


def frozen_cells(context: CubeContext, user: Any) -> dict[int, set[int]] | None:
    """Version id → the entity leaves this user may not change; None when nothing is frozen for them."""
    from opencorpo.accounts.roles import Role, has_role
    from opencorpo.governance.selectors import frozen_units

    entity = context.of_kind(DimensionKind.ENTITY)
    if entity is None:
        return None
    units = frozen_units(context.cube.model_id)
    if not units or (user is not None and has_role(user, Role.ADMINISTRATOR, context.cube.model_id)):
        return None
    if user is None:  # the system (formula recalculation, the demo, operators) is not held by the workflow
        return None
    return {
        version: {leaf for unit in entities if unit in entity.hierarchy for leaf in entity.hierarchy.leaves(unit)}
        for version, entities in units.items()
    }


def frozen_key(context: CubeContext, frozen: dict[int, set[int]] | None, key: tuple[int, ...]) -> bool:
    if not frozen:
        return False
    entity = context.of_kind(DimensionKind.ENTITY)
    assert entity is not None
    return key[FACT_SLOTS.index(entity.slot)] in frozen.get(key[0], ())


FROZEN_MESSAGE = (
    "This unit has been submitted for approval (or approved), so it is read-only; ask an approver to reopen it."
)
