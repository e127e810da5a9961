"""The certificate lists' filter sets, shared by the screen and the API (as :mod:`lijiao.training.filters`).

Each narrows a queryset the selectors already scoped to the user; :func:`lijiao.training.filters.filtered` is what
the screen, its xlsx export and the API all call, so they accept the same parameters with the same messages.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from lijiao.catalog.models import Level, Occupation
from lijiao.certificates.models import Certificate, CertificateType, EvaluatingBody
from lijiao.certificates.services.numbering import LEVEL_DIGITS

__all__ = ["CertificateFilterSet"]

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
    holder_name = _Trimmed(field_name="holder_name", lookup="icontains", label=gettext_lazy("持证人姓名"))
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
