"""One filter set per catalog list, used by the screens and the API alike (same parameters, checks and rows)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from lijiao.catalog.models import CatalogItem, Category, Level, Occupation, ShortageTier, SpecialItem

FLAG_CHOICES = [
    ("digital", gettext_lazy("数字技能")),
    ("elder_child_care", gettext_lazy("一老一小")),
    ("graduate_conversion", gettext_lazy("毕业生专业转换")),
    ("new_business_form", gettext_lazy("新业态")),
    ("shortage", gettext_lazy("紧缺职业")),
]
_FLAG_FIELDS = {
    "digital": Q(is_digital=True),
    "elder_child_care": Q(is_elder_child_care=True),
    "graduate_conversion": Q(allows_graduate_conversion=True),
    "new_business_form": Q(is_new_business_form=True),
    "shortage": ~Q(shortage_tier=""),
}


class CatalogItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=gettext_lazy("名称或编码"))
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), label=gettext_lazy("行业类别")
    )
    level = django_filters.TypedChoiceFilter(choices=Level.choices, coerce=int, label=gettext_lazy("等级"))
    work_type = django_filters.CharFilter(
        field_name="work_type__code", max_length=16, label=gettext_lazy("工种编码")
    )
    kind = django_filters.ChoiceFilter(choices=CatalogItem.Kind.choices, label=gettext_lazy("类型"))
    shortage_tier = django_filters.ChoiceFilter(
        choices=[c for c in ShortageTier.choices if c[0]], label=gettext_lazy("紧缺程度")
    )
    flag = django_filters.MultipleChoiceFilter(
        choices=FLAG_CHOICES, method="with_flags", label=gettext_lazy("标识")
    )

    class Meta:
        model = CatalogItem
        fields = ["q", "category", "level", "work_type", "kind", "shortage_tier", "flag"]

    def search(self, queryset: QuerySet[CatalogItem], name: str, value: str) -> QuerySet[CatalogItem]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(occupation__name__icontains=value)
            | Q(occupation__code__startswith=value)
            | Q(work_type__name__icontains=value)
            | Q(special_item__name__icontains=value)
            | Q(special_item__code__icontains=value)
        )

    def with_flags(self, queryset: QuerySet[CatalogItem], name: str, value: Any) -> QuerySet[CatalogItem]:
        for flag in value or ():
            queryset = queryset.filter(_FLAG_FIELDS[flag])
        return queryset


class ActiveOnlyFilterSet(django_filters.FilterSet):
    """Active rows only, unless ``include_inactive`` is true (for models with an ``active`` flag)."""

    include_inactive = django_filters.BooleanFilter(method="keep", label=gettext_lazy("包括已停用的"))

    def keep(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset  # applied in filter_queryset, also when the parameter is absent

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        return queryset if self.form.cleaned_data.get("include_inactive") else queryset.filter(active=True)


class CategoryFilterSet(ActiveOnlyFilterSet):
    """Industry categories (``GET /api/v1/catalog/categories``)."""

    class Meta:
        model = Category
        fields = ["include_inactive"]


class OccupationFilterSet(ActiveOnlyFilterSet):
    """Occupations by name (contains) or code (prefix) (``GET /api/v1/catalog/occupations``)."""

    q = django_filters.CharFilter(method="search", max_length=100, label=gettext_lazy("名称或编码"))

    class Meta:
        model = Occupation
        fields = ["q", "include_inactive"]

    def search(self, queryset: QuerySet[Occupation], name: str, value: str) -> QuerySet[Occupation]:
        text = value.strip()
        if not text:
            return queryset
        # A 工种 name finds its occupation too (育婴员 → 婴幼儿发展引导员).
        return queryset.filter(
            Q(name__icontains=text) | Q(code__startswith=text) | Q(work_types__name__icontains=text)
        ).distinct()


class SpecialItemFilterSet(ActiveOnlyFilterSet):
    """Special and business-start items by name or code (contains) and kind (``GET /api/v1/catalog/special-items``)."""

    q = django_filters.CharFilter(method="search", max_length=100, label=gettext_lazy("名称或编码"))
    kind = django_filters.ChoiceFilter(choices=SpecialItem.Kind.choices, label=gettext_lazy("类型"))

    class Meta:
        model = SpecialItem
        fields = ["q", "kind", "include_inactive"]

    def search(self, queryset: QuerySet[SpecialItem], name: str, value: str) -> QuerySet[SpecialItem]:
        text = value.strip()
        return queryset.filter(Q(name__icontains=text) | Q(code__icontains=text)) if text else queryset
