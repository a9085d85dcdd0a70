"""Django app configuration for opencorpo.dataio: imports, exports and planning templates."""

from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "opencorpo.dataio"
    label = "dataio"
    default_auto_field = "django.db.models.BigAutoField"
