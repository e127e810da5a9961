"""Reading programs and classes, scoped to what the user may see (SPEC C4, C12).

Classes go through :meth:`lijiao.accounts.scope.Scope.filter_by_provider` on ``provider`` / ``handling_area``:
provider staff see their own provider's classes only, district clerks the classes of their handling area,
city-wide roles all of them; users without ``training.view_trainingclass`` and anonymous callers see none.
Reading one class (:func:`get_class`) checks the model permission first (:class:`~lijiao.core.errors.
PermissionDenied`, before anything is looked up; ADR 0005); something out of scope answers
:class:`~lijiao.core.errors.NotFound`, exactly like an unknown id.

:func:`visible_classes` / :func:`get_class` are the only way any screen, API handler or selector reads a class
(the roster, attendance and results readers re-export them). Lists are narrowed by the filter sets of
:mod:`lijiao.training.filters`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.catalog.models import CatalogItem, Edition
from lijiao.catalog.selectors import edition_in_force
from lijiao.core.actors import Actor, is_authenticated
from lijiao.core.errors import NotFound
from lijiao.core.permissions import require_perm
from lijiao.providers.models import Provider, ProviderScope
from lijiao.training.models import ClassSession, ClassStatus, Enrollment, Program, TrainingClass
from lijiao.training.services.classes import (
    LESSON_MINUTES,
    Timetable,
    allowed_actions,
    hour_requirement,
    lesson_rule_for,
    timetable,
    timetable_warnings,
)
from lijiao.training.services.programs import quota_used

__all__ = [
    "ClassDetail",
    "class_detail",
    "for_list",
    "get_class",
    "get_program",
    "program_usage",
    "provider_items",
    "require_class_reader",
    "review_queue",
    "visible_classes",
    "visible_programs",
    "with_quota_used",
]


# ---------------------------------------------------------------------------------------------------------------
# Programs


def visible_programs(user: Actor | None) -> QuerySet[Program]:
    """Programs are public policy data: everyone sees the active ones; training staff also inactive ones."""
    qs = Program.objects.all()
    if user is not None and is_authenticated(user) and user.has_perm("training.view_program"):
        return qs
    return qs.filter(active=True)


def with_quota_used(programs: QuerySet[Program]) -> QuerySet[Program]:
    """``programs`` each with ``quota_used_count`` (as :func:`quota_used` in its own year) in the same query: the
    places taken in the program's classes of its year (``TrainingClass.enrolled_count``), summed from the index
    ``(program, start_date, enrolled_count)`` — a few hundred index entries per program instead of
    every enrollment of the year (ADR 0014)."""
    used = (
        TrainingClass.objects.filter(program=OuterRef("pk"), start_date__year=OuterRef("year"))
        .order_by()
        .values("program")
        .annotate(n=Sum("enrolled_count"))
        .values("n")
    )
    return programs.annotate(quota_used_count=Coalesce(Subquery(used), 0))


def get_program(user: Actor | None, pk: int) -> Program:
    program = visible_programs(user).filter(pk=pk).first()
    if program is None:
        raise NotFound(_("培训项目不存在"))
    return program


def program_usage(program: Program, year: int | None = None) -> dict[str, Any]:
    """Quota and use of a program in a year (person-times), and its classes by status."""
    year = year or program.year
    used = quota_used(program, year)
    classes = dict(
        TrainingClass.objects.filter(program=program, start_date__year=year)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "year": year,
        "quota": program.quota,
        "used": used,
        "remaining": max(program.quota - used, 0),
        "classes": classes,
    }


# ---------------------------------------------------------------------------------------------------------------
# Classes


def _base() -> QuerySet[TrainingClass]:
    return TrainingClass.objects.select_related(
        "provider",
        "handling_area",
        "catalog_item__occupation",
        "catalog_item__work_type",
        "catalog_item__special_item",
        "catalog_item__edition",
        "program",
        "venue",
    )


def for_list(classes: QuerySet[TrainingClass]) -> QuerySet[TrainingClass]:
    """``classes`` loaded for a list (ADR 0014): the list's row joins only the small rows it names (provider,
    handling area, program, venue); the catalog item with its occupation, 工种, special item and edition comes in
    one more query for the page's items. The 9-table join of :func:`visible_classes` cost PostgreSQL ~30 ms of
    planning on every request at city scale, and joined every row an offset skipped."""
    items = CatalogItem.objects.select_related("occupation", "work_type", "special_item", "edition")
    return (
        classes.select_related(None)
        .select_related("provider", "handling_area", "program", "venue")
        .prefetch_related(Prefetch("catalog_item", queryset=items))
    )


def visible_classes(user: Actor | None) -> QuerySet[TrainingClass]:
    """Classes the user may see (own provider / handling area / all), newest start first."""
    if user is None or not (is_authenticated(user) and user.has_perm("training.view_trainingclass")):
        return TrainingClass.objects.none()
    return Scope.for_user(user).filter_by_provider(
        _base(), provider_field="provider", area_field="handling_area"
    )


VIEW_CLASS = "training.view_trainingclass"


def require_class_reader(user: Actor | None) -> None:
    """:class:`PermissionDenied` unless the user may read classes at all (``training.view_trainingclass``)."""
    require_perm(user, VIEW_CLASS)


def get_class(user: Actor | None, pk: int) -> TrainingClass:
    """One visible class: :class:`PermissionDenied` without ``training.view_trainingclass``, :class:`NotFound`
    out of scope (looks the same as unknown)."""
    require_class_reader(user)
    training_class = visible_classes(user).filter(pk=pk).first()
    if training_class is None:
        raise NotFound(_("培训班不存在"))
    return training_class


def review_queue(user: Actor | None) -> QuerySet[TrainingClass]:
    """Filed classes of the reviewer's handling area, oldest application first (none for non-reviewers)."""
    if user is None or not (is_authenticated(user) and user.has_perm("training.review_trainingclass")):
        return TrainingClass.objects.none()
    qs = Scope.for_user(user).filter_by_area(_base(), area_field="handling_area")
    return qs.filter(status=ClassStatus.FILED).order_by("filed_on", "updated_at", "pk")


@dataclass(frozen=True, slots=True)
class ClassDetail:
    """A class with its timetable, totals, roster counts and the actions the table allows next."""

    training_class: TrainingClass
    sessions: list[ClassSession]
    teachers: list[Any]
    timetable: Timetable
    min_hours: int | None
    min_practical_share: Any
    enrollments: dict[str, int]
    assessed: int
    passed: int
    actions: list[str]
    requirement: str = ""  # the hour requirement stated once, with what the timetable holds
    warnings: list[str] = field(default_factory=list)  # e.g. sessions on public holidays

    @property
    def enrolled(self) -> int:
        return sum(n for status, n in self.enrollments.items() if status != Enrollment.Status.WITHDRAWN)


def class_detail(user: Actor | None, pk: int) -> ClassDetail:
    """A visible class with everything its detail page and API show (NotFound when out of scope)."""
    training_class = get_class(user, pk)
    sessions = list(
        ClassSession.objects.filter(training_class=training_class)
        .select_related("teacher", "venue")
        .order_by("starts_at")
    )
    for session in sessions:
        session.minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)  # type: ignore[attr-defined]
    rule = lesson_rule_for(training_class.catalog_item)
    table = timetable(training_class, rule.lesson_minutes if rule else LESSON_MINUTES)
    counts = dict(
        Enrollment.objects.filter(training_class=training_class)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    results = Enrollment.objects.filter(training_class=training_class, assessment__isnull=False).aggregate(
        assessed=Count("id"), passed=Count("id", filter=Q(assessment__passed=True))
    )
    min_hours = None
    if rule is not None:
        min_hours = max(rule.min_total_hours, training_class.catalog_item.min_lesson_hours or 0)
    return ClassDetail(
        training_class=training_class,
        sessions=sessions,
        teachers=list(training_class.teachers.all()),
        timetable=table,
        min_hours=min_hours,
        min_practical_share=rule.min_practical_share if rule else None,
        enrollments={status: counts.get(status, 0) for status in Enrollment.Status.values},
        assessed=results["assessed"] or 0,
        passed=results["passed"] or 0,
        actions=allowed_actions(user, training_class) if user is not None else [],
        requirement=hour_requirement(training_class.catalog_item, rule).statement(table),
        warnings=timetable_warnings(timezone.localtime(s.starts_at).date() for s in sessions),
    )


def provider_items(provider: Provider, on: dt.date | None = None) -> QuerySet[CatalogItem]:
    """Items of the edition in force on ``on`` (default today) within the provider's training scope."""
    edition: Edition | None = edition_in_force(on or timezone.localdate())
    if edition is None:
        return CatalogItem.objects.none()
    condition = Q(pk__in=[])
    for scope in ProviderScope.objects.filter(provider=provider):
        if scope.occupation_id is not None:
            condition |= Q(occupation_id=scope.occupation_id, level__gte=scope.highest_level)
        elif scope.special_item_id is not None:
            condition |= Q(special_item_id=scope.special_item_id)
    return (
        CatalogItem.objects.filter(edition=edition)
        .filter(condition)
        .select_related("occupation", "work_type", "special_item", "edition")
    )
