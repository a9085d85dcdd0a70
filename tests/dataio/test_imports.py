"""Fact imports end to end through the job: mapping, validation of the whole file, modes, idempotency, undo,
access and locks, and bad rows reported with line, column and reason while nothing changes."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection

from opencorpo.accounts.roles import Role
from opencorpo.core.models import Job, JobStatus
from opencorpo.core.services import job_folder, job_run
from opencorpo.dataio.imports import import_submit, import_undo
from opencorpo.dataio.models import ImportBatch, ImportStatus
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.models import DimensionKind, FactChange, Member
from tests.accounts.test_access import grant
from tests.factories import make_user
from tests.planning.test_cells import at, value

pytestmark = pytest.mark.django_db
MAPPING = {
    "columns": {
        "Account": {"dimension": "account"},
        "Entity": {"dimension": "entity"},
        "Month": {"dimension": "time"},
        "Amount": {"value": True},
    },
    "fixed": {"version": "actual"},
}


def text(rows: list[list[object]], header=("Account", "Entity", "Month", "Amount"), delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def run(cube, data: bytes, user=None, filename="actuals.csv", **options):
    batch = import_submit(
        cube=cube,
        user=user,
        upload=io.BytesIO(data),
        filename=filename,
        mapping=options.pop("mapping", MAPPING),
        **options,
    )
    job_run(str(batch.job_id))
    batch.refresh_from_db()
    return batch, Job.objects.get(pk=batch.job_id)


def facts(cube) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM planning_fact WHERE cube_id = %s", [cube.pk])
        return cursor.fetchone()[0]


def test_a_valid_file_is_applied_audited_under_its_batch_and_reports_control_totals(cube):
    batch, job = run(cube, text([["SALES", "E1", "2026-01", "100.5"], ["RENT", "W1", "2026-02", "-20"]]))
    assert (job.status, job.progress, batch.status, batch.changed) == (JobStatus.SUCCEEDED, 100, "applied", 2)
    assert value(cube, "SALES", "E1", "2026-01", "actual") == 100.5
    assert FactChange.objects.filter(batch=batch.pk, source="import").count() == 2
    assert job.result["control"] == {"rows": 2, "valid": 2, "bad_rows": 0, "sum_by_version": {"actual": 80.5}}


def test_importing_the_same_file_again_changes_nothing(cube):
    data = text([["SALES", "E1", "2026-01", "10"]])
    run(cube, data, mode="add")
    again, job = run(cube, data, mode="add")
    assert again.status == ImportStatus.DUPLICATE and "Imported already" in job.message
    assert value(cube, "SALES", "E1", "2026-01", "actual") == 10.0


def test_every_bad_row_is_reported_with_line_column_and_reason_and_nothing_is_applied(cube):
    structure.member_update(member=Member.objects.get(dimension__kind=DimensionKind.TIME, code="2026-03"), locked=True)
    rows = [
        ["SALES", "E1", "2026-01", "1"],  # line 2: fine
        ["NOPE", "E1", "2026-01", "1"],  # 3: unknown member
        ["SALES", "E1", "2026-01", "2"],  # 4: duplicate of line 2
        ["SALES", "E1", "2026-02", "abc"],  # 5: not a number
        ["REV", "E1", "2026-02", "1"],  # 6: a total
        ["MARGIN", "E1", "2026-02", "1"],  # 7: calculated
        ["SALES", "E1", "2026-03", "1"],  # 8: closed period
        ["SALES", "E1", "2026-13", "1"],  # 9: not a period
    ]
    batch, job = run(cube, text(rows))
    assert job.status == JobStatus.FAILED and "7 row(s)" in job.error and "nothing was changed" in job.error
    reasons = {(e["line"], e["reason"]) for e in job.result["errors"]}
    assert reasons == {
        (3, "account has no member 'NOPE'"),
        (4, "duplicate of line 2"),
        (5, "'abc' is not a number"),
        (6, "'REV' is a total; import into its leaves"),
        (7, "'MARGIN' is calculated (ratio); import its inputs"),
        (8, "'2026-03' is locked"),
        (9, "'2026-13' is not a month"),
    }
    assert facts(cube) == 0 and batch.status == ImportStatus.FAILED
    report = (job_folder(job.pk) / "errors.csv").read_text().splitlines()
    assert report[0] == "line,column,value,reason" and len(report) == 1 + 7
    skipped, job = run(cube, text(rows), skip_bad_rows=True)
    assert skipped.status == ImportStatus.APPLIED and skipped.changed == 1 and facts(cube) == 1


def test_a_restricted_user_cannot_import_into_cells_they_may_not_write(cube):
    planner = make_user("pia", Role.PLANNER)
    grant(cube, planner, "entity", "EAST", "write")
    grant(cube, planner, "entity", "WEST", "read")
    _, job = run(cube, text([["SALES", "E1", "2026-01", "1"], ["SALES", "W1", "2026-01", "1"]]), user=planner)
    assert job.status == JobStatus.FAILED
    assert job.result["errors"] == [{"line": 3, "column": "Entity", "value": "W1", "reason": "you may not change 'W1'"}]
    hidden = make_user("hal", Role.PLANNER)
    grant(cube, hidden, "entity", "EAST", "write")
    _, job = run(cube, text([["SALES", "W1", "2026-01", "1"]]), user=hidden)
    assert job.result["errors"][0]["reason"] == "entity has no member 'W1'"  # hidden reads like missing
    assert facts(cube) == 0


def test_mapping_tables_names_period_formats_sign_flips_and_decimal_commas(cube):
    mapping = {
        "columns": {
            "GL": {"dimension": "account", "map": {"4000": "SALES", "6100": "RENT"}},
            "Site": {"dimension": "entity", "by": "name"},
            "Period": {"dimension": "time"},
            "Amount": {"value": True},
        },
        "fixed": {"version": "actual"},
        "flip_sign": ["REV"],
        "decimal": ",",
    }
    rows = [
        ["4000", "East one", "Mar-26", "1.234,5"],
        ["6100", "West one", "202604", "(10)"],
        ["4000", "East two", "FY2026-P05", "2"],
    ]
    _, job = run(cube, text(rows, header=("GL", "Site", "Period", "Amount"), delimiter=";"), mapping=mapping)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert value(cube, "SALES", "E1", "2026-03", "actual") == -1234.5
    assert value(cube, "RENT", "W1", "2026-04", "actual") == -10.0
    assert value(cube, "SALES", "E2", "2026-05", "actual") == -2.0


def test_add_and_replace_modes(cube):
    cells_write(
        cube=cube,
        cells=[
            CellWrite(at("SALES", "E1", version="actual"), 5.0),
            CellWrite(at("RENT", "E2", version="actual"), 7.0),
            CellWrite(at("RENT", "W1", version="actual"), 9.0),
        ],
        user=None,
    )
    run(cube, text([["SALES", "E1", "2026-01", "1"]]), mode="add")
    assert value(cube, "SALES", "E1", "2026-01", "actual") == 6.0
    _, job = run(cube, text([["SALES", "E1", "2026-01", "3"]]), mode="replace", slice_={"entity": ["EAST"]})
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert value(cube, "SALES", "E1", "2026-01", "actual") == 3.0
    assert value(cube, "RENT", "E2", "2026-01", "actual") is None  # in the slice, not in the file: cleared
    assert value(cube, "RENT", "W1", "2026-01", "actual") == 9.0  # outside the slice: untouched
    _, job = run(cube, text([["SALES", "W1", "2026-01", "3"]]), mode="replace", slice_={"entity": ["EAST"]})
    assert job.result["errors"][0]["reason"] == "'W1' is outside the slice being replaced"


def test_an_import_is_undone_as_one_step_unless_its_cells_changed_since(cube):
    cells_write(cube=cube, cells=[CellWrite(at("SALES", "E1", version="actual"), 5.0)], user=None)
    batch, _ = run(cube, text([["SALES", "E1", "2026-01", "8"], ["RENT", "E1", "2026-01", "2"]]))
    result = import_undo(batch=batch, user=None)
    assert result["restored"] == 2
    assert (value(cube, "SALES", "E1", "2026-01", "actual"), value(cube, "RENT", "E1", "2026-01", "actual")) == (
        5.0,
        None,
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.UNDONE
    again, _ = run(cube, text([["SALES", "E1", "2026-01", "9"]]), filename="other.csv")
    cells_write(cube=cube, cells=[CellWrite(at("SALES", "E1", version="actual"), 1.0)], user=None)
    from opencorpo.core.errors import Conflict

    with pytest.raises(Conflict, match="changed since"):
        import_undo(batch=again, user=None)
    assert value(cube, "SALES", "E1", "2026-01", "actual") == 1.0


def test_a_formula_depending_on_imported_accounts_is_recalculated(cube):
    structure.members_bulk(
        dimension=cube.model.dimensions.get(kind=DimensionKind.ACCOUNT),
        upserts=[
            {"code": "UNITS", "name": "Units", "account_type": "statistical"},
            {"code": "PRICE", "name": "Price", "account_type": "statistical"},
        ],
    )
    structure.member_update(
        member=Member.objects.get(dimension__kind=DimensionKind.ACCOUNT, code="SALES"), formula="UNITS * PRICE"
    )
    batch, job = run(cube, text([["UNITS", "E1", "2026-01", "3"], ["PRICE", "E1", "2026-01", "4"]]))
    assert job.status == JobStatus.SUCCEEDED and value(cube, "SALES", "E1", "2026-01", "actual") == 12.0
    assert FactChange.objects.filter(batch=batch.pk, source="formula").count() == 1
    ImportBatch.objects.all()


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    from tests.dataio.hostile import build

    return build(tmp_path_factory.mktemp("hostile"))


HOSTILE = [
    "pdf",
    "binary",
    "xls",
    "exe",
    "xlsm",
    "vba",
    "ratio",
    "total",
    "entries",
    "traversal",
    "absolute",
    "encrypted",
    "farcell",
    "farcell_nodim",
    "sst_bomb",
    "laughs_sst",
    "laughs_sheet",
    "nul",
    "ragged",
    "duplicate",
    "blank_header",
]


@pytest.mark.parametrize("key", HOSTILE)
def test_a_hostile_or_invalid_file_fails_its_job_with_a_message_and_changes_nothing(cube, hostile_files, key):
    path = hostile_files[key]
    batch, job = run(cube, path.read_bytes(), filename=path.name)
    assert job.status == JobStatus.FAILED and batch.status != ImportStatus.APPLIED
    assert job.error and "unexpectedly" not in job.error, job.error  # the reader's own message, not a crash
    assert facts(cube) == 0 and not FactChange.objects.exists()


def test_a_file_over_the_size_limit_is_refused_at_upload(cube, settings, hostile_files):
    from opencorpo.dataio.guards import FileRejected

    settings.IMPORT_MAX_BYTES = 2 * 2**20
    with pytest.raises(FileRejected, match="larger than 2 MiB"):
        import_submit(
            cube=cube,
            user=None,
            upload=io.BytesIO(hostile_files["oversized"].read_bytes()),
            filename="big.csv",
            mapping=MAPPING,
        )
    assert not ImportBatch.objects.exists()
