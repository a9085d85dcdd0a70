"""Member-level access: an authorization matrix over grants, users and the read/write surfaces of a cube."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencorpo.accounts.models import Grant
from opencorpo.accounts.roles import Role
from opencorpo.planning.cells import CellForbidden, CellWrite, cells_write
from opencorpo.planning.errors import InvalidCell, InvalidQuery, UnknownObject
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.models import Member
from tests.factories import make_user
from tests.planning.conftest import ENTITIES

pytestmark = pytest.mark.django_db
PARENT = {row["code"]: row.get("parent") for row in ENTITIES}
ENTITY_LEAVES = ["E1", "E2", "W1"]
ACCOUNT_LEAVES = ["SALES", "DISC", "RENT", "WAGES"]


def grant(cube, principal, dimension: str, code: str, access: str) -> None:
    member = Member.objects.get(dimension__model=cube.model, dimension__code=dimension, code=code)
    target = {"group": principal} if isinstance(principal, Group) else {"user": principal}
    Grant.objects.create(model=cube.model, dimension=member.dimension, member=member, access=access, **target)


@pytest.fixture
def filled(cube):
    cells = [
        CellWrite({"account": a, "entity": e, "time": "2026-01", "version": "budget"}, float(10 * i + j + 1))
        for i, a in enumerate(ACCOUNT_LEAVES)
        for j, e in enumerate(ENTITY_LEAVES)
    ]
    cells_write(cube=cube, cells=cells, user=None)
    return cube


def entity_grid(cube, user, selection=None):
    query = GridQuery(
        rows=(Selection("entity", **(selection or {"descendants_of": "WORLD", "include_parent": "before"})),),
        columns=(Selection("account", members=("NI", "SALES")),),
        filters={"time": "2026-01", "version": "budget"},
    )
    return grid_read(cube=cube, query=query, user=user)


def test_a_planner_restricted_to_east_sees_east_and_its_leaves_but_no_total_that_includes_west(filled):
    planner = make_user("pia", Role.PLANNER)
    grant(filled, planner, "entity", "EAST", "write")
    admin_view = entity_grid(filled, make_user("ada", Role.ADMINISTRATOR))
    view = entity_grid(filled, planner)
    assert [h[0]["code"] for h in view["rows"]["headers"]] == ["EAST", "E1", "E2"]  # no WORLD, no WEST, no W1
    admin_rows = {h[0]["code"]: v for h, v in zip(admin_view["rows"]["headers"], admin_view["values"], strict=True)}
    for header, values in zip(view["rows"]["headers"], view["values"], strict=True):
        assert values == admin_rows[header[0]["code"]]  # what is shown is the true, complete number
    with pytest.raises(UnknownObject, match="has no member 'W1'"):
        entity_grid(filled, planner, {"members": ("W1",)})
    with pytest.raises(UnknownObject, match="has no member 'WORLD'"):  # a partly hidden total does not exist
        entity_grid(filled, planner, {"members": ("WORLD",)})
    with pytest.raises(UnknownObject, match="has no member 'NOWHERE'"):  # and reads exactly like a missing one
        entity_grid(filled, planner, {"members": ("NOWHERE",)})


def test_writes_need_write_access_and_hidden_cells_read_as_missing(filled):
    viewer_like = make_user("pete", Role.PLANNER)
    grant(filled, viewer_like, "entity", "EAST", "read")
    grant(filled, viewer_like, "entity", "E2", "write")
    coordinate = {"account": "RENT", "time": "2026-01", "version": "budget"}
    with pytest.raises(CellForbidden, match="may read 'E1'"):
        cells_write(cube=filled, cells=[CellWrite({**coordinate, "entity": "E1"}, 1.0)], user=viewer_like)
    with pytest.raises(InvalidCell, match="has no member 'W1'"):
        cells_write(cube=filled, cells=[CellWrite({**coordinate, "entity": "W1"}, 1.0)], user=viewer_like)
    assert (
        cells_write(cube=filled, cells=[CellWrite({**coordinate, "entity": "E2"}, 1.0)], user=viewer_like)["changed"]
        == 1
    )
    flags = entity_grid(filled, viewer_like, {"members": ("E1", "E2")})["editable"]
    assert flags == [[False, False], [False, True]]  # NI is a total; SALES of E2 is writable, of E1 read-only


def test_group_grants_count_and_a_users_own_grant_wins_at_the_same_member(filled):
    team = Group.objects.create(name="west-team")
    member = make_user("wes", Role.VIEWER)
    member.groups.add(team)
    grant(filled, team, "entity", "WEST", "read")
    assert [h[0]["code"] for h in entity_grid(filled, member)["rows"]["headers"]] == ["WEST", "W1"]
    grant(filled, member, "entity", "WEST", "none")
    with pytest.raises(UnknownObject, match="has no member 'WORLD'"):  # nothing under it readable: as if missing
        entity_grid(filled, member)


def test_a_viewer_never_writes_whatever_the_grant(filled):
    viewer = make_user("vic", Role.VIEWER)
    grant(filled, viewer, "entity", "WORLD", "write")
    with pytest.raises(CellForbidden):
        cells_write(
            cube=filled,
            cells=[CellWrite({"account": "RENT", "entity": "E1", "time": "2026-01", "version": "budget"}, 1.0)],
            user=viewer,
        )


@pytest.mark.django_db(transaction=True)  # committed reads are the ones that fill the cache
def test_cached_answers_are_never_shared_across_access_scopes(filled):
    from opencorpo.core import metrics

    admin, planner = make_user("ada", Role.ADMINISTRATOR), make_user("pia", Role.PLANNER)
    grant(filled, planner, "entity", "EAST", "write")
    query = {"children_of": "WORLD"}
    hits = metrics.CACHE_REQUESTS.labels("hit")._value.get()
    assert len(entity_grid(filled, admin, query)["values"]) == 2
    assert len(entity_grid(filled, admin, query)["values"]) == 2
    assert metrics.CACHE_REQUESTS.labels("hit")._value.get() == hits + 1  # the admin's answer is cached …
    assert [h[0]["code"] for h in entity_grid(filled, planner, query)["rows"]["headers"]] == ["EAST"]  # … not shared
    assert metrics.CACHE_REQUESTS.labels("hit")._value.get() == hits + 1


def test_the_member_list_and_detail_hide_what_the_user_cannot_read(filled):
    planner = make_user("pia", Role.PLANNER)
    grant(filled, planner, "entity", "EAST", "write")
    client = Client()
    client.force_login(planner)
    listed = [m["code"] for m in client.get("/api/v1/models/acme/dimensions/entity/members/").json()]
    assert listed == ["EAST", "E1", "E2"]
    hidden = client.get("/api/v1/models/acme/dimensions/entity/members/W1")
    missing = client.get("/api/v1/models/acme/dimensions/entity/members/NOPE")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"].replace("W1", "X") == missing.json()["error"]["message"].replace(
        "NOPE", "X"
    )


def _leaf_level(grants: dict[str, str], leaf: str) -> str:
    node: str | None = leaf
    while node is not None:
        if node in grants:
            return grants[node]
        node = PARENT.get(node)
    return "none"


def _readable(grants: dict[str, str], member: str) -> bool:
    leaves = [leaf for leaf in ENTITY_LEAVES if _is_under(leaf, member)]
    return all(_leaf_level(grants, leaf) in {"read", "write"} for leaf in leaves)


def _is_under(leaf: str, member: str) -> bool:
    node: str | None = leaf
    while node is not None:
        if node == member:
            return True
        node = PARENT.get(node)
    return False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grants=st.dictionaries(st.sampled_from(list(PARENT)), st.sampled_from(["none", "read", "write"]), max_size=4))
def test_authorization_matrix_nothing_hidden_is_shown_and_what_is_shown_is_whole(filled, grants):
    from django.db import transaction

    with transaction.atomic():
        planner = make_user("matrix", Role.PLANNER)
        for code, access in grants.items():
            grant(filled, planner, "entity", code, access)
        admin = make_user("matrix-admin", Role.ADMINISTRATOR)
        truth = entity_grid(filled, admin)
        truth_rows = {h[0]["code"]: v for h, v in zip(truth["rows"]["headers"], truth["values"], strict=True)}
        restricted = not grants
        expected = [code for code in truth_rows if restricted or _readable(grants, code)]
        try:
            view = entity_grid(filled, planner)
        except (InvalidQuery, UnknownObject):  # an empty selection, or a parent with nothing readable under it
            assert expected == []
        else:
            shown = [h[0]["code"] for h in view["rows"]["headers"]]
            assert shown == expected
            for code, values in zip(shown, view["values"], strict=True):
                assert values == truth_rows[code]
            for code, row in zip(shown, view["editable"], strict=True):
                leaf_writable = code in ENTITY_LEAVES and (restricted or _leaf_level(grants, code) == "write")
                assert row == [False, leaf_writable]
        for leaf in ENTITY_LEAVES:
            coordinate = {"account": "RENT", "entity": leaf, "time": "2026-01", "version": "budget"}
            may_write = restricted or _leaf_level(grants, leaf) == "write"
            try:
                with transaction.atomic():
                    cells_write(cube=filled, cells=[CellWrite(coordinate, 999.0)], user=planner)
                    transaction.set_rollback(True)
                assert may_write
            except (CellForbidden, InvalidCell) as error:
                assert not may_write
                if not (restricted or _leaf_level(grants, leaf) in {"read", "write"}):
                    assert "has no member" in error.message  # hidden: answered like a missing member
        transaction.set_rollback(True)


def test_administrators_manage_grants_through_the_api(filled):
    admin = Client()
    admin.force_login(make_user("ada", Role.ADMINISTRATOR))
    make_user("pia", Role.PLANNER)
    body = {"dimension": "entity", "member": "EAST", "user": "pia", "access": "write"}
    created = admin.post("/api/v1/models/acme/grants/", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["access"] == "write"
    again = admin.post("/api/v1/models/acme/grants/", {**body, "access": "read"}, content_type="application/json")
    assert again.json()["id"] == created.json()["id"]  # one grant per member and user, changed in place
    assert [g["access"] for g in admin.get("/api/v1/models/acme/grants/").json()] == ["read"]
    bad = admin.post("/api/v1/models/acme/grants/", {**body, "member": "MARS"}, content_type="application/json")
    assert bad.status_code == 404 and "MARS" in bad.json()["error"]["message"]
    planner = Client()
    planner.force_login(make_user("pat", Role.PLANNER))
    assert planner.get("/api/v1/models/acme/grants/").status_code == 403
    assert admin.delete(f"/api/v1/models/acme/grants/{created.json()['id']}").status_code == 204


def test_a_dimension_left_out_reads_as_the_top_of_what_the_reader_sees(filled):
    """A query that names no entity reads the whole company for an administrator, the reader's own region for a
    planner limited to it, and is refused (naming nothing hidden) for a reader of two separate subtrees."""
    query = GridQuery(
        rows=(Selection("account", members=("SALES",)),),
        columns=(Selection("version", members=("budget",)),),
        filters={"time": "2026-01"},
    )
    east = make_user("east", Role.PLANNER)
    grant(filled, east, "entity", "EAST", "write")
    everything = grid_read(cube=filled, query=query, user=None)
    mine = grid_read(cube=filled, query=query, user=east)
    assert everything["filters"]["entity"]["code"] == "WORLD" and everything["values"] == [[1.0 + 2.0 + 3.0]]
    assert mine["filters"]["entity"]["code"] == "EAST" and mine["values"] == [[1.0 + 2.0]]  # E1 + E2, not W1
    split = make_user("split", Role.PLANNER)
    grant(filled, split, "entity", "E1", "read")
    grant(filled, split, "entity", "W1", "read")
    with pytest.raises(InvalidQuery, match="Choose a member of 'entity'") as refused:
        grid_read(cube=filled, query=query, user=split)
    assert "WORLD" not in str(refused.value) and "E2" not in str(refused.value)
