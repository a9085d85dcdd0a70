"""Prometheus metrics of the web and worker processes; multi-process safe when PROMETHEUS_MULTIPROC_DIR is set."""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = Histogram(
    "opencorpo_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern, method and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
REQUEST_DB_SECONDS = Histogram(
    "opencorpo_http_request_db_seconds",
    "Database time spent inside one HTTP request.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
REQUEST_DB_QUERIES = Histogram(
    "opencorpo_http_request_db_queries",
    "Number of database queries run by one HTTP request.",
    ["route"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 500),
)
JOB_SECONDS = Histogram(
    "opencorpo_job_duration_seconds",
    "Run time of background jobs, by kind and final status.",
    ["kind", "status"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
JOBS_SUBMITTED = Counter("opencorpo_jobs_submitted", "Jobs submitted, by kind.", ["kind"])
CACHE_REQUESTS = Counter("opencorpo_cache_requests", "Result-cache look-ups, by outcome (hit or miss).", ["outcome"])


def render_latest() -> tuple[bytes, str]:
    """The exposition text for /metrics, merged across processes in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(DEFAULT_REGISTRY), CONTENT_TYPE_LATEST
