from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "lijiao.training"
    label = "training"
    verbose_name = "培训"

    def ready(self) -> None:
        # Providers sit below training (ADR 0001): their credit record gets the pass figures from here.
        from lijiao.providers.selectors import register_training_outcomes
        from lijiao.training.selectors.outcomes import provider_outcomes

        register_training_outcomes(provider_outcomes)
