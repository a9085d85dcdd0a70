"""The Data, Versions, Approvals and Administration pages in a real browser.

With a real worker, a planner maps the columns of a CSV file, checks it and sees every bad row with its line and
reason (nothing applied), then imports a valid file and watches the job's progress bar reach 100 %, finds the batch
in the history and undoes it; exports run as jobs and offer their file. A modeller branches a what-if, compares it
with its base and merges it back resolving a conflict; a planner submits a unit that its approver rejects with a
comment; an administrator manages tokens, roles and member grants."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from opencorpo.accounts.models import ApiToken, Grant, ModelRole
from opencorpo.accounts.roles import Role
from opencorpo.governance.approvals import approver_assign
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.errors import VersionLocked
from opencorpo.planning.models import DimensionKind
from tests.e2e.helpers import JOB_TIMEOUT, TIMEOUT, open_area, screenshot, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS = [
    {"code": "NI", "name": "Net income", "account_type": "revenue"},
    {"code": "SALES", "name": "Sales", "parent": "NI", "account_type": "revenue"},
    {"code": "RENT", "name": "Rent", "parent": "NI", "account_type": "expense", "weight": -1},
]
ENTITIES = [
    {"code": "WORLD", "name": "World", "currency": "EUR"},
    {"code": "E1", "name": "East one", "parent": "WORLD", "currency": "EUR"},
    {"code": "E2", "name": "East two", "parent": "WORLD", "currency": "EUR"},
]
BAD = b"Account,Entity,Month,Amount\nSALES,E1,2026-01,100\nNOPE,E1,2026-01,5\nRENT,E2,2026-02,abc\n"
GOOD = b'Account,Entity,Month,Amount\nSALES,E1,2026-01,100\nRENT,E2,2026-02,40\nSALES,E2,2026-03,"1,250.50"\n'

# Records every value the import progress bar shows, from its first render on, without slowing the page.
WATCH_PROGRESS = """() => {
    window.__progress = [];
    const look = () => {
        const bar = document.querySelector('[role="progressbar"][aria-label="Import progress"]');
        const value = bar && Number(bar.getAttribute('aria-valuenow'));
        const seen = window.__progress;
        if (bar && seen[seen.length - 1] !== value) seen.push(value);
    };
    new MutationObserver(look).observe(document.body, {
        subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'],
    });
}"""


@pytest.fixture
def planning_model():
    model = structure.model_create(code="acme", name="Acme", first_fiscal_year=2026, years=1)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=ACCOUNTS)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ENTITY), upserts=ENTITIES)
    cube = structure.cube_create(
        model=model, code="pl", name="Profit and loss", dimensions=["account", "entity", "time", "version"]
    )
    make_user("petra", Role.PLANNER)
    return cube


@pytest.fixture
def data_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")  # a laptop screen
    page = context.new_page()
    yield page
    context.close()


def facts(cube) -> list[tuple[str, str, str, str, float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.code, e.code, t.code, v.code, f.value FROM planning_fact f
               JOIN planning_member a ON a.id = f.m1 JOIN planning_member e ON e.id = f.m2
               JOIN planning_member t ON t.id = f.period_id JOIN planning_member v ON v.id = f.version_id
               WHERE f.cube_id = %s ORDER BY 1, 2, 3""",
            [cube.pk],
        )
        return cursor.fetchall()


def at(account: str, entity: str = "E1", time: str = "2026-01", version: str = "budget") -> dict[str, str]:
    return {"account": account, "entity": entity, "time": time, "version": version}


def choose_file(page: Page, name: str, data: bytes) -> None:
    page.get_by_label("File to import (CSV or XLSX)").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )


def test_check_reports_every_bad_row_then_an_import_runs_to_100_percent(
    data_page: Page, live_server, planning_model, worker
):
    page = data_page
    sign_in(page, live_server.url)
    open_area(page, "Data")
    expect(page.get_by_label("Cube")).to_have_value("pl", timeout=TIMEOUT)

    # Map the columns: Account, Entity and Amount are recognised, the month column and the version are chosen.
    choose_file(page, "actuals-bad.csv", BAD)
    expect(page.get_by_label("Column Account holds")).to_have_value("dim:account", timeout=TIMEOUT)
    expect(page.get_by_label("Column Amount holds")).to_have_value("value")
    expect(page.get_by_role("button", name="Check file")).to_be_disabled()
    page.get_by_label("Column Month holds").select_option("dim:time")
    page.get_by_label("Fixed Version").select_option("actual")
    expect(page.get_by_text("Before you can check or import")).to_be_hidden()

    # Check: the job fails with both bad rows listed (line, column, value, reason) and nothing applied.
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("progressbar", name="Check progress")).to_be_visible(timeout=TIMEOUT)
    bad_rows = page.get_by_role("table", name="Bad rows (2 lines)")
    expect(bad_rows).to_be_visible(timeout=JOB_TIMEOUT)
    rows = bad_rows.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td")).to_have_text(["3", "Account", "NOPE", "account has no member 'NOPE'"])
    expect(rows.nth(1).locator("td")).to_have_text(["4", "Amount", "abc", "'abc' is not a number"])
    expect(page.get_by_role("alert").first).to_contain_text("2 row(s) of actuals-bad.csv cannot be imported")
    control = page.get_by_role("table", name="Control totals")
    expect(control.get_by_role("row", name="Bad rows")).to_contain_text("2")
    expect(page.get_by_role("link", name="Download errors.csv").first).to_be_visible()
    screenshot(page, "data-check.png")
    assert facts(planning_model) == []

    # Import a valid file: the mapping stays, the progress bar is shown from the start and reaches 100 %.
    choose_file(page, "actuals.csv", GOOD)
    expect(page.get_by_label("Column Month holds")).to_have_value("dim:time", timeout=TIMEOUT)
    expect(page.get_by_label("Fixed Version")).to_have_value("actual")
    page.evaluate(WATCH_PROGRESS)
    page.get_by_role("button", name="Import", exact=True).click()
    bar = page.get_by_role("progressbar", name="Import progress")
    expect(bar).to_be_visible(timeout=TIMEOUT)
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=JOB_TIMEOUT)
    expect(page.get_by_role("status").filter(has_text="Imported:")).to_have_text(
        "Imported: 3 cell(s) changed.", timeout=TIMEOUT
    )
    seen = page.evaluate("() => window.__progress")
    assert seen[0] < 100 and seen[-1] == 100 and seen == sorted(seen), seen
    screenshot(page, "data-import.png")
    assert facts(planning_model) == [
        ("RENT", "E2", "2026-02", "actual", 40.0),
        ("SALES", "E1", "2026-01", "actual", 100.0),
        ("SALES", "E2", "2026-03", "actual", 1250.5),
    ]

    # The history lists the applied batch; undo it (asked twice) and the cells are gone again.
    history = page.get_by_role("region", name="Import history")
    applied = history.get_by_role("row").filter(has_text="actuals.csv").filter(has_text="applied")
    expect(applied).to_have_count(1, timeout=TIMEOUT)
    applied.get_by_role("button", name="Undo").click()
    applied.get_by_role("button", name="Confirm undo").click()
    expect(history.get_by_role("status")).to_contain_text("3 cell(s) restored", timeout=TIMEOUT)
    assert facts(planning_model) == []


def test_the_columns_of_a_spreadsheet_are_read_by_the_server(data_page: Page, live_server, planning_model, worker):
    book = openpyxl.Workbook()
    book.active.append(["Konto", "Entity", "Periode", "Betrag"])
    book.active.append(["SALES", "E1", "2026-01", 10])
    data = io.BytesIO()
    book.save(data)
    page = data_page
    sign_in(page, live_server.url)
    open_area(page, "Data")
    expect(page.get_by_label("Cube")).to_have_value("pl", timeout=TIMEOUT)
    page.get_by_label("File to import (CSV or XLSX)").set_input_files(
        {"name": "ist.xlsx", "mimeType": "application/octet-stream", "buffer": data.getvalue()}
    )
    expect(page.get_by_label("Column Periode holds")).to_have_value("ignore", timeout=JOB_TIMEOUT)
    expect(page.get_by_label("Column Entity holds")).to_have_value("dim:entity")
    expect(page.get_by_label("Column Betrag holds")).to_have_value("value")
    page.get_by_label("Column Konto holds").select_option("dim:account")
    page.get_by_label("Column Periode holds").select_option("dim:time")
    page.get_by_label("Fixed Version").select_option("budget")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("progressbar", name="Import progress")).to_have_attribute(
        "aria-valuenow", "100", timeout=JOB_TIMEOUT
    )
    assert facts(planning_model) == [("SALES", "E1", "2026-01", "budget", 10.0)]
    history = page.get_by_role("region", name="Import history")
    expect(history.locator("tbody tr")).to_have_count(1, timeout=TIMEOUT)  # the header read is not listed
    expect(history.locator("tbody tr")).to_contain_text("applied")


def test_exports_run_as_jobs_and_offer_their_file(data_page: Page, live_server, planning_model, worker):
    cells = [CellWrite(at("SALES"), 120.0), CellWrite(at("RENT"), 30.0), CellWrite(at("SALES", "E2"), 7.0)]
    cells_write(cube=planning_model, cells=cells, user=None)
    page = data_page
    sign_in(page, live_server.url)
    open_area(page, "Data")
    page.get_by_label("Columns show").select_option("leaves")
    page.get_by_label("Entity", exact=True).select_option("E1")

    page.get_by_role("button", name="Export XLSX").click()
    expect(page.get_by_role("progressbar", name="Export progress")).to_have_attribute(
        "aria-valuenow", "100", timeout=JOB_TIMEOUT
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Download export.xlsx").click()
    with open(download.value.path(), "rb") as exported:  # a download's path has no .xlsx for openpyxl to accept
        workbook = openpyxl.load_workbook(io.BytesIO(exported.read()))
    values = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert "SALES Sales" in values and 120 in values and "RENT Rent" in values and 30 in values, values

    page.get_by_role("button", name="Export CSV").click()
    expect(page.get_by_role("link", name="Download export.csv")).to_be_visible(timeout=JOB_TIMEOUT)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download export.csv").click()
    screenshot(page, "export.png")
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        text = exported.read()
    assert "SALES Sales,120," in text and "RENT Rent,30," in text, text  # East one only, not World (127)


def test_branch_compare_and_merge_back_with_a_conflict(data_page: Page, live_server, planning_model):
    make_user("mona", Role.MODELLER)
    cells_write(cube=planning_model, cells=[CellWrite(at("SALES"), 100.0), CellWrite(at("RENT"), 30.0)], user=None)
    page = data_page
    sign_in(page, live_server.url, "mona")
    open_area(page, "Workflow")
    page.get_by_role("navigation", name="Workflow").get_by_role("link", name="Versions").click()
    expect(page.get_by_role("heading", level=1, name="Versions")).to_be_visible(timeout=TIMEOUT)
    versions = page.get_by_role("region", name="Versions of the model")
    codes = versions.locator("tbody td:first-child")
    expect(codes).to_have_text(["actual", "budget", "forecast"], timeout=TIMEOUT)

    branch = page.get_by_role("region", name="Branch a what-if")
    branch.get_by_label("Branch from").select_option("budget")
    branch.get_by_label("Branch code").fill("wi")
    branch.get_by_label("Branch name").fill("What if")
    branch.get_by_role("button", name="Branch").click()
    expect(branch.get_by_role("status")).to_have_text("Branched What if (wi) from budget.", timeout=TIMEOUT)
    expect(codes).to_contain_text(["budget", "wi"], timeout=TIMEOUT)

    # Both sides change Sales; only the branch changes Rent.
    cells_write(cube=planning_model, cells=[CellWrite(at("SALES"), 200.0)], user=None)
    cells_write(
        cube=planning_model,
        cells=[CellWrite(at("SALES", version="wi"), 300.0), CellWrite(at("RENT", version="wi"), 50.0)],
        user=None,
    )

    compare = page.get_by_role("region", name="Compare two versions")
    expect(compare.get_by_label("Cube")).to_have_value("pl", timeout=TIMEOUT)
    compare.get_by_label("Version", exact=True).select_option("wi")
    compare.get_by_label("Against").select_option("budget")
    compare.get_by_role("button", name="Compare").click()
    rows = compare.locator("table.diff-table tbody tr")
    expect(rows).to_have_count(2, timeout=TIMEOUT)
    expect(rows.filter(has_text="SALES")).to_have_class("diff-changed")
    expect(rows.filter(has_text="RENT").locator("td.after")).to_have_text("50")
    expect(compare.get_by_label("Totals of the differing cells")).to_contain_text("350")  # 300 + 50 in wi

    merge = page.get_by_role("region", name="Merge a branch back")
    merge.get_by_label("Branch to merge").select_option("wi")
    merge.get_by_role("button", name="Merge", exact=True).click()
    expect(merge.get_by_role("alert").first).to_contain_text("1 cell(s) changed in both", timeout=TIMEOUT)
    conflict = merge.locator('tr[data-conflict="pl|account=SALES,entity=E1,time=2026-01"]')
    expect(conflict).to_contain_text("200")
    expect(conflict).to_contain_text("300")
    merge.get_by_role("button", name="Merge with these choices").click()
    expect(merge.get_by_role("alert").last).to_have_text("1 conflict still need a choice.")
    conflict.get_by_role("textbox").fill("250")
    merge.get_by_role("button", name="Merge with these choices").click()
    expect(merge.get_by_role("status")).to_have_text(
        "Merged wi: 2 cell(s) changed, 1 conflict(s) resolved.", timeout=TIMEOUT
    )
    screenshot(page, "versions.png")
    assert ("RENT", "E1", "2026-01", "budget", 50.0) in facts(planning_model)
    assert ("SALES", "E1", "2026-01", "budget", 250.0) in facts(planning_model)


def test_submit_then_reject_with_a_comment(data_page: Page, live_server, planning_model):
    make_user("alex", Role.APPROVER)
    approver_assign(model=planning_model.model, entity="WORLD", user="alex")
    page = data_page
    sign_in(page, live_server.url)
    open_area(page, "Workflow")
    expect(page.get_by_label("Version")).to_have_value("budget", timeout=TIMEOUT)
    east = page.locator('tr[data-entity="E1"]')
    expect(east).to_contain_text("Draft", timeout=TIMEOUT)
    east.get_by_role("button", name="Submit East one").click()
    east.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="E1 is now")).to_have_text(
        "E1 is now Submitted.", timeout=TIMEOUT
    )
    expect(east).to_contain_text("Submitted")
    expect(east).to_contain_text("petra")
    expect(east.get_by_role("button", name="Submit East one")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Username")).to_be_visible(timeout=TIMEOUT)  # signed out before signing in again

    sign_in(page, live_server.url, "alex")
    open_area(page, "Workflow")
    notes = page.get_by_role("region", name=re.compile("^Notifications"))
    expect(notes).to_contain_text("East one", timeout=TIMEOUT)
    east = page.locator('tr[data-entity="E1"]')
    east.get_by_role("button", name="Reject East one").click()
    east.get_by_role("button", name="Reject", exact=True).click()
    expect(east.get_by_role("alert")).to_have_text("Say what to change: a rejection needs a comment.")
    east.get_by_role("textbox").fill("Rent looks too low")
    east.get_by_role("button", name="Reject", exact=True).click()
    expect(east).to_contain_text("Rejected", timeout=TIMEOUT)
    expect(east).to_contain_text("Rent looks too low")
    expect(east).to_contain_text("alex")
    screenshot(page, "approvals.png")


def test_tokens_roles_and_member_grants(data_page: Page, live_server, planning_model):
    make_user("ada", Role.ADMINISTRATOR)
    page = data_page
    sign_in(page, live_server.url, "ada")
    page.goto(f"{live_server.url}/app/administration")
    expect(page.get_by_role("heading", level=1, name="Administration")).to_be_visible(timeout=TIMEOUT)
    assert page.url.endswith("/app/admin")

    tokens = page.get_by_role("region", name="Your API tokens")
    tokens.get_by_label("Token name").fill("excel")
    tokens.get_by_label("Token role").select_option("viewer")
    tokens.get_by_role("button", name="Create token").click()
    key = tokens.get_by_label("New token key")
    expect(key).to_contain_text("oc_", timeout=TIMEOUT)
    token = ApiToken.objects.get(name="excel")
    assert key.inner_text().startswith(f"oc_{token.prefix}")
    tokens.get_by_role("button", name="I have copied it").click()
    expect(key).to_have_count(0)
    tokens.get_by_role("button", name="Revoke token excel").click()
    expect(tokens.get_by_role("row").filter(has_text="excel")).to_contain_text("revoked", timeout=TIMEOUT)
    token.refresh_from_db()
    assert token.revoked_at is not None

    roles = page.get_by_role("region", name="Roles in this model")
    roles.get_by_label("Username").fill("petra")
    roles.get_by_label("Role").select_option("viewer")
    roles.get_by_role("button", name="Give role").click()
    expect(roles.get_by_role("status")).to_have_text("Gave viewer to petra.", timeout=TIMEOUT)
    assert ModelRole.objects.filter(user__username="petra", role="viewer").count() == 1
    roles.get_by_role("button", name="Take viewer back from user petra").click()
    expect(roles.get_by_role("status")).to_have_text("Took viewer back from user petra.", timeout=TIMEOUT)
    assert not ModelRole.objects.exists()

    grants = page.get_by_role("region", name="Member access")
    expect(grants.get_by_label("Dimension")).to_have_value("entity", timeout=TIMEOUT)
    grants.get_by_label("Username").fill("petra")
    grants.get_by_role("button", name="Show access").click()
    tree = grants.get_by_role("table", name="Access of user petra by member")
    expect(tree.locator('tr[data-member="E2"]')).to_contain_text("open", timeout=TIMEOUT)
    tree.get_by_label("Grant on World").select_option("read")
    expect(tree.locator('tr[data-member="E2"]')).to_contain_text("read (from World)", timeout=TIMEOUT)
    expect(tree.locator('tr[data-member="WORLD"]')).to_contain_text("read (granted here)")
    tree.get_by_label("Grant on East one").select_option("none")
    expect(tree.locator('tr[data-member="E1"]')).to_contain_text("none (granted here)", timeout=TIMEOUT)
    expect(tree.locator('tr[data-member="WORLD"]')).to_contain_text("none (the lowest of its leaves)")
    assert sorted(Grant.objects.values_list("member__code", "access")) == [("E1", "none"), ("WORLD", "read")]
    tree.get_by_label("Grant on East one").select_option("inherit")
    expect(tree.locator('tr[data-member="E1"]')).to_contain_text("read (from World)", timeout=TIMEOUT)
    assert list(Grant.objects.values_list("member__code", "access")) == [("WORLD", "read")]
    screenshot(page, "administration.png")


def test_an_approver_closes_a_period_and_a_planner_cannot_write_it(data_page: Page, live_server, planning_model):
    make_user("abe", Role.APPROVER)
    page = data_page
    sign_in(page, live_server.url, "abe")
    page.goto(f"{live_server.url}/app/workflow/versions")
    periods = page.get_by_role("region", name="Closed periods")
    periods.get_by_role("button", name="Lock Mar 2026").click()
    expect(periods.get_by_role("status")).to_have_text("Mar 2026 locked.", timeout=TIMEOUT)
    expect(periods.locator('li[data-period="2026-03"]')).to_contain_text("locked")
    march = planning_model.model.dimensions.get(kind=DimensionKind.TIME).members.get(code="2026-03")
    assert march.locked
    with pytest.raises(VersionLocked, match="is locked"):
        cells_write(cube=planning_model, cells=[CellWrite(at("SALES", time="2026-03"), 5.0)], user=None)
