"""Issue #7 "Must show": the authorization matrix over every read and write surface.

Generated users (hypothesis) × roles (planner, viewer, approver, modeller, administrator; held everywhere or only in
the model) × grants (none/read/write on regions and leaves of the entity dimension, optionally on accounts, given
to the user and/or to their groups) are checked surface by surface against `Oracle`: an independent computation,
in this file, of what the user may read and write, from the grants and the hierarchy alone (it never asks
opencorpo.accounts.access). The cube is the small model of tests/planning/conftest.py filled with distinctive
numbers (every W1 cell ends in .777), so that a leak is recognisable: `Clean` refuses any number that only a hidden
cell or a hidden total has, and any code or name of a hidden member that the user did not type themselves.

Surfaces: grid reads (values, totals, headers, children_of/leaves_of/descendants_of, members, filters, variance,
editable/reasons) and the result cache; cell writes, spreads, allocations; version diff and copy; explain; cell
history; the member API; exports and their jobs; imports; comments; the approval board; the error texts of all.

The tests at the end pin the leaks this matrix found (hidden parents named by the member API and the approval
board, ratios with hidden parts listed, hidden parents probed by selections, replace imports clearing cells of
others, import batches of others visible, template uploads revealing hidden cells, spreads, copies and
allocations writing read-only versions or accounts); each docstring names the function that leaked.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencorpo.accounts.models import ModelRole
from opencorpo.accounts.roles import Role
from opencorpo.core import metrics
from opencorpo.core.errors import Forbidden, UserError
from opencorpo.core.services import job_folder, job_run
from opencorpo.dataio.exports import template_submit
from opencorpo.dataio.imports import import_submit
from opencorpo.governance.approvals import approval_transition
from opencorpo.governance.comments import cell_key, comment_add, comment_counts, comments_list
from opencorpo.governance.selectors import approval_board
from opencorpo.planning.allocations import allocation_run
from opencorpo.planning.cells import CellForbidden, CellWrite, cells_write
from opencorpo.planning.errors import InvalidCell, InvalidQuery
from opencorpo.planning.explain import cell_explain
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.history import cell_history
from opencorpo.planning.models import Allocation, Member
from opencorpo.planning.spreading import cells_spread
from opencorpo.planning.versioning import Slice, version_copy, version_diff
from tests.accounts.test_access import grant
from tests.factories import make_user
from tests.planning.conftest import ACCOUNTS, ENTITIES

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------------- the model and data

PARENTS = {
    "entity": {row["code"]: row.get("parent") for row in ENTITIES},
    "account": {row["code"]: row.get("parent") for row in ACCOUNTS},
}
CODES = {dimension: list(parents) for dimension, parents in PARENTS.items()}
NAMES = {(d, row["code"]): row["name"] for d, rows in (("entity", ENTITIES), ("account", ACCOUNTS)) for row in rows}
RATIOS = {
    row["code"]: (row["ratio_numerator"], row["ratio_denominator"]) for row in ACCOUNTS if "ratio_numerator" in row
}
FILLED_ACCOUNTS = ("SALES", "DISC", "RENT", "WAGES", "HC")
ENTITY_LEAVES = ("E1", "E2", "W1")
MONTHS = ("2026-01", "2026-02")
VERSIONS = ("budget", "actual")
TIMES = (*MONTHS, "FY2026")
BASE = {"SALES": 5003, "DISC": 311, "RENT": 1217, "WAGES": 2129, "HC": 17}
# Cents no sum of another entity's cells can reach (a sum of k E1 cells ends in k × .11, never in .23 for k < 93),
# so a visible total never equals a hidden number by chance: with .22, 17.11 + 34.11 (E1) equalled 51.22 (E2).
ENDING = {"E1": 0.11, "E2": 0.23, "W1": 0.777}  # every W1 cell ends in .777
MISSING = "NOPE"
ROLES = (Role.PLANNER, Role.VIEWER, Role.APPROVER, Role.MODELLER, Role.ADMINISTRATOR)
LEVEL = {"none": 0, "read": 1, "write": 2}


def filled_value(account: str, entity: str, month: str, version: str) -> float:
    return BASE[account] * (1 + MONTHS.index(month)) * (1 if version == "budget" else 3) + ENDING[entity]


def cell(account: str, entity: str, time: str = "2026-01", version: str = "budget") -> dict[str, str]:
    return {"account": account, "entity": entity, "time": time, "version": version}


def is_under(dimension: str, member: str, top: str) -> bool:
    node: str | None = member
    while node is not None:
        if node == top:
            return True
        node = PARENTS[dimension][node]
    return False


def leaves_of(dimension: str, code: str) -> list[str]:
    parents = PARENTS[dimension]
    return [m for m in parents if m not in parents.values() and is_under(dimension, m, code)]


def is_leaf(dimension: str, code: str) -> bool:
    return dimension not in PARENTS or code not in PARENTS[dimension].values()


# ------------------------------------------------------------------------------------------- profiles and oracle


@dataclass(frozen=True)
class Profile:
    role: Role
    in_model: bool  # the role given in the model (ModelRole) rather than held everywhere
    own: dict[tuple[str, str], str]  # (dimension, member) → none/read/write, granted to the user
    groups: tuple[dict[tuple[str, str], str], ...] = ()  # the same, granted to each of the user's groups


class Oracle:
    """What the profile may read and write, computed from the documented rules (docs/security.md) only."""

    def __init__(self, profile: Profile) -> None:
        self.everything = profile.role in (Role.ADMINISTRATOR, Role.MODELLER)
        self.cap = 2 if profile.role in (Role.ADMINISTRATOR, Role.MODELLER, Role.PLANNER) else 1
        merged: dict[tuple[str, str], int] = {}
        for grants in profile.groups:  # among groups the most generous counts …
            for key, level in grants.items():
                merged[key] = max(merged.get(key, 0), LEVEL[level])
        merged.update({key: LEVEL[level] for key, level in profile.own.items()})  # … and the user's own wins
        self.granted: dict[str, dict[str, int]] = {}
        for (dimension, code), level in merged.items():
            self.granted.setdefault(dimension, {})[code] = level

    def _leaf_level(self, dimension: str, leaf: str) -> int:
        node: str | None = leaf
        while node is not None:  # the deepest grant above the leaf decides
            if node in self.granted[dimension]:
                return self.granted[dimension][node]
            node = PARENTS.get(dimension, {}).get(node)  # versions (and periods) here: flat
        return 0

    def level(self, dimension: str, code: str) -> int:
        if dimension in PARENTS and code not in PARENTS[dimension]:  # no such member
            return 0
        if self.everything:
            return 2
        if dimension not in self.granted:  # no grant in the dimension: open up to the role
            return self.cap
        leaves = leaves_of(dimension, code) if dimension in PARENTS else [code]
        return min(self.cap, min(self._leaf_level(dimension, leaf) for leaf in leaves))

    def readable(self, dimension: str, code: str) -> bool:
        if self.level(dimension, code) < 1:
            return False
        if dimension == "account" and code in RATIOS:  # a ratio only with both of its parts
            return all(self.level("account", part) >= 1 for part in RATIOS[code])
        return True

    def writable(self, dimension: str, code: str) -> bool:
        return self.level(dimension, code) >= 2

    def readable_cell(self, coordinate: dict[str, str]) -> bool:
        return all(self.readable(d, c) for d, c in coordinate.items())

    def writable_cell(self, coordinate: dict[str, str]) -> bool:
        """A cell takes input: every member a writable leaf, the account neither a ratio nor a formula."""
        return (
            self.readable_cell(coordinate)
            and all(self.writable(d, c) and is_leaf(d, c) for d, c in coordinate.items())
            and coordinate["account"] not in RATIOS
        )

    def reason(self, coordinate: dict[str, str]) -> str | None:
        """Why a readable grid cell is read-only (strongest first), None when it takes input."""
        if not all(self.writable(d, c) for d, c in coordinate.items()):
            return "no_access"
        if coordinate["account"] in RATIOS:
            return "calculated"
        if not all(is_leaf(d, c) for d, c in coordinate.items()):
            return "total"
        return None

    def hidden(self, dimension: str) -> list[str]:
        return [code for code in CODES[dimension] if not self.readable(dimension, code)]

    def first_readable(self, dimension: str, among: tuple[str, ...]) -> str | None:
        return next((code for code in among if self.readable(dimension, code)), None)


LEVELS = st.sampled_from(tuple(LEVEL))
ENTITY_KEYS = [("entity", code) for code in CODES["entity"]]
ACCOUNT_KEYS = [("account", code) for code in CODES["account"]]


@st.composite
def profiles(draw: Any, accounts: bool = True) -> Profile:
    keys = ENTITY_KEYS + (ACCOUNT_KEYS if accounts and draw(st.booleans()) else [])
    own = draw(st.dictionaries(st.sampled_from(keys), LEVELS, max_size=4))
    groups = draw(st.lists(st.dictionaries(st.sampled_from(keys), LEVELS, max_size=2), max_size=2))
    return Profile(draw(st.sampled_from(ROLES)), draw(st.booleans()), own, tuple(groups))


def person(cube: Any, profile: Profile, name: str = "matrix") -> Any:
    """The profile as a real user: role (global group or ModelRole), own grants, groups with their grants."""
    user = make_user(name, None if profile.in_model else profile.role)
    if profile.in_model:
        ModelRole.objects.create(model=cube.model, user=user, role=profile.role.value)
    for (dimension, code), level in profile.own.items():
        grant(cube, user, dimension, code, level)
    for index, grants in enumerate(profile.groups):
        team = Group.objects.create(name=f"{name}-team-{index}")
        user.groups.add(team)
        for (dimension, code), level in grants.items():
            grant(cube, team, dimension, code, level)
    return user


# Fixed profiles for the slower surfaces (jobs, files, the cache) and the regression tests.
EAST_PLANNER = Profile(Role.PLANNER, False, {("entity", "EAST"): "write"})
FIXED = {
    "planner-east": EAST_PLANNER,
    "viewer-leaves-via-own-and-group": Profile(
        Role.VIEWER, True, {("entity", "E1"): "read"}, ({("entity", "W1"): "read"},)
    ),
    "approver-own-none-beats-group": Profile(
        Role.APPROVER, False, {("entity", "WEST"): "none"}, ({("entity", "WORLD"): "write"}, {("entity", "E2"): "none"})
    ),
    "planner-east-costs-in-model": Profile(
        Role.PLANNER, True, {("entity", "EAST"): "write", ("account", "COST"): "write", ("account", "HC"): "read"}
    ),
    "planner-reads-west-writes-e2": Profile(
        Role.PLANNER, False, {("entity", "WEST"): "read", ("entity", "E2"): "write"}, ({("entity", "E1"): "read"},)
    ),
    "modeller-grants-ignored": Profile(Role.MODELLER, False, {("entity", "W1"): "none"}),
}

MATRIX = settings(max_examples=14, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def some(data: Any, items: list[Any], count: int) -> list[Any]:
    """A generated choice of `count` of the items (all of them when there are fewer)."""
    return data.draw(st.permutations(items))[:count] if items else []


# ------------------------------------------------------------------------------------------------------ helpers


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass
class Outcome:
    result: Any = None
    error: UserError | None = None
    facts: dict[tuple[str, str, str, str], float] = field(default_factory=dict)


def attempt(service: Callable[..., Any], *args: Any, watch: Any = None, **kwargs: Any) -> Outcome:
    """Call a service in a savepoint that is rolled back: its answer (and the facts of the cube `watch` after it)
    or the error it raised."""
    try:
        with transaction.atomic():
            result = service(*args, **kwargs)
            after = facts(watch) if watch is not None else {}
            transaction.set_rollback(True)
    except UserError as error:
        return Outcome(error=error)
    return Outcome(result=result, facts=after)


def facts(cube: Any) -> dict[tuple[str, str, str, str], float]:
    """Every stored cell: (account, entity, time, version) codes → value, straight from planning_fact."""
    slot = dict(cube.cube_dimensions.values_list("dimension__code", "slot"))
    code = dict(Member.objects.filter(dimension__model=cube.model).values_list("pk", "code"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {slot['account']}, {slot['entity']}, {slot['time']}, {slot['version']}, value "
            "FROM planning_fact WHERE cube_id = %s",
            [cube.pk],
        )
        return {(code[a], code[e], code[t], code[v]): value for a, e, t, v, value in cursor.fetchall()}


def changed_cells(before: dict[Any, float], after: dict[Any, float]) -> set[tuple[str, str, str, str]]:
    return {key for key in set(before) | set(after) if before.get(key) != after.get(key)}


def token(code: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(code)}(?![A-Za-z0-9_])")


def masked(text: str, codes: list[str]) -> str:
    for code in codes:
        text = token(code).sub(MISSING, text)
    return text


def assert_reads_as_missing(outcome: Outcome, twin: Outcome, hidden: list[str]) -> None:
    """Naming hidden members answers exactly like naming a member that does not exist."""
    assert outcome.error is not None, f"a request naming hidden {hidden} was answered: {outcome.result!r}"
    assert twin.error is not None, "the same request naming a missing member was answered"
    assert type(outcome.error) is type(twin.error), (outcome.error.message, twin.error.message)
    assert masked(outcome.error.message, hidden) == twin.error.message


def swap(code: str, hidden: list[str] | tuple[str, ...]) -> str:
    return MISSING if code in hidden else code


def swapped(coordinate: dict[str, str], hidden: list[str]) -> dict[str, str]:
    return {d: swap(c, hidden) for d, c in coordinate.items()}


def walk(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from walk(item)
    else:
        yield value


class Clean:
    """Refuses what the user may not see: a number only hidden cells or hidden totals have, a hidden member's code
    (as a word, anywhere in any text) or name (as a whole text), unless the user named that member themselves."""

    def __init__(self, world: Any, oracle: Oracle) -> None:
        allowed, hidden = set(), set()
        for (version, time, entity, account), value in world.truth.items():
            if value is not None:
                visible = oracle.readable_cell(cell(account, entity, time, version))
                (allowed if visible else hidden).add(round(value, 6))
        self.numbers = hidden - allowed
        self.codes = [c for d in ("entity", "account") for c in oracle.hidden(d)]
        self.names = {NAMES[(d, c)]: c for d in ("entity", "account") for c in oracle.hidden(d)}

    def __call__(self, answer: Any, named: tuple[str, ...] = ()) -> None:
        for value in walk(answer):
            if isinstance(value, float | int) and not isinstance(value, bool):
                assert round(value, 6) not in self.numbers, f"{value} is a hidden number: {answer!r}"
            elif isinstance(value, str):
                assert self.names.get(value, MISSING) in (*named, MISSING), f"hidden name {value!r}: {answer!r}"
                self.text(value, named, numbers=False)

    def text(self, text: str, named: tuple[str, ...] = (), numbers: bool = True) -> None:
        for code in self.codes:
            if code not in named:
                assert not token(code).search(text), f"hidden code {code!r} in {text!r}"
        for number in re.findall(r"-?\d+(?:\.\d+)?", text) if numbers else ():
            assert round(float(number), 6) not in self.numbers, f"{number} is a hidden number in {text!r}"


def codes_of(block: dict[str, Any]) -> list[str]:
    return [header[0]["code"] for header in block["headers"]]


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -------------------------------------------------------------------------------------------------------- world

COMMENTS = (
    (cell("RENT", "E1"), "rent of E1"),
    (cell("RENT", "W1"), "rent of W1"),
    (cell("SALES", "E2", version="actual"), "sales of E2"),
    (cell("NI", "WORLD", time="FY2026"), "company result"),
    (cell("COST", "EAST"), "costs of the east"),
    (cell("SALES", "WEST"), "sales of the west"),
    (cell("MARGIN", "E2"), "margin of E2"),
    (cell("HC", "W1", time="2026-02"), "heads of W1"),
)
TREE = GridQuery(
    rows=(Selection("entity", descendants_of="WORLD", include_parent="before"),),
    columns=(Selection("account", descendants_of="NI", include_parent="after"),),
    filters={"time": "2026-01", "version": "budget"},
    variance=("budget", "actual"),
)
SELECTIONS = [
    (dimension, kind, parent)
    for dimension, parents in (("entity", ("WORLD", "EAST", "WEST")), ("account", ("NI", "REV", "COST")))
    for kind in ("children_of", "leaves_of", "descendants_of")
    for parent in parents
]
OTHER = {"entity": ("account", ("RENT", "SALES", "DISC", "WAGES", "HC")), "account": ("entity", ENTITY_LEAVES)}


def one_cell_query(dimension: str, selection: dict[str, Any], other_member: str, **filters: str) -> GridQuery:
    """Members of `dimension` on rows, one member of the other of entity/account on columns."""
    return GridQuery(
        rows=(Selection(dimension, **selection),),
        columns=(Selection(OTHER[dimension][0], members=(other_member,)),),
        filters={"time": "2026-01", "version": "budget", **filters},
    )


def filter_query(dimension: str, code: str, other_member: str) -> GridQuery:
    """`code` of `dimension` as a filter."""
    return GridQuery(
        rows=(Selection(OTHER[dimension][0], members=(other_member,)),),
        columns=(Selection("version", members=("budget",)),),
        filters={"time": "2026-01", dimension: code},
    )


def fill(cube: Any) -> None:
    cells = [
        CellWrite(cell(a, e, m, v), filled_value(a, e, m, v))
        for a in FILLED_ACCOUNTS
        for e in ENTITY_LEAVES
        for m in MONTHS
        for v in VERSIONS
    ]
    cells_write(cube=cube, cells=cells, user=None)


def truth_of(cube: Any) -> dict[tuple[str, str, str, str], float | None]:
    """The system's view of every cell: (version, time, entity, account) → value, totals and ratios included."""
    truth = {}
    for version in VERSIONS:
        for time in TIMES:
            query = GridQuery(
                rows=(Selection("entity", members=tuple(CODES["entity"])),),
                columns=(Selection("account", members=tuple(CODES["account"])),),
                filters={"time": time, "version": version},
            )
            answer = grid_read(cube=cube, query=query)
            for r, entity in enumerate(CODES["entity"]):
                for c, account in enumerate(CODES["account"]):
                    truth[(version, time, entity, account)] = answer["values"][r][c]
    return truth


class World:
    """The filled cube and the system's view of it, each part computed when a test first needs it."""

    def __init__(self, cube: Any, admin: Any) -> None:
        self.cube, self.admin = cube, admin

    @cached_property
    def truth(self) -> dict[tuple[str, str, str, str], float | None]:
        return truth_of(self.cube)

    @cached_property
    def tree(self) -> dict[str, Any]:
        return grid_read(cube=self.cube, query=TREE)

    @cached_property
    def selections(self) -> dict[tuple[str, str, str], list[str]]:
        found = {}
        for dimension, kind, parent in SELECTIONS:
            query = one_cell_query(dimension, {kind: parent}, OTHER[dimension][1][0])
            found[(dimension, kind, parent)] = codes_of(grid_read(cube=self.cube, query=query)["rows"])
        return found

    @cached_property
    def board(self) -> dict[str, Any]:
        return approval_board(model=self.cube.model, version="budget", user=None)

    @cached_property
    def member_order(self) -> dict[str, list[str]]:
        client = client_of(self.admin)
        return {
            d: [m["code"] for m in client.get(f"/api/v1/models/acme/dimensions/{d}/members/").json()]
            for d in ("entity", "account")
        }


@pytest.fixture
def world(cube):
    """The cube filled with distinctive numbers and an administrator's comments."""
    fill(cube)
    admin = make_user("ada", Role.ADMINISTRATOR)
    for coordinate, text in COMMENTS:
        comment_add(cube, coordinate, text, admin)
    return World(cube, admin)


def truth_at(world: Any, dimension: str, code: str, other: str) -> float | None:
    entity, account = (code, other) if dimension == "entity" else (other, code)
    return world.truth[("budget", "2026-01", entity, account)]


# ---------------------------------------------------------------------------------------------------- grid reads


def check_tree(world: Any, user: Any, oracle: Oracle, clean: Clean) -> None:
    """Rows, columns, headers, values, totals, variance, editable and reasons of a tree-shaped grid."""
    truth = world.tree
    rows = [code for code in codes_of(truth["rows"]) if oracle.readable("entity", code)]
    columns = [code for code in codes_of(truth["columns"]) if oracle.readable("account", code)]
    outcome = attempt(grid_read, cube=world.cube, query=TREE, user=user)
    if not rows or not columns:  # nothing readable under WORLD (or NI): it reads exactly like a missing member
        parent, twin_query = (
            ("WORLD", replace(TREE, rows=(Selection("entity", descendants_of=MISSING, include_parent="before"),)))
            if not rows
            else ("NI", replace(TREE, columns=(Selection("account", descendants_of=MISSING, include_parent="after"),)))
        )
        assert_reads_as_missing(outcome, attempt(grid_read, cube=world.cube, query=twin_query, user=user), [parent])
        return
    assert outcome.error is None, outcome.error.message
    answer = outcome.result
    assert codes_of(answer["rows"]) == rows  # a total is shown only when every leaf under it is readable
    assert codes_of(answer["columns"]) == columns
    assert codes_of(answer["variance"]["rows"]) == rows and codes_of(answer["variance"]["columns"]) == columns
    assert answer["filters"] == truth["filters"]
    at_row = {code: i for i, code in enumerate(codes_of(truth["rows"]))}
    at_column = {code: j for j, code in enumerate(codes_of(truth["columns"]))}
    for j, column in enumerate(columns):
        assert answer["columns"]["headers"][j] == truth["columns"]["headers"][at_column[column]]
    for i, row in enumerate(rows):
        assert answer["rows"]["headers"][i] == truth["rows"]["headers"][at_row[row]]
        for j, column in enumerate(columns):
            ti, tj = at_row[row], at_column[column]
            assert answer["values"][i][j] == truth["values"][ti][tj]  # what is shown is the whole number
            for block in ("absolute", "percent", "favourable"):
                assert answer["variance"][block][i][j] == truth["variance"][block][ti][tj]
            reason = oracle.reason(cell(column, row))
            assert (answer["reasons"][i][j], answer["editable"][i][j]) == (reason, reason is None), (row, column)
            assert answer["row_versions"][i][j] == (truth["row_versions"][ti][tj] if reason is None else None)
    clean(answer)


def check_selections(world: Any, user: Any, oracle: Oracle, clean: Clean, picked: list[Any]) -> None:
    """children_of / leaves_of / descendants_of drop what the user cannot read; a selection left empty is refused."""
    for dimension, kind, parent in picked:
        other, candidates = OTHER[dimension]
        column = oracle.first_readable(other, candidates)
        if column is None:
            continue
        expected = [code for code in world.selections[(dimension, kind, parent)] if oracle.readable(dimension, code)]
        query = one_cell_query(dimension, {kind: parent}, column)
        outcome = attempt(grid_read, cube=world.cube, query=query, user=user)
        if not expected and any(
            oracle.readable(dimension, m) for m in CODES[dimension] if is_under(dimension, m, parent)
        ):
            assert isinstance(outcome.error, InvalidQuery), outcome.result  # a partly readable parent: none to show
            clean.text(outcome.error.message, named=(parent,))
            continue
        if not expected:  # nothing readable under the parent: it reads exactly like a missing member
            twin = attempt(
                grid_read, cube=world.cube, query=one_cell_query(dimension, {kind: MISSING}, column), user=user
            )
            assert_reads_as_missing(outcome, twin, [parent])
            continue
        assert outcome.error is None, outcome.error.message
        assert codes_of(outcome.result["rows"]) == expected
        assert [row[0] for row in outcome.result["values"]] == [truth_at(world, dimension, c, column) for c in expected]
        clean(outcome.result, named=(parent,))


def check_members_and_filters(world: Any, user: Any, oracle: Oracle, clean: Clean, data: Any) -> None:
    """Members named in a selection or a filter: readable ones answer with the whole number, hidden ones exactly
    like members that do not exist."""

    def read(query: GridQuery) -> Outcome:
        return attempt(grid_read, cube=world.cube, query=query, user=user)

    for dimension in ("entity", "account"):
        column = oracle.first_readable(*OTHER[dimension])
        if column is None:
            continue
        readable = [code for code in CODES[dimension] if oracle.readable(dimension, code)]
        if readable:
            query = one_cell_query(dimension, {"members": tuple(readable)}, column)
            answer = grid_read(cube=world.cube, query=query, user=user)
            assert [row[0] for row in answer["values"]] == [truth_at(world, dimension, c, column) for c in readable]
            clean(answer)
        for code in some(data, readable, 2):
            answer = grid_read(cube=world.cube, query=filter_query(dimension, code, column), user=user)
            assert answer["values"] == [[truth_at(world, dimension, code, column)]]
            clean(answer, named=(code,))
        hidden = oracle.hidden(dimension)
        if not hidden:
            continue
        twin = read(one_cell_query(dimension, {"members": (MISSING,)}, column))
        twin_filter = read(filter_query(dimension, MISSING, column))
        for code in some(data, hidden, 3):
            assert_reads_as_missing(read(one_cell_query(dimension, {"members": (code,)}, column)), twin, [code])
            assert_reads_as_missing(read(filter_query(dimension, code, column)), twin_filter, [code])


@MATRIX
@given(profile=profiles(), data=st.data())
def test_grid_reads_show_exactly_the_readable_members_with_whole_numbers(world, profile, data):
    with rolled_back():
        user, oracle = person(world.cube, profile), Oracle(profile)
        clean = Clean(world, oracle)
        check_tree(world, user, oracle, clean)
        check_selections(world, user, oracle, clean, some(data, SELECTIONS, 5))
        check_members_and_filters(world, user, oracle, clean, data)


# ------------------------------------------------------------------------------------------ cell writes, spreads

WRITES = [(a, e) for a in ("SALES", "RENT", "HC", "MARGIN", "COST") for e in ("E1", "E2", "W1", "EAST")]
SPREADS = [(a, e) for a in ("RENT", "COST") for e in CODES["entity"]]


def check_cell_writes(world: Any, user: Any, oracle: Oracle, clean: Clean, picked: list[tuple[str, str]]) -> None:
    before = facts(world.cube)
    for account, entity in picked:
        coordinate = cell(account, entity)
        hidden = [c for d, c in coordinate.items() if not oracle.readable(d, c)]
        outcome = attempt(
            cells_write, cube=world.cube, cells=[CellWrite(coordinate, 4242.5)], user=user, watch=world.cube
        )
        if hidden:
            twin = attempt(
                cells_write, cube=world.cube, cells=[CellWrite(swapped(coordinate, hidden), 4242.5)], user=user
            )
            assert_reads_as_missing(outcome, twin, hidden)
        elif oracle.writable_cell(coordinate):
            assert outcome.error is None, outcome.error.message
            assert changed_cells(before, outcome.facts) == {(account, entity, "2026-01", "budget")}
        elif account in RATIOS or not is_leaf("account", account) or not is_leaf("entity", entity):
            assert isinstance(outcome.error, InvalidCell), outcome.result
        else:
            assert isinstance(outcome.error, CellForbidden) and outcome.error.status_code == 403, outcome
        if outcome.error is not None:
            clean.text(outcome.error.message, named=tuple(coordinate.values()))
    # a batch is all or nothing: one cell the user may not write refuses the whole batch
    batch = [CellWrite(cell(a, e), 77.5) for a in ("SALES", "RENT") for e in ENTITY_LEAVES]
    outcome = attempt(cells_write, cube=world.cube, cells=batch, user=user, watch=world.cube)
    if all(oracle.writable_cell(w.coordinate) for w in batch):
        assert len(changed_cells(before, outcome.facts)) == len(batch)
    else:
        assert outcome.error is not None and outcome.facts == {}


def check_spreads(world: Any, user: Any, oracle: Oracle, clean: Clean, picked: list[tuple[str, str]]) -> None:
    before = facts(world.cube)
    for account, entity in picked:
        coordinate = cell(account, entity)
        hidden = [c for d, c in coordinate.items() if not oracle.readable(d, c)]
        outcome = attempt(
            cells_spread, cube=world.cube, coordinate=coordinate, value=9876.5, user=user, watch=world.cube
        )
        targets = {
            (a, e, "2026-01", "budget") for a in leaves_of("account", account) for e in leaves_of("entity", entity)
        }
        if hidden:
            twin = attempt(
                cells_spread, cube=world.cube, coordinate=swapped(coordinate, hidden), value=9876.5, user=user
            )
            assert_reads_as_missing(outcome, twin, hidden)
        elif all(oracle.writable_cell(cell(a, e)) for a, e, _, _ in targets):
            assert outcome.error is None, outcome.error.message
            assert changed_cells(before, outcome.facts) <= targets  # nothing outside the total moves
            assert sum(outcome.facts.get(t, 0.0) for t in targets) == pytest.approx(9876.5)
        else:  # a target cell the user may not write: the spread is refused (403), never partly done
            assert isinstance(outcome.error, CellForbidden) and outcome.error.status_code == 403, outcome
        if outcome.error is not None:
            clean.text(outcome.error.message, named=tuple(coordinate.values()))


@MATRIX
@given(profile=profiles(), data=st.data())
def test_cell_writes_and_spreads_change_only_writable_cells(world, profile, data):
    with rolled_back():
        user, oracle = person(world.cube, profile), Oracle(profile)
        clean = Clean(world, oracle)
        check_cell_writes(world, user, oracle, clean, some(data, WRITES, 8))
        check_spreads(world, user, oracle, clean, some(data, SPREADS, 5))


# -------------------------------------------------------------------------------------------------- allocations

ALLOCATIONS = {
    "east": [{"source": "E1", "targets": ["E2"]}],
    "across": [{"source": "E1", "targets": ["E2", "WEST"]}],
    "from-west": [{"source": "W1", "targets": ["EAST"]}],
}


ACCOUNT_ROLES = {"pool": "RENT", "driver": "HC", "received": "WAGES", "charged": "DISC"}


def allocation(cube: Any, code: str, steps: list[dict[str, Any]], hidden: tuple[str, ...] = ()) -> Allocation:
    """A rule moving RENT by HC into WAGES (received) and DISC (charged); with `hidden`, its twin naming a missing
    member wherever the rule names one of those."""
    accounts = {key: swap(account, hidden) for key, account in ACCOUNT_ROLES.items()}
    steps = [{"source": swap(s["source"], hidden), "targets": [swap(t, hidden) for t in s["targets"]]} for s in steps]
    definition = {"dimension": "entity", **accounts, "pool": [accounts["pool"]], "steps": steps}
    return Allocation.objects.create(model=cube.model, cube=cube, code=code, name=code, definition=definition)


def run_allocation(rule: Allocation, user: Any) -> Any:
    return allocation_run(allocation=rule, version="budget", periods=["2026-01"], user=user)


@MATRIX
@given(profile=profiles())
def test_allocations_write_only_where_the_user_may_write_every_member(world, profile):
    with rolled_back():
        user, oracle = person(world.cube, profile), Oracle(profile)
        clean = Clean(world, oracle)
        before = facts(world.cube)
        for code, steps in ALLOCATIONS.items():
            named = [m for step in steps for m in (step["source"], *step["targets"])]
            hidden = [m for m in named if not oracle.readable("entity", m)]
            hidden += [a for a in ACCOUNT_ROLES.values() if not oracle.readable("account", a)]
            outcome = attempt(run_allocation, allocation(world.cube, code, steps), user, watch=world.cube)
            along = {leaf for m in named for leaf in leaves_of("entity", m)}
            writes = [("entity", m) for m in along] + [("account", "WAGES"), ("account", "DISC")]
            if hidden:
                twin = attempt(run_allocation, allocation(world.cube, f"{code}-twin", steps, tuple(hidden)), user)
                assert_reads_as_missing(outcome, twin, hidden)
            elif all(oracle.writable(d, m) for d, m in [*writes, ("version", "budget")]):
                assert outcome.error is None, outcome.error.message
                written = changed_cells(before, outcome.facts)
                assert written and all(oracle.writable_cell(cell(a, e, t, v)) for a, e, t, v in written)
                assert {e for _, e, _, _ in written} <= along
                clean(outcome.result)
            else:  # a member it would write is read-only: refused, nothing written
                assert isinstance(outcome.error, CellForbidden), outcome.result
            if outcome.error is not None:
                clean.text(outcome.error.message, named=(*named, *ACCOUNT_ROLES.values()))


# ------------------------------------------------------------------------- version diff and copy, explain, history


def check_diff(world: Any, user: Any, oracle: Oracle, clean: Clean) -> None:
    answer = version_diff(cube=world.cube, version="budget", reference="actual", user=user)
    expected = {
        (a, e, m)
        for a in FILLED_ACCOUNTS
        for e in ENTITY_LEAVES
        for m in MONTHS
        if oracle.readable("account", a) and oracle.readable("entity", e)
    }
    listed = {(c["coordinate"]["account"], c["coordinate"]["entity"], c["coordinate"]["time"]) for c in answer["cells"]}
    assert listed == expected and answer["count"] == len(expected)  # only readable cells are listed …
    for item in answer["cells"]:
        a, e, m = item["coordinate"]["account"], item["coordinate"]["entity"], item["coordinate"]["time"]
        assert (item["before"], item["after"]) == (filled_value(a, e, m, "actual"), filled_value(a, e, m, "budget"))
    # … and the totals are over them only
    assert answer["total_before"] == pytest.approx(sum(filled_value(a, e, m, "actual") for a, e, m in expected))
    assert answer["total_after"] == pytest.approx(sum(filled_value(a, e, m, "budget") for a, e, m in expected))
    clean(answer)

    def diff_of(code: str) -> Outcome:
        return attempt(
            version_diff,
            cube=world.cube,
            version="budget",
            reference="actual",
            user=user,
            where=Slice({"entity": [code]}),
        )

    twin = diff_of(MISSING)
    for code in CODES["entity"]:
        outcome = diff_of(code)
        if oracle.readable("entity", code):
            assert {c["coordinate"]["entity"] for c in outcome.result["cells"]} <= set(leaves_of("entity", code))
        else:
            assert_reads_as_missing(outcome, twin, [code])


def check_copy(world: Any, user: Any, oracle: Oracle) -> None:
    before = facts(world.cube)
    outcome = attempt(
        version_copy, model=world.cube.model, source="actual", target="forecast", user=user, watch=world.cube
    )
    if not oracle.everything:  # copying is for administrators and modellers (tests/accounts/test_version_roles.py)
        assert isinstance(outcome.error, Forbidden) and facts(world.cube) == before, outcome.result
        assert "modeller role" in outcome.error.message
        return
    if not oracle.writable("version", "forecast"):  # a version one may only read is refused whole
        assert isinstance(outcome.error, CellForbidden) and facts(world.cube) == before, outcome.result
        return
    assert outcome.error is None, outcome.error.message
    copied = {key: value for key, value in outcome.facts.items() if key[3] == "forecast"}
    assert copied == {  # exactly the cells the user may read in the source and write in the target
        (a, e, m, "forecast"): filled_value(a, e, m, "actual")
        for a in FILLED_ACCOUNTS
        for e in ENTITY_LEAVES
        for m in MONTHS
        if oracle.readable_cell(cell(a, e, m, "actual")) and oracle.writable_cell(cell(a, e, m, "forecast"))
    }
    assert {k: v for k, v in outcome.facts.items() if k[3] != "forecast"} == before


EXPLAINED = [(a, e) for a in ("RENT", "COST", "NI", "MARGIN") for e in ("E1", "EAST", "WORLD", "W1")]


def check_explain(world: Any, user: Any, oracle: Oracle, clean: Clean, picked: list[tuple[str, str]]) -> None:
    for account, entity in picked:
        coordinate = cell(account, entity)
        hidden = [c for d, c in coordinate.items() if not oracle.readable(d, c)]
        outcome = attempt(cell_explain, cube=world.cube, coordinate=coordinate, user=user)
        if hidden:
            twin = attempt(cell_explain, cube=world.cube, coordinate=swapped(coordinate, hidden), user=user)
            assert_reads_as_missing(outcome, twin, hidden)
            continue
        assert outcome.error is None, outcome.error.message
        answer = outcome.result
        assert answer["value"] == world.truth[("budget", "2026-01", entity, account)]
        for block in answer["children"]:
            children = [c for c, p in PARENTS[block["dimension"]].items() if p == block["member"]]
            assert [item["code"] for item in block["items"]] == children  # a readable total: all its children
            for item in block["items"]:
                at = {"entity": entity, "account": account, block["dimension"]: item["code"]}
                assert item["value"] == world.truth[("budget", "2026-01", at["entity"], at["account"])]
        for part in answer.get("ratio", {}).values() if account in RATIOS else ():
            if isinstance(part, dict):
                assert part["value"] == world.truth[("budget", "2026-01", entity, part["account"])]
        if "changes" in answer:
            assert answer["changes"] == cell_history(cube=world.cube, coordinate=coordinate, user=None, limit=20)
        clean(answer, named=tuple(coordinate.values()))


def check_history(world: Any, user: Any, oracle: Oracle, clean: Clean) -> None:
    for account, entity in [(a, e) for a in ("RENT", "HC") for e in ENTITY_LEAVES]:
        coordinate = cell(account, entity)
        hidden = [c for d, c in coordinate.items() if not oracle.readable(d, c)]
        outcome = attempt(cell_history, cube=world.cube, coordinate=coordinate, user=user)
        if hidden:
            twin = attempt(cell_history, cube=world.cube, coordinate=swapped(coordinate, hidden), user=user)
            assert_reads_as_missing(outcome, twin, hidden)
        else:
            changes = [change["new_value"] for change in outcome.result]
            assert changes == [filled_value(account, entity, "2026-01", "budget")]
            clean(outcome.result, named=tuple(coordinate.values()))


@MATRIX
@given(profile=profiles(), picks=st.lists(st.sampled_from(EXPLAINED), min_size=2, max_size=3, unique=True))
def test_version_diff_copy_explain_and_history_see_only_readable_cells(world, profile, picks):
    with rolled_back():
        user, oracle = person(world.cube, profile), Oracle(profile)
        clean = Clean(world, oracle)
        check_diff(world, user, oracle, clean)
        check_copy(world, user, oracle)
        check_explain(world, user, oracle, clean, picks)
        check_history(world, user, oracle, clean)


# ------------------------------------------------------------------ member API, comments, approvals, error texts


def check_member_api(world: Any, user: Any, oracle: Oracle, clean: Clean, data: Any) -> None:
    client = client_of(user)
    for dimension in ("entity", "account"):
        base = f"/api/v1/models/acme/dimensions/{dimension}/members/"
        listed = client.get(base).json()
        expected = [code for code in world.member_order[dimension] if oracle.readable(dimension, code)]
        assert [m["code"] for m in listed] == expected  # ratios included: listed only with both parts readable
        for member in listed:  # a parent is named only when the user may read it
            parent = PARENTS[dimension][member["code"]]
            assert member["parent"] == (parent if parent and oracle.readable(dimension, parent) else None)
        clean(listed)
        for code in some(data, expected, 1):
            assert client.get(base + code).json()["code"] == code
        hidden = oracle.hidden(dimension)
        missing = client.get(base + MISSING)
        assert missing.status_code == 404
        for code in some(data, hidden, 2):
            response = client.get(base + code)
            assert response.status_code == 404  # the same 404 as for a member that does not exist
            assert masked(response.json()["error"]["message"], [code]) == missing.json()["error"]["message"]


def check_comments(world: Any, user: Any, oracle: Oracle, clean: Clean, data: Any) -> None:
    cube = world.cube
    visible = [text for coordinate, text in COMMENTS if oracle.readable_cell(coordinate)]
    everything = comments_list(cube, user)
    assert [c["text"] for c in everything] == visible  # never listed …
    clean(everything)
    ids = {m.code: m.pk for m in Member.objects.filter(dimension__model=cube.model)}
    cells = [{d: ids[c] for d, c in coordinate.items()} for coordinate, _ in COMMENTS]
    assert comment_counts(cube, user, cells) == {  # … never counted …
        cell_key(members): 1
        for members, (coordinate, _) in zip(cells, COMMENTS, strict=True)
        if oracle.readable_cell(coordinate)
    }
    twin = attempt(comments_list, cube, user, {"entity": MISSING})
    twin_add = attempt(comment_add, cube, cell("RENT", MISSING), "hello", user)
    for code in some(data, CODES["entity"], 3):
        listed = attempt(comments_list, cube, user, {"entity": code})
        added = attempt(comment_add, cube, cell("RENT", code), "hello", user)
        if oracle.readable("entity", code):
            assert [c["text"] for c in listed.result] == [
                text for coordinate, text in COMMENTS if coordinate["entity"] == code and text in visible
            ]
            assert (added.error is None) == oracle.readable("account", "RENT")  # reading is enough to comment
        else:  # … never reachable
            assert_reads_as_missing(listed, twin, [code])
            if oracle.readable("account", "RENT"):
                assert_reads_as_missing(added, twin_add, [code])


def check_approvals(world: Any, user: Any, oracle: Oracle, clean: Clean) -> None:
    board = approval_board(model=world.cube.model, version="budget", user=user)
    order = [unit["entity"] for unit in world.board["units"]]
    assert [unit["entity"] for unit in board["units"]] == [c for c in order if oracle.readable("entity", c)]
    for unit in board["units"]:  # a parent is named only when the user may read it
        parent = PARENTS["entity"][unit["entity"]]
        assert unit["parent"] == (parent if parent and oracle.readable("entity", parent) else None)
    clean(board)

    def submit(code: str) -> Outcome:
        return attempt(
            approval_transition, model=world.cube.model, version="budget", entity=code, action="submit", user=user
        )

    twin = submit(MISSING)
    for code in oracle.hidden("entity"):
        assert_reads_as_missing(submit(code), twin, [code])


@MATRIX
@given(profile=profiles(), data=st.data())
def test_member_api_comments_and_approval_board_hide_what_the_user_cannot_read(world, profile, data):
    with rolled_back():
        user, oracle = person(world.cube, profile), Oracle(profile)
        clean = Clean(world, oracle)
        check_member_api(world, user, oracle, clean, data)
        check_comments(world, user, oracle, clean, data)
        check_approvals(world, user, oracle, clean)


# -------------------------------------------------------------------------------------------- exports and jobs

EXPORT_QUERY = {
    "rows": [{"dimension": "entity", "descendants_of": "WORLD", "include_parent": "before"}],
    "columns": [{"dimension": "account", "descendants_of": "NI", "include_parent": "after"}],
    "filters": {"time": "2026-01", "version": "budget"},
}
EXPORTS = "/api/v1/models/acme/cubes/pl/exports/"


def workbook_values(path: Any) -> list[Any]:
    """Every cell value of every sheet (formulas as their text, and their cached results)."""
    found = []
    for data_only in (False, True):
        book = openpyxl.load_workbook(path, data_only=data_only)
        found += [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    return found


@pytest.mark.parametrize("name", list(FIXED))
def test_exports_contain_nothing_hidden_and_their_jobs_only_their_creator_and_administrators_see(world, name):
    profile = FIXED[name]
    user, oracle = person(world.cube, profile, name), Oracle(profile)
    clean = Clean(world, oracle)
    rows = [c for c in codes_of(world.tree["rows"]) if oracle.readable("entity", c)]
    columns = [c for c in codes_of(world.tree["columns"]) if oracle.readable("account", c)]
    owner, stranger, admin = client_of(user), client_of(make_user("olga", Role.PLANNER)), client_of(world.admin)
    for kind in ("csv", "xlsx", "template"):
        response = owner.post(EXPORTS, {"query": EXPORT_QUERY, "format": kind}, content_type="application/json")
        assert response.status_code == 202, response.content
        job = job_run(response.json()["id"])
        assert job.status == "succeeded", job.error
        path = job_folder(job.pk) / job.result["files"][0]
        if kind == "csv":
            text = path.read_text(encoding="utf-8")
            clean.text(text)
            table = list(csv.reader(io.StringIO(text)))
            assert table[0] == ["entity", *columns]
            assert [line[0].split(" ")[0] for line in table[1:]] == rows
            for line in table[1:]:
                entity = line[0].split(" ")[0]
                expected = [world.truth[("budget", "2026-01", entity, a)] for a in columns]
                assert [float(v) if v else None for v in line[1:]] == pytest.approx(expected)
        else:
            for value in workbook_values(path):
                if isinstance(value, str) and value.startswith("="):
                    continue  # a live formula: cell references such as E1 are not member codes
                clean([value, *json_texts(value)] if isinstance(value, str) else value)
        # the job and its file: its creator and administrators see them; anyone else gets "no such job"
        job_url, file_url = f"/api/v1/jobs/{job.pk}", f"/api/v1/jobs/{job.pk}/files/{job.result['files'][0]}"
        assert owner.get(job_url).status_code == admin.get(job_url).status_code == 200
        assert owner.get(file_url).status_code == 200
        other, nobody = stranger.get(job_url), stranger.get(f"/api/v1/jobs/{uuid.uuid4()}")
        assert other.status_code == nobody.status_code == 404
        assert other.json()["error"]["message"].replace(str(job.pk), "X") == re.sub(
            r"[0-9a-f-]{36}", "X", nobody.json()["error"]["message"]
        )
        assert stranger.get(file_url).status_code == 404


def json_texts(value: str) -> list[str]:
    """The strings inside a JSON text (the template's cell stamps name their coordinates)."""
    try:
        return [v for v in walk(json.loads(value)) if isinstance(v, str)]
    except ValueError:
        return []


# ------------------------------------------------------------------------------------------------------ imports

MAPPING = {
    "columns": {
        "Account": {"dimension": "account"},
        "Entity": {"dimension": "entity"},
        "Month": {"dimension": "time"},
        "Amount": {"value": True},
    },
    "fixed": {"version": "budget"},
}


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["Account", "Entity", "Month", "Amount"], *rows])
    return out.getvalue().encode()


def run_import(cube: Any, user: Any, rows: list[list[str]], **options: Any) -> Any:
    batch = import_submit(
        cube=cube, user=user, upload=io.BytesIO(csv_bytes(rows)), filename="facts.csv", mapping=MAPPING, **options
    )
    return job_run(str(batch.job_id))


def import_expectation(oracle: Oracle, dimension: str, code: str) -> str | None:
    """The part of a bad row's reason that the rules imply (None: the member is fine)."""
    if code == MISSING or not oracle.readable(dimension, code):
        return "no member"
    if not is_leaf(dimension, code):
        return "is a total"
    if dimension == "account" and code in RATIOS:
        return "is calculated"
    if not oracle.writable(dimension, code):
        return "you may not change"
    return None


@pytest.mark.parametrize("name", list(FIXED))
def test_imports_report_hidden_members_like_unknown_ones_and_write_nothing_they_may_not(world, name):
    profile = FIXED[name]
    user, oracle = person(world.cube, profile, name), Oracle(profile)
    clean = Clean(world, oracle)
    leaf = oracle.first_readable("entity", ENTITY_LEAVES) or "E1"
    rows = [["RENT", code, "2026-01", "11.5"] for code in [*CODES["entity"], MISSING]]
    rows += [[code, leaf, "2026-02", "12.5"] for code in [*CODES["account"], MISSING]]
    before = facts(world.cube)
    job = run_import(world.cube, user, rows)
    assert job.status == "failed" and facts(world.cube) == before  # nothing is written
    if not oracle.writable("version", "budget"):  # a viewer or approver: the fixed version is refused
        assert "may write" in job.error and not (job.result or {}).get("errors"), job.result
        clean.text(job.error)
        return
    with (job_folder(job.pk) / "errors.csv").open(encoding="utf-8") as report:
        reasons = {(int(r["line"]), r["column"]): r["reason"] for r in csv.DictReader(report)}
    missing = {"Entity": reasons[(2 + len(CODES["entity"]), "Entity")], "Account": reasons[(len(rows) + 1, "Account")]}
    for line, (account, entity, _, _) in enumerate(rows, start=2):
        for column, dimension, code in (("Account", "account", account), ("Entity", "entity", entity)):
            expected = import_expectation(oracle, dimension, code)
            if expected is None:
                assert (line, column) not in reasons, reasons[(line, column)]
            elif expected == "no member":  # exactly the reason an unknown member gets
                assert masked(reasons[(line, column)], [code]) == missing[column]
            else:
                assert expected in reasons[(line, column)], (code, reasons[(line, column)])
    clean(job.result, named=(*CODES["entity"], *CODES["account"]))  # only what the user typed, nothing stored
    # the rows the user may write go in, and nothing else moves
    writable = [r for r in rows if oracle.writable_cell(cell(r[0], r[1], r[2]))]
    if writable:
        job = run_import(world.cube, user, writable)
        assert job.status == "succeeded", (job.error, job.result["errors"])
        assert changed_cells(before, facts(world.cube)) == {(r[0], r[1], r[2], "budget") for r in writable}
        # replacing a month clears only cells the user may write, in the file's version
        before = facts(world.cube)
        job = run_import(world.cube, user, writable[:1], mode="replace", slice_={"time": [writable[0][2]]})
        assert job.status == "succeeded", job.error
        for key in changed_cells(before, facts(world.cube)):
            assert key[3] == "budget" and oracle.writable_cell(cell(*key)), key


# ------------------------------------------------------------------------------------------------------- cache


@pytest.mark.django_db(transaction=True)  # committed reads are the ones the cache keeps
def test_the_result_cache_never_serves_one_scope_the_answer_of_another(cube):
    fill(cube)
    admin = make_user("ada", Role.ADMINISTRATOR)
    people = [(admin, Oracle(Profile(Role.ADMINISTRATOR, False, {})))]
    people += [(person(cube, profile, name), Oracle(profile)) for name, profile in FIXED.items()]

    def hits() -> float:
        return metrics.CACHE_REQUESTS.labels("hit")._value.get()

    def check(order: list[Any]) -> None:
        reference = grid_read(cube=cube, query=TREE, user=None, path="database")
        for user, oracle in order:
            answer = grid_read(cube=cube, query=TREE, user=user)
            rows = [c for c in codes_of(reference["rows"]) if oracle.readable("entity", c)]
            columns = [c for c in codes_of(reference["columns"]) if oracle.readable("account", c)]
            assert (codes_of(answer["rows"]), codes_of(answer["columns"])) == (rows, columns), user.username
            at_row = {c: i for i, c in enumerate(codes_of(reference["rows"]))}
            at_column = {c: j for j, c in enumerate(codes_of(reference["columns"]))}
            for i, r in enumerate(rows):
                assert answer["values"][i] == [reference["values"][at_row[r]][at_column[c]] for c in columns]
                assert answer["editable"][i] == [oracle.reason(cell(c, r)) is None for c in columns]

    check(people)  # the administrator first: nobody after gets the administrator's answer
    before = hits()
    check(list(reversed(people)))  # now every answer comes from the cache, each scope its own
    assert hits() - before >= len(people)
    cells_write(cube=cube, cells=[CellWrite(cell("RENT", "W1"), 31.777)], user=None)  # a new data version …
    check(list(reversed(people)))  # … restricted users first this time, the administrator last
    check(people)
    planner = next(user for user, _ in people if user.username == "planner-east")
    grant(cube, planner, "entity", "WEST", "read")  # a changed grant is a new scope: never the old answer
    check([(planner, Oracle(Profile(Role.PLANNER, False, {("entity", "EAST"): "write", ("entity", "WEST"): "read"})))])


# ----------------------------------------- regressions: the leaks the matrix found (fixed in dc1ebb2 and after)


def planner_east(cube: Any) -> tuple[Any, Oracle, Client]:
    user = person(cube, EAST_PLANNER, "pia")
    return user, Oracle(EAST_PLANNER), client_of(user)


def test_the_member_api_never_names_a_hidden_parent(world):
    """planning/views.py MemberListView/MemberDetailView serialised `parent` even when hidden ('parent': 'WORLD')."""
    _, oracle, client = planner_east(world.cube)
    clean = Clean(world, oracle)
    clean(client.get("/api/v1/models/acme/dimensions/entity/members/").json())
    clean(client.get("/api/v1/models/acme/dimensions/entity/members/EAST").json(), named=("EAST",))


def test_the_member_api_hides_a_ratio_whose_parts_are_hidden(world):
    """planning/views.py readable_members() asked scope.can_read only: a ratio with a hidden part was listed."""
    profile = Profile(Role.VIEWER, False, {("account", "REV"): "read", ("account", "MARGIN"): "read"})
    user, oracle = person(world.cube, profile, "rita"), Oracle(profile)
    client = client_of(user)
    listed = client.get("/api/v1/models/acme/dimensions/account/members/").json()
    assert [m["code"] for m in listed] == [c for c in world.member_order["account"] if oracle.readable("account", c)]
    hidden, missing = (client.get(f"/api/v1/models/acme/dimensions/account/members/{c}") for c in ("MARGIN", MISSING))
    assert hidden.status_code == missing.status_code == 404


def test_naming_a_fully_hidden_parent_in_a_selection_reads_like_a_missing_member(world):
    """planning/grid.py _resolve(): children_of/leaves_of/descendants_of a wholly hidden parent answered 400 'names no
    members you can see' where a missing one gets 404 'has no member', so hidden codes could be probed."""
    user, _, _ = planner_east(world.cube)
    for kind in ("children_of", "leaves_of", "descendants_of"):
        hidden = attempt(grid_read, cube=world.cube, query=one_cell_query("entity", {kind: "WEST"}, "RENT"), user=user)
        twin = attempt(grid_read, cube=world.cube, query=one_cell_query("entity", {kind: MISSING}, "RENT"), user=user)
        assert_reads_as_missing(hidden, twin, ["WEST"])


def test_the_approval_board_never_names_a_hidden_parent(world):
    """governance/selectors.py approval_board() gave each unit's `parent` code even when hidden ('WORLD')."""
    user, oracle, _ = planner_east(world.cube)
    Clean(world, oracle)(approval_board(model=world.cube.model, version="budget", user=user))


def test_a_replace_import_never_clears_cells_the_user_may_not_write(world):
    """dataio/imports.py _clear_slice() deleted the slice's cells in every dimension the slice did not name, whatever
    the grants and in every version: an EAST planner replacing 2026-01 wiped W1 (and all of 'actual')."""
    user, oracle, _ = planner_east(world.cube)
    before = facts(world.cube)
    job = run_import(world.cube, user, [["RENT", "E1", "2026-01", "5"]], mode="replace", slice_={"time": ["2026-01"]})
    assert job.status == "succeeded", job.error
    for account, entity, time, version in changed_cells(before, facts(world.cube)):
        assert oracle.writable_cell(cell(account, entity, time, version)), (account, entity, time, version)


def test_import_batches_of_others_show_nothing_hidden(world):
    """dataio/views.py ImportListView/ImportDetailView showed every batch of the cube (job result, control totals,
    errors) to any planner: an EAST planner read the W1 totals of an administrator's import."""
    _, oracle, client = planner_east(world.cube)
    rows = [["RENT", "W1", "2026-01", "4321.777"], ["RENT", MISSING, "2026-01", "1"]]
    admin_job = run_import(world.cube, world.admin, rows, skip_bad_rows=True)
    clean = Clean(world, oracle)
    clean.numbers.add(4321.777)  # the administrator's W1 number
    clean(client.get("/api/v1/models/acme/cubes/pl/imports/").json())
    batch = admin_job.result["batch"]
    hidden, missing = (client.get(f"/api/v1/models/acme/imports/{b}") for b in (batch, uuid.uuid4()))
    assert hidden.status_code == missing.status_code == 404


def test_a_planning_template_upload_never_reveals_a_hidden_cell(world):
    """dataio/exports.py template_apply()/_key() resolved an uploaded stamp without Visible and reported a conflict
    with the current value: a stamp edited to W1 returned W1's hidden value as 'theirs'."""
    user, oracle, client = planner_east(world.cube)
    query = {
        "rows": [{"dimension": "entity", "members": ["E1"]}],
        "columns": [{"dimension": "account", "members": ["RENT"]}],
        "filters": {"time": "2026-01", "version": "budget"},
    }
    response = client.post(EXPORTS, {"query": query, "format": "template"}, content_type="application/json")
    path = job_folder(job_run(response.json()["id"]).pk) / "template.xlsx"

    def forged(entity: str) -> Any:
        book = openpyxl.load_workbook(path)
        for row in book["_meta"].iter_rows():
            if row[0].value == "cell":
                stamp = json.loads(row[2].value)
                stamp["c"]["entity"], stamp["v"] = entity, 99
                row[2].value = json.dumps(stamp, sort_keys=True, separators=(",", ":"))
                book["Plan"][row[1].value].value = 1.5
        out = io.BytesIO()
        book.save(out)
        out.seek(0)
        job = job_run(str(template_submit(cube=world.cube, user=user, upload=out, filename="plan.xlsx").pk))
        return job.error or json.dumps(job.result)

    hidden, missing = forged("W1"), forged(MISSING)
    Clean(world, oracle).text(hidden, named=("W1",))
    assert masked(hidden, ["W1"]) == missing


def test_an_allocation_never_writes_a_read_only_account(world):
    """planning/allocations.py allocation_run() checked write access on the allocated dimension only: it wrote the
    received/charged accounts of a planner who may only read them."""
    grants = {("entity", "EAST"): "write", ("account", "NI"): "read", ("account", "RENT"): "write"}
    profile = Profile(Role.PLANNER, False, {**grants, ("account", "HC"): "read"})  # pool, driver readable
    user = person(world.cube, profile, "alba")
    outcome = attempt(run_allocation, allocation(world.cube, "east", ALLOCATIONS["east"]), user, watch=world.cube)
    assert isinstance(outcome.error, CellForbidden), outcome.result  # WAGES (received), DISC (charged) are read-only


READ_ONLY_BUDGET = Profile(Role.PLANNER, False, {("version", "budget"): "read", ("version", "actual"): "write"})


def test_a_read_only_version_refuses_cell_writes(world):
    """The reference behaviour the three tests below hold the other write paths to."""
    user = person(world.cube, READ_ONLY_BUDGET, "vera")
    outcome = attempt(cells_write, cube=world.cube, cells=[CellWrite(cell("RENT", "E1"), 1.5)], user=user)
    assert isinstance(outcome.error, CellForbidden)


def test_a_spread_never_writes_a_read_only_version(world):
    """planning/spreading.py _leaves() returned the version without checking write access."""
    user = person(world.cube, READ_ONLY_BUDGET, "vera")
    outcome = attempt(cells_spread, cube=world.cube, coordinate=cell("COST", "WORLD"), value=9.5, user=user)
    assert isinstance(outcome.error, CellForbidden), outcome.result


def test_a_version_copy_never_writes_a_read_only_version(world):
    """planning/versioning.py version_copy() (and version_merge) never checked write access on the target version."""
    user = person(world.cube, READ_ONLY_BUDGET, "vera")
    before = facts(world.cube)
    outcome = attempt(
        version_copy, model=world.cube.model, source="actual", target="budget", user=user, watch=world.cube
    )
    assert outcome.error is not None or not changed_cells(before, outcome.facts), outcome.result


def test_an_allocation_never_writes_a_read_only_version(world):
    """planning/allocations.py allocation_run() resolved the version for reading only and wrote into it."""
    user = person(world.cube, READ_ONLY_BUDGET, "vera")
    outcome = attempt(run_allocation, allocation(world.cube, "east", ALLOCATIONS["east"]), user, watch=world.cube)
    assert isinstance(outcome.error, CellForbidden), outcome.result
