"""Units in the approval workflow are read-only on every write path for all but administrators."""

from __future__ import annotations

import io

import pytest

from opencorpo.accounts.roles import Role
from opencorpo.core.errors import Forbidden
from opencorpo.core.services import job_run
from opencorpo.dataio.imports import import_submit
from opencorpo.governance.approvals import approval_transition, approver_assign
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.spreading import cells_spread
from tests.dataio.test_imports import MAPPING, text
from tests.factories import make_user
from tests.planning.test_cells import at, value

pytestmark = pytest.mark.django_db


def test_a_submitted_unit_is_read_only_until_reopened(cube):
    planner, approver = make_user("pia", Role.PLANNER), make_user("abe", Role.APPROVER)
    admin = make_user("ada", Role.ADMINISTRATOR)
    approver_assign(model=cube.model, entity="WORLD", user="abe")
    cells_write(cube=cube, cells=[CellWrite(at("RENT", "E1"), 1.0)], user=planner)
    query = GridQuery(
        rows=(Selection("entity", members=("E1", "W1")),),
        columns=(Selection("account", members=("RENT",)),),
        filters={"time": "2026-01", "version": "budget"},
    )
    assert grid_read(cube=cube, query=query, user=planner)["editable"] == [[True], [True]]
    approval_transition(model=cube.model, version="budget", entity="EAST", action="submit", user=planner)
    with pytest.raises(Forbidden, match="submitted for approval"):
        cells_write(cube=cube, cells=[CellWrite(at("RENT", "E1"), 2.0)], user=planner)
    with pytest.raises(Forbidden, match="submitted for approval"):
        cells_spread(cube=cube, coordinate=at("RENT", "EAST"), value=9.0, user=planner)
    cells_write(cube=cube, cells=[CellWrite(at("RENT", "W1"), 3.0)], user=planner)  # another unit: open
    cells_write(cube=cube, cells=[CellWrite(at("RENT", "E1", version="forecast"), 3.0)], user=planner)  # other version
    answer = grid_read(cube=cube, query=query, user=planner)
    assert answer["reasons"] == [["approval"], [None]] and answer["editable"] == [[False], [True]]
    batch = import_submit(
        cube=cube,
        user=planner,
        upload=io.BytesIO(text([["RENT", "E2", "2026-01", "5"]])),
        filename="x.csv",
        mapping={**MAPPING, "fixed": {"version": "budget"}},
    )
    job_run(str(batch.job_id))
    batch.job.refresh_from_db()
    assert batch.job.status == "failed" and "submitted for approval" in batch.job.result["errors"][0]["reason"]
    cells_write(cube=cube, cells=[CellWrite(at("RENT", "E1"), 4.0)], user=admin)  # administrators may
    approval_transition(model=cube.model, version="budget", entity="EAST", action="reopen", user=approver)
    cells_write(cube=cube, cells=[CellWrite(at("RENT", "E1"), 5.0)], user=planner)
    assert value(cube, "RENT", "E1", "2026-01") == 5.0
