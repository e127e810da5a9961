from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for development and ``make run`` (no models; no other app imports it)."""

    name = "lijiao.demo"
    label = "demo"
