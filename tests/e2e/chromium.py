"""Debian's Chromium and the flags this closed network needs (without them its outbound attempts are refused):
one definition for the browser tests, the browser bench and the screenshot script."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("OPENCORPO_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
