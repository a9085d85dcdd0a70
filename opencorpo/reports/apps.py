"""Django app configuration for opencorpo.reports: saved reports (grid queries with display or chart options)
and dashboards made of them."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "opencorpo.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"
