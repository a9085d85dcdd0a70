"""The grid's editability, computed for the whole grid at once (grid._editability: ranks per axis member, frozen
units and row versions by broadcasting, row versions fetched by member sets), pinned to the per-cell reference:
each editable cell's row version is what the one-key lookup `planning.changes.cells_read` answers (0 without a
fact), and a cell is frozen exactly where `planning.frozen.frozen_key` says so for its key."""

from __future__ import annotations

import random
from typing import Any

import pytest

from opencorpo.accounts.roles import Role
from opencorpo.governance.approvals import approval_transition, approver_assign
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.changes import cells_read
from opencorpo.planning.context import CubeContext, cube_context
from opencorpo.planning.frozen import frozen_cells, frozen_key
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.models import FACT_SLOTS
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ACCOUNT_LEAVES = ("SALES", "DISC", "RENT", "WAGES", "HC")
ENTITY_LEAVES = ("E1", "E2", "W1")
MONTHS = ("2026-01", "2026-02", "2026-03")
VERSIONS = ("budget", "forecast")


def cells_of(answer: dict[str, Any]) -> list[tuple[int, int, dict[str, str]]]:
    """(row, column, dimension → member code) of every cell of a grid answer, read from its headers and filters."""
    fixed = {dimension: header["code"] for dimension, header in answer["filters"].items()}
    rows, columns = answer["rows"], answer["columns"]
    return [
        (
            r,
            c,
            {
                **fixed,
                **{d: h["code"] for d, h in zip(rows["dimensions"], row, strict=True)},
                **{d: h["code"] for d, h in zip(columns["dimensions"], column, strict=True)},
            },
        )
        for r, row in enumerate(rows["headers"])
        for c, column in enumerate(columns["headers"])
    ]


def key_of(context: CubeContext, coordinate: dict[str, str]) -> tuple[int, ...]:
    slots = {info.slot: info.id_of(coordinate[info.dimension.code]) for info in context.dimensions}
    return tuple(slots.get(slot, 0) for slot in FACT_SLOTS)


def fill(cube: Any, rng: random.Random) -> None:
    """Facts in about half the leaf cells, a third of them written again (row version 2 or 3), a few deleted."""
    every = [
        {"account": a, "entity": e, "time": t, "version": v}
        for a in ACCOUNT_LEAVES
        for e in ENTITY_LEAVES
        for t in MONTHS
        for v in VERSIONS
    ]
    written = rng.sample(every, len(every) // 2)
    cells_write(cube=cube, cells=[CellWrite(c, float(rng.randint(1, 999))) for c in written], user=None)
    for _ in range(2):
        again = rng.sample(written, len(written) // 3)
        cells_write(cube=cube, cells=[CellWrite(c, float(rng.randint(1, 999))) for c in again], user=None)
    cells_write(cube=cube, cells=[CellWrite(c, None) for c in rng.sample(written, 5)], user=None)


@pytest.mark.parametrize("seed", range(3))
def test_row_versions_equal_the_per_key_lookup(cube, seed):
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    fill(cube, rng)
    accounts = (*rng.sample(ACCOUNT_LEAVES, 4), "REV", "MARGIN")  # leaves, a total and a ratio
    query = GridQuery(
        rows=(
            Selection("account", members=(*accounts, accounts[0])),  # a member twice: both rows carry its versions
            Selection("entity", children_of="EAST", include_parent="after"),
        ),
        columns=(Selection("version", members=VERSIONS), Selection("time", members=(*MONTHS, "FY2026-Q1"))),
        filters={},  # the dimensions not on an axis have no root: every one is on an axis
    )
    answer = grid_read(cube=cube, query=query, user=make_user("pia", Role.PLANNER))
    context = cube_context(cube)
    seen = {"editable": 0, "no fact": 0, "rewritten": 0}
    for r, c, coordinate in cells_of(answer):
        version = answer["row_versions"][r][c]
        if not answer["editable"][r][c]:
            assert version is None and answer["reasons"][r][c] in {"calculated", "total"}
            continue
        key = key_of(context, coordinate)
        found = cells_read(cube.pk, [key])  # the reference: one cell at a time
        assert version == (found[key][1] if key in found else 0), coordinate
        assert answer["reasons"][r][c] is None
        seen["editable"] += 1
        seen["no fact"] += version == 0
        seen["rewritten"] += version > 1
    assert seen["editable"] == 5 * 2 * 2 * 3  # 4 leaf accounts and the repeat × E1, E2 × 2 versions × 3 months
    assert seen["no fact"] and seen["rewritten"]


def test_frozen_cells_are_those_frozen_key_names(cube):
    planner = make_user("pia", Role.PLANNER)
    make_user("abe", Role.APPROVER)
    approver_assign(model=cube.model, entity="WORLD", user="abe")
    cells_write(
        cube=cube,
        cells=[CellWrite({"account": "RENT", "entity": "E1", "time": "2026-01", "version": "budget"}, 1.0)],
        user=None,
    )
    approval_transition(model=cube.model, version="budget", entity="EAST", action="submit", user=planner)
    approval_transition(model=cube.model, version="forecast", entity="W1", action="submit", user=planner)
    query = GridQuery(
        rows=(Selection("entity", members=("E1", "E2", "W1", "EAST")),),
        columns=(Selection("version", members=VERSIONS), Selection("time", members=MONTHS[:2])),
        filters={"account": "RENT"},
    )
    context = cube_context(cube)
    frozen = frozen_cells(context, planner)
    answer = grid_read(cube=cube, query=query, user=planner)
    for r, c, coordinate in cells_of(answer):
        held = frozen_key(context, frozen, key_of(context, coordinate))
        if coordinate["entity"] == "EAST":
            assert answer["reasons"][r][c] == "total" and not answer["editable"][r][c]
        else:
            assert answer["editable"][r][c] is not held
            assert answer["reasons"][r][c] == ("approval" if held else None)
            assert (answer["row_versions"][r][c] is None) is held
    flat = [reason for row in answer["reasons"] for reason in row]
    assert flat.count("approval") == 2 * 2 + 1 * 2  # E1, E2 in budget; W1 in forecast; two months each
    administrator = grid_read(cube=cube, query=query, user=make_user("ada", Role.ADMINISTRATOR))
    assert "approval" not in [reason for row in administrator["reasons"] for reason in row]
    assert administrator["row_versions"][0][0] == 1  # RENT · E1 · budget · 2026-01
