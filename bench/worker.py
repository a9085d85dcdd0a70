"""The project's Celery worker beside the bench, as deployed: it builds the read path's snapshots in the background."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.cli import REPO_DIR


def _status(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in {"VmRSS", "VmHWM"}:
                values[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return values


def _tree(pid: int) -> list[int]:
    """The process and its descendants (Celery's prefork children run the jobs)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


class Worker:
    """`celery -A config worker --concurrency 1` (what `opencorpo worker` runs), logging into the bench data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.log_path = data_dir / "worker.log"
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "1"]
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=REPO_DIR, stdout=self.log, stderr=subprocess.STDOUT, env=os.environ
        )
        self.peak_mib = 0.0

    def memory(self) -> float:
        """The largest VmHWM among the worker's processes, MiB (the job runs in one child)."""
        if self.process.poll() is None:
            self.peak_mib = max([self.peak_mib, *(_status(pid).get("VmHWM", 0.0) for pid in _tree(self.process.pid))])
        return self.peak_mib

    def wait_idle(self, timeout: float, since: datetime.datetime) -> dict[str, Any]:
        """Wait until no job is queued or running; the jobs created since `since`, with their run times."""
        from opencorpo.core.models import FINISHED_STATUSES, Job

        started = time.perf_counter()
        while Job.objects.exclude(status__in=FINISHED_STATUSES).exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"the bench's Celery worker exited ({self.process.returncode}); see {self.log_path}")
            if time.perf_counter() - started > timeout:
                return {"waited_s": time.perf_counter() - started, "timed_out": True, "count": 0, "failed": []}
            self.memory()
            time.sleep(0.2)
        from django.db.models import Q

        finished = Job.objects.filter(Q(created_at__gte=since) | Q(finished_at__gte=since)).order_by("created_at")
        jobs = [
            {
                "kind": job.kind,
                "status": job.status,
                "error": job.error[:300],
                "run_s": (job.finished_at - job.started_at).total_seconds()
                if job.finished_at and job.started_at
                else 0,
            }
            for job in finished
        ]
        return {
            "waited_s": time.perf_counter() - started,
            "timed_out": False,
            "count": len(jobs),
            "failed": [job for job in jobs if job["status"] != "succeeded"][:5],
            "longest": max(jobs, key=lambda job: job["run_s"], default=None),
            "worker_peak_rss_mib": self.memory(),
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown of the worker this bench started
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
