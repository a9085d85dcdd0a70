"""Django app configuration for opencorpo.core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "opencorpo.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")  # each app registers its job kinds in jobs.py
