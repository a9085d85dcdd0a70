"""Django app configuration for opencorpo.accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opencorpo.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from opencorpo.accounts import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
        from opencorpo.accounts.memo import connect

        connect()  # remembered roles and grants are forgotten when they change
