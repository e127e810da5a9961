"""One filter set per training list, shared by the screen and the API (as :mod:`lijiao.catalog.filters`).

Each filter set narrows a queryset the selectors already scoped to the user; the screen renders its form and
the API validates the same query parameters with it, so both accept the same parameters, refuse the same bad
values with the same messages, and return the same rows. :func:`filtered` is what both call.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.core.errors import DomainError, FieldError
from lijiao.providers.models import Provider
from lijiao.training.models import ClassStatus, Enrollment, Program, TrainingClass

__all__ = [
    "ClassFilterSet",
    "EnrollmentFilterSet",
    "ProgramFilterSet",
    "ReviewQueueFilterSet",
    "checked_qs",
    "filtered",
]

MAX_TEXT = 100
TRIGRAM = 3  # pg_trgm narrows a search only from three characters on


class _TextSearch(django_filters.CharFilter):
    """A trimmed "contains" search over several fields (at most 100 characters)."""

    def __init__(self, *fields: str, **kwargs: Any) -> None:
        self.search_fields = fields
        super().__init__(max_length=MAX_TEXT, **kwargs)

    def filter(self, qs: QuerySet[Any], value: str | None) -> QuerySet[Any]:
        text = (value or "").strip()
        if not text:
            return qs
        # A term without letters that have a case (电工, 2026) matches the same rows with or without UPPER();
        # below three characters no trigram index can serve it and the database reads every row, where
        # UPPER() on each Chinese name cost 4× the plain LIKE (ADR 0014). From three characters on, icontains
        # compiles to UPPER(column) LIKE …, the expression the trigram indexes are built on.
        lookup = "contains" if len(text) < TRIGRAM and text.upper() == text.lower() else "icontains"
        condition = Q()
        for name in self.search_fields:
            condition |= Q(**{f"{name}__{lookup}": text})
        return qs.filter(condition)


class ClassFilterSet(django_filters.FilterSet):
    """The class list (``/training/classes/`` and ``GET /api/v1/training/classes``)."""

    status = django_filters.ChoiceFilter(choices=ClassStatus.choices, label=gettext_lazy("状态"))
    provider_id = django_filters.ModelChoiceFilter(
        field_name="provider", queryset=Provider.objects.all(), label=gettext_lazy("培训机构")
    )
    program_id = django_filters.ModelChoiceFilter(
        field_name="program", queryset=Program.objects.all(), label=gettext_lazy("培训项目")
    )
    start_from = django_filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label=gettext_lazy("开班日期不早于")
    )
    start_to = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label=gettext_lazy("开班日期不晚于")
    )
    q = _TextSearch("name", "code", label=gettext_lazy("班级名称或编号"))

    class Meta:
        model = TrainingClass
        fields = ["status", "provider_id", "program_id", "start_from", "start_to", "q"]


class ReviewQueueFilterSet(django_filters.FilterSet):
    """The review queue of filed classes (``/training/review/`` and ``GET …/classes/review-queue``)."""

    provider_id = django_filters.ModelChoiceFilter(
        field_name="provider", queryset=Provider.objects.all(), label=gettext_lazy("培训机构")
    )
    start_from = django_filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label=gettext_lazy("开班日期不早于")
    )
    start_to = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label=gettext_lazy("开班日期不晚于")
    )
    q = _TextSearch("name", "code", "provider__name", label=gettext_lazy("班级名称、编号或培训机构"))

    class Meta:
        model = TrainingClass
        fields = ["provider_id", "start_from", "start_to", "q"]


class ProgramFilterSet(django_filters.FilterSet):
    """The program list (``/training/programs/`` and ``GET /api/v1/training/programs``)."""

    year = django_filters.NumberFilter(field_name="year", label=gettext_lazy("年度"))
    kind = django_filters.ChoiceFilter(choices=Program.Kind.choices, label=gettext_lazy("项目类型"))
    q = _TextSearch("name", "code", label=gettext_lazy("项目名称或编码"))

    class Meta:
        model = Program
        fields = ["year", "kind", "q"]


class EnrollmentFilterSet(django_filters.FilterSet):
    """A class's roster (the roster screen and ``GET …/classes/{id}/enrollments``): by status and name."""

    status = django_filters.ChoiceFilter(choices=Enrollment.Status.choices, label=gettext_lazy("状态"))
    q = _TextSearch("person__name", label=gettext_lazy("姓名"))

    class Meta:
        model = Enrollment
        fields = ["status", "q"]


def checked_qs[M: Model](filterset: django_filters.FilterSet) -> QuerySet[M]:
    """The filter set's rows, or :class:`DomainError` (422) naming each bad parameter in words users know.

    The API answers the error as it is; a screen shows its messages above an empty list.
    """
    if not filterset.is_valid():
        labels = {name: str(f.label or name) for name, f in filterset.filters.items()}
        errors = tuple(
            FieldError(name, "；".join(f"{labels.get(name, name)}：{m}" for m in messages))
            for name, messages in filterset.errors.items()
        )
        raise DomainError(_("筛选条件有误"), code="invalid_filter", errors=errors, status=422)
    qs: QuerySet[M] = filterset.qs
    return qs


def filtered[M: Model](
    filterset_class: type[django_filters.FilterSet], data: Any, queryset: QuerySet[M]
) -> QuerySet[M]:
    """``queryset`` narrowed by the query parameters ``data`` (see :func:`checked_qs`)."""
    return checked_qs(filterset_class(data, queryset=queryset))
