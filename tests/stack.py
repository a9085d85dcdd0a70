"""Starts real OpenCorpo processes (gunicorn web, Celery worker) against the test database for end-to-end tests."""

from __future__ import annotations

import http.cookiejar
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

from opencorpo import cli

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(**overrides: str) -> dict[str, str]:
    """Environment for a child process that talks to the current test database."""
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "OPENCORPO_ENV": "test", "PYTHONUNBUFFERED": "1"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"  # not tests.settings, which would pick a new run id
    env.pop("OPENCORPO_TEST_DATABASE_NAME", None)
    env.update(overrides)
    return env


def wait_until(predicate: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


@contextmanager
def processes(*commands: tuple[list[str], dict[str, str]], log_dir: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    children = []
    try:
        for index, (command, env) in enumerate(commands):
            log = open(log_dir / f"process-{index}.log", "wb")  # noqa: SIM115 (closed with the process)
            children.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
        yield children
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()


def worker_command() -> list[str]:
    return cli.worker_command(concurrency=1)


def web_command(port: int) -> list[str]:
    return cli.gunicorn_command(f"127.0.0.1:{port}", workers=2)


class Browserless:
    """A tiny HTTP client with cookies and CSRF, speaking to a server on 127.0.0.1."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next((cookie.value or "" for cookie in self.jar if cookie.name == "csrftoken"), "")

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("X-CSRFToken", self.csrf())
        request.add_header("Referer", self.base + "/")
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")
        except (urllib.error.URLError, ConnectionError):
            return 0, None

    def login(self, username: str, password: str) -> None:
        self.request("GET", "/api/v1/auth/csrf")
        status, body = self.request("POST", "/api/v1/auth/login", {"username": username, "password": password})
        assert status == 200, body
