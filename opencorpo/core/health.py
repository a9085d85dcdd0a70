"""Readiness checks of the parts a request needs: database, cache and job broker."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        raise RuntimeError("the cache did not return the value just stored")


def check_broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        if conn.transport_cls == "filesystem" or conn.transport.driver_type == "filesystem":
            folder = conn.transport_options.get("data_folder_out", "")
            probe = f"{folder}/.readyz-{uuid.uuid4().hex}"
            with open(probe, "w") as handle:
                handle.write("ok")
            os.unlink(probe)


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "cache": check_cache, "broker": check_broker}


def readiness() -> dict[str, Any]:
    """Run every check; each reports ok, its time and, when failing, the error in one line."""
    results: dict[str, Any] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # a probe reports any failure, it never raises
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}".splitlines()[0][:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    failing = [name for name, result in results.items() if not result["ok"]]
    return {
        "status": "error" if failing else "ok",
        "failing": failing,
        "message": f"Not ready: {', '.join(failing)} unreachable." if failing else "Ready.",
        "checks": results,
    }
