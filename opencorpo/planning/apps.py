"""Django app configuration for opencorpo.planning."""

from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "opencorpo.planning"
    label = "planning"
    default_auto_field = "django.db.models.BigAutoField"
