"""One filter set for catalog items, used by the public screen and the API alike."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from lijiao.catalog.models import CatalogItem, Category, Level, ShortageTier

FLAG_CHOICES = [
    ("digital", "数字技能"),
    ("elder_child_care", "一老一小"),
    ("graduate_conversion", "毕业生专业转换"),
    ("new_business_form", "新业态"),
    ("shortage", "紧缺职业"),
]
_FLAG_FIELDS = {
    "digital": Q(is_digital=True),
    "elder_child_care": Q(is_elder_child_care=True),
    "graduate_conversion": Q(allows_graduate_conversion=True),
    "new_business_form": Q(is_new_business_form=True),
    "shortage": ~Q(shortage_tier=""),
}


class CatalogItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称或编码")
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), label="行业类别")
    level = django_filters.TypedChoiceFilter(choices=Level.choices, coerce=int, label="等级")
    kind = django_filters.ChoiceFilter(choices=CatalogItem.Kind.choices, label="类型")
    shortage_tier = django_filters.ChoiceFilter(
        choices=[c for c in ShortageTier.choices if c[0]], label="紧缺程度"
    )
    flag = django_filters.MultipleChoiceFilter(choices=FLAG_CHOICES, method="with_flags", label="标识")

    class Meta:
        model = CatalogItem
        fields = ["q", "category", "level", "kind", "shortage_tier", "flag"]

    def search(self, queryset: QuerySet[CatalogItem], name: str, value: str) -> QuerySet[CatalogItem]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(occupation__name__icontains=value)
            | Q(occupation__code__startswith=value)
            | Q(special_item__name__icontains=value)
            | Q(special_item__code__icontains=value)
        )

    def with_flags(self, queryset: QuerySet[CatalogItem], name: str, value: Any) -> QuerySet[CatalogItem]:
        for flag in value or ():
            queryset = queryset.filter(_FLAG_FIELDS[flag])
        return queryset
