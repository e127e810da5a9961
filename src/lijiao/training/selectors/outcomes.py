"""A provider's training outcomes for its credit record (SPEC C3), handed down to the providers app.

Providers sit below training and cannot read classes or results themselves; ``TrainingConfig.ready`` registers
:func:`provider_outcomes` with :func:`lijiao.providers.selectors.register_training_outcomes`.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from lijiao.providers.models import Provider
from lijiao.providers.selectors import TrainingOutcomes
from lijiao.training.models import TrainingClass

# Classes that counted: approved by the bureau (running, finished, assessed, closed included).
COUNTED_CLASS_STATUSES = ("approved", "running", "finished", "assessed", "closed")


def provider_outcomes(provider: Provider) -> TrainingOutcomes:
    """The provider's approved classes and its trainees assessed and passed, in one aggregate over its classes:
    each class carries its results' counts (kept by the assessment services), read from the index
    ``(provider, status, assessed_count, passed_count)`` alone. Joining every result to its enrollment and class
    grew with the provider's whole history (ADR 0014)."""
    totals = TrainingClass.objects.filter(provider_id=provider.pk).aggregate(
        classes=Count("status", filter=Q(status__in=COUNTED_CLASS_STATUSES)),  # index columns only
        assessed=Sum("assessed_count"),
        passed=Sum("passed_count"),
    )
    return TrainingOutcomes(
        classes_count=totals["classes"] or 0,
        assessed_count=totals["assessed"] or 0,
        passed_count=totals["passed"] or 0,
    )
