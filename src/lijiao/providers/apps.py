from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ProvidersConfig(AppConfig):
    name = "lijiao.providers"
    label = "providers"
    verbose_name = gettext_lazy("培训机构")
