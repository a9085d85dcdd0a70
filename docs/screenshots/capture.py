"""Take the README's screenshots from a running demo: `make demo` in one shell, then, in another,

    .venv/bin/python docs/screenshots/capture.py [--base http://127.0.0.1:8000]

It signs in as the demo users (passwords from `.opencorpo/demo-users.json`, written by `make demo`), drives
Debian's Chromium through Playwright and overwrites the PNG files next to this script. Not a test: it asserts only
that each screen rendered what it is named after, so a broken screen fails loudly instead of being photographed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere
from tests.e2e.chromium import CHROMIUM, FLAGS

HERE = Path(__file__).resolve().parent
PASSWORDS = HERE.parents[1] / ".opencorpo" / "demo-users.json"
TIMEOUT = 30_000


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible(timeout=TIMEOUT)


def nav(page: Page, area: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=area, exact=True).click()


def dashboard(page: Page, base: str) -> None:  # the demo opens on its Overview dashboard, under the welcome
    expect(page.locator("[data-chart] svg").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(1_500)  # ECharts' entry animation


def grid(page: Page, base: str) -> None:
    page.goto(f"{base}/app/models/demo/cubes/finance")
    cells = page.get_by_role("gridcell")
    expect(cells.first).to_be_visible(timeout=TIMEOUT)
    cells.nth(40).click()  # a value cell: the side panel explains it
    expect(page.get_by_role("complementary", name="Cell details")).to_be_visible()
    page.wait_for_timeout(1_000)


def budget_vs_actual(page: Page, base: str) -> None:
    nav(page, "Reports")
    page.get_by_role("link", name="Budget vs actual").click()
    expect(page.get_by_role("table", name="Budget vs actual")).to_be_visible(timeout=TIMEOUT)


def bridge(page: Page, base: str) -> None:
    nav(page, "Reports")
    page.get_by_role("link", name="Variance bridge: budget to actual").click()
    expect(page.locator("[data-chart] svg").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(1_500)


BAD_IMPORT = b"""Account,Entity,Product,Month,Amount
4010,EU-SLS-SALES,P-PUMP,2026-10,1200
NOPE,EU-SLS-SALES,P-PUMP,2026-10,10
4010,EU-SLS-SALES,P-PUMP,2026-10,abc
"""


def imports(page: Page, base: str) -> None:  # a check of a file with two bad rows: nothing is imported
    nav(page, "Data")
    expect(page.get_by_label("Cube")).to_have_value("finance", timeout=TIMEOUT)
    page.get_by_label("File to import (CSV or XLSX)").set_input_files(
        {"name": "actuals-october.csv", "mimeType": "text/csv", "buffer": BAD_IMPORT}
    )
    expect(page.get_by_label("Column Account holds")).to_have_value("dim:account", timeout=TIMEOUT)
    page.get_by_label("Column Product holds").select_option("dim:product")
    page.get_by_label("Column Month holds").select_option("dim:time")
    page.get_by_label("Fixed Version").select_option("actual")
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("table", name="Bad rows (2 lines)")).to_be_visible(timeout=TIMEOUT * 3)
    page.get_by_role("progressbar", name="Check progress").scroll_into_view_if_needed()


def versions(page: Page, base: str) -> None:
    page.goto(f"{base}/app/workflow/versions")
    compare = page.get_by_role("region", name="Compare two versions")
    expect(compare.get_by_label("Cube")).not_to_have_value("", timeout=TIMEOUT)
    compare.get_by_label("Version", exact=True).select_option("price-up")
    compare.get_by_label("Against").select_option("budget")
    compare.get_by_role("button", name="Compare").click()
    expect(compare.locator("table.diff-table tbody tr").first).to_be_visible(timeout=TIMEOUT)
    compare.scroll_into_view_if_needed()


def approvals(page: Page, base: str) -> None:
    nav(page, "Workflow")
    expect(page.get_by_role("heading", name="Approval status", exact=False)).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(1_000)


def administration(page: Page, base: str) -> None:
    nav(page, "Administration")
    grants = page.get_by_role("region", name="Member access")
    expect(grants.get_by_label("Dimension")).not_to_have_value("", timeout=TIMEOUT)
    grants.get_by_label("Username").fill("eu-planner")
    grants.get_by_role("button", name="Show access").click()
    expect(grants.get_by_role("table", name="Access of user eu-planner by member")).to_be_visible(timeout=TIMEOUT)
    grants.scroll_into_view_if_needed()


SHOTS: list[tuple[str, str, Callable[[Page, str], None]]] = [
    ("dashboard", "planner", dashboard),
    ("dashboard-europe", "eu-planner", dashboard),  # the same dashboard for a planner limited to Europe
    ("grid", "planner", grid),
    ("budget-vs-actual", "planner", budget_vs_actual),
    ("variance-bridge", "planner", bridge),
    ("imports", "admin", imports),
    ("versions", "modeller", versions),
    ("approvals", "approver", approvals),
    ("administration", "admin", administration),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--only", nargs="*", help="names of the shots to take (default: all)")
    args = parser.parse_args()
    passwords = json.loads(PASSWORDS.read_text())
    with sync_playwright() as playwright:  # Playwright gives every launch a fresh --user-data-dir of its own
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        for name, user, take in SHOTS:
            if args.only and name not in args.only:
                continue
            context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
            page = context.new_page()
            sign_in(page, args.base, user, passwords[user])
            take(page, args.base)
            page.screenshot(path=HERE / f"{name}.png")
            print(f"{name}.png ({user})")
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
