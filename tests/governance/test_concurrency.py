"""Transitions under concurrency: two people move the same unit at the same moment, each on their own connection.

The main thread holds a lock the transitions need until both threads are inside their transaction and waiting on
it (seen in pg_stat_activity), then lets them race."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from opencorpo.accounts.roles import Role
from opencorpo.governance.approvals import WrongState, approver_assign
from opencorpo.governance.models import Approval, ApprovalEvent
from opencorpo.planning.models import Member
from tests.governance.conftest import grant, move, person

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees its first snapshot throughout
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def race(calls: list[Callable[[], Any]], hold: Callable[[], None]) -> list[Any]:
    """Run the calls in threads while this thread holds a lock (taken by `hold` inside a transaction); release it
    once every call is blocked on it. Each call's result or exception, in order."""
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls) + 1)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = calls[index]()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with transaction.atomic():
        hold()
        for thread in threads:
            thread.start()
        barrier.wait(timeout=10)
        deadline = time.monotonic() + 10
        while waiting_on_locks() < len(calls) and time.monotonic() < deadline:
            time.sleep(0.02)
        waiting = waiting_on_locks()
    for thread in threads:
        thread.join(timeout=30)
    assert waiting == len(calls), f"only {waiting} of the calls waited on the held lock: {results}"
    return results


def test_two_approvers_approving_at_once_one_wins_and_the_other_gets_409(model, people):
    approver_assign(model=model, entity="EAST", user="walt")  # walt and ann both approve EAST now
    move(model, people["pia"], "submit")
    unit = Approval.objects.get()

    def hold() -> None:
        Approval.objects.select_for_update().get(pk=unit.pk)

    ann, walt = people["ann"], people["walt"]
    results = race([lambda: move(model, ann, "approve"), lambda: move(model, walt, "approve")], hold)
    winners = [r for r in results if isinstance(r, Approval)]
    losers = [r for r in results if isinstance(r, WrongState)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].status_code == 409 and "is approved (approved by " in losers[0].message
    assert list(ApprovalEvent.objects.values_list("to_state", flat=True)) == ["submitted", "approved"]
    assert Approval.objects.get().updated_by == winners[0].updated_by


def test_two_planners_submitting_a_new_unit_at_once_create_one_row_and_one_event(model, people):
    pat = person("pat", Role.PLANNER)
    grant(model, pat, "entity", "EAST", "write")
    budget = Member.objects.get(dimension__model=model, code="budget")

    def hold() -> None:  # the version row: every transition reads its lock flag FOR SHARE before its unit's row
        Member.objects.select_for_update().get(pk=budget.pk)

    results = race([lambda: move(model, people["pia"], "submit"), lambda: move(model, pat, "submit")], hold)
    assert sorted(type(r).__name__ for r in results) == ["Approval", "WrongState"], results
    assert Approval.objects.count() == 1 and ApprovalEvent.objects.count() == 1
