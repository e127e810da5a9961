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
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.core.errors import Conflict, DomainError, FieldError
from lijiao.people.models import Person
from lijiao.training.checks import attendance_rates, overlapping_checkins, overlapping_session_checkins
from lijiao.training.models import CheckIn, ClassSession, ClassStatus, Enrollment, TrainingClass
from lijiao.training.services.enrollment import require_class_staff

__all__ = [
    "AttendanceSheet",
    "check_in",
    "checkin_window",
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


def _check_class_open(session: ClassSession, training_class: TrainingClass) -> None:
    status = training_class.status
    session_day = timezone.localtime(session.starts_at).date()
    if status == ClassStatus.RUNNING:
        return
    if status == ClassStatus.APPROVED and timezone.localdate() == session_day:
        return
    raise Conflict(
        f"培训班“{training_class.code}”{ClassStatus(status).label}，不能签到（check-ins are recorded only while "
        f"the class is running, or on the day of a session of an approved class）",
        code="class_not_running",
    )


def _check_method(method: str, reason: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if method not in CheckIn.Method.values:
        allowed = "、".join(str(label) for label in CheckIn.Method.labels)
        errors.append(FieldError("method", f"未知的签到方式“{method}”，应为：{allowed}（unknown method）"))
    elif method == CheckIn.Method.MANUAL and not reason:
        errors.append(FieldError("reason", "手工补录须填写原因（a manual check-in needs a reason）"))
    if len(reason) > 200:
        errors.append(FieldError("reason", "原因最多200字（reason too long）"))
    return errors


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _check_time(session: ClassSession, checked_at: dt.datetime) -> list[FieldError]:
    opens, closes = checkin_window(session)
    if checked_at > timezone.now() + CLOCK_SKEW:
        return [
            FieldError(
                "checked_at",
                f"签到时间 {_fmt(checked_at)} 晚于当前时间（the check-in time is in the future）",
            )
        ]
    if not opens <= checked_at <= closes:
        return [
            FieldError(
                "checked_at",
                f"签到时间 {_fmt(checked_at)} 不在本节课的签到时段 {_fmt(opens)} 至 {_fmt(closes)} 内"
                f"（the check-in time is outside the session window {_fmt(opens)} – {_fmt(closes)}）",
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
    actor: Any,
    session: ClassSession,
    person: Person | None = None,
    enrollment: Enrollment | None = None,
    checked_at: dt.datetime,
    method: str,
    reason: str = "",
) -> CheckIn:
    """Record that a person attended ``session`` (give ``person`` or their ``enrollment``).

    Needs ``training.record_attendance`` as staff of the class's provider. See the module docstring for the
    refusals.
    """
    session = ClassSession.objects.select_related("training_class").get(pk=session.pk)
    training_class = session.training_class
    require_class_staff(actor, training_class, "training.record_attendance")
    if person is None and enrollment is None:
        raise DomainError.for_fields(
            "请选择学员（person required）", {"person": "请选择学员（person required）"}
        )
    person_id = person.pk if person is not None else enrollment.person_id  # type: ignore[union-attr]
    _check_class_open(session, training_class)
    Person.objects.select_for_update().filter(pk=person_id).first()  # serialise one person's check-ins
    active = _active_enrollment(training_class, person_id)
    if active is None or (enrollment is not None and enrollment.pk != active.pk):
        raise DomainError.for_fields(
            "该学员未在本班报名（the person is not enrolled in this class）",
            {"person": "该学员未在本班在读（the person holds no active enrollment in this class）"},
            code="not_enrolled",
        )
    reason = (reason or "").strip()
    checked_at = _aware(checked_at)
    errors = [*_check_method(method, reason), *_check_time(session, checked_at)]
    if errors:
        raise DomainError("签到信息有误（invalid check-in）", code="invalid_checkin", errors=tuple(errors))
    name = active.person.name
    if CheckIn.objects.filter(session=session, enrollment=active).exists():
        raise Conflict(
            f"{name}已在本节课签到（already checked in to this session）", code="duplicate_checkin"
        )
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
                recorded_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            f"{name}已在本节课签到（already checked in to this session）", code="duplicate_checkin"
        ) from None
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
    actor: Any,
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
        raise DomainError("签到信息有误（invalid check-in）", code="invalid_checkin", errors=tuple(errors))
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
            problems.append(
                FieldError(
                    "person_ids",
                    f"学员（ID {person_id}）未在本班在读（the person holds no active enrollment in this class）",
                )
            )
        elif person_id in overlaps:
            problems.append(FieldError("person_ids", f"{enrollment.person.name}{overlaps[person_id]}"))
    if problems:
        raise DomainError(
            f"有 {len(problems)} 名学员不能签到，本次未保存任何签到（{len(problems)} people cannot be checked in; "
            f"nothing was saved）",
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
            recorded_by=actor,
        )
        for person_id in sorted(wanted - already)
    ]
    try:
        with transaction.atomic():
            created = CheckIn.objects.bulk_create(rows, batch_size=500)
    except IntegrityError:
        raise Conflict("签到已被他人同时修改，请刷新后重试（changed meanwhile; reload）") from None
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
    *, actor: Any, training_class: TrainingClass, sheets: Sequence[AttendanceSheet]
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
                        recorded_by=actor,
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
