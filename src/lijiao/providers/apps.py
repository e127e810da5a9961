from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "lijiao.providers"
    label = "providers"
    verbose_name = "培训机构"
