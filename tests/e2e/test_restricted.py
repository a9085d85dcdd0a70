"""Issue #8 "Must show": a restricted planner, signed in through the login page of a real browser, finds the hidden
region nowhere.

Entities WORLD → NORTH, SOUTH; Petra (planner) has a grant of write on NORTH and none anywhere else, so SOUTH is
unreadable and so is WORLD (docs/security.md: "a total is shown only if every leaf under it is readable", and a
member one cannot read does not exist). Both regions hold numbers that nothing visible to Petra adds up to. On every
page she can reach (the grid with its rows expanded and its member pickers, versions compared; the grid saved as a
report; a modeller's shared report over all entities; the standard entity chart and dashboard; the export panel and
its CSV file; the versions diff; the approvals board) neither the name nor the code of South or World appears in the
page's text, attributes or form values, nor any number of South or World."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from opencorpo.accounts.models import Grant
from opencorpo.accounts.roles import Role
from opencorpo.core.selectors import installation_id
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.models import Cube, DimensionKind, Member
from opencorpo.reports.models import Report
from tests.e2e.helpers import JOB_TIMEOUT, TIMEOUT, open_area, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS = [
    {"code": "NI", "name": "Net income", "account_type": "revenue"},
    {"code": "SALES", "name": "Sales", "parent": "NI", "account_type": "revenue"},
    {"code": "RENT", "name": "Rent", "parent": "NI", "account_type": "expense", "weight": -1},
]
ENTITIES = [
    {"code": "WORLD", "name": "World", "currency": "EUR"},
    {"code": "NORTH", "name": "North", "parent": "WORLD", "currency": "EUR"},
    {"code": "SOUTH", "name": "South", "parent": "WORLD", "currency": "EUR"},
]
MONTH = "2026-01"
# January's numbers by region, version and account. South's (and so World's) are five digits, North's at most four.
FACTS = {
    "NORTH": {"budget": {"SALES": 1000, "RENT": 400}, "actual": {"SALES": 1200, "RENT": 450}},
    "SOUTH": {"budget": {"SALES": 70707, "RENT": 30303}, "actual": {"SALES": 91919, "RENT": 43434}},
}
HIDDEN_MEMBERS = re.compile(r"(?<![A-Za-z])(south|world)(?![A-Za-z])", re.IGNORECASE)

# Everything a page shows or carries: its address, text (options, SVG labels and hidden parts included),
# every attribute (aria-label, title, data-row-key, href …) and the values of its form fields.
PAGE_CONTENT = """() => {
    const parts = [document.title, decodeURIComponent(location.href), document.body.textContent];
    for (const element of document.body.querySelectorAll('*')) {
        for (const attribute of element.attributes) parts.push(attribute.value);
    }
    for (const field of document.querySelectorAll('input, select, textarea')) parts.push(field.value);
    return parts.join('\\n');
}"""


def region_numbers(facts: dict[str, dict[str, int]]) -> list[int]:
    """Every number a region's January shows: leaves, net income, their version differences, the sum of its cells."""
    found = []
    for version in ("budget", "actual"):
        sales, rent = facts[version]["SALES"], facts[version]["RENT"]
        found += [sales, rent, sales - rent, sales + rent]
    budget, actual = found[:4], found[4:]
    return found + [a - b for a, b in zip(actual, budget, strict=True)]


def hidden_numbers() -> list[int]:
    """South's numbers and World's (North and South together): none may show anywhere."""
    north, south = FACTS["NORTH"], FACTS["SOUTH"]
    world = {v: {a: north[v][a] + south[v][a] for a in north[v]} for v in north}
    numbers = set(region_numbers(south)) | set(region_numbers(world))
    assert not numbers & set(region_numbers(north)) and min(numbers) > 5000  # recognisable, not North's
    return sorted(numbers)


def number_patterns() -> list[re.Pattern[str]]:
    """Each hidden number as the app writes it (1,234 in en-US) and as files and addresses do (1234 or 1234.0)."""
    patterns = []
    for number in hidden_numbers():
        # Not part of a longer number or word (a job id's hex); a CSV's separating comma may touch the plain form.
        patterns.append(re.compile(rf"(?<![0-9A-Za-z.])(?<!\d,){number:,}(?!\d|,\d|\.\d*[1-9])"))
        patterns.append(re.compile(rf"(?<![0-9A-Za-z.]){number}(?![0-9A-Za-z]|\.\d*[1-9])"))
    return patterns


def assert_nothing_hidden(content: str, where: str) -> None:
    names = sorted({m.group(0) for m in HIDDEN_MEMBERS.finditer(content)})
    numbers = [p.pattern for p in number_patterns() if p.search(content)]
    assert not names and not numbers, f"{where} shows hidden {names or ''} {numbers or ''}"


def assert_page_clean(page: Page, where: str) -> str:
    content = page.evaluate(PAGE_CONTENT)
    assert_nothing_hidden(content, where)
    return content


@pytest.fixture
def restricted_model() -> Cube:
    """The P&L of two regions with numbers in both, and Petra, a planner who may write North only."""
    model = structure.model_create(code="acme", name="Acme", first_fiscal_year=2026, years=1)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=ACCOUNTS)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ENTITY), upserts=ENTITIES)
    cube = structure.cube_create(
        model=model, code="pl", name="Profit and loss", dimensions=["account", "entity", "time", "version"]
    )
    cells = [
        CellWrite({"account": account, "entity": entity, "time": MONTH, "version": version}, float(value))
        for entity, versions in FACTS.items()
        for version, values in versions.items()
        for account, value in values.items()
    ]
    cells_write(cube=cube, cells=cells, user=None)
    petra = make_user("petra", Role.PLANNER)
    north = Member.objects.get(dimension__model=model, dimension__kind=DimensionKind.ENTITY, code="NORTH")
    Grant.objects.create(model=model, dimension=north.dimension, member=north, access="write", user=petra)
    # A modeller's report over every entity, shared with the model: Petra reads it with her own access.
    Report.objects.create(
        model=model,
        cube=cube,
        code="sales-by-entity",
        name="Sales by entity",
        shared=True,
        created_by=make_user("mona", Role.MODELLER),
        definition={
            "query": {
                "rows": [{"dimension": "entity", "descendants_of": "WORLD", "include_parent": "before"}],
                "columns": [{"dimension": "version", "members": ["budget", "actual"]}],
                "filters": {"account": "SALES", "time": MONTH},
            }
        },
    )
    installation_id()  # the database's identity row, as migrate leaves it (a flush between tests removes it)
    return cube


@pytest.fixture
def restricted_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def answer_of(path: str, method: str = "POST") -> Callable[[Response], bool]:
    return lambda response: response.request.method == method and response.url.split("?")[0].endswith(path)


def expect_options(page: Page, label: str, options: list[str]) -> None:
    expect(page.get_by_label(label, exact=True).locator("option")).to_have_text(options, timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("content", "hidden"),
    [
        ("North 1,000 1,200 600 −200 2026-01 FY 2026", False),
        ("job 3fa70707b1c2 /api/v1/jobs/e41004aa/files/export.csv 170,707 70,7071 41004.5 1,41,004", False),
        ("South", True),
        ("entity=SOUTH", True),
        ('{"entity": "WORLD"}', True),
        ("World total", True),
        ("70,707", True),  # South's budget sales, as the app writes it
        ("NI Net income,41004.0,", True),  # World's budget net income, as a CSV file writes it
        ("NI Net income,41004,0", True),
        ("Difference 21,412", True),  # World's sales, actual − budget
    ],
)
def test_the_check_recognises_the_hidden_region(content: str, hidden: bool):
    if hidden:
        with pytest.raises(AssertionError):
            assert_nothing_hidden(content, "sample")
    else:
        assert_nothing_hidden(content, "sample")


def test_grid_pickers_and_reports_show_only_north(restricted_page: Page, live_server, restricted_model):
    page = restricted_page
    sign_in(page, live_server.url)

    # The grid: accounts on rows, months on columns, North (the only entity there is for Petra) as the filter.
    open_area(page, "Planning")
    with page.expect_response(answer_of("/cubes/pl/query"), timeout=TIMEOUT):
        page.get_by_role("link", name="Profit and loss").click()
    grid = page.get_by_role("grid", name="Profit and loss grid")
    sales = grid.locator(f'[role="row"][data-row-key="SALES"] [role="gridcell"][data-col-key="{MONTH}"]')
    expect(sales).to_have_text("1,000", timeout=TIMEOUT)
    expect_options(page, "Entity member", ["North"])
    assert_page_clean(page, "the grid")

    # Entities on the rows, every member shown and expanded: North alone, no World above it.
    with page.expect_response(answer_of("/cubes/pl/query"), timeout=TIMEOUT):
        page.get_by_label("Entity placement").select_option("rows")
    entity = page.get_by_role("group", name="Entity", exact=True)
    entity.locator("summary").click()
    expect_options(page, "Entity members shown", ["North"])
    entity.get_by_role("button", name="Expand all").click()
    assert_page_clean(page, "the entity picker")
    page.keyboard.press("Escape")
    expect(grid.get_by_role("rowheader", name="North").first).to_be_visible(timeout=TIMEOUT)
    expect(grid).to_contain_text("1,000")
    assert_page_clean(page, "the grid with entities on its rows")

    # Actual against budget: North's variances only.
    with page.expect_response(answer_of("/cubes/pl/query"), timeout=TIMEOUT):
        page.get_by_label("Compare versions").check()
    expect(grid).to_contain_text("1,200", timeout=TIMEOUT)
    expect(grid).to_contain_text("200")
    assert_page_clean(page, "the grid comparing versions")

    # Saved as a report and opened in the Reports area.
    page.get_by_role("button", name="Save as report").click()
    dialog = page.get_by_role("dialog", name="Save as report")
    dialog.get_by_label("Report name").fill("North by entity")
    expect(dialog.get_by_label("Report code")).to_have_value("north-by-entity")
    with page.expect_response(answer_of("/models/acme/reports/"), timeout=TIMEOUT) as saved:
        dialog.get_by_role("button", name="Save report").click()
    assert saved.value.status == 201, saved.value.text()
    dialog.get_by_role("link", name="Open the report").click()
    table = page.get_by_role("table", name="North by entity")
    expect(table).to_contain_text("North", timeout=TIMEOUT)
    expect(table).to_contain_text("1,200")
    assert_page_clean(page, "the report saved from the grid")

    # The modeller's report over all entities: World's descendants, as far as Petra may read them.
    page.get_by_role("link", name="Reports", exact=True).first.click()
    page.get_by_role("link", name="Sales by entity").click()
    table = page.get_by_role("table", name="Sales by entity")
    expect(table.locator("tbody tr")).to_have_count(1, timeout=TIMEOUT)
    expect(table.locator("tbody tr")).to_contain_text("North")
    expect(table.locator("tbody tr")).to_contain_text("1,000")
    assert_page_clean(page, "a shared report over all entities")

    # The standard chart of net income by entity (children of World), and the dashboard showing it.
    page.get_by_role("link", name="Reports", exact=True).first.click()
    page.get_by_role("link", name="Net income by entity").click()
    chart = page.locator('[data-chart="bars"]')
    expect(chart.locator("svg text").filter(has_text="North").first).to_be_visible(timeout=TIMEOUT)
    assert_page_clean(page, "the entity chart")
    page.get_by_role("link", name="Reports", exact=True).first.click()
    page.get_by_role("link", name="Overview").click()
    tiles = page.locator(".dashboard-tile")
    expect(tiles).to_have_count(5, timeout=TIMEOUT)
    # Every tile drawn, or refused: a report summing all entities without naming one has no total Petra may read.
    expect(tiles.filter(has=page.locator("svg, table, .form-error"))).to_have_count(5, timeout=TIMEOUT)
    bars = page.get_by_role("article", name="Net income by entity").locator("svg text")
    expect(bars.filter(has_text="North").first).to_be_visible(timeout=TIMEOUT)
    assert_page_clean(page, "the overview dashboard")


def test_exported_csv_shows_only_north(restricted_page: Page, live_server, restricted_model, worker):
    page = restricted_page
    sign_in(page, live_server.url)
    open_area(page, "Data")
    expect(page.get_by_label("Cube")).to_have_value("pl", timeout=TIMEOUT)

    # Entities on the rows, everything below their top: the member pickers offer North alone.
    page.get_by_label("Rows dimension").select_option("entity")
    expect_options(page, "Rows member", ["North (NORTH)"])
    assert_page_clean(page, "the export panel")

    page.get_by_role("button", name="Export CSV").click()
    link = page.get_by_role("link", name="Download export.csv")
    expect(link).to_be_visible(timeout=JOB_TIMEOUT)
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        text = exported.read()
    assert "NORTH North,600" in text, text  # net income of January's budget: 1,000 − 400
    assert_nothing_hidden(text, "the exported CSV")
    assert_page_clean(page, "the export panel after the export")


def test_versions_diff_and_approvals_show_only_north(restricted_page: Page, live_server, restricted_model):
    page = restricted_page
    sign_in(page, live_server.url)

    # The versions diff: North's two changed cells and their totals, nothing of South.
    open_area(page, "Workflow")
    page.get_by_role("navigation", name="Workflow").get_by_role("link", name="Versions").click()
    compare = page.get_by_role("region", name="Compare two versions")
    expect(compare.get_by_label("Cube")).to_have_value("pl", timeout=TIMEOUT)
    compare.get_by_label("Version", exact=True).select_option("actual")
    compare.get_by_label("Against").select_option("budget")
    with page.expect_response(answer_of("/cubes/pl/diff"), timeout=TIMEOUT):
        compare.get_by_role("button", name="Compare").click()
    rows = compare.locator("table.diff-table tbody tr")
    expect(rows).to_have_count(2, timeout=TIMEOUT)
    expect(rows.filter(has_text="SALES")).to_contain_text("NORTH")
    totals = compare.get_by_label("Totals of the differing cells")
    expect(totals).to_contain_text("1,400")  # budget: 1,000 + 400
    expect(totals).to_contain_text("1,650")  # actual: 1,200 + 450
    assert_page_clean(page, "the versions diff")

    # The approvals board of the budget: North's unit alone, with no World above it.
    page.get_by_role("navigation", name="Workflow").get_by_role("link", name="Approvals").click()
    expect(page.get_by_label("Version")).to_have_value("budget", timeout=TIMEOUT)
    units = page.locator("tr[data-entity]")
    expect(units).to_have_count(1, timeout=TIMEOUT)
    expect(units.first).to_have_attribute("data-entity", "NORTH")
    expect(units.first).to_contain_text("Draft")
    assert_page_clean(page, "the approvals board")
