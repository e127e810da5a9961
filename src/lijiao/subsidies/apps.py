from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "lijiao.subsidies"
    label = "subsidies"
    verbose_name = "补贴"
