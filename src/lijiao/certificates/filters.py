"""One filter set per certificates list, used by the screen and the API alike (same parameters, same rows)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from lijiao.certificates.models import EvaluatingBody, LevelAssessment

_YES_NO = (("true", gettext_lazy("是")), ("false", gettext_lazy("否")))


class BodyFilterSet(django_filters.FilterSet):
    """Evaluating bodies (``/certificates/bodies/``, ``GET /api/v1/certificates/bodies``): name or code, kind,
    status."""

    q = django_filters.CharFilter(
        method="search",
        max_length=100,
        label=gettext_lazy("名称或代码"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("机构名称或4位代码")}),
    )
    kind = django_filters.ChoiceFilter(
        choices=EvaluatingBody.Kind.choices,
        label=gettext_lazy("机构类型"),
        empty_label=gettext_lazy("全部类型"),
    )
    status = django_filters.ChoiceFilter(
        choices=EvaluatingBody.Status.choices,
        label=gettext_lazy("状态"),
        empty_label=gettext_lazy("全部状态"),
    )

    class Meta:
        model = EvaluatingBody
        fields = ["q", "kind", "status"]

    def search(self, queryset: QuerySet[EvaluatingBody], name: str, value: str) -> QuerySet[EvaluatingBody]:
        text = value.strip()
        return queryset.filter(Q(name__icontains=text) | Q(code=text)) if text else queryset


class ResultFilterSet(django_filters.FilterSet):
    """A body's results (``/certificates/bodies/<id>/results/``, ``GET …/bodies/{id}/results``)."""

    q = django_filters.CharFilter(
        method="search",
        max_length=50,
        label=gettext_lazy("姓名"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("考生姓名")}),
    )
    kind = django_filters.ChoiceFilter(
        choices=LevelAssessment.Kind.choices,
        label=gettext_lazy("评价类型"),
        empty_label=gettext_lazy("全部类型"),
    )
    status = django_filters.ChoiceFilter(
        choices=LevelAssessment.Status.choices,
        label=gettext_lazy("状态"),
        empty_label=gettext_lazy("全部状态"),
    )
    passed = django_filters.ChoiceFilter(
        method="by_passed",
        choices=_YES_NO,
        label=gettext_lazy("是否合格"),
        empty_label=gettext_lazy("合格与否"),
    )
    certified = django_filters.ChoiceFilter(
        method="by_certified",
        choices=_YES_NO,
        label=gettext_lazy("已颁证"),
        empty_label=gettext_lazy("颁证与否"),
    )

    class Meta:
        model = LevelAssessment
        fields = ["q", "kind", "status", "passed", "certified"]

    def search(self, queryset: QuerySet[LevelAssessment], name: str, value: str) -> QuerySet[LevelAssessment]:
        text = value.strip()
        return queryset.filter(person__name__icontains=text) if text else queryset

    def by_passed(
        self, queryset: QuerySet[LevelAssessment], name: str, value: str
    ) -> QuerySet[LevelAssessment]:
        return queryset.filter(passed=value == "true") if value else queryset

    def by_certified(
        self, queryset: QuerySet[LevelAssessment], name: str, value: str
    ) -> QuerySet[LevelAssessment]:
        return queryset.filter(certificate__isnull=value != "true") if value else queryset
