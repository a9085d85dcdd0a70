"""Killing the worker in the middle of a large import (RabbitMQ, acks late): the cube is unchanged, the job is failed
and retryable, and the retry gives exactly the data of one import."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import signal
import subprocess

import psycopg
import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from opencorpo.core.models import Job, JobStatus
from opencorpo.core.services import job_retry
from opencorpo.dataio.imports import import_submit
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.models import FactChange
from tests.stack import processes, service_env, wait_until, worker_command

pytestmark = pytest.mark.django_db(transaction=True)
ITEMS = 4000
MAPPING = {
    "columns": {
        "Account": {"dimension": "account"},
        "Entity": {"dimension": "entity"},
        "Item": {"dimension": "item"},
        "Amount": {"value": True},
    },
    "fixed": {"version": "actual", "time": "2026-01"},
}


def facts(cube_id: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT m1, m2, m3, value FROM planning_fact WHERE cube_id = %s ORDER BY 1, 2, 3", [cube_id])
        return cursor.fetchall()


def test_a_worker_killed_mid_import_leaves_the_cube_unchanged_and_the_retry_imports_once(model, tmp_path):
    item = structure.dimension_create(model=model, code="item", name="Item")
    structure.members_bulk(dimension=item, upserts=[{"code": f"I{i:04d}", "name": f"Item {i}"} for i in range(ITEMS)])
    cube = structure.cube_create(
        model=model, code="big", name="Big", dimensions=["account", "entity", "item", "time", "version"]
    )
    last = {"account": "WAGES", "entity": "W1", "item": f"I{ITEMS - 1:04d}", "time": "2026-01", "version": "actual"}
    cells_write(cube=cube, cells=[CellWrite(last, 1.0)], user=None)
    before = facts(cube.pk)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Account", "Entity", "Item", "Amount"])
    for account in ("SALES", "RENT", "WAGES"):
        for entity in ("E1", "E2", "W1"):
            writer.writerows([account, entity, f"I{i:04d}", i + 0.5] for i in range(ITEMS))
    batch = import_submit(
        cube=cube,
        user=None,
        upload=io.BytesIO(out.getvalue().encode()),
        filename="big.csv",
        mapping=MAPPING,
        enqueue=False,
    )
    rabbit = os.environ["TEST_RABBITMQ_URL"]
    publisher = Celery(broker=rabbit, set_as_current=False)  # the app of this process keeps its own broker
    env = service_env(CELERY_BROKER_URL=rabbit)

    def send() -> None:
        publisher.send_task("opencorpo.run_job", args=[str(batch.job_id)], queue=settings.CELERY_TASK_DEFAULT_QUEUE)

    holder = psycopg.connect(_dsn())  # holds the last cell's row lock, so the apply blocks inside its transaction
    holder.execute("SELECT value FROM planning_fact WHERE cube_id = %s AND value = 1.0 FOR UPDATE", [cube.pk])
    with processes((worker_command(), env), log_dir=tmp_path) as (worker,):
        send()
        wait_until(lambda: _waiting_on_lock(), 120, "the import to block on the held row inside its transaction")
        _kill_tree(worker.pid)
    holder.rollback()  # the killed worker's backend may now finish its statement, but it can never commit
    wait_until(lambda: not _waiting_on_lock() and not _import_backend_alive(), 60, "the dead worker's backend to go")
    holder.close()
    assert facts(cube.pk) == before  # nothing of the import was kept
    assert not FactChange.objects.filter(batch=batch.pk).exists()
    (tmp_path / "second").mkdir()
    with processes((worker_command(), env), log_dir=tmp_path / "second"):
        job = wait_until(
            lambda: (j := Job.objects.get(pk=batch.job_id)).status == JobStatus.FAILED and j, 60, "the redelivery"
        )
        assert "worker stopped while running this job" in job.error and facts(cube.pk) == before
        job_retry(job)
        send()
        job = wait_until(
            lambda: (j := Job.objects.get(pk=batch.job_id)).status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and j,
            120,
            "the retry",
        )
    assert job.status == JobStatus.SUCCEEDED, (job.error, (tmp_path / "second" / "process-0.log").read_text()[-3000:])
    after = facts(cube.pk)
    assert len(after) == 3 * 3 * ITEMS
    assert sum(value for *_, value in after) == pytest.approx(9 * sum(i + 0.5 for i in range(ITEMS)))
    assert FactChange.objects.filter(batch=batch.pk, source="import").count() == 3 * 3 * ITEMS  # once, not twice


def _dsn() -> str:
    s = connection.settings_dict
    return f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _waiting_on_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query LIKE '%%INSERT INTO planning_fact%%'"
        )
        return bool(cursor.fetchone()[0])


def _import_backend_alive() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state <> 'idle' AND query LIKE '%%planning_fact%%'"
        )
        return bool(cursor.fetchone()[0])


def _kill_tree(pid: int) -> None:
    """SIGKILL the worker and its pool processes: no warm shutdown, no acknowledgement."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for child in [*children, str(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(child), signal.SIGKILL)
