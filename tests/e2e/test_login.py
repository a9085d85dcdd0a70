"""A person signs in through the real browser and sees the app shell with every product area."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from opencorpo.accounts.roles import Role
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AREAS = ["Home", "Models", "Planning", "Reports", "Data", "Operations", "Strategy", "Workflow", "Administration"]


def test_sign_in_and_see_the_shell(page: Page, live_server):
    make_user("petra", Role.PLANNER)
    page.goto(f"{live_server.url}/app/reports")
    expect(page).to_have_url(f"{live_server.url}/login", timeout=15_000)  # not signed in: sent to the login page

    page.get_by_label("Username").fill("petra")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Reports")).to_be_visible(timeout=15_000)
    navigation = page.get_by_role("navigation", name="Main")
    for area in AREAS:
        expect(navigation.get_by_role("link", name=area, exact=True)).to_be_visible()

    navigation.get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_role("heading", name="Welcome, Petra")).to_be_visible()
    if os.environ.get("OPENCORPO_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["OPENCORPO_SCREENSHOTS"], "shell.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/login")
