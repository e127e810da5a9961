from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "lijiao.training"
    label = "training"
    verbose_name = "培训"
