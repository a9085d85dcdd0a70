"""Django app configuration for opencorpo.demo."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "opencorpo.demo"
    label = "demo"
