from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lijiao.audit"
    label = "audit"
