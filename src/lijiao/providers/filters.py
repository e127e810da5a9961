"""One filter set per provider list, used by the screen and the API alike (same parameters, same checks, same rows)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from lijiao.catalog.filters import ActiveOnlyFilterSet
from lijiao.core.models import HandlingArea
from lijiao.providers.models import Provider, ProviderStatus, Teacher, Venue


class ProviderFilterSet(django_filters.FilterSet):
    """The staff list (``/providers/``, ``GET /api/v1/providers``): name or credit code, status."""

    q = django_filters.CharFilter(
        method="search",
        max_length=100,
        label=gettext_lazy("名称或信用代码"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("机构名称或统一社会信用代码")}
        ),
    )
    status = django_filters.ChoiceFilter(
        choices=ProviderStatus.choices, label=gettext_lazy("状态"), empty_label=gettext_lazy("全部")
    )

    class Meta:
        model = Provider
        fields = ["q", "status"]

    def search(self, queryset: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(name__icontains=text) | Q(credit_code__icontains=text.upper()))


class ListedProviderFilterSet(django_filters.FilterSet):
    """The public list of listed providers (``/providers/listed/``, ``GET /api/v1/providers/listed``)."""

    q = django_filters.CharFilter(
        method="search",
        max_length=100,
        label=gettext_lazy("机构名称"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("机构名称")}),
    )
    area = django_filters.ModelChoiceFilter(
        field_name="handling_area",
        to_field_name="code",
        queryset=HandlingArea.objects.filter(active=True),
        label=gettext_lazy("经办区域"),
        empty_label=gettext_lazy("全部经办区域"),
    )

    class Meta:
        model = Provider
        fields = ["q", "area"]

    def search(self, queryset: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        text = value.strip()
        return queryset.filter(name__icontains=text) if text else queryset


class TeacherFilterSet(ActiveOnlyFilterSet):
    """A provider's teachers (``GET /api/v1/providers/{id}/teachers``): those teaching unless ``include_inactive``."""

    class Meta:
        model = Teacher
        fields = ["include_inactive"]


class VenueFilterSet(ActiveOnlyFilterSet):
    """A provider's venues (``GET /api/v1/providers/{id}/venues``): those in use unless ``include_inactive``."""

    class Meta:
        model = Venue
        fields = ["include_inactive"]
