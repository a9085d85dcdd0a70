"""The Celery application, configured from the CELERY_* settings (RabbitMQ in production, a folder by default)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("opencorpo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
