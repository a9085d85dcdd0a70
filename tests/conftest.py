"""Session-wide test plumbing: remove this run's scratch folder (broker, cache, metrics) at the end."""

from __future__ import annotations

import shutil

from tests.settings import RUN_DIR


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(RUN_DIR, ignore_errors=True)
