from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "lijiao.people"
    label = "people"
    verbose_name = "人员"
