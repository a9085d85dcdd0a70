"""Diffs between versions and three-way merges of a branch back into its base, with conflicts and resolution."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opencorpo.engine import CellDiff, Conflict, MergeError, MergeResult, diff, diff_totals, merge3, resolve

Cell = tuple[str, int]


def apply(version: Mapping[Cell, float], changes: Mapping[Cell, float | None]) -> dict[Cell, float]:
    result = dict(version)
    for cell, value in changes.items():
        if value is None:
            result.pop(cell, None)
        else:
            result[cell] = value
    return result


def test_diff_lists_changed_added_and_removed_cells_in_order() -> None:
    a = {("Sales", 2): 10.0, ("Sales", 1): 5.0, ("COGS", 1): 0.0, ("Opex", 1): 7.0}
    b = {("Sales", 2): 10.0 + 1e-12, ("Sales", 1): 6.0, ("Opex", 1): 7.0, ("Tax", 1): 1.0}
    assert diff(a, b) == [
        CellDiff(("COGS", 1), 0.0, None),  # a missing cell and 0.0 differ
        CellDiff(("Sales", 1), 5.0, 6.0),
        CellDiff(("Tax", 1), None, 1.0),
    ]
    assert CellDiff(("Sales", 2), 10.0, 10.0 + 1e-12) in diff(a, b, tolerance=0.0)
    assert diff_totals(diff(a, b)) == (5.0, 7.0)


def test_diff_reads_nan_as_empty_and_sorts_mixed_cells() -> None:
    assert diff({"a": math.nan}, {}) == []
    assert [change.cell for change in diff({}, {2: 1.0, "b": 1.0, 1: 1.0})] == [1, 2, "b"]


def test_merge3_takes_branch_changes_and_reports_conflicts() -> None:
    base = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0}
    ours = {"a": 1.0, "b": 20.0, "c": 30.0, "d": 4.0, "e": 50.0}
    theirs = {"a": 10.0, "b": 20.0, "c": 300.0, "e": 5.0, "f": 6.0}
    result = merge3(base, ours, theirs)
    assert result.changes == {"a": 10.0, "d": None, "f": 6.0}  # b changed alike, e changed only in ours
    assert result.conflicts == (Conflict("c", 3.0, 30.0, 300.0),)


def test_resolve_applies_the_choices() -> None:
    result = MergeResult(
        changes={"a": 1.0},
        conflicts=(Conflict("b", 1.0, 2.0, 3.0), Conflict("c", 1.0, 2.0, None), Conflict("d", 1.0, 2.0, 3.0)),
    )
    assert resolve(result, {"b": "theirs", "c": "ours", "d": 9.5}) == {"a": 1.0, "b": 3.0, "d": 9.5}
    assert resolve(result, {"b": None, "c": "theirs", "d": 2.0}) == {"a": 1.0, "b": None, "c": None}


def test_resolve_lists_unresolved_conflicts() -> None:
    conflicts = tuple(Conflict(f"c{index}", 0.0, 1.0, 2.0) for index in range(7))
    result = MergeResult(changes={}, conflicts=conflicts)
    message = r"^7 conflicts are still unresolved \(c0, c1, c2, c3, c4 and 2 more\); choose ours, theirs or a value"
    with pytest.raises(MergeError, match=message):
        resolve(result, {})
    with pytest.raises(MergeError, match=r"^1 conflict is still unresolved \(c6\)"):
        resolve(result, {f"c{index}": "ours" for index in range(6)})


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"x": "ours", "y": 1.0, "b": "ours"}, r"^2 choices are for cells not in conflict \(x, y\); remove them"),
        ({"b": "mine"}, "The choice 'mine' for cell b is not valid; use 'ours', 'theirs', a finite number, or None"),
        ({"b": math.inf}, "The choice inf for cell b is not valid"),
    ],
)
def test_resolve_rejects_choices_that_do_not_fit(choices: dict[str, object], message: str) -> None:
    with pytest.raises(MergeError, match=message):
        resolve(MergeResult(changes={}, conflicts=(Conflict("b", 0.0, 1.0, 2.0),)), choices)  # type: ignore[arg-type]


cells = st.tuples(st.sampled_from(["Sales", "COGS", "Opex"]), st.integers(1, 12))
values = st.floats(-1e9, 1e9, allow_nan=False)
versions = st.dictionaries(cells, values, max_size=20)
edits = st.dictionaries(cells, st.one_of(st.none(), values), max_size=12)  # None deletes the cell


@settings(max_examples=300, deadline=None)
@given(versions, versions)
def test_a_diff_applied_to_the_first_version_gives_the_second(a: dict[Cell, float], b: dict[Cell, float]) -> None:
    assert diff(a, a) == []
    changes = diff(a, b, tolerance=0.0)
    assert [change.cell for change in changes] == sorted(change.cell for change in changes)
    assert apply(a, {change.cell: change.after for change in changes}) == b
    before, after = diff_totals(changes)
    assert after - before == pytest.approx(math.fsum(b.values()) - math.fsum(a.values()), rel=1e-9, abs=1e-3)


@settings(max_examples=300, deadline=None)
@given(versions, edits)
def test_merge_into_an_unchanged_base_reproduces_the_branch(
    base: dict[Cell, float], branch: dict[Cell, float | None]
) -> None:
    theirs = apply(base, branch)
    result = merge3(base, base, theirs, tolerance=0.0)
    assert result.conflicts == ()
    assert apply(base, result.changes) == theirs
    assert set(result.changes) == {change.cell for change in diff(base, theirs, tolerance=0.0)}


@settings(max_examples=300, deadline=None)
@given(versions, edits, st.data())
def test_concurrent_changes_to_the_same_cells_are_conflicts(
    base: dict[Cell, float], branch: dict[Cell, float | None], data: st.DataObject
) -> None:
    theirs = apply(base, branch)
    changed = [change.cell for change in diff(base, theirs, tolerance=0.0)]
    clashing = data.draw(st.lists(st.sampled_from(changed), unique=True) if changed else st.just([]))
    ours = dict(base)
    for cell in clashing:  # a value that is neither the base's nor the branch's
        ours[cell] = max(abs(base.get(cell, 0.0)), abs(theirs.get(cell, 0.0))) + 1.0
    result = merge3(base, ours, theirs, tolerance=0.0)
    assert {conflict.cell for conflict in result.conflicts} == set(clashing)
    assert not set(result.changes) & set(clashing)
    assert set(result.changes) == set(changed) - set(clashing)
    merged = apply(ours, resolve(result, dict.fromkeys(clashing, "theirs")))
    assert merged == theirs
    assert apply(ours, resolve(result, dict.fromkeys(clashing, "ours"))) == apply(ours, result.changes)
    if clashing:
        with pytest.raises(MergeError, match="unresolved"):
            resolve(result, {})


def test_merge3_ignores_changes_within_the_tolerance() -> None:
    base = {"a": 1.0, "b": 2.0}
    result = merge3(base, {"a": 1.0 + 1e-12, "b": 2.5}, {"a": 1.5, "b": 2.0 - 1e-12})
    assert result == MergeResult(changes={"a": 1.5}, conflicts=())
