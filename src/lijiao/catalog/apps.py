from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "lijiao.catalog"
    label = "catalog"
