"""Django app configuration for opencorpo.governance: approvals per version × entity, cell comments, notifications."""

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "opencorpo.governance"
    label = "governance"
    default_auto_field = "django.db.models.BigAutoField"
