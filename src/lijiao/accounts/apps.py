from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "lijiao.accounts"
    label = "accounts"
    verbose_name = _("账户与角色")

    def ready(self) -> None:
        from lijiao.accounts import roles, signals  # noqa: F401

        post_migrate.connect(roles.sync_roles, sender=self, dispatch_uid="lijiao_sync_roles")
