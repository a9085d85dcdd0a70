"""Cell comments: on leaves and totals, visible only to who can read the cell, copied with a version, counted."""

from __future__ import annotations

import pytest

from opencorpo.accounts.roles import Role
from opencorpo.core.errors import UserError
from opencorpo.governance.comments import cell_key, comment_add, comment_counts, comments_copy, comments_list
from opencorpo.governance.models import Comment
from opencorpo.planning.errors import InvalidCell, UnknownObject
from opencorpo.planning.models import Member
from tests.factories import make_user
from tests.governance.conftest import grant

pytestmark = pytest.mark.django_db


def cell(entity: str, account: str = "RENT", time: str = "2026-01", version: str = "budget") -> dict[str, str]:
    return {"account": account, "entity": entity, "time": time, "version": version}


def member_ids(cube, coordinate: dict[str, str]) -> dict[str, int]:
    return {
        d: Member.objects.get(dimension__model=cube.model, dimension__code=d, code=c).pk for d, c in coordinate.items()
    }


@pytest.fixture
def crew(cube):
    ada, pia = make_user("ada", Role.ADMINISTRATOR), make_user("pia", Role.PLANNER)
    grant(cube.model, pia, "entity", "EAST", "write")
    return {"ada": ada, "pia": pia, "vic": make_user("vic", Role.VIEWER)}


@pytest.fixture
def commented(cube, crew):
    comment_add(cube, cell("E1"), "Rent rises in January.", crew["pia"])
    comment_add(cube, cell("E1"), "Agreed, keep it.", crew["ada"])  # a reply: the same cell, the same thread
    comment_add(cube, cell("W1"), "West rent is a guess.", crew["ada"])
    comment_add(cube, cell("WORLD", account="NI", time="FY2026"), "Total looks low.", crew["ada"])  # on a total
    return cube


def texts(rows) -> list[str]:
    return [r["text"] for r in rows]


def test_a_thread_is_the_comments_of_one_cell_oldest_first(commented, crew):
    thread = comments_list(commented, crew["ada"], cell("E1"))
    assert texts(thread) == ["Rent rises in January.", "Agreed, keep it."]
    assert thread[0]["coordinate"] == cell("E1") and thread[0]["author"] == "pia"
    assert thread[0]["thread"] == thread[1]["thread"] == cell_key(member_ids(commented, cell("E1")))
    assert texts(comments_list(commented, crew["ada"], {"entity": "W1"})) == ["West rent is a guess."]  # a filter
    assert len(comments_list(commented, crew["ada"])) == 4


def test_a_restricted_planner_sees_only_comments_on_cells_they_can_read(commented, crew):
    assert texts(comments_list(commented, crew["pia"])) == ["Rent rises in January.", "Agreed, keep it."]
    assert comments_list(commented, crew["pia"], {"account": "RENT"}) == comments_list(commented, crew["pia"])
    with pytest.raises(UnknownObject) as hidden:
        comments_list(commented, crew["pia"], cell("W1"))
    with pytest.raises(UnknownObject) as missing:
        comments_list(commented, crew["pia"], cell("X"))
    assert str(missing.value) == "Dimension 'entity' has no member 'X'."
    assert str(hidden.value).replace("W1", "X") == str(missing.value)
    with pytest.raises(UnknownObject, match="has no member 'WORLD'"):  # a total over a hidden leaf is hidden too
        comment_add(commented, cell("WORLD"), "peek", crew["pia"])


def test_reading_the_cell_is_enough_to_comment_and_the_cell_must_be_whole(cube, crew):
    comment_add(cube, cell("W1"), "Viewers may comment.", crew["vic"])
    with pytest.raises(UnknownObject, match="has no member 'RENT'"):  # without a role nothing exists
        comment_add(cube, cell("W1"), "No role, no cell.", make_user("nobody"))
    with pytest.raises(InvalidCell, match="name a member of dimension time too"):
        comment_add(cube, {"account": "RENT", "entity": "E1", "version": "budget"}, "where?", crew["ada"])
    with pytest.raises(UnknownObject, match="has no dimension 'colour'"):
        comment_add(cube, {**cell("E1"), "colour": "red"}, "what?", crew["ada"])
    with pytest.raises(UserError, match="The comment is empty"):
        comment_add(cube, cell("E1"), "   ", crew["ada"])
    assert Comment.objects.count() == 1


def test_comments_are_copied_to_another_version_once(commented, crew):
    budget, forecast = (Member.objects.get(dimension__model=commented.model, code=c).pk for c in ("budget", "forecast"))
    original = Comment.objects.get(text="Rent rises in January.")
    assert comments_copy(model=commented.model, source_version_id=budget, target_version_id=forecast) == 4
    copied = comments_list(commented, crew["ada"], cell("E1", version="forecast"))
    assert texts(copied) == ["Rent rises in January.", "Agreed, keep it."]
    assert copied[0]["author"] == "pia" and copied[0]["copied_from"] == "budget"
    assert copied[0]["created_at"] == original.created_at.isoformat()
    assert texts(comments_list(commented, crew["pia"], {"version": "forecast"})) == texts(copied)  # same access
    assert len(comments_list(commented, crew["ada"], {"version": "budget"})) == 4  # the source keeps its own
    assert comments_copy(model=commented.model, source_version_id=budget, target_version_id=forecast) == 0
    assert comments_copy(model=commented.model, source_version_id=forecast, target_version_id=budget) == 0
    assert Comment.objects.count() == 8


def test_comment_counts_per_cell_follow_access(commented, crew):
    e1, w1, e2 = (member_ids(commented, cell(e)) for e in ("E1", "W1", "E2"))
    total = member_ids(commented, cell("WORLD", account="NI", time="FY2026"))
    everyone = comment_counts(commented, crew["ada"], [e1, w1, e2, total])
    assert everyone == {cell_key(e1): 2, cell_key(w1): 1, cell_key(total): 1}
    assert comment_counts(commented, crew["pia"], [e1, w1, e2, total]) == {cell_key(e1): 2}
    assert comment_counts(commented, crew["pia"], []) == {}
