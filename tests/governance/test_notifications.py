"""Notifications of transitions: e-mail (Django's locmem outbox) and in-app, to the people who may act or read."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from opencorpo.accounts.roles import Role
from opencorpo.core.errors import NotFound
from opencorpo.governance.approvals import approver_assign
from opencorpo.governance.models import Notification
from opencorpo.governance.notifications import notification_read
from opencorpo.governance.selectors import notifications_of
from tests.governance.conftest import grant, move, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewers(model, people):
    """rita (approver) and pat (planner) are in the group assigned to EAST; hal approves WORLD but reads only WEST;
    nora approves EAST but has no e-mail address."""
    group = Group.objects.create(name="east-reviewers")
    rita, pat = person("rita", Role.APPROVER), person("pat", Role.PLANNER)
    for member in (rita, pat):
        member.groups.add(group)
    approver_assign(model=model, entity="EAST", group="east-reviewers")
    hal = person("hal", Role.APPROVER)
    grant(model, hal, "entity", "WEST", "read")
    approver_assign(model=model, entity="WORLD", user="hal")
    approver_assign(model=model, entity="EAST", user=person("nora", Role.APPROVER, email=False).username)
    return people


def inbox(username: str) -> list[str]:
    return list(Notification.objects.filter(user__username=username).values_list("text", flat=True))


def test_a_submission_reaches_the_units_approvers_by_mail_and_in_app(
    model, reviewers, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        move(model, reviewers["pia"], "submit")
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.com", "rita@example.com"]  # one mail each
    mail = mailoutbox[0]
    assert mail.subject == "[OpenCorpo] EAST · budget: submitted for approval"
    assert "Pia submitted East (EAST) in version budget for approval." in mail.body
    assert "/app/workflow?model=acme&version=budget&entity=EAST" in mail.body
    for approver in ("ann", "rita", "nora"):  # nora has no address: in-app only
        assert inbox(approver) == ["Pia submitted East (EAST) in version budget for approval."]
    for bystander in ("walt", "hal", "pat", "pia"):  # not assigned, cannot read EAST, no approver role, the actor
        assert inbox(bystander) == []
    assert Notification.objects.get(user__username="ann").link == "/app/workflow?model=acme&version=budget&entity=EAST"


def test_the_submitter_hears_of_approval_rejection_and_reopening(
    model, reviewers, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        move(model, reviewers["pia"], "submit")
        mailoutbox.clear()
        move(model, reviewers["ann"], "reject", comment="Rent is too low.")
        move(model, reviewers["pia"], "submit")
        move(model, reviewers["ann"], "approve")
        move(model, reviewers["ann"], "reopen")
    assert inbox("pia") == [  # newest first
        "Ann reopened East (EAST) in version budget for changes.",
        "Ann approved East (EAST) in version budget.",
        "Ann rejected East (EAST) in version budget: Rent is too low.",
    ]
    to_pia = [m for m in mailoutbox if m.to == ["pia@example.com"]]
    assert [m.subject for m in to_pia] == [
        "[OpenCorpo] EAST · budget: rejected",
        "[OpenCorpo] EAST · budget: approved",
        "[OpenCorpo] EAST · budget: reopened",
    ]
    assert "Rent is too low." in to_pia[0].body


def test_mail_leaves_only_when_the_transition_commits(model, reviewers, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        move(model, reviewers["pia"], "submit")
    assert mailoutbox == [] and len(callbacks) == 1
    assert len(inbox("ann")) == 1  # the in-app notification is part of the transaction itself


def test_a_user_reads_and_marks_only_their_own_notifications(model, reviewers):
    move(model, reviewers["pia"], "submit")
    mine = notifications_of(reviewers["ann"])
    assert mine["unread"] == 1 and mine["notifications"][0]["read"] is False
    marked = notification_read(user=reviewers["ann"], notification_id=mine["notifications"][0]["id"])
    assert marked.read is True
    assert notifications_of(reviewers["ann"])["unread"] == 0
    assert notifications_of(reviewers["ann"], unread_only=True)["notifications"] == []
    with pytest.raises(NotFound, match="You have no notification"):
        notification_read(user=reviewers["walt"], notification_id=marked.pk)
