"""Reports in a real browser: a planner opens the standard budget vs actual report (variances coloured by the API's
`favourable`) and the variance bridge from budget to actual, drawn by ECharts as an SVG with the expected bars."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from opencorpo.accounts.roles import Role
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.models import DimensionKind
from tests.e2e.helpers import JOB_TIMEOUT, TIMEOUT, open_area, sign_in
from tests.factories import make_user
from tests.planning.conftest import ACCOUNTS, ENTITIES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BUDGET = {"SALES": 1000.0, "DISC": 50.0, "RENT": 200.0, "WAGES": 400.0}
ACTUAL = {"SALES": 1200.0, "DISC": 50.0, "RENT": 200.0, "WAGES": 450.0}  # revenue +200, costs +50


@pytest.fixture
def reports_model():
    model = structure.model_create(code="acme", name="Acme", first_fiscal_year=2026, years=1)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=ACCOUNTS)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ENTITY), upserts=ENTITIES)
    cube = structure.cube_create(
        model=model, code="pl", name="P&L", dimensions=["account", "entity", "time", "version"]
    )
    cells = [
        CellWrite({"account": a, "entity": "E1", "time": "2026-01", "version": version}, amount)
        for version, amounts in (("budget", BUDGET), ("actual", ACTUAL))
        for a, amount in amounts.items()
    ]
    cells_write(cube=cube, cells=cells, user=None)
    make_user("petra", Role.PLANNER)
    return cube


@pytest.fixture
def reports_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def test_budget_vs_actual_and_its_variance_bridge(reports_page: Page, live_server, reports_model):
    page = reports_page
    sign_in(page, live_server.url)

    open_area(page, "Reports")
    page.get_by_role("link", name="Budget vs actual").click()
    table = page.get_by_role("table", name="Budget vs actual")
    expect(table).to_be_visible(timeout=TIMEOUT)
    revenue = table.locator('tr[data-row="REV"]')
    expect(revenue.locator("td.favourable").first).to_have_text("200")
    expect(table.locator('tr[data-row="COST"] td.unfavourable').first).to_have_text("50")
    expect(page.get_by_role("button", name="Export XLSX")).to_be_visible()

    page.get_by_role("link", name="Reports", exact=True).first.click()
    page.get_by_role("link", name="Variance bridge: budget to actual").click()
    chart = page.locator('[data-chart="waterfall"]')
    expect(chart.locator("svg")).to_be_visible(timeout=TIMEOUT)
    labels = chart.locator("svg text")
    for text in ("Budget", "Revenue", "Costs", "Actual"):
        expect(labels.filter(has_text=text).first).to_be_visible()
    # The bars: start, two steps and end (the invisible base series draws nothing for a zero base).
    expect(labels.filter(has_text="350").first).to_be_visible()  # budget NI: (1000 − 50) − (200 + 400)
    expect(labels.filter(has_text="500").first).to_be_visible()  # actual NI: (1200 − 50) − (200 + 450)


def test_a_report_exports_as_a_job_with_a_progress_bar_and_downloads_its_file(
    reports_page: Page, live_server, reports_model, worker
):
    page = reports_page
    sign_in(page, live_server.url)
    open_area(page, "Reports")
    page.get_by_role("link", name="Budget vs actual").click()
    expect(page.get_by_role("table", name="Budget vs actual")).to_be_visible(timeout=TIMEOUT)

    with page.expect_download(timeout=JOB_TIMEOUT) as download:
        page.get_by_role("button", name="Export CSV").click()
    expect(page.get_by_role("progressbar", name="Export progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_role("link", name="Download export.csv")).to_be_visible()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        text = exported.read()
    assert "REV Revenue,1150,950" in text and "NI Net income,500,350" in text, text  # the report's rows and versions
