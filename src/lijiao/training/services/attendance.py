"""Attendance (SPEC C4, R9): check-ins per session with time and method, and the attendance rate in lesson hours.

Who records what (ADR 0010): the methods that claim a device (人脸识别, 刷卡, 扫码, 线上) come only from an
:class:`~lijiao.training.models.AttendanceDevice` of the class's provider, through the API with the device's own
credential (the device is the actor); staff entries (the attendance screen, a staff API token) are always
手工补录 with a reason. A staff entry claiming a device method is refused and nothing is written.

A check-in is refused (and nothing written) when: the class is not running (an approved class only on the
session's own day); the person is not actively enrolled; the method is not one the actor may record; a manual
check-in has no reason; the time is outside
the session window (``TRAINING_CHECKIN_EARLY_MINUTES`` before the start, default 30, until the end) or in the
future; the person is already checked in to this session; or the person is already checked in to a session of
ANOTHER class overlapping this one in time ("a person cannot be checked in at two classes at once").

Two services: :func:`check_in` records one check-in (a terminal's live call); :func:`record_attendance` records
the sheets of one or many sessions at once, all or nothing (the attendance screen, the API, a terminal's upload).

After every write the stored ``Enrollment.attendance_rate`` of the class (hours attended / hours of the
timetable, :func:`lijiao.training.checks.attendance_rates`) is refreshed (one aggregate query and a few updates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.bulk_write import bulk_insert
from lijiao.core.errors import Conflict, DomainError, FieldError, PermissionDenied
from lijiao.people.models import Person
from lijiao.training.checks import attendance_rates, overlapping_checkins, overlapping_session_checkins
from lijiao.training.models import (
    AttendanceDevice,
    CheckIn,
    ClassSession,
    ClassStatus,
    Enrollment,
    TrainingClass,
)
from lijiao.training.services.actors import user_of
from lijiao.training.services.enrollment import require_class_staff

__all__ = [
    "AttendanceSheet",
    "check_in",
    "checkin_window",
    "device_of",
    "is_open_for_checkin",
    "record_attendance",
    "refresh_attendance_rates",
    "require_recorder",
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


def device_of(actor: Actor | None) -> AttendanceDevice | None:
    """The device acting, or None for a person (staff on a screen or with a staff API token)."""
    return actor if isinstance(actor, AttendanceDevice) else None


def require_recorder(actor: Actor | None, training_class: TrainingClass) -> None:
    """The actor may record attendance for the class: an active device of the class's provider, or staff of the
    provider holding ``training.record_attendance``; else :class:`PermissionDenied`."""
    device = device_of(actor)
    if device is None:
        require_class_staff(actor, training_class, "training.record_attendance")
        return
    if not device.is_active:
        raise PermissionDenied(_("考勤设备已吊销或已过期"))
    if device.provider_id != training_class.provider_id:
        raise PermissionDenied(_("该考勤设备不属于本班的培训机构，不能上传本班签到"))


def _method_label(method: str) -> str:
    return str(CheckIn.Method(method).label)


def _check_method(method: str, reason: str, device: AttendanceDevice | None = None) -> list[FieldError]:
    """The method the actor may record: a device only the methods it is registered for; staff only 手工补录 with
    a reason."""
    errors: list[FieldError] = []
    if not method:
        errors.append(FieldError("method", _("请填写签到方式")))
    elif method not in CheckIn.Method.values:
        allowed = "、".join(str(label) for label in CheckIn.Method.labels)
        errors.append(
            FieldError(
                "method",
                _("未知的签到方式“%(method)s”，应为：%(allowed)s") % {"method": method, "allowed": allowed},
            )
        )
    elif device is not None:
        if method not in device.methods:
            own = "、".join(_method_label(m) for m in device.methods if m in CheckIn.Method.values)
            errors.append(
                FieldError(
                    "method",
                    _("本考勤设备登记的签到方式为“%(own)s”，不能上传“%(method)s”签到")
                    % {"own": own, "method": _method_label(method)},
                )
            )
    elif method in CheckIn.DEVICE_METHODS:
        errors.append(
            FieldError(
                "method",
                _(
                    "“%(method)s”签到只能由考勤设备通过接口上传；工作人员录入的签到一律为手工补录，并须填写原因"
                )
                % {"method": _method_label(method)},
            )
        )
    elif not reason:
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
    """Store every enrollment's attendance rate (lesson hours attended / lesson hours of the timetable)."""
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
    method: str = CheckIn.Method.MANUAL,
    reason: str = "",
) -> CheckIn:
    """Record that a person attended ``session`` (give ``person`` or their ``enrollment``, or their ids).

    The actor is a device of the class's provider (its own method) or staff of the provider with
    ``training.record_attendance`` (手工补录 with a reason). See the module docstring for the refusals.
    """
    session = ClassSession.objects.select_related("training_class").get(pk=session.pk)
    training_class = session.training_class
    require_recorder(actor, training_class)
    device = device_of(actor)
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
    errors = [*_check_method(method, reason, device), *_check_time(session, checked_at)]
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
                device=device,
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
            "device": device.pk if device is not None else None,
        },
        reason=reason,
    )
    refresh_attendance_rates(training_class)
    return checkin


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
    """The attendance of one session of the class: who was there, how they checked in and when (default: the
    session's start)."""

    session_id: int
    person_ids: Collection[int]
    method: str = CheckIn.Method.MANUAL
    reason: str = ""
    checked_at: dt.datetime | None = None


@dataclass(slots=True)
class _SheetCheck:
    """What :func:`record_attendance` learns about the sheets before writing: the refusals and the new rows."""

    enrollments: dict[int, tuple[int, str]]  # person id -> (enrollment id, name)
    already: dict[int, set[int]]  # session id -> people checked in (before and by earlier sheets)
    overlaps: dict[tuple[int, int], str]
    recorded_by: int | None
    device_id: int | None = None
    problems: list[FieldError] = field(default_factory=list)
    not_enrolled: set[int] = field(default_factory=set)
    rows: list[tuple[int, int, int, dt.datetime, str, str, int | None, int | None]] = field(
        default_factory=list
    )
    skipped: int = 0


def _sessions_of(training_class: TrainingClass, sheets: Sequence[AttendanceSheet]) -> dict[int, ClassSession]:
    """The class's sessions the sheets name; a session of another class (or none) is a field error."""
    wanted = {int(sheet.session_id) for sheet in sheets}
    sessions = {s.pk: s for s in ClassSession.objects.filter(training_class=training_class, pk__in=wanted)}
    if wanted - set(sessions):
        raise DomainError.for_fields(_("课程不属于本班"), {"session_id": _("课程不属于本班")})
    for session in sessions.values():
        session.training_class = training_class
    return sessions


def _check_sheet(check: _SheetCheck, sheet: AttendanceSheet, session: ClassSession, reason: str) -> None:
    """The time of one sheet and each of its people (not enrolled, checked in elsewhere at the same time)."""
    label = _fmt(session.starts_at)
    when = _aware(sheet.checked_at) if sheet.checked_at is not None else session.starts_at
    check.problems.extend(
        FieldError(
            error.field, _("%(session)s 的课程：%(problem)s") % {"session": label, "problem": error.message}
        )
        for error in _check_time(session, when)
    )
    taken = check.already.setdefault(session.pk, set())
    for person_id in sorted({int(pk) for pk in sheet.person_ids}):
        enrollment = check.enrollments.get(person_id)
        if person_id in taken:
            check.skipped += 1
        elif enrollment is None:
            check.not_enrolled.add(person_id)  # one error per person, however many sessions
        elif (session.pk, person_id) in check.overlaps:
            problem = check.overlaps[(session.pk, person_id)]
            check.problems.append(
                FieldError(
                    "person_ids",
                    _("%(session)s 的课程：%(name)s%(problem)s")
                    % {"session": label, "name": enrollment[1], "problem": problem},
                )
            )
        else:
            row = (
                session.pk,
                enrollment[0],
                person_id,
                when,
                sheet.method,
                reason,
                check.recorded_by,
                check.device_id,
            )
            check.rows.append(row)
            taken.add(person_id)


@transaction.atomic
def record_attendance(
    *, actor: Actor, training_class: TrainingClass, sheets: Sequence[AttendanceSheet]
) -> int:
    """Record the attendance sheets of sessions of one class (the attendance screen, the API, an upload from a
    check-in terminal), all or nothing; returns how many check-ins were written.

    Every sheet is checked as :func:`check_in` checks one check-in: the class open on that session (else
    :class:`Conflict` ``class_not_running``), the method and a reason for a manual check-in, the time in the
    session window and not in the future, each person actively enrolled and not checked in at an overlapping
    session of another class. People already checked in to a session are skipped (a sheet can be submitted
    again). Every refusal is a field error naming the session or the person; then nothing is written.

    A constant number of queries however many sheets and people: the check-ins are written in bulk, one audit
    event for the whole, the attendance rates refreshed once. The actor is a device of the class's provider
    (its own method) or staff of the provider with ``training.record_attendance`` (手工补录 with a reason).
    """
    training_class = TrainingClass.objects.get(pk=training_class.pk)
    require_recorder(actor, training_class)
    device = device_of(actor)
    sessions = _sessions_of(training_class, sheets)
    ordered = sorted(sheets, key=lambda sheet: (sessions[sheet.session_id].starts_at, sheet.session_id))
    for sheet in ordered:
        _check_class_open(sessions[sheet.session_id], training_class)
    wanted = {int(pk) for sheet in sheets for pk in sheet.person_ids}
    list(Person.objects.select_for_update().filter(pk__in=wanted).values_list("pk", flat=True))
    enrollments = {
        person_id: (pk, name)
        for person_id, pk, name in Enrollment.objects.filter(
            training_class=training_class, status=Enrollment.Status.ACTIVE, person_id__in=wanted
        ).values_list("person_id", "pk", "person__name")
    }
    already: dict[int, set[int]] = {}
    for session_id, person_id in CheckIn.objects.filter(
        session_id__in=list(sessions), person_id__in=wanted
    ).values_list("session_id", "person_id"):
        already.setdefault(session_id, set()).add(person_id)
    check = _SheetCheck(
        enrollments=enrollments,
        already=already,
        overlaps=overlapping_session_checkins(list(sessions.values()), set(enrollments)),
        recorded_by=getattr(user_of(actor), "pk", None),
        device_id=device.pk if device is not None else None,
    )
    methods = {(sheet.method, (sheet.reason or "").strip()) for sheet in sheets}
    for method, reason in sorted(methods):
        check.problems.extend(_check_method(method, reason, device))
    for sheet in ordered:
        _check_sheet(check, sheet, sessions[sheet.session_id], (sheet.reason or "").strip())
    check.problems.extend(
        FieldError("person_ids", _("编号为%(id)s的学员未在本班在读") % {"id": person_id})
        for person_id in sorted(check.not_enrolled)
    )
    if check.problems:
        raise DomainError(
            _("有 %(count)s 处签到不能保存，本次未保存任何签到") % {"count": len(check.problems)},
            code="invalid_checkin",
            errors=tuple(check.problems),
        )
    if check.rows:
        _write_checkins(actor, training_class, check)
    return len(check.rows)


def _write_checkins(actor: Actor, training_class: TrainingClass, check: _SheetCheck) -> None:
    fields = (
        "session_id",
        "enrollment_id",
        "person_id",
        "checked_at",
        "method",
        "reason",
        "recorded_by_id",
        "device_id",
    )
    try:
        with transaction.atomic():
            bulk_insert(CheckIn, fields, check.rows)
    except IntegrityError:
        raise Conflict(_("签到已被他人同时修改，请刷新后重试")) from None
    by_session: dict[int, list[int]] = {}
    for row in check.rows:
        by_session.setdefault(row[0], []).append(row[1])
    reasons = sorted({row[5] for row in check.rows if row[5]})
    record_event(
        actor=actor,
        action="training.checkin.sheets_recorded",
        obj=training_class,
        after={
            "sessions": {str(pk): sorted(ids) for pk, ids in by_session.items()},
            "checkins": len(check.rows),
            "methods": sorted({row[4] for row in check.rows}),
            "device": check.device_id,
            "skipped_already_checked_in": check.skipped,
        },
        reason="；".join(reasons)[:500],
    )
    refresh_attendance_rates(training_class)
