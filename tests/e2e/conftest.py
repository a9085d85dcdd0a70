"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright, with the flags this closed network needs."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.chromium import CHROMIUM, FLAGS
from tests.stack import processes, service_env, worker_command


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)"
    # Playwright's sync API runs an event loop in this thread for as long as the browser lives; Django's ORM
    # (test set-up and database flushes) must be allowed to run beside it, in this module only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary --user-data-dir of its own.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def worker(tmp_path) -> Iterator[None]:
    """A Celery worker on the folder broker of this test run (shared with the live server) for the test."""
    with processes((worker_command(), service_env()), log_dir=tmp_path):
        yield
