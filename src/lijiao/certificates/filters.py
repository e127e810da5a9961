"""The certificate lists' filter sets, shared by the screen and the API (as :mod:`lijiao.training.filters`).

Each narrows a queryset the selectors already scoped to the user; :func:`lijiao.training.filters.filtered` is what
the screen, its xlsx export and the API all call, so they accept the same parameters with the same messages.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from lijiao.catalog.models import Level, Occupation
from lijiao.certificates.models import Certificate, CertificateType, EvaluatingBody, LevelAssessment
from lijiao.certificates.services.numbering import LEVEL_DIGITS

__all__ = ["BodyFilterSet", "CertificateFilterSet", "ResultFilterSet"]

MAX_TEXT = 100
LEVEL_CHOICES = [(int(v), label) for v, label in Level.choices if v in LEVEL_DIGITS]


class _Trimmed(django_filters.CharFilter):
    """A trimmed text filter (at most 100 characters); empty: no filter."""

    def __init__(self, *, lookup: str, upper: bool = False, **kwargs: Any) -> None:
        self.upper = upper
        super().__init__(max_length=MAX_TEXT, lookup_expr=lookup, **kwargs)

    def filter(self, qs: QuerySet[Any], value: str | None) -> QuerySet[Any]:
        text = (value or "").strip()
        result: QuerySet[Any] = super().filter(qs, text.upper() if self.upper else text)
        return result


class CertificateFilterSet(django_filters.FilterSet):
    """The staff's certificate list (``/certificates/staff/`` and ``GET /api/v1/certificates/certificates``)."""

    # numbers are upper case: a plain prefix LIKE on the unique index (PostgreSQL's pattern-ops index), not UPPER()
    number = _Trimmed(
        field_name="number", lookup="startswith", upper=True, label=gettext_lazy("证书编号（前缀）")
    )
    # a name from its first character (the full name, or the surname): a prefix LIKE on the name's pattern-ops
    # index (PostgreSQL), not a scan of every certificate; names have no case, so no UPPER() (ADR 0015)
    holder_name = _Trimmed(field_name="holder_name", lookup="startswith", label=gettext_lazy("持证人姓名"))
    certificate_type = django_filters.ChoiceFilter(
        choices=CertificateType.choices, label=gettext_lazy("证书类型")
    )
    status = django_filters.ChoiceFilter(choices=Certificate.Status.choices, label=gettext_lazy("状态"))
    source = django_filters.ChoiceFilter(choices=Certificate.Source.choices, label=gettext_lazy("来源"))
    body_id = django_filters.ModelChoiceFilter(
        field_name="body", queryset=EvaluatingBody.objects.all(), label=gettext_lazy("评价机构")
    )
    occupation_id = django_filters.ModelChoiceFilter(
        field_name="occupation", queryset=Occupation.objects.all(), label=gettext_lazy("职业")
    )
    occupation_code = _Trimmed(field_name="occupation__code", lookup="exact", label=gettext_lazy("职业编码"))
    level = django_filters.TypedChoiceFilter(choices=LEVEL_CHOICES, coerce=int, label=gettext_lazy("等级"))
    year = django_filters.NumberFilter(
        field_name="issued_on",
        lookup_expr="year",
        min_value=1950,
        max_value=2100,
        label=gettext_lazy("发证年度"),
    )
    report_status = django_filters.ChoiceFilter(
        choices=Certificate.Report.choices, label=gettext_lazy("上报状态")
    )
    flagged = django_filters.BooleanFilter(method="_flagged", label=gettext_lazy("有核查提示"))

    class Meta:
        model = Certificate
        fields = [
            "number",
            "holder_name",
            "certificate_type",
            "status",
            "source",
            "body_id",
            "occupation_id",
            "occupation_code",
            "level",
            "year",
            "report_status",
            "flagged",
        ]

    def _flagged(self, qs: QuerySet[Certificate], name: str, value: bool | None) -> QuerySet[Certificate]:
        if value is None:
            return qs
        return qs.exclude(flags=[]) if value else qs.filter(flags=[])


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
