"""Test settings for pytest: the machine's PostgreSQL, Redis and RabbitMQ; each run its own database, prefix, queue."""

from __future__ import annotations

import os
import tempfile
import uuid

RUN_ID = uuid.uuid4().hex[:10]
RUN_DIR = tempfile.mkdtemp(prefix=f"opencorpo-test-{RUN_ID}-")

# Set before Django reads its settings. Services default to the ones running on the dev/CI machine.
os.environ["OPENCORPO_ENV"] = "test"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opencorpo")
os.environ["OPENCORPO_TEST_DATABASE_NAME"] = f"test_opencorpo_{RUN_ID}"
os.environ.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
os.environ["OPENCORPO_CACHE_PREFIX"] = f"test-{RUN_ID}"
os.environ["OPENCORPO_QUEUE"] = f"opencorpo-test-{RUN_ID}"
os.environ["OPENCORPO_DATA_DIR"] = RUN_DIR
os.environ.pop("REDIS_URL", None)  # in-process default: the file cache; Redis is exercised explicitly
os.environ.pop("CELERY_BROKER_URL", None)  # in-process default: the folder broker; RabbitMQ is exercised explicitly

from config.settings import *  # noqa: E402,F403
