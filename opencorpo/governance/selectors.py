"""Read-only queries of the governance app: frozen units for the enforcement point, the status board, approvers,
notifications."""

from __future__ import annotations

from typing import Any

from opencorpo.accounts.access import access_scope
from opencorpo.accounts.roles import Role, has_role
from opencorpo.governance.approvals import approver_json, units_of
from opencorpo.governance.models import Approval, ApprovalState, Approver, Notification
from opencorpo.governance.notifications import notification_json
from opencorpo.planning.models import Dimension, DimensionKind, Model
from opencorpo.planning.structure import hierarchy_of

FROZEN = (ApprovalState.SUBMITTED, ApprovalState.APPROVED)


def frozen_units(model_id: int) -> dict[int, frozenset[int]]:
    """Version member id → the entity member ids whose unit is submitted or approved (one indexed query, no cache,
    so it is right inside any transaction, including the one that just moved a unit)."""
    found: dict[int, set[int]] = {}
    rows = Approval.objects.filter(model_id=model_id, state__in=FROZEN).values_list("version_id", "entity_id")
    for version_id, entity_id in rows:
        found.setdefault(version_id, set()).add(entity_id)
    return {version_id: frozenset(entities) for version_id, entities in found.items()}


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def approval_board(*, model: Model, version: str, user: Any) -> dict[str, Any]:
    """Every unit of the entity hierarchy the user can read (tree order), with its state, who moved it and when,
    and the actions the user may take on it now. A unit with no recorded transition is draft."""
    units = units_of(model, version, user)
    rows = {
        a.entity_id: a
        for a in Approval.objects.filter(version=units.version).select_related("updated_by", "submitted_by")
    }
    listed = []
    for entity_id in units.hierarchy.tree_order():
        if not units.readable(entity_id):
            continue
        member, row = units.entities[entity_id], rows.get(entity_id)
        state = row.state if row else ApprovalState.DRAFT
        parent = units.hierarchy.parent(entity_id)
        listed.append(
            {
                "entity": member.code,
                "name": member.name,
                "parent": units.entities[parent].code if parent is not None and units.readable(parent) else None,
                "level": units.hierarchy.level(entity_id),
                "state": state,
                "comment": row.comment if row else "",
                "submitted_by": _name(row.submitted_by) if row else None,
                "updated_by": _name(row.updated_by) if row else None,
                "updated_at": row.updated_at.isoformat() if row else None,
                "actions": units.actions(entity_id, state),
            }
        )
    return {"version": units.version.code, "locked": units.version.locked, "units": listed}


def approvers_list(*, model: Model, user: Any) -> list[dict[str, Any]]:
    """The approver assignments; people other than administrators see those on entities they can read."""
    rows = list(Approver.objects.filter(model=model).select_related("entity", "user", "group"))
    if rows and not has_role(user, Role.ADMINISTRATOR, model.pk):
        dimension = Dimension.objects.get(model=model, kind=DimensionKind.ENTITY)
        scope, hierarchy = access_scope(user, model.pk), hierarchy_of(dimension)
        rows = [a for a in rows if scope.can_read(dimension.pk, hierarchy, a.entity_id)]
    return [approver_json(a) for a in rows]


def notifications_of(user: Any, *, unread_only: bool = False, limit: int = 100) -> dict[str, Any]:
    """The user's newest notifications and how many are unread."""
    mine = Notification.objects.filter(user_id=user.pk)
    listed = mine.filter(read=False) if unread_only else mine
    return {
        "unread": mine.filter(read=False).count(),
        "notifications": [notification_json(n) for n in listed[:limit]],
    }
