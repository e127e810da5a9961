"""Reading enrollments, attendance and results, scoped to what the user may see (SPEC C12).

Every read goes through :class:`lijiao.accounts.scope.Scope`: provider staff see their own provider's classes
and trainees only, district clerks their handling area's, city-wide roles everything. An id outside the scope is
:class:`lijiao.core.errors.NotFound`, exactly like a missing one. Classes are read by the one
:func:`~lijiao.training.selectors.classes.visible_classes` / :func:`~lijiao.training.selectors.classes.get_class`
pair (re-exported here); their trainees only by users who also hold ``training.view_enrollment``
(:func:`can_see_trainees`; :func:`require_trainee_reader` / :func:`require_person_reader` refuse the others with
:class:`~lijiao.core.errors.PermissionDenied` before anything is looked up, ADR 0005). The sheet and results
readers are set-based:
a fixed number of queries whatever the size of the class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.core.actors import Actor, is_authenticated
from lijiao.core.errors import NotFound
from lijiao.core.permissions import require_perm
from lijiao.people.models import Person, PersonGroup
from lijiao.training.checks import hours_rate
from lijiao.training.models import AssessmentResult, CheckIn, ClassSession, Enrollment, TrainingClass
from lijiao.training.selectors.classes import get_class, visible_classes

__all__ = [
    "AttendanceRow",
    "AttendanceSheet",
    "ResultRow",
    "attendance_sheet",
    "can_see_trainees",
    "class_results",
    "class_roster",
    "get_class",
    "get_enrollment",
    "get_person",
    "get_session",
    "person_enrollments",
    "require_person_reader",
    "require_trainee_reader",
    "visible_classes",
    "visible_enrollments",
    "visible_people",
]


def can_see_trainees(user: Actor | None) -> bool:
    """Whether the user may read enrollments, attendance and results at all (their scope still applies)."""
    return bool(is_authenticated(user) and user is not None and user.has_perm("training.view_enrollment"))


def require_trainee_reader(user: Actor | None) -> None:
    """:class:`PermissionDenied` unless the user may read classes and their trainees."""
    require_perm(user, "training.view_trainingclass")
    require_perm(user, "training.view_enrollment")


def require_person_reader(user: Actor | None) -> None:
    """:class:`PermissionDenied` unless the user may read people (``people.view_person``)."""
    require_perm(user, "people.view_person")


def visible_enrollments(user: Actor | None) -> QuerySet[Enrollment]:
    """Enrollments the user may see, scoped through their class."""
    if not can_see_trainees(user):
        return Enrollment.objects.none()
    return Scope.for_user(user).filter_by_provider(
        Enrollment.objects.select_related("training_class", "person"),
        provider_field="training_class__provider",
        area_field="training_class__handling_area",
    )


def visible_people(user: Actor | None) -> QuerySet[Person]:
    """People the user may see: everyone for city-wide roles, else those enrolled in a class in scope."""
    if user is None or not (is_authenticated(user) and user.has_perm("people.view_person")):
        return Person.objects.none()
    scope = Scope.for_user(user)
    if scope.all_areas:
        return Person.objects.all()
    enrolled = visible_enrollments(user).values("person_id")
    return Person.objects.filter(pk__in=enrolled)


def get_enrollment(user: Actor | None, enrollment_id: int) -> Enrollment:
    require_trainee_reader(user)
    found = visible_enrollments(user).select_related("eligibility_decision").filter(pk=enrollment_id).first()
    if found is None:
        raise NotFound(_("报名记录不存在"))
    return found


def get_session(user: Actor | None, session_id: int) -> ClassSession:
    found = (
        ClassSession.objects.select_related("training_class")
        .filter(pk=session_id, training_class__in=visible_classes(user))
        .first()
    )
    if found is None:
        raise NotFound(_("课程不存在"))
    return found


def get_person(user: Actor | None, person_id: int) -> Person:
    require_person_reader(user)
    found = visible_people(user).filter(pk=person_id).first()
    if found is None:
        raise NotFound(_("人员不存在"))
    return found


def class_roster(training_class: TrainingClass, *, include_withdrawn: bool = True) -> QuerySet[Enrollment]:
    """The class's enrollments with person, groups, eligibility decision and result (3 queries). Call with a class
    from :func:`get_class` (already scoped)."""
    qs = (
        Enrollment.objects.filter(training_class=training_class)
        .select_related("person", "assessment", "enrolled_by", "eligibility_decision")
        .prefetch_related(Prefetch("person__groups", queryset=PersonGroup.objects.order_by("group")))
        .order_by("status", "id")
    )
    if not include_withdrawn:
        qs = qs.exclude(status=Enrollment.Status.WITHDRAWN)
    return qs


def person_enrollments(user: Actor | None, person: Person) -> QuerySet[Enrollment]:
    """A person's enrollments the user may see (other providers' classes stay hidden), with their decisions."""
    return (
        visible_enrollments(user)
        .filter(person=person)
        .select_related("training_class__provider", "eligibility_decision")
        .order_by("-training_class__start_date")
    )


@dataclass(slots=True)
class AttendanceRow:
    enrollment: Enrollment
    cells: list[CheckIn | None]
    attended: int  # sessions attended
    attended_hours: int  # lesson hours attended: the rate counts these
    rate: Decimal


@dataclass(slots=True)
class AttendanceSheet:
    """Sessions × enrollments: ``rows[i].cells[j]`` is the check-in of enrollment i to session j, or None."""

    training_class: TrainingClass
    sessions: list[ClassSession]
    rows: list[AttendanceRow] = field(default_factory=list)

    @property
    def required_hours(self) -> int:
        """The lesson hours of the timetable (the denominator of every rate)."""
        return sum(s.lesson_hours for s in self.sessions)

    @property
    def session_totals(self) -> list[int]:
        return [sum(1 for row in self.rows if row.cells[j] is not None) for j in range(len(self.sessions))]


def attendance_sheet(training_class: TrainingClass, *, include_withdrawn: bool = False) -> AttendanceSheet:
    """The attendance matrix of a class in three queries (sessions, enrollments, check-ins); rates in lesson
    hours (:func:`lijiao.training.checks.hours_rate`)."""
    sessions = list(ClassSession.objects.filter(training_class=training_class).order_by("starts_at", "id"))
    enrollments = Enrollment.objects.filter(training_class=training_class).select_related("person")
    if not include_withdrawn:
        enrollments = enrollments.exclude(status=Enrollment.Status.WITHDRAWN)
    enrollment_list = list(enrollments.order_by("id"))
    column = {s.pk: j for j, s in enumerate(sessions)}
    grid: dict[int, list[CheckIn | None]] = {e.pk: [None] * len(sessions) for e in enrollment_list}
    for checkin in CheckIn.objects.filter(session__training_class=training_class).order_by("id"):
        cells = grid.get(checkin.enrollment_id)
        if cells is not None and checkin.session_id in column:
            cells[column[checkin.session_id]] = checkin
    required = sum(s.lesson_hours for s in sessions)
    rows = []
    for enrollment in enrollment_list:
        cells = grid[enrollment.pk]
        attended = sum(1 for c in cells if c is not None)
        hours = sum(s.lesson_hours for s, c in zip(sessions, cells, strict=True) if c is not None)
        rows.append(AttendanceRow(enrollment, cells, attended, hours, hours_rate(hours, required)))
    return AttendanceSheet(training_class, sessions, rows)


@dataclass(slots=True)
class ResultRow:
    enrollment: Enrollment
    result: AssessmentResult | None


def class_results(training_class: TrainingClass) -> list[ResultRow]:
    """Every non-withdrawn enrollment of the class with its result (or None), one query."""
    enrollments = (
        Enrollment.objects.filter(training_class=training_class)
        .exclude(status=Enrollment.Status.WITHDRAWN)
        .select_related("person", "assessment")
        .order_by("id")
    )
    rows = []
    for enrollment in enrollments:
        try:
            result: AssessmentResult | None = enrollment.assessment
        except AssessmentResult.DoesNotExist:
            result = None
        rows.append(ResultRow(enrollment, result))
    return rows
