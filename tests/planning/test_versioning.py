"""Versions that branch: copy (whole or a slice), diff, branch and three-way merge with conflicts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencorpo.accounts.roles import Role
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.errors import InvalidQuery, MergeConflicts, VersionLocked
from opencorpo.planning.models import FactChange, Member
from opencorpo.planning.versioning import Slice, version_branch, version_copy, version_diff, version_merge
from tests.accounts.test_access import grant
from tests.factories import make_user
from tests.planning.test_cells import at, value

pytestmark = pytest.mark.django_db
LEAVES = [(a, e) for a in ("SALES", "RENT", "WAGES") for e in ("E1", "E2", "W1")]
MONTHS = ["2026-01", "2026-02", "2026-03"]
cell = st.tuples(st.sampled_from(LEAVES), st.sampled_from(MONTHS))
edits = st.lists(st.tuples(cell, st.one_of(st.none(), st.integers(1, 99).map(float))), max_size=8)


def write(cube, version: str, changes) -> None:
    for ((account, entity), month), amount in changes:
        cells_write(cube=cube, cells=[CellWrite(at(account, entity, month, version), amount)], user=None)


def cells(cube, version: str) -> dict:
    return {(a, e, m): v for (a, e) in LEAVES for m in MONTHS if (v := value(cube, a, e, m, version)) is not None}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=edits)
def test_copy_then_diff_is_empty(cube, start):
    write(cube, "budget", start)
    version_copy(model=cube.model, source="budget", target="forecast", user=None)
    assert version_diff(cube=cube, version="forecast", reference="budget", user=None)["count"] == 0
    assert cells(cube, "forecast") == cells(cube, "budget")


def test_a_slice_copy_changes_only_the_slice_and_diff_lists_cells_with_totals(cube):
    write(cube, "actual", [((("RENT", "E1"), "2026-01"), 10.0), ((("RENT", "E1"), "2026-02"), 20.0)])
    write(cube, "forecast", [((("RENT", "E1"), "2026-02"), 5.0), ((("RENT", "W1"), "2026-01"), 7.0)])
    where = Slice({"time": ["2026-01"], "entity": ["EAST"]})
    result = version_copy(model=cube.model, source="actual", target="forecast", where=where, user=None)
    assert result["changed"] == 1 and FactChange.objects.filter(batch=result["batch"], source="copy").count() == 1
    assert cells(cube, "forecast") == {
        ("RENT", "E1", "2026-01"): 10.0,
        ("RENT", "E1", "2026-02"): 5.0,
        ("RENT", "W1", "2026-01"): 7.0,
    }
    diff = version_diff(cube=cube, version="forecast", reference="actual", user=None)
    assert diff["count"] == 2 and (diff["total_before"], diff["total_after"]) == (
        20.0,
        12.0,
    )  # over the differing cells


def test_copying_into_a_locked_version_is_refused(cube):
    structure.version_lock(version=Member.objects.get(dimension__model=cube.model, code="forecast"), locked=True)
    with pytest.raises(VersionLocked):
        version_copy(model=cube.model, source="budget", target="forecast", user=None)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=edits, changes=edits)
def test_branch_then_changes_then_merge_reproduces_them(cube, start, changes):
    Member.objects.filter(code__startswith="whatif").delete()
    write(cube, "budget", start)
    version_branch(model=cube.model, base="budget", code="whatif", name="What if", user=None)
    write(cube, "whatif", changes)
    version_merge(branch="whatif", model=cube.model, user=None)
    assert cells(cube, "budget") == cells(cube, "whatif")


def test_a_concurrent_base_change_is_a_conflict_and_nothing_is_applied(cube):
    write(cube, "budget", [((("RENT", "E1"), "2026-01"), 10.0), ((("RENT", "E2"), "2026-01"), 10.0)])
    version_branch(model=cube.model, base="budget", code="whatif", name="What if", user=None)
    write(cube, "whatif", [((("RENT", "E1"), "2026-01"), 11.0), ((("RENT", "E2"), "2026-01"), 12.0)])
    write(cube, "budget", [((("RENT", "E1"), "2026-01"), 15.0)])  # the base moved on meanwhile
    with pytest.raises(MergeConflicts) as error:
        version_merge(branch="whatif", model=cube.model, user=None)
    conflict = error.value.extra["conflicts"][0]
    assert (conflict["base"], conflict["ours"], conflict["theirs"]) == (10.0, 15.0, 11.0)
    assert (value(cube, "RENT", "E1", "2026-01"), value(cube, "RENT", "E2", "2026-01")) == (15.0, 10.0)
    label = "pl|account=RENT,entity=E1,time=2026-01"
    with pytest.raises(InvalidQuery, match="name no conflict"):
        version_merge(branch="whatif", model=cube.model, user=None, choices={"pl|nothing": "ours"})
    version_merge(branch="whatif", model=cube.model, user=None, choices={label: "theirs"})
    assert (value(cube, "RENT", "E1", "2026-01"), value(cube, "RENT", "E2", "2026-01")) == (11.0, 12.0)


def test_merging_a_version_that_is_not_a_branch_is_refused(cube):
    with pytest.raises(InvalidQuery, match="not a branch"):
        version_merge(branch="forecast", model=cube.model, user=None)


def test_a_diff_shows_only_what_the_reader_may_read(cube):
    write(cube, "budget", [((("RENT", "E1"), "2026-01"), 1.0), ((("RENT", "W1"), "2026-01"), 2.0)])
    viewer = make_user("vic", Role.VIEWER)
    grant(cube, viewer, "entity", "EAST", "read")
    diff = version_diff(cube=cube, version="budget", reference="forecast", user=viewer)
    assert [c["coordinate"]["entity"] for c in diff["cells"]] == ["E1"] and diff["total_after"] == 1.0


def test_comments_come_along_when_a_whole_version_is_copied(cube):
    from opencorpo.governance.comments import comment_add, comments_list

    comment_add(cube, at("RENT", "E1"), "Rent rises in March", None)
    result = version_copy(model=cube.model, source="budget", target="forecast", user=None)
    assert result["comments_copied"] == 1
    [copied] = comments_list(cube, None, at("RENT", "E1", version="forecast"))
    assert copied["text"] == "Rent rises in March"
    again = version_copy(model=cube.model, source="budget", target="forecast", user=None)
    assert again["comments_copied"] == 0
