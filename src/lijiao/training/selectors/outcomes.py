"""A provider's training outcomes for its credit record (SPEC C3), handed down to the providers app.

Providers sit below training and cannot read classes or results themselves; ``TrainingConfig.ready`` registers
:func:`provider_outcomes` with :func:`lijiao.providers.selectors.register_training_outcomes`.
"""

from __future__ import annotations

from django.db.models import Count, Q

from lijiao.providers.models import Provider
from lijiao.providers.selectors import TrainingOutcomes
from lijiao.training.models import AssessmentResult, TrainingClass

# Classes that counted: approved by the bureau (running, finished, assessed, closed included).
COUNTED_CLASS_STATUSES = ("approved", "running", "finished", "assessed", "closed")


def provider_outcomes(provider: Provider) -> TrainingOutcomes:
    """The provider's approved classes and its trainees assessed and passed: two aggregate queries."""
    classes_count = TrainingClass.objects.filter(
        provider_id=provider.pk, status__in=COUNTED_CLASS_STATUSES
    ).count()
    results = AssessmentResult.objects.filter(enrollment__training_class__provider_id=provider.pk).aggregate(
        assessed=Count("pk"), passed=Count("pk", filter=Q(passed=True))
    )
    return TrainingOutcomes(
        classes_count=classes_count,
        assessed_count=results["assessed"] or 0,
        passed_count=results["passed"] or 0,
    )
