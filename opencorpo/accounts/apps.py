"""Django app configuration for opencorpo.accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opencorpo.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
