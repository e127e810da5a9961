from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lijiao.core"
    label = "core"
    verbose_name = "基础数据"
