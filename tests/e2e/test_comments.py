"""Cell comments in a real browser: a planner selects a cell, adds a comment in the cell panel, sees it in the
thread and the cell's marker (still there after a re-read), and a report marks its commented cells too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from opencorpo.accounts.roles import Role
from opencorpo.core.selectors import installation_id
from opencorpo.governance.comments import comment_add
from opencorpo.planning import structure
from opencorpo.planning.models import DimensionKind
from tests.e2e.helpers import TIMEOUT, cell, screenshot, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS = [
    {"code": "NI", "name": "Net income", "account_type": "revenue"},
    {"code": "REV", "name": "Revenue", "parent": "NI", "account_type": "revenue"},
    {"code": "SALES", "name": "Sales", "parent": "REV", "account_type": "revenue"},
    {"code": "COST", "name": "Costs", "parent": "NI", "account_type": "expense", "weight": -1},
    {"code": "RENT", "name": "Rent", "parent": "COST", "account_type": "expense"},
]
ENTITIES = [
    {"code": "WORLD", "name": "World", "currency": "EUR"},
    {"code": "E1", "name": "East one", "parent": "WORLD", "currency": "EUR"},
    {"code": "E2", "name": "East two", "parent": "WORLD", "currency": "EUR"},
]
LAYOUT = {
    "rows": [{"dimension": "account", "members": ["NI"], "expanded": ["NI", "REV", "COST"]}],
    "columns": [{"dimension": "time", "members": ["2026-01", "2026-02"], "expanded": []}],
    "filters": {"entity": "E1", "version": "budget"},
}


@pytest.fixture
def planning_model():
    """A small P&L cube (accounts × entities × months of 2026 × versions) and Petra, a planner of all of it."""
    model = structure.model_create(code="acme", name="Acme", first_fiscal_year=2026, years=1)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=ACCOUNTS)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ENTITY), upserts=ENTITIES)
    cube = structure.cube_create(
        model=model, code="pl", name="Profit and loss", dimensions=["account", "entity", "time", "version"]
    )
    make_user("petra", Role.PLANNER)
    installation_id()  # the database's identity row, as migrate leaves it (a flush between tests removes it)
    return cube


@pytest.fixture
def grid_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def test_comment_on_a_cell_from_the_side_panel(grid_page: Page, live_server, planning_model):
    page = grid_page
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/app/models/acme/cubes/pl?layout={quote(json.dumps(LAYOUT))}")
    grid = page.get_by_role("grid", name="Profit and loss grid")
    expect(grid.get_by_role("rowheader", name="Sales")).to_be_visible(timeout=TIMEOUT)
    expect(grid.get_by_role("img", name="1 comment")).to_have_count(0)

    cell(page, "SALES", "2026-01").click()
    comments = page.get_by_role("complementary", name="Cell details").get_by_role("region", name="Comments")
    expect(comments).to_contain_text("No comments on this cell.", timeout=TIMEOUT)
    comments.get_by_label("New comment").fill("January sales include the trade fair.")
    comments.get_by_role("button", name="Add comment").click()
    expect(comments.get_by_role("listitem")).to_have_count(1, timeout=TIMEOUT)
    expect(comments.get_by_role("listitem")).to_contain_text("January sales include the trade fair.")
    expect(comments.get_by_role("listitem")).to_contain_text("petra")
    expect(comments.get_by_label("New comment")).to_have_value("")
    expect(cell(page, "SALES", "2026-01").get_by_role("img", name="1 comment")).to_be_visible()
    expect(cell(page, "SALES", "2026-02").get_by_role("img")).to_have_count(0)

    # A reply on the same cell; the count comes back from the server on the next read (the numbers did not change).
    comments.get_by_label("New comment").fill("Confirmed by sales.")
    comments.get_by_role("button", name="Add comment").click()
    expect(comments.get_by_role("listitem")).to_have_count(2, timeout=TIMEOUT)
    page.reload()
    expect(cell(page, "SALES", "2026-01").get_by_role("img", name="2 comments")).to_be_visible(timeout=TIMEOUT)
    cell(page, "SALES", "2026-01").click()
    expect(comments.get_by_role("listitem")).to_have_count(2, timeout=TIMEOUT)
    screenshot(page, "grid-comments.png")

    # Another cell's panel shows its own, empty thread.
    cell(page, "RENT", "2026-02").click()
    expect(comments).to_contain_text("No comments on this cell.", timeout=TIMEOUT)


def test_a_report_marks_its_commented_cells(grid_page: Page, live_server, planning_model):
    page = grid_page
    total = {"account": "NI", "entity": "WORLD", "time": "FY2026", "version": "budget"}
    comment_add(planning_model, total, "Budget is ambitious.", None)
    sign_in(page, live_server.url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Budget vs actual").click()
    table = page.get_by_role("table", name="Budget vs actual")
    budget = table.locator('tr[data-row="NI"] td').nth(1)  # actual, budget, variance, variance %
    expect(budget).to_have_attribute("title", "1 comment", timeout=TIMEOUT)
    expect(budget.get_by_role("img", name="1 comment")).to_be_visible()
    expect(table.get_by_role("img")).to_have_count(1)
    screenshot(page, "report-comments.png")
