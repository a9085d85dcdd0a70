"""Approval workflow per unit (a version × an entity member and its subtree): draft → submitted → approved or
rejected, and reopen back to draft.

Rules:
- submit (draft or rejected → submitted): a planner, modeller or administrator who may write every leaf of the unit.
- approve (submitted → approved), reject (submitted → rejected; a comment saying what to change is required) and
  reopen (submitted or approved → draft): an approver or administrator who is assigned (an Approver row for them or
  one of their groups) to the unit's entity or to any entity above it.
- Nothing moves in a locked version. A version or unit the user cannot read answers exactly like a missing one.
- Each transition is one transaction: the unit's row is created as draft race-free (INSERT … ON CONFLICT DO
  NOTHING), locked FOR UPDATE, its current state checked, the event written. A submission first takes the row
  locks of the model's cubes (as cell writes do), so it waits for writes in flight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Q

from opencorpo.accounts.access import AccessScope, access_scope
from opencorpo.accounts.roles import Role, roles_of
from opencorpo.core.audit import audit
from opencorpo.core.errors import Conflict, Forbidden, NotFound, UserError
from opencorpo.engine.hierarchy import Hierarchy
from opencorpo.governance.models import Approval, ApprovalEvent, ApprovalState, Approver
from opencorpo.governance.notifications import notify
from opencorpo.planning.changes import data_version_bump
from opencorpo.planning.errors import UnknownObject, VersionLocked
from opencorpo.planning.models import Cube, Dimension, DimensionKind, Member, Model
from opencorpo.planning.structure import hierarchy_of

S = ApprovalState
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {  # action → (states it starts from, state it leads to)
    "submit": ((S.DRAFT, S.REJECTED), S.SUBMITTED),
    "approve": ((S.SUBMITTED,), S.APPROVED),
    "reject": ((S.SUBMITTED,), S.REJECTED),
    "reopen": ((S.SUBMITTED, S.APPROVED), S.DRAFT),
}
DONE = {"submit": "submitted", "approve": "approved", "reject": "rejected", "reopen": "reopened"}
MOVED_BY: dict[str, str] = {
    S.SUBMITTED: "submitted",
    S.APPROVED: "approved",
    S.REJECTED: "rejected",
    S.DRAFT: "reopened",
}
PLANNERS = {Role.ADMINISTRATOR.value, Role.MODELLER.value, Role.PLANNER.value}
APPROVERS = {Role.ADMINISTRATOR.value, Role.APPROVER.value}


class ApprovalForbidden(Forbidden):
    code = "approval_forbidden"


class WrongState(Conflict):
    code = "wrong_state"


@dataclass
class Units:
    """The units of one version as one user sees them: what they may read, and which actions they may take."""

    model: Model
    version: Member
    dimension: Dimension  # the entity dimension
    entities: dict[int, Member]
    hierarchy: Hierarchy
    scope: AccessScope
    user: Any  # None: the system itself
    by_code: dict[str, int] = field(default_factory=dict)
    roles: set[str] = field(default_factory=set)
    assigned: set[int] = field(default_factory=set)  # entities the user approves (own or groups' Approver rows)

    def readable(self, entity_id: int) -> bool:
        return self.scope.can_read(self.dimension.pk, self.hierarchy, entity_id)

    def entity_id(self, code: str) -> int:
        member_id = self.by_code.get(code)
        if member_id is None or not self.readable(member_id):
            raise UnknownObject(f"Dimension {self.dimension.code!r} has no member {code!r}.")
        return member_id

    def covered(self, entity_id: int) -> bool:
        return any(node in self.assigned for node in (entity_id, *self.hierarchy.ancestors(entity_id)))

    def refusal(self, action: str, entity_id: int) -> str | None:
        """Why the user may not take `action` on the unit (whatever its state), or None when they may."""
        if self.user is None:
            return None
        code = self.entities[entity_id].code
        if action == "submit":
            if not self.roles & PLANNERS:
                return (
                    "Only planners, modellers and administrators submit a unit. "
                    "Ask an administrator for the planner role."
                )
            if not self.scope.can_write(self.dimension.pk, self.hierarchy, entity_id):
                return (
                    f"You may not write all of {code!r}, so you cannot submit it. Submit the units below it that you "
                    "may write, or ask an administrator for write access."
                )
            return None
        if not self.roles & APPROVERS:
            return (
                "Only approvers and administrators approve, reject or reopen a unit. "
                "Ask an administrator for the approver role."
            )
        if not self.covered(entity_id):
            return (
                f"You are not an assigned approver of {code!r} or of any entity above it. "
                "Ask an administrator to assign you as its approver."
            )
        return None

    def actions(self, entity_id: int, state: str) -> list[str]:
        """The actions the user may take on the unit now."""
        if self.version.locked:
            return []
        return [a for a, (sources, _) in ACTIONS.items() if state in sources and self.refusal(a, entity_id) is None]


def units_of(model: Model, version: str, user: Any) -> Units:
    """The version's units for this user; a version they cannot read answers like a missing one."""
    scope = access_scope(user, model.pk)
    versions = Dimension.objects.get(model=model, kind=DimensionKind.VERSION)
    version_members = list(versions.members.all())
    found = next((m for m in version_members if m.code == version), None)
    if found is None or not scope.can_read(versions.pk, hierarchy_of(versions, version_members), found.pk):
        raise UnknownObject(f"Dimension {versions.code!r} has no member {version!r}.")
    dimension = Dimension.objects.get(model=model, kind=DimensionKind.ENTITY)
    entities = {m.pk: m for m in dimension.members.all()}
    hierarchy = hierarchy_of(dimension, entities.values())
    units = Units(model, found, dimension, entities, hierarchy, scope, user, {m.code: m.pk for m in entities.values()})
    if user is not None and user.is_authenticated:
        units.roles = set(roles_of(user, model.pk))
        principals = Q(user_id=user.pk) | Q(group__in=user.groups.all())
        assigned = Approver.objects.filter(model=model).filter(principals).values_list("entity_id", flat=True)
        units.assigned = set(assigned)
    return units


def approval_transition(
    *, model: Model, version: str, entity: str, action: str, user: Any, comment: str = ""
) -> Approval:
    """Move one unit: submit, approve, reject (with a comment) or reopen; see the module docstring for who may."""
    if action not in ACTIONS:
        raise UserError(
            f"Unknown action {action!r}; use submit, approve, reject or reopen.", fields={"action": ["unknown"]}
        )
    comment = comment.strip()
    if action == "reject" and not comment:
        raise UserError(
            "A rejection needs a comment that says what to change; add one.", fields={"comment": ["required"]}
        )
    units = units_of(model, version, user)
    entity_id = units.entity_id(entity)
    refusal = units.refusal(action, entity_id)
    if refusal is not None:
        raise ApprovalForbidden(refusal)
    sources, target = ACTIONS[action]
    actor = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        if target == S.SUBMITTED:  # same lock order as cell writes and version copies: the cubes first, by code
            list(Cube.objects.select_for_update().filter(model=model).order_by("code").values_list("pk", flat=True))
        if _version_locked(units.version.pk):
            raise VersionLocked(f"Version {version!r} is locked; ask an approver to unlock it before you {action}.")
        approval = _locked_row(model, units.version.pk, entity_id)
        if approval.state not in sources:
            raise _wrong_state(approval, action, sources, version, entity)
        ApprovalEvent.objects.create(
            approval_id=approval.pk,
            model_id=model.pk,
            version_id=units.version.pk,
            entity_id=entity_id,
            from_state=approval.state,
            to_state=target,
            user=actor,
            comment=comment,
        )
        approval.state, approval.comment, approval.updated_by = target, comment, actor
        if target == S.SUBMITTED:
            approval.submitted_by = actor
        approval.save()
        _notify(units, approval, action, actor, comment)
        for cube_id in Cube.objects.filter(model=model).values_list("pk", flat=True):  # grids show the new state
            data_version_bump(cube_id)
    return approval


def _version_locked(version_id: int) -> bool:
    """The version's lock flag, held FOR SHARE so the version cannot be locked or unlocked until we commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT locked FROM planning_member WHERE id = %s FOR SHARE", [version_id])
        row = cursor.fetchone()
    return bool(row and row[0])


def _locked_row(model: Model, version_id: int, entity_id: int) -> Approval:
    Approval.objects.bulk_create(
        [Approval(model=model, version_id=version_id, entity_id=entity_id, state=S.DRAFT)], ignore_conflicts=True
    )
    return Approval.objects.select_for_update().get(version_id=version_id, entity_id=entity_id)


def _wrong_state(approval: Approval, action: str, sources: tuple[str, ...], version: str, entity: str) -> WrongState:
    who = approval.updated_by.get_username() if approval.updated_by else None
    when = approval.updated_at.strftime("%Y-%m-%d %H:%M UTC")
    if who is not None:
        moved = f" ({MOVED_BY[approval.state]} by {who} at {when})"
    else:
        moved = " (never submitted)" if approval.state == S.DRAFT and approval.submitted_by_id is None else ""
    return WrongState(
        f"Unit {entity!r} of version {version!r} is {approval.state}{moved}; only a {' or '.join(sources)} unit can "
        f"be {DONE[action]}. Reload the status board to see its current state.",
        extra={"state": approval.state, "updated_by": who, "updated_at": approval.updated_at.isoformat()},
    )


def _notify(units: Units, approval: Approval, action: str, actor: Any, comment: str) -> None:
    """On submit the unit's approvers hear of it; on approve, reject or reopen its submitter. Only people who may
    read the unit, never the actor themselves."""
    entity = units.entities[approval.entity_id]
    recipients = _approvers(units, entity.pk) if action == "submit" else _submitter(approval)
    recipients = [
        u
        for u in recipients
        if (actor is None or u.pk != actor.pk)
        and access_scope(u, units.model.pk).can_read(units.dimension.pk, units.hierarchy, entity.pk)
    ]
    name = (actor.get_full_name() or actor.get_username()) if actor is not None else "The system"
    what = f"{entity.name} ({entity.code}) in version {units.version.code}"
    text = {
        "submit": f"{name} submitted {what} for approval.",
        "approve": f"{name} approved {what}.",
        "reject": f"{name} rejected {what}: {comment}",
        "reopen": f"{name} reopened {what} for changes." + (f" {comment}" if comment else ""),
    }[action]
    subject = f"[OpenCorpo] {entity.code} · {units.version.code}: " + (
        "submitted for approval" if action == "submit" else DONE[action]
    )
    query = urlencode({"model": units.model.code, "version": units.version.code, "entity": entity.code})
    notify(recipients, subject=subject, text=text, link=f"/app/workflow?{query}")


def _approvers(units: Units, entity_id: int) -> list[Any]:
    rows = Approver.objects.filter(model=units.model, entity_id__in=[entity_id, *units.hierarchy.ancestors(entity_id)])
    users = get_user_model().objects.filter(
        Q(pk__in=rows.filter(user__isnull=False).values("user_id"))
        | Q(groups__in=rows.filter(group__isnull=False).values("group_id")),
        is_active=True,
    )
    return [u for u in users.distinct() if set(roles_of(u, units.model.pk)) & APPROVERS]


def _submitter(approval: Approval) -> list[Any]:
    submitter = approval.submitted_by
    return [submitter] if submitter is not None and submitter.is_active else []


@transaction.atomic
def approver_assign(*, model: Model, entity: str, user: str | None = None, group: str | None = None) -> Approver:
    """Make a user (who must hold the approver or administrator role) or a group approver of an entity's subtree."""
    if (user is None) == (group is None):
        raise UserError("Name either a user or a group, not both.", fields={"user": ["or group"]})
    member = Member.objects.filter(dimension__model=model, dimension__kind=DimensionKind.ENTITY, code=entity).first()
    if member is None:
        raise UnknownObject(f"Dimension 'entity' has no member {entity!r}.")
    if user is not None:
        person = get_user_model().objects.filter(username=user).first()
        if person is None:
            raise NotFound(f"There is no user {user!r}.")
        if not set(roles_of(person, model.pk)) & APPROVERS:
            raise UserError(
                f"User {user!r} has neither the approver nor the administrator role; give them the approver role "
                "first.",
                fields={"user": ["not an approver"]},
            )
        approver, _ = Approver.objects.get_or_create(model=model, entity=member, user=person)
    else:
        found = Group.objects.filter(name=group).first()
        if found is None:
            raise NotFound(f"There is no group {group!r}.")
        approver, _ = Approver.objects.get_or_create(model=model, entity=member, group=found)
    audit("approver.assign", f"{model.code}/{entity}", {"user": user, "group": group})
    return approver


@transaction.atomic
def approver_remove(*, model: Model, approver_id: int) -> None:
    found = Approver.objects.filter(model=model, pk=approver_id).select_related("entity", "user", "group").first()
    if found is None:
        raise NotFound(f"Model {model.code!r} has no approver assignment {approver_id}.")
    found.delete()
    audit("approver.remove", f"{model.code}/{found.entity.code}", approver_json(found))


def approver_json(approver: Approver) -> dict[str, Any]:
    return {
        "id": approver.pk,
        "entity": approver.entity.code,
        "user": approver.user.get_username() if approver.user else None,
        "group": approver.group.name if approver.group else None,
    }
