"""Attendance (SPEC C4, R9): check-ins per session with time and method, and the attendance rate.

A check-in is refused (and nothing written) when: the class is not running (an approved class only on the
session's own day); the person is not actively enrolled; a manual check-in has no reason; the time is outside
the session window (``TRAINING_CHECKIN_EARLY_MINUTES`` before the start, default 30, until the end) or in the
future; the person is already checked in to this session; or the person is already checked in to a session of
ANOTHER class overlapping this one in time ("a person cannot be checked in at two classes at once").

After every write the stored ``Enrollment.attendance_rate`` of the class is refreshed (one aggregate query and
one bulk update).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, FieldError
from lijiao.people.models import Person
from lijiao.training.checks import attendance_rates, overlapping_checkins, overlapping_session_checkins
from lijiao.training.models import CheckIn, ClassSession, ClassStatus, Enrollment, TrainingClass
from lijiao.training.services.actors import user_of
from lijiao.training.services.enrollment import require_class_staff

__all__ = [
    "AttendanceSheet",
    "check_in",
    "checkin_window",
    "is_open_for_checkin",
    "record_attendance",
    "record_attendance_sheet",
    "record_attendance_sheets",
    "refresh_attendance_rates",
]

CLOCK_SKEW = dt.timedelta(minutes=5)


def checkin_window(session: ClassSession) -> tuple[dt.datetime, dt.datetime]:
    """The times a check-in to ``session`` may carry: ``N`` minutes before the start until the end."""
    early = int(getattr(settings, "TRAINING_CHECKIN_EARLY_MINUTES", 30))
    return session.starts_at - dt.timedelta(minutes=early), session.ends_at


def _fmt(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def is_open_for_checkin(session: ClassSession, training_class: TrainingClass) -> bool:
    """Whether check-ins to ``session`` are taken now: the class is running, or approved and it is the
    session's day."""
    status = training_class.status
    if status == ClassStatus.RUNNING:
        return True
    return (
        status == ClassStatus.APPROVED
        and timezone.localdate() == timezone.localtime(session.starts_at).date()
    )


def _check_class_open(session: ClassSession, training_class: TrainingClass) -> None:
    if is_open_for_checkin(session, training_class):
        return
    raise Conflict(
        _("培训班“%(code)s”%(status)s，不能签到：开班期间才能签到，已备案的培训班只能在上课当天签到")
        % {"code": training_class.code, "status": ClassStatus(training_class.status).label},
        code="class_not_running",
    )


def _check_method(method: str, reason: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if method not in CheckIn.Method.values:
        allowed = "、".join(str(label) for label in CheckIn.Method.labels)
        errors.append(
            FieldError(
                "method",
                _("未知的签到方式“%(method)s”，应为：%(allowed)s") % {"method": method, "allowed": allowed},
            )
        )
    elif method == CheckIn.Method.MANUAL and not reason:
        errors.append(FieldError("reason", _("手工补录须填写原因")))
    if len(reason) > 200:
        errors.append(FieldError("reason", _("原因最多200字")))
    return errors


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _check_time(session: ClassSession, checked_at: dt.datetime) -> list[FieldError]:
    opens, closes = checkin_window(session)
    if checked_at > timezone.now() + CLOCK_SKEW:
        return [FieldError("checked_at", _("签到时间%(time)s晚于当前时间") % {"time": _fmt(checked_at)})]
    if not opens <= checked_at <= closes:
        return [
            FieldError(
                "checked_at",
                _("签到时间%(time)s不在本节课的签到时段%(opens)s至%(closes)s内")
                % {"time": _fmt(checked_at), "opens": _fmt(opens), "closes": _fmt(closes)},
            )
        ]
    return []


def refresh_attendance_rates(training_class: TrainingClass) -> None:
    """Store every enrollment's attendance rate (attended sessions / sessions) for the class."""
    by_rate: dict[Decimal, list[int]] = {}
    for pk, rate in attendance_rates(training_class).items():
        by_rate.setdefault(rate, []).append(pk)
    # one UPDATE per distinct rate (a class has a handful): much cheaper than bulk_update's CASE per row
    for rate, pks in by_rate.items():
        Enrollment.objects.filter(pk__in=pks).update(attendance_rate=rate)


def _active_enrollment(training_class: TrainingClass, person_id: int) -> Enrollment | None:
    return (
        Enrollment.objects.select_related("person")
        .filter(training_class=training_class, person_id=person_id, status=Enrollment.Status.ACTIVE)
        .first()
    )


@transaction.atomic
def check_in(
    *,
    actor: Actor,
    session: ClassSession,
    person: Person | None = None,
    enrollment: Enrollment | None = None,
    person_id: int | None = None,
    enrollment_id: int | None = None,
    checked_at: dt.datetime,
    method: str,
    reason: str = "",
) -> CheckIn:
    """Record that a person attended ``session`` (give ``person`` or their ``enrollment``, or their ids).

    Needs ``training.record_attendance`` as staff of the class's provider. See the module docstring for the
    refusals.
    """
    session = ClassSession.objects.select_related("training_class").get(pk=session.pk)
    training_class = session.training_class
    require_class_staff(actor, training_class, "training.record_attendance")
    if person is None and enrollment is None:
        person, enrollment = _checkin_subject(session, enrollment_id=enrollment_id, person_id=person_id)
    if person is None and enrollment is None:
        raise DomainError.for_fields(_("请选择学员"), {"person": _("请选择学员")})
    person_id = person.pk if person is not None else enrollment.person_id  # type: ignore[union-attr]
    _check_class_open(session, training_class)
    Person.objects.select_for_update().filter(pk=person_id).first()  # serialise one person's check-ins
    active = _active_enrollment(training_class, person_id)
    if active is None or (enrollment is not None and enrollment.pk != active.pk):
        raise DomainError.for_fields(
            _("该学员未在本班报名"), {"person": _("该学员未在本班在读")}, code="not_enrolled"
        )
    reason = (reason or "").strip()
    checked_at = _aware(checked_at)
    errors = [*_check_method(method, reason), *_check_time(session, checked_at)]
    if errors:
        raise DomainError(_("签到信息有误"), code="invalid_checkin", errors=tuple(errors))
    name = active.person.name
    if CheckIn.objects.filter(session=session, enrollment=active).exists():
        raise Conflict(_("%(name)s已在本节课签到") % {"name": name}, code="duplicate_checkin")
    overlap = overlapping_checkins(session, [person_id]).get(person_id)
    if overlap:
        raise Conflict(f"{name}{overlap}", code="overlapping_checkin")
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                session=session,
                enrollment=active,
                person_id=person_id,
                checked_at=checked_at,
                method=method,
                reason=reason,
                recorded_by=user_of(actor),
            )
    except IntegrityError:
        raise Conflict(_("%(name)s已在本节课签到") % {"name": name}, code="duplicate_checkin") from None
    record_event(
        actor=actor,
        action="training.checkin.recorded",
        obj=checkin,
        after={
            "session": session.pk,
            "enrollment": active.pk,
            "checked_at": checked_at,
            "method": method,
        },
        reason=reason,
    )
    refresh_attendance_rates(training_class)
    return checkin


@transaction.atomic
def record_attendance_sheet(
    *,
    actor: Actor,
    session: ClassSession,
    person_ids: Collection[int],
    method: str,
    reason: str = "",
    checked_at: dt.datetime | None = None,
) -> list[CheckIn]:
    """Check in many people to one session at once (the attendance sheet), all or nothing.

    People already checked in to the session are skipped (the sheet can be submitted again). ``checked_at``
    defaults to the session's start. Every refusal is reported as a field error naming the person; then
    nothing is written. A constant number of queries whatever the number of people.
    """
    session = ClassSession.objects.select_related("training_class").get(pk=session.pk)
    training_class = session.training_class
    require_class_staff(actor, training_class, "training.record_attendance")
    _check_class_open(session, training_class)
    reason = (reason or "").strip()
    when = _aware(checked_at) if checked_at is not None else session.starts_at
    errors = [*_check_method(method, reason), *_check_time(session, when)]
    if errors:
        raise DomainError(_("签到信息有误"), code="invalid_checkin", errors=tuple(errors))
    wanted = {int(pk) for pk in person_ids}
    if not wanted:
        return []
    list(Person.objects.select_for_update().filter(pk__in=wanted).values_list("pk", flat=True))
    enrollments = {
        e.person_id: e
        for e in Enrollment.objects.select_related("person").filter(
            training_class=training_class, status=Enrollment.Status.ACTIVE, person_id__in=wanted
        )
    }
    already = set(
        CheckIn.objects.filter(session=session, person_id__in=wanted).values_list("person_id", flat=True)
    )
    overlaps = overlapping_checkins(session, wanted - already)
    problems: list[FieldError] = []
    for person_id in sorted(wanted):
        enrollment = enrollments.get(person_id)
        if enrollment is None:
            problems.append(FieldError("person_ids", _("编号为%(id)s的学员未在本班在读") % {"id": person_id}))
        elif person_id in overlaps:
            problems.append(FieldError("person_ids", f"{enrollment.person.name}{overlaps[person_id]}"))
    if problems:
        raise DomainError(
            _("有%(count)s名学员不能签到，本次未保存任何签到") % {"count": len(problems)},
            code="invalid_checkin",
            errors=tuple(problems),
        )
    rows = [
        CheckIn(
            session=session,
            enrollment=enrollments[person_id],
            person_id=person_id,
            checked_at=when,
            method=method,
            reason=reason,
            recorded_by=user_of(actor),
        )
        for person_id in sorted(wanted - already)
    ]
    try:
        with transaction.atomic():
            created = CheckIn.objects.bulk_create(rows, batch_size=500)
    except IntegrityError:
        raise Conflict(_("签到已被他人同时修改，请刷新后重试")) from None
    if created:
        record_event(
            actor=actor,
            action="training.checkin.sheet_recorded",
            obj=session,
            after={
                "session": session.pk,
                "enrollments": sorted(r.enrollment_id for r in rows),
                "checked_at": when,
                "method": method,
                "skipped_already_checked_in": len(already),
            },
            reason=reason,
        )
        refresh_attendance_rates(training_class)
    return created


@transaction.atomic
def record_attendance(
    *,
    actor: Actor,
    training_class: TrainingClass,
    marks: Mapping[int, Collection[int]],
    method: str,
    reason: str = "",
    checked_at: dt.datetime | None = None,
) -> list[CheckIn]:
    """The attendance sheet of a class: ``marks`` maps session ids of the class to the people checked in to
    them. All sessions or none (see :func:`record_attendance_sheet` for each). A session that is not the
    class's is a field error on ``session_id``. Needs ``training.record_attendance``.
    """
    require_class_staff(actor, training_class, "training.record_attendance")
    sessions = {
        s.pk: s for s in ClassSession.objects.filter(training_class=training_class, pk__in=list(marks))
    }
    if set(marks) - set(sessions):
        raise DomainError.for_fields(_("课程不属于本班"), {"session_id": _("课程不属于本班")})
    created: list[CheckIn] = []
    for session_id in sorted(marks):
        created.extend(
            record_attendance_sheet(
                actor=actor,
                session=sessions[session_id],
                person_ids=marks[session_id],
                method=method,
                reason=reason,
                checked_at=checked_at,
            )
        )
    return created


def _checkin_subject(
    session: ClassSession, *, enrollment_id: int | None = None, person_id: int | None = None
) -> tuple[Person | None, Enrollment | None]:
    """The person or the enrollment of the session's class a check-in names (field errors when unknown)."""
    if enrollment_id is not None:
        enrollment = Enrollment.objects.filter(
            pk=enrollment_id, training_class_id=session.training_class_id
        ).first()
        if enrollment is None:
            raise DomainError.for_fields(_("报名记录不属于本班"), {"enrollment_id": _("报名记录不属于本班")})
        return None, enrollment
    if person_id is not None:
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise DomainError.for_fields(_("人员不存在"), {"person_id": _("人员不存在")})
        return person, None
    return None, None


@dataclass(frozen=True, slots=True)
class AttendanceSheet:
    """The attendance of one session: who was there, how they checked in and when (default: the session start)."""

    session: ClassSession
    person_ids: Collection[int]
    method: str
    reason: str = ""
    checked_at: dt.datetime | None = None


@transaction.atomic
def record_attendance_sheets(
    *, actor: Actor, training_class: TrainingClass, sheets: Sequence[AttendanceSheet]
) -> int:
    """Record many attendance sheets of one class at once (an upload from a check-in terminal), all or nothing.

    Every sheet is checked as :func:`record_attendance_sheet` checks one (class open on that session, method and
    reason, the time in the session window and not in the future, active enrollments, no check-in at an
    overlapping session of another class); people already checked in to a session are skipped. Writes the
    check-ins in bulk, one audit event for the upload and the attendance rates once. Returns how many check-ins
    were written. Needs ``training.record_attendance`` as staff of the class's provider.
    """
    training_class = TrainingClass.objects.get(pk=training_class.pk)
    require_class_staff(actor, training_class, "training.record_attendance")
    sessions = {
        s.pk: s
        for s in ClassSession.objects.filter(
            training_class=training_class, pk__in=[x.session.pk for x in sheets]
        )
    }
    wanted = {int(pk) for sheet in sheets for pk in sheet.person_ids}
    list(Person.objects.select_for_update().filter(pk__in=wanted).values_list("pk", flat=True))
    enrollments = {
        e.person_id: e
        for e in Enrollment.objects.select_related("person").filter(
            training_class=training_class, status=Enrollment.Status.ACTIVE, person_id__in=wanted
        )
    }
    already = set(
        CheckIn.objects.filter(session_id__in=list(sessions), person_id__in=wanted).values_list(
            "session_id", "person_id"
        )
    )
    overlaps = overlapping_session_checkins(list(sessions.values()), wanted)
    problems: list[FieldError] = []
    rows: list[CheckIn] = []
    for sheet in sheets:
        session = sessions.get(sheet.session.pk)
        if session is None:
            problems.append(FieldError("sheets", _("所选课程不属于本班")))
            continue
        session.training_class = training_class
        label = _fmt(session.starts_at)
        reason = (sheet.reason or "").strip()
        when = _aware(sheet.checked_at) if sheet.checked_at is not None else session.starts_at
        try:
            _check_class_open(session, training_class)
        except Conflict as exc:
            problems.append(FieldError("sheets", exc.message))
            continue
        for error in (*_check_method(sheet.method, reason), *_check_time(session, when)):
            problems.append(
                FieldError(
                    "sheets",
                    _("%(session)s 的课程：%(problem)s") % {"session": label, "problem": error.message},
                )
            )
        people = {int(pk) for pk in sheet.person_ids} - {p for s, p in already if s == session.pk}
        for person_id in sorted(people):
            enrollment = enrollments.get(person_id)
            if enrollment is None:
                problems.append(
                    FieldError(
                        "sheets",
                        _("%(session)s 的课程：学员（ID %(person)s）未在本班在读")
                        % {"session": label, "person": person_id},
                    )
                )
            elif (session.pk, person_id) in overlaps:
                problems.append(
                    FieldError(
                        "sheets",
                        _("%(session)s 的课程：%(name)s%(problem)s")
                        % {
                            "session": label,
                            "name": enrollment.person.name,
                            "problem": overlaps[(session.pk, person_id)],
                        },
                    )
                )
            else:
                rows.append(
                    CheckIn(
                        session=session,
                        enrollment=enrollment,
                        person_id=person_id,
                        checked_at=when,
                        method=sheet.method,
                        reason=reason,
                        recorded_by=user_of(actor),
                    )
                )
                already.add((session.pk, person_id))
    if problems:
        raise DomainError(
            _("有 %(count)s 处签到不能保存，本次未保存任何签到") % {"count": len(problems)},
            code="invalid_checkin",
            errors=tuple(problems),
        )
    if not rows:
        return 0
    try:
        with transaction.atomic():
            CheckIn.objects.bulk_create(rows, batch_size=1000)
    except IntegrityError:
        raise Conflict(_("签到已被他人同时修改，请刷新后重试")) from None
    by_session: dict[int, list[int]] = {}
    for row in rows:
        by_session.setdefault(row.session_id, []).append(row.enrollment_id)
    record_event(
        actor=actor,
        action="training.checkin.sheets_recorded",
        obj=training_class,
        after={
            "sessions": {str(pk): sorted(ids) for pk, ids in by_session.items()},
            "checkins": len(rows),
        },
    )
    refresh_attendance_rates(training_class)
    return len(rows)
