"""The planning grid in a real browser: open a cube from the Planning area, edit a leaf and see its totals follow,
paste a block from a spreadsheet, type at a total to spread it, and find out why a locked period takes no input."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, Request, expect
from playwright.sync_api import Error as PlaywrightError

from opencorpo.accounts.roles import Role
from opencorpo.core.selectors import installation_id
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.models import DimensionKind
from tests.e2e.helpers import TIMEOUT, cell, screenshot, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS = [
    {"code": "NI", "name": "Net income", "account_type": "revenue"},
    {"code": "REV", "name": "Revenue", "parent": "NI", "account_type": "revenue"},
    {"code": "SALES", "name": "Sales", "parent": "REV", "account_type": "revenue"},
    {"code": "DISC", "name": "Discounts", "parent": "REV", "account_type": "revenue", "weight": -1},
    {"code": "COST", "name": "Costs", "parent": "NI", "account_type": "expense", "weight": -1},
    {"code": "RENT", "name": "Rent", "parent": "COST", "account_type": "expense"},
    {"code": "WAGES", "name": "Wages", "parent": "COST", "account_type": "expense"},
    {"code": "TRAVEL", "name": "Travel", "parent": "COST", "account_type": "expense"},
]
ENTITIES = [
    {"code": "WORLD", "name": "World", "currency": "EUR"},
    {"code": "E1", "name": "East one", "parent": "WORLD", "currency": "EUR"},
    {"code": "E2", "name": "East two", "parent": "WORLD", "currency": "EUR"},
]
MONTHS = [f"2026-{m:02d}" for m in range(1, 7)]
LOCKED = "2026-06"


@pytest.fixture
def planning_model():
    """A small P&L cube (accounts × entities × months of 2026 × versions) with June locked."""
    model = structure.model_create(code="acme", name="Acme", first_fiscal_year=2026, years=1)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=ACCOUNTS)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ENTITY), upserts=ENTITIES)
    cube = structure.cube_create(
        model=model, code="pl", name="Profit and loss", dimensions=["account", "entity", "time", "version"]
    )
    june = model.dimensions.get(kind=DimensionKind.TIME).members.get(code=LOCKED)
    structure.member_update(member=june, locked=True)
    make_user("petra", Role.PLANNER)
    installation_id()  # the database's identity row, as migrate leaves it (a flush between tests removes it)
    return cube


@pytest.fixture
def grid_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def open_grid(page: Page, base: str) -> None:
    """From the shell to the cube's grid, then months on the columns and East one as the entity."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Planning", exact=True).click()
    page.get_by_role("link", name="Profit and loss").click()
    grid = page.get_by_role("grid", name="Profit and loss grid")
    expect(grid).to_be_visible(timeout=TIMEOUT)
    page.get_by_label("Entity member").select_option("E1")
    page.get_by_role("group", name="Time", exact=True).locator("summary").click()
    page.get_by_label("Time members shown").select_option(MONTHS)
    page.keyboard.press("Escape")
    expect(grid).to_have_attribute("aria-colcount", str(1 + len(MONTHS)), timeout=TIMEOUT)  # row headers + months
    expect(cell(page, "SALES", "2026-01")).not_to_have_attribute("aria-readonly", "true")


def test_edit_paste_spread_and_a_locked_period(grid_page: Page, live_server, planning_model):
    page = grid_page
    sign_in(page, live_server.url)
    open_grid(page, live_server.url)
    grid = page.get_by_role("grid", name="Profit and loss grid")

    # Grid semantics: rows, row headers, cells that say whether they take input and why not.
    expect(grid.get_by_role("rowheader", name="Revenue")).to_be_visible()
    expect(cell(page, "REV", "2026-01")).to_have_attribute("aria-readonly", "true")
    expect(cell(page, "REV", "2026-01")).to_have_attribute("title", re.compile(r"^Total of the cells below it\."))

    # Edit a leaf: the parent totals follow.
    cell(page, "SALES", "2026-01").click()
    page.keyboard.type("1200")
    page.keyboard.press("Enter")
    expect(cell(page, "SALES", "2026-01")).to_have_text("1,200", timeout=TIMEOUT)
    expect(cell(page, "REV", "2026-01")).to_have_text("1,200", timeout=TIMEOUT)
    expect(cell(page, "NI", "2026-01")).to_have_text("1,200", timeout=TIMEOUT)
    expect(cell(page, "DISC", "2026-01")).to_have_attribute("aria-selected", "true")  # Enter moved down

    # Paste a 3 × 4 block copied from a spreadsheet at Rent / January, in one write.
    cell(page, "RENT", "2026-01").click()
    writes: list[int] = []  # cells per POST /cells

    def count_cells(request: Request) -> None:
        if request.url.endswith("/cells"):
            writes.append(len(json.loads(request.post_data or "{}")["cells"]))

    page.on("request", count_cells)
    block = "10\t20\t30\t40\r\n1\t2\t3\t4\r\n5\t6\t7\t8\r\n"
    page.evaluate(
        """text => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            document.querySelector('[role=grid]').dispatchEvent(
                new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        block,
    )
    expect(page.get_by_role("status")).to_contain_text("Pasted 12 cells", timeout=TIMEOUT)
    expect(cell(page, "TRAVEL", "2026-04")).to_have_text("8", timeout=TIMEOUT)
    expect(cell(page, "COST", "2026-01")).to_have_text("16", timeout=TIMEOUT)  # 10 + 1 + 5
    expect(cell(page, "NI", "2026-01")).to_have_text("1,184", timeout=TIMEOUT)  # 1,200 − 16
    expect(cell(page, "COST", "2026-04")).to_have_text("52", timeout=TIMEOUT)  # 40 + 4 + 8
    assert writes == [12]

    # Copy the block back: tab-separated text on the clipboard.
    copied = page.evaluate(
        """() => {
            const data = new DataTransfer();
            document.querySelector('[role=grid]').dispatchEvent(
                new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
            return data.getData('text/plain');
        }"""
    )
    assert copied == "10"  # one cell selected: Rent / January
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    copied = page.evaluate(
        """() => {
            const data = new DataTransfer();
            document.querySelector('[role=grid]').dispatchEvent(
                new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
            return data.getData('text/plain');
        }"""
    )
    assert copied == "10\t20\r\n1\t2"

    # Undo the paste: the values before it come back.
    page.keyboard.press("Control+z")
    expect(cell(page, "RENT", "2026-01")).to_have_text("", timeout=TIMEOUT)
    expect(cell(page, "COST", "2026-04")).to_have_text("", timeout=TIMEOUT)
    page.get_by_role("button", name="Undo").click()  # the edit of Sales, the batch before
    expect(cell(page, "REV", "2026-01")).to_have_text("", timeout=TIMEOUT)

    # Type at a total: the spread dialog opens; hold Rent / May so the spread keeps it.
    cell(page, "RENT", "2026-05").click()
    page.keyboard.type("30")
    page.keyboard.press("Enter")
    expect(cell(page, "RENT", "2026-05")).to_have_text("30", timeout=TIMEOUT)
    cell(page, "RENT", "2026-05").click()
    page.keyboard.press("Alt+h")
    expect(cell(page, "RENT", "2026-05")).to_have_class(re.compile(r"\bis-held\b"))
    cell(page, "COST", "2026-05").click()
    page.keyboard.type("330")
    dialog = page.get_by_role("dialog", name="Spread a total")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("New total")).to_have_value("330")
    expect(dialog).to_contain_text("1 held cell keeps")
    dialog.get_by_label("Evenly").check()
    dialog.get_by_role("button", name="Spread").click()
    expect(dialog).to_be_hidden(timeout=TIMEOUT)
    expect(cell(page, "COST", "2026-05")).to_have_text("330", timeout=TIMEOUT)
    expect(cell(page, "RENT", "2026-05")).to_have_text("30")
    expect(cell(page, "WAGES", "2026-05")).to_have_text("150")
    expect(cell(page, "TRAVEL", "2026-05")).to_have_text("150")

    # A locked period: read-only, and the grid says why. End goes to the row's last column (June).
    cell(page, "SALES", "2026-01").click()
    page.keyboard.press("End")
    locked = cell(page, "SALES", LOCKED)
    expect(locked).to_have_attribute("aria-readonly", "true")
    expect(locked).to_have_attribute("data-reason", "locked")
    expect(locked).to_have_attribute("title", re.compile(r"^Locked period or version\. Ask an approver to unlock it"))
    expect(locked).to_have_attribute("aria-selected", "true")
    page.keyboard.type("5")
    expect(page.get_by_role("alert")).to_contain_text("Locked period or version")
    expect(locked).to_have_text("")

    # The cell panel explains a total by its children and shows a leaf's history.
    cell(page, "COST", "2026-05").click()
    panel = page.get_by_role("complementary", name="Cell details")
    expect(panel.get_by_role("table").first).to_contain_text("Wages", timeout=TIMEOUT)
    cell(page, "WAGES", "2026-05").click()
    expect(panel.get_by_role("region", name="History")).to_contain_text("spread", timeout=TIMEOUT)
    screenshot(page, "grid.png")


def test_layout_in_the_address_and_expand_collapse(grid_page: Page, live_server, planning_model):
    page = grid_page
    sign_in(page, live_server.url)
    layout = {
        "rows": [{"dimension": "account", "members": ["NI"], "expanded": ["NI"]}],
        "columns": [{"dimension": "time", "members": ["FY2026"], "expanded": ["FY2026"], "totalsAfter": True}],
        "filters": {"entity": "WORLD", "version": "budget"},
    }
    page.goto(f"{live_server.url}/app/models/acme/cubes/pl?layout={quote(json.dumps(layout))}")
    grid = page.get_by_role("grid", name="Profit and loss grid")
    expect(grid.get_by_role("rowheader")).to_have_count(3, timeout=TIMEOUT)  # NI, REV, COST
    expect(grid.get_by_role("columnheader", name="FY 2026", exact=True)).to_be_visible()
    grid.get_by_role("button", name="Expand Costs").click()
    expect(grid.get_by_role("rowheader", name="Travel")).to_be_visible(timeout=TIMEOUT)
    expect(grid.get_by_role("rowheader")).to_have_count(6)
    assert "COST" in page.url.replace("%22", '"')  # the expansion is kept in the address
    grid.get_by_role("button", name="Collapse Costs").click()
    expect(grid.get_by_role("rowheader", name="Travel")).to_have_count(0, timeout=TIMEOUT)

    # Versions side by side with the variance, coloured by whether it is good news for the account.
    values = [
        ("SALES", "actual", 120.0),
        ("SALES", "budget", 100.0),
        ("RENT", "actual", 40.0),
        ("RENT", "budget", 30.0),
    ]
    cells_write(
        cube=planning_model,
        cells=[
            CellWrite({"account": a, "entity": "E1", "time": "2026-01", "version": v}, value) for a, v, value in values
        ],
        user=None,
    )
    expect(grid.get_by_role("rowheader")).to_have_count(3, timeout=TIMEOUT)  # the collapse's re-read has settled
    compare = page.get_by_label("Compare versions")
    for _ in range(3):  # a click can land while the layout bar re-renders after that re-read; then click again
        try:
            compare.check(timeout=5_000)
            break
        except PlaywrightError:
            page.wait_for_timeout(300)
    expect(compare).to_be_checked()
    expect(grid.get_by_role("columnheader", name="Δ %").first).to_be_visible(timeout=TIMEOUT)
    expect(grid.get_by_role("columnheader").nth(1)).to_have_text("Actual")
    expect(grid.get_by_role("columnheader").nth(2)).to_have_text("Budget")
    revenue = page.locator('[role="row"][data-row-key="REV"]')
    expect(revenue.locator(".pg-kind-value").first).to_have_text("120")
    expect(revenue.locator(".pg-kind-variance").first).to_have_text("20")
    expect(revenue.locator(".pg-kind-variance").first).to_have_class(re.compile(r"\bis-favourable\b"))
    expect(revenue.locator(".pg-kind-percent").first).to_have_text("20.0%")
    costs = page.locator('[role="row"][data-row-key="COST"]')
    expect(costs.locator(".pg-kind-variance").first).to_have_text("10")
    expect(costs.locator(".pg-kind-variance").first).to_have_class(re.compile(r"\bis-unfavourable\b"))
    panel = page.get_by_role("complementary", name="Cell details")  # the cursor's cell: Net income, actual, Q1
    expect(panel.get_by_role("region", name="Explanation")).to_contain_text("Value: 80", timeout=TIMEOUT)
    screenshot(page, "grid-compare.png")


def test_copy_and_paste_with_the_keyboard(browser: Browser, live_server, planning_model):
    """Ctrl+V of what a spreadsheet put on the system clipboard, and Ctrl+C / Ctrl+V of a range within the grid."""
    permissions = ["clipboard-read", "clipboard-write"]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US", permissions=permissions)
    page = context.new_page()
    sign_in(page, live_server.url)
    open_grid(page, live_server.url)

    cell(page, "RENT", "2026-01").click()
    page.evaluate("() => navigator.clipboard.writeText('7\\t8\\r\\n9\\t1,000.5\\r\\n')")  # as Excel copies it
    page.keyboard.press("Control+v")
    expect(cell(page, "WAGES", "2026-02")).to_have_text("1,000.5", timeout=TIMEOUT)
    expect(cell(page, "COST", "2026-02")).to_have_text("1,008.5", timeout=TIMEOUT)

    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Control+c")
    assert page.evaluate("() => navigator.clipboard.readText()") == "7\t8\r\n9\t1000.5"
    cell(page, "RENT", "2026-03").click()
    page.keyboard.press("Control+v")
    expect(cell(page, "WAGES", "2026-04")).to_have_text("1,000.5", timeout=TIMEOUT)
    expect(cell(page, "COST", "2026-04")).to_have_text("1,008.5", timeout=TIMEOUT)
    context.close()
