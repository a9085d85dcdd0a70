"""Django project configuration for OpenCorpo: settings, URLs, Celery app, WSGI."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
