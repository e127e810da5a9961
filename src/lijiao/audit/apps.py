from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lijiao.audit"
    label = "audit"

    def ready(self) -> None:
        from lijiao.audit import checks  # noqa: F401 -- registers the deployment checks
