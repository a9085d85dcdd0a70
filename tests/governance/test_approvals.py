"""Approval workflow: who may move a unit, which moves exist, the history, the status board and frozen units."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, transaction

from opencorpo.accounts.models import ModelRole
from opencorpo.accounts.roles import Role
from opencorpo.core.errors import Forbidden, UserError
from opencorpo.core.models import AuditEvent
from opencorpo.governance.approvals import ApprovalForbidden, WrongState, approver_assign
from opencorpo.governance.models import Approval, ApprovalEvent
from opencorpo.governance.selectors import approval_board, frozen_units
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.errors import UnknownObject, VersionLocked
from opencorpo.planning.models import Member
from tests.governance.conftest import grant, move, person

pytestmark = pytest.mark.django_db


def ids(model, dimension: str, *codes: str) -> list[int]:
    return [Member.objects.get(dimension__model=model, dimension__code=dimension, code=c).pk for c in codes]


def test_a_planner_submits_and_an_assigned_approver_of_an_ancestor_approves(model, people):
    submitted = move(model, people["pia"], "submit")
    assert submitted.state == "submitted" and submitted.submitted_by == submitted.updated_by == people["pia"]
    approved = move(model, people["ann"], "approve", comment="Looks right.")  # ann is assigned to WORLD, above EAST
    assert (approved.state, approved.comment, approved.submitted_by) == ("approved", "Looks right.", people["pia"])
    events = list(ApprovalEvent.objects.filter(approval_id=approved.pk).values_list("from_state", "to_state", "user"))
    assert events == [("draft", "submitted", people["pia"].pk), ("submitted", "approved", people["ann"].pk)]
    assert Approval.objects.count() == 1


def test_a_planner_may_submit_only_a_unit_they_may_write_in_full(model, people):
    pia = person("pia2", Role.PLANNER)
    grant(model, pia, "entity", "E1", "write")
    grant(model, pia, "entity", "E2", "read")
    with pytest.raises(ApprovalForbidden, match="You may not write all of 'EAST'"):
        move(model, pia, "submit", "EAST")
    assert move(model, pia, "submit", "E1").state == "submitted"
    with pytest.raises(ApprovalForbidden, match="Only planners, modellers and administrators submit"):
        move(model, people["vic"], "submit", "E2")  # a viewer reads everything but submits nothing
    with pytest.raises(ApprovalForbidden, match="Only planners"):
        move(model, people["ann"], "submit", "E2")  # nor does an approver


def test_only_an_assigned_approver_with_the_role_approves(model, people):
    move(model, people["pia"], "submit")
    with pytest.raises(ApprovalForbidden, match="not an assigned approver of 'EAST'"):
        move(model, people["walt"], "approve")  # walt approves WEST, not EAST
    with pytest.raises(ApprovalForbidden, match="not an assigned approver"):
        move(model, people["ada"], "approve")  # an administrator must be assigned too
    with pytest.raises(ApprovalForbidden, match="Only approvers and administrators"):
        move(model, people["pia"], "approve")  # the planner may not approve her own unit
    reviewers = Group.objects.create(name="east-reviewers")
    people["ada"].groups.add(reviewers)
    approver_assign(model=model, entity="EAST", group="east-reviewers")  # assigned through a group
    assert move(model, people["ada"], "approve").state == "approved"
    assert ApprovalEvent.objects.count() == 2  # refusals write nothing


def test_rejecting_needs_a_comment_and_a_rejected_unit_is_submitted_again(model, people):
    move(model, people["pia"], "submit")
    for empty in ("", "   "):
        with pytest.raises(UserError, match="A rejection needs a comment"):
            move(model, people["ann"], "reject", comment=empty)
    rejected = move(model, people["ann"], "reject", comment="Rent is too low.")
    assert (rejected.state, rejected.comment) == ("rejected", "Rent is too low.")
    assert move(model, people["pia"], "submit").state == "submitted"
    assert list(ApprovalEvent.objects.values_list("to_state", flat=True)) == ["submitted", "rejected", "submitted"]


def test_an_approver_reopens_a_submitted_or_approved_unit_to_draft(model, people):
    move(model, people["pia"], "submit")
    assert move(model, people["ann"], "reopen").state == "draft"
    move(model, people["pia"], "submit")
    move(model, people["ann"], "approve")
    with pytest.raises(ApprovalForbidden, match="Only approvers"):
        move(model, people["pia"], "reopen")
    assert move(model, people["ann"], "reopen", comment="Q3 changed").state == "draft"
    assert move(model, people["pia"], "submit").state == "submitted"


def test_a_move_from_the_wrong_state_is_a_conflict_naming_the_state_and_who_moved_it(model, people):
    with pytest.raises(WrongState, match=r"'EAST' of version 'budget' is draft \(never submitted\); only a submitted"):
        move(model, people["ann"], "approve")
    move(model, people["pia"], "submit")
    with pytest.raises(WrongState) as raised:
        move(model, people["pia"], "submit")
    assert raised.value.status_code == 409
    assert "is submitted (submitted by pia at " in raised.value.message
    assert "only a draft or rejected unit can be submitted" in raised.value.message
    assert raised.value.extra["state"] == "submitted" and raised.value.extra["updated_by"] == "pia"
    move(model, people["ann"], "approve")
    with pytest.raises(WrongState, match=r"is approved \(approved by ann"):
        move(model, people["ann"], "reject", comment="too late")
    with pytest.raises(UserError, match="Unknown action 'publish'"):
        move(model, people["ann"], "publish")


def test_nothing_moves_in_a_locked_version(model, people):
    move(model, people["pia"], "submit")
    structure.version_lock(version=Member.objects.get(dimension__model=model, code="budget"), locked=True)
    with pytest.raises(VersionLocked, match="Version 'budget' is locked") as raised:
        move(model, people["ann"], "approve")
    assert raised.value.status_code == 409
    assert Approval.objects.get().state == "submitted"


def test_a_unit_the_user_cannot_read_answers_like_a_missing_one(model, people):
    with pytest.raises(UnknownObject) as hidden:
        move(model, people["pia"], "submit", "W1")
    with pytest.raises(UnknownObject) as missing:
        move(model, people["pia"], "submit", "NOPE")
    assert str(hidden.value).replace("W1", "X") == str(missing.value).replace("NOPE", "X")
    assert str(missing.value) == "Dimension 'entity' has no member 'NOPE'."
    with pytest.raises(UnknownObject, match="Dimension 'version' has no member 'plan'"):
        move(model, people["pia"], "submit", version="plan")


def test_the_history_is_append_only(model, people):
    move(model, people["pia"], "submit")
    event = ApprovalEvent.objects.get()
    for attempt in (lambda: ApprovalEvent.objects.filter(pk=event.pk).update(comment="x"), event.delete):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()


def test_frozen_units_are_the_submitted_and_approved_ones(model, people):
    east, w1, e1 = ids(model, "entity", "EAST", "W1", "E1")
    budget, forecast = ids(model, "version", "budget", "forecast")
    grant(model, people["pia"], "entity", "WEST", "write")
    assert frozen_units(model.pk) == {}
    move(model, people["pia"], "submit", "EAST")
    move(model, people["pia"], "submit", "W1", version="forecast")
    move(model, people["pia"], "submit", "E1", version="forecast")
    assert frozen_units(model.pk) == {budget: frozenset({east}), forecast: frozenset({w1, e1})}
    move(model, people["ann"], "approve", "EAST")  # approved stays frozen
    move(model, people["ann"], "reject", "W1", version="forecast", comment="no")  # rejected thaws
    move(model, people["ann"], "reopen", "E1", version="forecast")  # so does reopened (draft)
    assert frozen_units(model.pk) == {budget: frozenset({east})}
    with transaction.atomic():  # inside a transaction it sees that transaction's own moves
        move(model, people["ann"], "reopen", "EAST")
        assert frozen_units(model.pk) == {}
        transaction.set_rollback(True)
    assert frozen_units(model.pk) == {budget: frozenset({east})}
    assert frozen_units(model.pk + 1000) == {}


def test_the_status_board_lists_the_units_the_user_can_read(model, people):
    move(model, people["pia"], "submit", "E1")
    board = approval_board(model=model, version="budget", user=people["pia"])
    assert [(u["entity"], u["state"]) for u in board["units"]] == [
        ("EAST", "draft"),
        ("E1", "submitted"),
        ("E2", "draft"),
    ]  # WORLD, WEST and W1 are hidden from pia
    e1 = board["units"][1]
    assert (e1["parent"], e1["submitted_by"], e1["updated_by"], e1["actions"]) == ("EAST", "pia", "pia", [])
    assert board["units"][0]["actions"] == ["submit"]
    ann = {u["entity"]: u for u in approval_board(model=model, version="budget", user=people["ann"])["units"]}
    assert list(ann) == ["WORLD", "EAST", "E1", "E2", "WEST", "W1"]
    assert ann["E1"]["actions"] == ["approve", "reject", "reopen"] and ann["E2"]["actions"] == []
    walt = {u["entity"]: u for u in approval_board(model=model, version="budget", user=people["walt"])["units"]}
    assert walt["E1"]["actions"] == [] and walt["E1"]["updated_at"] is not None


def test_roles_given_in_this_model_count_and_roles_in_another_model_do_not(model, people):
    other = structure.model_create(code="other", name="Other", first_fiscal_year=2026, years=1)
    local, elsewhere = person("lou", None), person("eli", None)
    ModelRole.objects.create(model=model, user=local, role="approver")
    ModelRole.objects.create(model=other, user=elsewhere, role="approver")
    approver_assign(model=model, entity="EAST", user="lou")
    with pytest.raises(UserError, match="'eli' has neither the approver nor the administrator role"):
        approver_assign(model=model, entity="EAST", user="eli")
    move(model, people["pia"], "submit")
    assert move(model, local, "approve").state == "approved"
    assert AuditEvent.objects.filter(action="approver.assign", target="acme/EAST").count() == 1


def test_a_submitted_unit_is_read_only_to_its_planner_until_reopened(cube, people):
    def write(entity: str, value: float) -> int:
        cell = CellWrite({"account": "RENT", "entity": entity, "time": "2026-01", "version": "budget"}, value)
        return cells_write(cube=cube, cells=[cell], user=people["pia"])["changed"]

    assert write("E1", 1.0) == 1
    move(cube.model, people["pia"], "submit", "EAST")
    with pytest.raises(Forbidden, match="read-only"):
        write("E1", 2.0)  # the whole subtree of the unit is frozen
    move(cube.model, people["ann"], "reopen", "EAST")
    assert write("E1", 2.0) == 1
