"""Steps the browser tests share: sign in through the login page, open an area, find a grid cell, screenshots."""

from __future__ import annotations

import os

from playwright.sync_api import Locator, Page, expect

from tests.factories import PASSWORD

TIMEOUT = 15_000
JOB_TIMEOUT = 90_000  # a worker starts with its test; a busy machine takes a while


def sign_in(page: Page, base: str, username: str = "petra", password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in: the shell shows who (the page may be the one the user was on before signing out).
    expect(page.get_by_role("banner")).to_contain_text(username.title(), timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def open_area(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def cell(page: Page, row: str, column: str) -> Locator:
    """A planning grid cell by its row key and column key (member codes joined as the grid does)."""
    return page.locator(f'[role="row"][data-row-key="{row}"] [role="gridcell"][data-col-key="{column}"]')


def screenshot(page: Page, name: str) -> None:
    """With OPENCORPO_SCREENSHOTS set to a folder, keep a full-page picture there (for looking at a failure)."""
    if os.environ.get("OPENCORPO_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["OPENCORPO_SCREENSHOTS"], name), full_page=True)
