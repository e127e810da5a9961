from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "lijiao.portal"
    label = "portal"
