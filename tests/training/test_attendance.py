"""Attendance: check-in rules (class state, enrollment, method and reason, time window, duplicates, a check-in
overlapping one in another class), the attendance rate, the sheet (service, API, screen) — nothing written on
every refusal."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lijiao.audit.models import AuditEvent
from lijiao.core.errors import Conflict, DomainError, PermissionDenied
from lijiao.training.models import (
    AttendanceDevice,
    CheckIn,
    ClassSession,
    ClassStatus,
    Enrollment,
    TrainingClass,
)
from lijiao.training.services.attendance import AttendanceSheet, check_in, record_attendance
from tests.training.conftest import make_class, next_monday, weekday_sessions
from tests.training.test_enrollment import make_person


def class_with(provider, item, *, sessions, **kw):
    """make_class whose start date is the first session's day."""
    kw.setdefault("start", timezone.localtime(min(s["starts_at"] for s in sessions)).date())
    return make_class(provider, item, sessions=sessions, **kw)


def make_terminal(provider, methods=("face", "card", "qr", "online"), name="考勤终端") -> AttendanceDevice:
    return AttendanceDevice.objects.create(
        provider=provider,
        name=name,
        methods=sorted(methods),
        prefix=f"ljd_{provider.pk}{name}"[:10],
        key_hash=f"{provider.pk}-{name}".ljust(64, "0"),
        expires_at=timezone.now() + dt.timedelta(days=30),
    )


@pytest.fixture
def terminal(provider) -> AttendanceDevice:
    """A check-in terminal of the running class's provider (the only source of face, card and QR check-ins)."""
    return make_terminal(provider)


@pytest.fixture
def other_terminal(other_provider) -> AttendanceDevice:
    return make_terminal(other_provider)


@pytest.fixture
def trainee(running_class):
    person = make_person("签到学员")
    enrollment = Enrollment.objects.create(training_class=running_class, person=person)
    return person, enrollment


@pytest.fixture
def first_session(running_class) -> ClassSession:
    return running_class.sessions.order_by("starts_at").first()


def assert_no_checkins() -> None:
    assert not CheckIn.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="training.checkin").exists()


def test_check_in_records_and_updates_the_rate(provider_staff, trainee, first_session, terminal):
    person, enrollment = trainee
    checkin = check_in(
        actor=terminal,
        session=first_session,
        person=person,
        checked_at=first_session.starts_at - dt.timedelta(minutes=10),
        method="face",
    )
    assert checkin.enrollment == enrollment and checkin.device == terminal and checkin.recorded_by is None
    enrollment.refresh_from_db()
    assert enrollment.attendance_rate == Decimal("0.1000")
    assert AuditEvent.objects.filter(action="training.checkin.recorded").count() == 1


def test_check_in_by_enrollment(provider_staff, trainee, first_session, terminal):
    _person, enrollment = trainee
    check_in(
        actor=terminal,
        session=first_session,
        enrollment=enrollment,
        checked_at=first_session.starts_at,
        method="qr",
    )
    assert CheckIn.objects.get().person_id == enrollment.person_id


def test_manual_needs_a_reason(provider_staff, trainee, first_session):
    person, _ = trainee
    with pytest.raises(DomainError) as exc:
        check_in(
            actor=provider_staff,
            session=first_session,
            person=person,
            checked_at=first_session.starts_at,
            method="manual",
            reason="  ",
        )
    assert exc.value.errors[0].field == "reason"
    assert_no_checkins()
    check_in(
        actor=provider_staff,
        session=first_session,
        person=person,
        checked_at=first_session.starts_at,
        method="manual",
        reason="人脸识别设备故障",
    )
    assert CheckIn.objects.get().reason == "人脸识别设备故障"


def test_unknown_method_is_refused(provider_staff, trainee, first_session):
    with pytest.raises(DomainError) as exc:
        check_in(
            actor=provider_staff,
            session=first_session,
            person=trainee[0],
            checked_at=first_session.starts_at,
            method="telepathy",
        )
    assert exc.value.errors[0].field == "method"
    assert_no_checkins()


@pytest.mark.parametrize(
    "offset",
    [dt.timedelta(minutes=-31), dt.timedelta(minutes=181), dt.timedelta(days=-1)],
    ids=["too early", "after the end", "the day before"],
)
def test_outside_the_window_is_refused(provider_staff, trainee, first_session, offset, terminal):
    with pytest.raises(DomainError) as exc:
        check_in(
            actor=terminal,
            session=first_session,
            person=trainee[0],
            checked_at=first_session.starts_at + offset,
            method="card",
        )
    assert exc.value.errors[0].field == "checked_at"
    assert "签到时段" in exc.value.errors[0].message
    assert_no_checkins()


def test_window_edges_are_accepted(provider_staff, running_class, first_session, terminal):
    early, late = make_person("早"), make_person("晚")
    for person in (early, late):
        Enrollment.objects.create(training_class=running_class, person=person)
    check_in(
        actor=terminal,
        session=first_session,
        person=early,
        checked_at=first_session.starts_at - dt.timedelta(minutes=30),
        method="card",
    )
    check_in(
        actor=terminal,
        session=first_session,
        person=late,
        checked_at=first_session.ends_at,
        method="card",
    )
    assert CheckIn.objects.count() == 2


def test_future_check_in_is_refused(provider_staff, trainee, running_class, terminal):
    future = running_class.sessions.order_by("-starts_at").first()
    assert future.starts_at > timezone.now()
    with pytest.raises(DomainError) as exc:
        check_in(actor=terminal, session=future, person=trainee[0], checked_at=future.starts_at, method="qr")
    assert "晚于当前时间" in exc.value.errors[0].message
    assert_no_checkins()


def test_duplicate_is_refused(provider_staff, trainee, first_session, terminal):
    person, _ = trainee
    check_in(
        actor=terminal,
        session=first_session,
        person=person,
        checked_at=first_session.starts_at,
        method="qr",
    )
    with pytest.raises(Conflict) as exc:
        check_in(
            actor=terminal,
            session=first_session,
            person=person,
            checked_at=first_session.starts_at + dt.timedelta(minutes=5),
            method="card",
        )
    assert exc.value.code == "duplicate_checkin"
    assert CheckIn.objects.count() == 1


def test_not_enrolled_or_withdrawn_is_refused(
    provider_staff, running_class, first_session, trainee, terminal
):
    stranger = make_person("路人")
    with pytest.raises(DomainError) as exc:
        check_in(
            actor=terminal,
            session=first_session,
            person=stranger,
            checked_at=first_session.starts_at,
            method="qr",
        )
    assert exc.value.code == "not_enrolled"
    person, enrollment = trainee
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.WITHDRAWN)
    with pytest.raises(DomainError):
        check_in(
            actor=terminal,
            session=first_session,
            person=person,
            checked_at=first_session.starts_at,
            method="qr",
        )
    assert_no_checkins()


@pytest.mark.parametrize("status", [ClassStatus.FINISHED, ClassStatus.FILED, ClassStatus.CLOSED])
def test_class_must_be_running(provider_staff, trainee, first_session, running_class, status, terminal):
    TrainingClass.objects.filter(pk=running_class.pk).update(status=status)
    with pytest.raises(Conflict) as exc:
        check_in(
            actor=terminal,
            session=first_session,
            person=trainee[0],
            checked_at=first_session.starts_at,
            method="qr",
        )
    assert exc.value.code == "class_not_running"
    assert_no_checkins()


def test_approved_class_only_on_the_session_day(provider_staff, provider, training_ref, terminal):
    now = timezone.localtime()
    today_start = now - dt.timedelta(minutes=30)
    sessions = [
        {
            "starts_at": now - dt.timedelta(days=2, minutes=30),
            "ends_at": now - dt.timedelta(days=2) + dt.timedelta(hours=2),
        },
        {"starts_at": today_start, "ends_at": today_start + dt.timedelta(hours=3)},
    ]
    if now.hour == 0 and now.minute < 31:  # a session "today" that started 30 minutes ago would be yesterday
        pytest.skip("too close to midnight")
    klass = class_with(
        provider, training_ref["items"]["electrician5"], status=ClassStatus.APPROVED, sessions=sessions
    )
    person = make_person()
    Enrollment.objects.create(training_class=klass, person=person)
    earlier, current = klass.sessions.order_by("starts_at")
    with pytest.raises(Conflict):
        check_in(actor=terminal, session=earlier, person=person, checked_at=earlier.starts_at, method="qr")
    check_in(actor=terminal, session=current, person=person, checked_at=timezone.now(), method="qr")


def test_check_in_overlapping_another_class_is_refused(
    provider_staff,
    other_provider_staff,
    running_class,
    other_provider,
    training_ref,
    trainee,
    first_session,
    terminal,
    other_terminal,
):
    """A person already checked in at another provider's class at the same time cannot be checked in here."""
    person, _ = trainee
    overlapping = [
        {
            "starts_at": first_session.starts_at + dt.timedelta(hours=1),
            "ends_at": first_session.ends_at + dt.timedelta(hours=1),
        }
    ]
    other = class_with(
        other_provider, training_ref["items"]["welder4"], status=ClassStatus.RUNNING, sessions=overlapping
    )
    Enrollment.objects.create(
        training_class=other, person=person
    )  # e.g. enrolled before the timetable changed
    other_session = other.sessions.get()
    check_in(
        actor=other_terminal,
        session=other_session,
        person=person,
        checked_at=other_session.starts_at,
        method="face",
    )
    with pytest.raises(Conflict) as exc:
        check_in(
            actor=terminal,
            session=first_session,
            person=person,
            checked_at=first_session.starts_at,
            method="face",
        )
    assert exc.value.code == "overlapping_checkin"
    assert other.code in exc.value.message
    assert CheckIn.objects.filter(session=first_session).count() == 0


def test_non_overlapping_sessions_elsewhere_are_fine(
    provider_staff,
    other_provider_staff,
    other_provider,
    training_ref,
    trainee,
    first_session,
    terminal,
    other_terminal,
):
    person, _ = trainee
    later = [{"starts_at": first_session.ends_at, "ends_at": first_session.ends_at + dt.timedelta(hours=2)}]
    other = class_with(
        other_provider, training_ref["items"]["welder4"], status=ClassStatus.RUNNING, sessions=later
    )
    Enrollment.objects.create(training_class=other, person=person)
    session = other.sessions.get()
    check_in(actor=other_terminal, session=session, person=person, checked_at=session.starts_at, method="qr")
    check_in(
        actor=terminal,
        session=first_session,
        person=person,
        checked_at=first_session.starts_at,
        method="qr",
    )
    assert CheckIn.objects.count() == 2


def test_permissions(other_provider_staff, clerk, trainee, first_session):
    for actor in (other_provider_staff, clerk):
        with pytest.raises(PermissionDenied):
            check_in(
                actor=actor,
                session=first_session,
                person=trainee[0],
                checked_at=first_session.starts_at,
                method="qr",
            )
    assert_no_checkins()


# ------------------------------------------------------------------------------------------------ the sheet


def test_sheet_is_all_or_nothing_and_skips_existing(provider_staff, running_class, first_session):
    people = [make_person(f"学员{i}") for i in range(4)]
    for p in people[:3]:
        Enrollment.objects.create(training_class=running_class, person=p)
    ids = [p.pk for p in people]

    def sheet(person_ids, method, reason=""):
        return record_attendance(
            actor=provider_staff,
            training_class=running_class,
            sheets=[AttendanceSheet(first_session.pk, person_ids, method, reason)],
        )

    with pytest.raises(DomainError) as exc:  # people[3] is not enrolled
        sheet(ids, "manual", "纸质签到表补录")
    assert len(exc.value.errors) == 1 and str(people[3].pk) in exc.value.errors[0].message
    assert exc.value.errors[0].field == "person_ids"
    assert_no_checkins()
    with pytest.raises(DomainError) as exc:
        sheet(ids[:3], "manual")
    assert [e.field for e in exc.value.errors] == ["reason"]
    assert sheet(ids[:2], "manual", "纸质签到表补录") == 2
    assert sheet(ids[:3], "manual", "纸质签到表补录") == 1
    assert CheckIn.objects.count() == 3
    assert set(Enrollment.objects.values_list("attendance_rate", flat=True)) == {Decimal("0.1")}
    event = AuditEvent.objects.filter(action="training.checkin.sheets_recorded").latest("sequence")
    assert event.after["skipped_already_checked_in"] == 2 and event.reason == "纸质签到表补录"


def test_sheet_refuses_overlap_elsewhere(
    provider_staff, other_provider, training_ref, running_class, first_session, terminal
):
    person = make_person()
    Enrollment.objects.create(training_class=running_class, person=person)
    other = class_with(
        other_provider,
        training_ref["items"]["welder4"],
        status=ClassStatus.RUNNING,
        sessions=[{"starts_at": first_session.starts_at, "ends_at": first_session.ends_at}],
    )
    other_enrollment = Enrollment.objects.create(training_class=other, person=person)
    CheckIn.objects.create(
        session=other.sessions.get(),
        enrollment=other_enrollment,
        person=person,
        checked_at=first_session.starts_at,
        method="manual",
        reason="纸质签到表补录",
    )
    with pytest.raises(DomainError) as exc:
        record_attendance(
            actor=terminal,
            training_class=running_class,
            sheets=[AttendanceSheet(first_session.pk, [person.pk], "card")],
        )
    assert other.code in exc.value.errors[0].message
    assert CheckIn.objects.filter(session=first_session).count() == 0


def test_sheets_upload_is_all_or_nothing(
    provider_staff,
    other_provider_staff,
    other_provider,
    training_ref,
    running_class,
    terminal,
    other_terminal,
):
    """Many sessions' sheets at once (a terminal's upload): every sheet checked, one refusal writes nothing."""
    sessions = list(running_class.sessions.order_by("starts_at")[:2])
    people = [make_person(f"上传学员{i}") for i in range(3)]
    for p in people[:2]:
        Enrollment.objects.create(training_class=running_class, person=p)
    ids = [p.pk for p in people]
    good = [
        AttendanceSheet(sessions[0].pk, ids[:2], "face"),
        AttendanceSheet(sessions[1].pk, ids[:1], "card"),
    ]
    bad_sheets = [
        [*good, AttendanceSheet(sessions[1].pk, ids[2:], "face")],  # not enrolled
        [*good, AttendanceSheet(sessions[1].pk, ids[1:2], "manual")],  # manual without a reason
        [
            *good,
            AttendanceSheet(sessions[1].pk, ids[1:2], "face", checked_at=sessions[1].ends_at + ONE_MINUTE),
        ],
    ]
    for sheets in bad_sheets:
        with pytest.raises(DomainError) as exc:
            record_attendance(actor=terminal, training_class=running_class, sheets=sheets)
        assert len(exc.value.errors) == 1, exc.value.errors
        assert "_" not in exc.value.errors[0].message and "（" not in exc.value.message
        assert_no_checkins()
    other = class_with(
        other_provider,
        training_ref["items"]["welder4"],
        status=ClassStatus.RUNNING,
        sessions=[{"starts_at": sessions[1].starts_at, "ends_at": sessions[1].ends_at}],
    )
    with pytest.raises(DomainError):  # a session of another class
        record_attendance(
            actor=terminal,
            training_class=running_class,
            sheets=[AttendanceSheet(other.sessions.get().pk, ids[:1], "face")],
        )
    elsewhere = Enrollment.objects.create(training_class=other, person=people[1])
    CheckIn.objects.create(
        session=other.sessions.get(),
        enrollment=elsewhere,
        person=people[1],
        checked_at=sessions[1].starts_at,
        method="manual",
        reason="纸质签到表补录",
    )
    with pytest.raises(DomainError) as exc:  # checked in at the same time in the other class
        record_attendance(
            actor=terminal,
            training_class=running_class,
            sheets=[*good, AttendanceSheet(sessions[1].pk, ids[1:2], "face")],
        )
    assert other.code in exc.value.errors[0].message and "签到" in exc.value.errors[0].message
    CheckIn.objects.filter(session__training_class=other).delete()
    for outsider in (other_provider_staff, other_terminal):
        with pytest.raises(PermissionDenied):
            record_attendance(actor=outsider, training_class=running_class, sheets=good)
    assert_no_checkins()

    assert record_attendance(actor=terminal, training_class=running_class, sheets=good) == 3
    assert record_attendance(actor=terminal, training_class=running_class, sheets=good) == 0
    assert CheckIn.objects.count() == 3
    rates = dict(Enrollment.objects.values_list("person_id", "attendance_rate"))
    assert rates == {ids[0]: Decimal("0.2000"), ids[1]: Decimal("0.1000")}
    event = AuditEvent.objects.get(action="training.checkin.sheets_recorded")
    assert event.after["checkins"] == 3 and len(event.after["sessions"]) == 2


ONE_MINUTE = dt.timedelta(minutes=1)


def test_sheet_api(provider_staff, clerk, other_provider_staff, running_class, trainee, first_session):
    """Staff post through the API as on the screen: 手工补录 with a reason (the default method); a device method
    is refused with a clear message and nothing written."""
    person, enrollment = trainee
    client = Client()
    client.force_login(provider_staff)
    url = f"/api/v1/training/classes/{running_class.pk}/attendance"
    card = {"session_id": first_session.pk, "person_ids": [person.pk], "method": "card", "reason": "补录"}
    response = client.post(url, json.dumps(card), content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "method"
    assert "考勤设备" in response.json()["errors"][0]["message"]
    assert_no_checkins()
    body = {"session_id": first_session.pk, "person_ids": [person.pk], "reason": "纸质签到表补录"}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json() == {"created": 1}
    assert CheckIn.objects.get().method == "manual"
    sheet = client.get(url).json()
    assert sheet["rows"][0]["checked_in_sessions"] == [first_session.pk]
    assert sheet["rows"][0]["citizen_id_masked"].count("*") == 10
    assert sheet["required_hours"] == sum(running_class.sessions.values_list("lesson_hours", flat=True))
    assert sheet["rows"][0]["attended_hours"] == first_session.lesson_hours
    second = running_class.sessions.order_by("starts_at")[1]
    checkins = f"/api/v1/training/sessions/{second.pk}/checkins"
    response = client.post(
        checkins,
        json.dumps({"enrollment_id": enrollment.pk, "checked_at": second.starts_at.isoformat()}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
    face = {"person_id": person.pk, "checked_at": second.starts_at.isoformat(), "method": "face"}
    response = client.post(checkins, json.dumps(face), content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "method"
    assert CheckIn.objects.count() == 1
    manual = {"person_id": person.pk, "checked_at": second.starts_at.isoformat(), "reason": "设备故障"}
    response = client.post(checkins, json.dumps(manual), content_type="application/json")
    assert response.status_code == 201 and response.json()["method"] == "manual"
    response = client.post(checkins, json.dumps(manual), content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate_checkin"
    client.force_login(clerk)
    assert client.get(url).status_code == 200
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 403
    client.force_login(other_provider_staff)
    assert client.get(url).status_code == 404
    assert client.post(checkins, "{}", content_type="application/json").status_code in (404, 422)


def test_sheet_screen(client: Client, provider_staff, clerk, running_class, trainee, first_session):
    person, _ = trainee
    client.force_login(provider_staff)
    url = reverse("training:attendance", args=[running_class.pk])
    page = client.get(url).content.decode()
    assert f'value="{first_session.pk}:{person.pk}"' in page
    future = running_class.sessions.order_by("-starts_at").first()
    assert f'value="{future.pk}:{person.pk}"' not in page
    response = client.post(
        url, {"mark": [f"{first_session.pk}:{person.pk}"], "method": "manual", "reason": ""}
    )
    assert response.status_code == 200 and "原因" in response.content.decode()
    assert_no_checkins()
    response = client.post(
        url, {"mark": [f"{first_session.pk}:{person.pk}"], "method": "manual", "reason": "补录"}
    )
    assert response.status_code == 302
    assert CheckIn.objects.get().method == "manual"
    client.force_login(clerk)
    page = client.get(url).content.decode()
    assert "✓" in page and 'name="mark"' not in page
    assert client.post(url, {"mark": [], "method": "qr"}).status_code == 403


def test_next_week_sessions_are_not_yet_open(provider_staff, provider, training_ref, terminal):
    start = next_monday()
    klass = class_with(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.RUNNING,
        start=start,
        sessions=weekday_sessions(start, 2, practical=0),
    )
    person = make_person()
    Enrollment.objects.create(training_class=klass, person=person)
    session = klass.sessions.first()
    with pytest.raises(DomainError):
        check_in(actor=terminal, session=session, person=person, checked_at=session.starts_at, method="qr")


def test_sheets_of_a_class_not_running_are_a_conflict(
    provider_staff, trainee, first_session, running_class, terminal
):
    TrainingClass.objects.filter(pk=running_class.pk).update(status=ClassStatus.FINISHED)
    with pytest.raises(Conflict) as exc:
        record_attendance(
            actor=terminal,
            training_class=running_class,
            sheets=[AttendanceSheet(first_session.pk, [trainee[0].pk], "card")],
        )
    assert exc.value.code == "class_not_running"
    assert_no_checkins()


def test_sheets_take_the_same_queries_for_one_or_many(
    provider_staff, running_class, django_assert_max_num_queries, terminal
):
    sessions = list(running_class.sessions.filter(starts_at__lte=timezone.now()).order_by("starts_at")[:3])
    people = [make_person(f"批量学员{i}") for i in range(6)]
    for p in people:
        Enrollment.objects.create(training_class=running_class, person=p)
    ids = [p.pk for p in people]
    with django_assert_max_num_queries(30) as one:
        record_attendance(
            actor=terminal,
            training_class=running_class,
            sheets=[AttendanceSheet(sessions[0].pk, ids[:1], "qr")],
        )
    sheets = [AttendanceSheet(s.pk, ids, "face") for s in sessions]
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert record_attendance(actor=terminal, training_class=running_class, sheets=sheets) == 17
