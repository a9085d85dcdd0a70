"""User administration in a real browser.

An administrator creates a user with two roles and an initial password; she signs in and is welcomed; once the
administrator deactivates her, her open session ends and the login page refuses her with the API's message. A user
locked out by five failed sign-ins is shown as such, and the administrator's Unlock lets them sign in again."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from opencorpo.accounts.roles import Role
from tests.e2e.helpers import TIMEOUT, screenshot, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NORA_PASSWORD = "Quarterly-ledger-4471"
FAILURE_LIMIT = 5  # settings.AXES_FAILURE_LIMIT: the fifth failed sign-in locks the user out


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Opens a page in a browser context of its own (its own cookies: one person each), closed after the test."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")  # a laptop screen
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def refused_sign_in(page: Page, username: str, password: str) -> tuple[int, str]:
    """Signs in on the login page already open and expects a refusal: the answer's status and the API's message,
    after checking that the page shows that message."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login")) as answer:
        page.get_by_role("button", name="Sign in").click()
    message = answer.value.json()["error"]["message"]
    expect(page.get_by_role("alert")).to_have_text(message, timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()  # ready for the next try
    return answer.value.status, message


def users_panel(page: Page, base: str) -> Page:
    page.goto(f"{base}/app/admin")
    expect(page.get_by_role("heading", level=1, name="Administration")).to_be_visible(timeout=TIMEOUT)
    panel = page.get_by_role("region", name="Users", exact=True)
    expect(panel.get_by_role("table", name="Users")).to_be_visible(timeout=TIMEOUT)
    return panel


def test_a_new_user_signs_in_until_the_administrator_deactivates_her(new_page, live_server):
    make_user("ada", Role.ADMINISTRATOR)
    admin = new_page()
    sign_in(admin, live_server.url, "ada")
    users = users_panel(admin, live_server.url)

    form = users.get_by_role("form", name="New user")
    form.get_by_label("New username").fill("nora")
    form.get_by_label("First name").fill("Nora")
    form.get_by_label("Initial password").fill(NORA_PASSWORD)
    expect(form.get_by_label("Roles of the new user: viewer")).to_be_checked()  # the default
    form.get_by_label("Roles of the new user: planner").check()
    form.get_by_role("button", name="Create user").click()
    expect(users.get_by_role("status")).to_have_text("User nora created.", timeout=TIMEOUT)
    expect(form.get_by_label("New username")).to_have_value("")

    row = users.locator('tr[data-user="nora"]')
    expect(row).to_contain_text("active", timeout=TIMEOUT)
    for role in Role:
        box = row.get_by_label(f"Roles of nora: {role.value}")
        expect(box).to_be_checked(checked=role in (Role.PLANNER, Role.VIEWER))
    nora_user = get_user_model().objects.get(username="nora")
    assert sorted(nora_user.groups.values_list("name", flat=True)) == ["planner", "viewer"]
    screenshot(admin, "users.png")

    nora = new_page()
    sign_in(nora, live_server.url, "nora", NORA_PASSWORD)
    expect(nora.get_by_role("heading", level=1, name="Welcome, Nora")).to_be_visible(timeout=TIMEOUT)

    row.get_by_role("button", name="Deactivate nora").click()
    expect(users.get_by_role("status")).to_have_text("nora deactivated.", timeout=TIMEOUT)
    expect(row).to_contain_text("deactivated")
    expect(row.get_by_role("button", name="Reactivate nora")).to_be_visible()

    # Her open session ends: the next page load sends her to the login page, which refuses her.
    nora.reload()
    expect(nora).to_have_url(f"{live_server.url}/login", timeout=TIMEOUT)
    status, message = refused_sign_in(nora, "nora", NORA_PASSWORD)
    assert status == 400 and message == "Wrong username or password. Check them and try again."
    expect(nora.get_by_role("button", name="Sign out")).to_have_count(0)


def test_a_user_locked_out_by_failed_sign_ins_is_unlocked_by_the_administrator(new_page, live_server):
    make_user("ada", Role.ADMINISTRATOR)
    make_user("lars", Role.PLANNER)
    lars = new_page()
    lars.goto(f"{live_server.url}/login")
    answers = [refused_sign_in(lars, "lars", "a wrong guess") for _ in range(FAILURE_LIMIT)]
    assert [status for status, _ in answers] == [400] * (FAILURE_LIMIT - 1) + [403], answers
    status, message = refused_sign_in(lars, "lars", PASSWORD)  # now even the right password is refused
    assert status == 403 and "ask an administrator to unlock" in message

    admin = new_page()
    sign_in(admin, live_server.url, "ada")
    users = users_panel(admin, live_server.url)
    row = users.locator('tr[data-user="lars"]')
    expect(row).to_contain_text("locked out", timeout=TIMEOUT)
    expect(users.locator('tr[data-user="ada"]')).not_to_contain_text("locked out")
    screenshot(admin, "users-locked-out.png")
    row.get_by_role("button", name="Unlock lars").click()
    expect(users.get_by_role("status")).to_have_text("lars unlocked.", timeout=TIMEOUT)
    expect(row).not_to_contain_text("locked out")
    expect(row.get_by_role("button", name="Unlock lars")).to_have_count(0)

    sign_in(lars, live_server.url, "lars")
    expect(lars.get_by_role("heading", level=1, name="Welcome, Lars")).to_be_visible(timeout=TIMEOUT)
