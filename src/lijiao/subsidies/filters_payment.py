"""Filter sets of finance's and the 公示 lists, shared by the screens, their xlsx exports and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy

from lijiao.subsidies.models import Clawback, Objection, PaymentBatch

__all__ = ["BatchFilterSet", "ClawbackFilterSet", "ObjectionFilterSet"]


class BatchFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    status = django_filters.ChoiceFilter(choices=PaymentBatch.Status.choices, label=gettext_lazy("状态"))
    number = django_filters.CharFilter(
        field_name="number", lookup_expr="startswith", max_length=20, label=gettext_lazy("批次号")
    )

    class Meta:
        model = PaymentBatch
        fields: list[str] = []


class ClawbackFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    recovery_status = django_filters.ChoiceFilter(
        choices=Clawback.Recovery.choices, label=gettext_lazy("追回状态")
    )
    claim_number = django_filters.CharFilter(
        field_name="claim__number", lookup_expr="exact", max_length=20, label=gettext_lazy("申请编号")
    )

    class Meta:
        model = Clawback
        fields: list[str] = []


class ObjectionFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    status = django_filters.ChoiceFilter(choices=Objection.Status.choices, label=gettext_lazy("状态"))

    class Meta:
        model = Objection
        fields: list[str] = []
