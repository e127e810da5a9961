"""Issue 9, Policy 6: attendance counted in lesson hours (课时), and the methods that claim a device (人脸识别, 刷卡,
扫码, 线上) only from a device's own credential for its provider's classes; staff entries are 手工补录 with a
reason."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lijiao.accounts.services import create_api_token
from lijiao.audit.models import AuditEvent
from lijiao.core.errors import DomainError, PermissionDenied
from lijiao.training.checks import attendance_rates
from lijiao.training.models import AttendanceDevice, CheckIn, ClassSession, ClassStatus, Enrollment
from lijiao.training.services.attendance import AttendanceSheet, check_in, record_attendance
from lijiao.training.services.classes import finish_class
from lijiao.training.services.devices import authenticate_device, register_device, revoke_device
from tests.training.conftest import aware, make_class, next_monday
from tests.training.test_enrollment import make_person

API = "/api/v1/training"


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Client, url: str, body: object, raw: str | None = None) -> object:
    headers = bearer(raw) if raw else {}
    return client.post(API + url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def trainee(running_class):
    person = make_person("设备签到学员")
    return person, Enrollment.objects.create(training_class=running_class, person=person)


@pytest.fixture
def first_session(running_class) -> ClassSession:
    return running_class.sessions.order_by("starts_at").first()


def nothing_written() -> None:
    assert not CheckIn.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="training.checkin").exists()


# ------------------------------------------------------------------------------------------- staff: manual only


@pytest.mark.parametrize("method", ["face", "card", "qr", "online"])
def test_staff_cannot_record_a_device_method(provider_staff, trainee, first_session, method):
    person, _enrollment = trainee
    with pytest.raises(DomainError) as exc:
        check_in(
            actor=provider_staff,
            session=first_session,
            person=person,
            checked_at=first_session.starts_at,
            method=method,
            reason="补录",
        )
    [error] = exc.value.errors
    assert error.field == "method"
    assert "只能由考勤设备通过接口上传" in error.message and "手工补录" in error.message
    assert str(CheckIn.Method(method).label) in error.message
    with pytest.raises(DomainError):
        record_attendance(
            actor=provider_staff,
            training_class=first_session.training_class,
            sheets=[AttendanceSheet(first_session.pk, [person.pk], method, "补录")],
        )
    nothing_written()


def test_staff_manual_entry_needs_a_reason_and_is_recorded_as_manual(provider_staff, trainee, first_session):
    person, _enrollment = trainee
    with pytest.raises(DomainError) as exc:
        check_in(
            actor=provider_staff, session=first_session, person=person, checked_at=first_session.starts_at
        )
    assert exc.value.errors[0].field == "reason"
    nothing_written()
    checkin = check_in(
        actor=provider_staff,
        session=first_session,
        person=person,
        checked_at=first_session.starts_at,
        reason="人脸识别机故障，纸质签到表补录",
    )
    assert checkin.method == "manual" and checkin.device is None and checkin.recorded_by == provider_staff


def test_the_screen_records_manual_only(
    client: Client, provider_staff, running_class, trainee, first_session
):
    person, _enrollment = trainee
    client.force_login(provider_staff)
    url = reverse("training:attendance", args=[running_class.pk])
    page = client.get(url).content.decode()
    assert 'name="method"' not in page and "由考勤设备上传" in page
    mark = f"{first_session.pk}:{person.pk}"
    response = client.post(url, {"mark": [mark], "method": "face", "reason": "纸质签到表补录"})
    assert response.status_code == 302
    assert CheckIn.objects.get().method == "manual"


def test_a_staff_api_token_is_staff(provider_staff, trainee, first_session):
    """A staff member's API token is a person's: device methods are refused as on the screen."""
    person, _enrollment = trainee
    _token, raw = create_api_token(actor=provider_staff, name="对接")
    body = {"person_id": person.pk, "checked_at": first_session.starts_at.isoformat(), "method": "face"}
    response = post(Client(), f"/sessions/{first_session.pk}/checkins", body, raw)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "method"
    nothing_written()
    # …and it does not open the device endpoints
    response = post(Client(), f"/device/sessions/{first_session.pk}/checkins", body, raw)
    assert response.status_code == 401
    nothing_written()


# ------------------------------------------------------------------------------------------------------ devices


def test_device_registered_through_the_api_records_face_check_ins(provider_staff, trainee, first_session):
    person, enrollment = trainee
    staff = Client()
    staff.force_login(provider_staff)
    response = post(staff, "/devices", {"name": "一楼人脸识别机", "methods": ["face"]})
    assert response.status_code == 201
    raw = response.json()["credential"]
    assert raw.startswith("ljd_") and response.json()["methods"] == ["face"]
    device = AttendanceDevice.objects.get()
    assert device.key_hash != raw and raw not in json.dumps(list(AuditEvent.objects.values_list("after")))

    body = {"person_id": person.pk, "checked_at": first_session.starts_at.isoformat()}
    response = post(Client(), f"/device/sessions/{first_session.pk}/checkins", body, raw)
    assert response.status_code == 201, response.content
    checkin = CheckIn.objects.get()
    assert checkin.method == "face" and checkin.device == device and checkin.recorded_by is None
    event = AuditEvent.objects.get(action="training.checkin.recorded")
    assert event.actor is None and "一楼人脸识别机" in event.actor_label
    enrollment.refresh_from_db()
    assert enrollment.attendance_rate == Decimal("0.1000")

    # a method it is not registered for is refused, nothing written
    second = first_session.training_class.sessions.order_by("starts_at")[1]
    card = {"person_id": person.pk, "checked_at": second.starts_at.isoformat(), "method": "card"}
    response = post(Client(), f"/device/sessions/{second.pk}/checkins", card, raw)
    assert response.status_code == 400 and "人脸识别" in response.json()["errors"][0]["message"]
    assert CheckIn.objects.count() == 1

    # the device credential is not a staff token: every other endpoint refuses it
    assert Client().get(f"{API}/classes", **bearer(raw)).status_code == 401
    response = post(Client(), f"/classes/{first_session.training_class_id}/attendance", {}, raw)
    assert response.status_code == 401


def test_device_sheet_upload(terminal_raw, running_class, trainee, first_session):
    _device, raw = terminal_raw
    person, _enrollment = trainee
    body = {"session_id": first_session.pk, "person_ids": [person.pk], "method": "qr"}
    response = post(Client(), f"/device/classes/{running_class.pk}/attendance", body, raw)
    assert response.status_code == 200 and response.json() == {"created": 1}
    assert CheckIn.objects.get().method == "qr"


@pytest.fixture
def terminal_raw(provider_staff) -> tuple[AttendanceDevice, str]:
    return register_device(actor=provider_staff, name="门禁刷卡扫码机", methods=["card", "qr"])


def test_a_device_only_for_its_own_provider(
    other_provider_staff, other_provider, training_ref, running_class, trainee, first_session
):
    """A device of another provider can neither see nor post to this provider's classes."""
    device, raw = register_device(actor=other_provider_staff, name="别家的人脸机", methods=["face"])
    person, _enrollment = trainee
    body = {"person_id": person.pk, "checked_at": first_session.starts_at.isoformat()}
    assert post(Client(), f"/device/sessions/{first_session.pk}/checkins", body, raw).status_code == 404
    sheet = {"session_id": first_session.pk, "person_ids": [person.pk]}
    assert post(Client(), f"/device/classes/{running_class.pk}/attendance", sheet, raw).status_code == 404
    with pytest.raises(PermissionDenied) as exc:  # the service refuses it too
        check_in(actor=device, session=first_session, person=person, checked_at=first_session.starts_at)
    assert "不属于本班的培训机构" in exc.value.message
    nothing_written()
    # its own provider's class is fine
    own = make_class(
        other_provider,
        training_ref["items"]["welder4"],
        status=ClassStatus.RUNNING,
        start=next_monday(weeks_ahead=-2),
        sessions=[{"starts_at": first_session.starts_at, "ends_at": first_session.ends_at}],
    )
    other_person = make_person("别家学员")
    Enrollment.objects.create(training_class=own, person=other_person)
    session = own.sessions.get()
    body = {"person_id": other_person.pk, "checked_at": session.starts_at.isoformat()}
    assert post(Client(), f"/device/sessions/{session.pk}/checkins", body, raw).status_code == 201


def test_revoked_or_expired_devices_are_refused(provider_staff, terminal_raw, trainee, first_session):
    device, raw = terminal_raw
    assert authenticate_device(raw) == device
    AttendanceDevice.objects.filter(pk=device.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert authenticate_device(raw) is None
    AttendanceDevice.objects.filter(pk=device.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    revoke_device(actor=provider_staff, device=device)
    assert authenticate_device(raw) is None
    body = {"person_id": trainee[0].pk, "checked_at": first_session.starts_at.isoformat(), "method": "qr"}
    assert post(Client(), f"/device/sessions/{first_session.pk}/checkins", body, raw).status_code == 401
    nothing_written()


def test_registering_a_device_is_checked(provider_staff, clerk, other_provider_staff):
    with pytest.raises(DomainError) as exc:
        register_device(actor=provider_staff, name=" ", methods=["manual"])
    assert {e.field for e in exc.value.errors} == {"name", "method"}
    with pytest.raises(PermissionDenied):
        register_device(actor=clerk, name="区里的设备", methods=["face"])
    device, _raw = register_device(actor=provider_staff, name="人脸机", methods=["face"])
    staff = Client()
    staff.force_login(other_provider_staff)
    assert post(staff, f"/devices/{device.pk}/revoke", {}).status_code == 404
    assert staff.get(f"{API}/devices").json() == []
    assert AttendanceDevice.objects.get().revoked_at is None


# ---------------------------------------------------------------------------------------------- lesson hours


def test_rates_count_lesson_hours_not_sessions(provider, training_ref, provider_staff):
    """A missed 4-hour session costs 4 hours, not 1 session: 1 of 2 sessions attended is 1/5 of the hours."""
    start = next_monday(weeks_ahead=-1)
    sessions = [
        {"starts_at": aware(start, 9), "ends_at": aware(start, 10), "lesson_hours": 1},
        {
            "starts_at": aware(start + dt.timedelta(days=1), 9),
            "ends_at": aware(start + dt.timedelta(days=1), 12),
            "lesson_hours": 4,
            "kind": ClassSession.Kind.PRACTICAL,
        },
    ]
    klass = make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.RUNNING,
        start=start,
        sessions=sessions,
    )
    person = make_person("缺四课时")
    enrollment = Enrollment.objects.create(training_class=klass, person=person)
    short, long = klass.sessions.order_by("starts_at")
    check_in(actor=provider_staff, session=short, person=person, checked_at=short.starts_at, reason="补录")
    enrollment.refresh_from_db()
    assert enrollment.attendance_rate == Decimal("0.2000")  # 1 of 5 hours (by sessions it would be 0.5)
    assert attendance_rates(klass) == {enrollment.pk: Decimal("0.2000")}
    client = Client()
    client.force_login(provider_staff)
    sheet = client.get(f"{API}/classes/{klass.pk}/attendance").json()
    assert sheet["required_hours"] == 5
    assert sheet["rows"][0]["attended_hours"] == 1 and sheet["rows"][0]["rate"] == "0.2000"
    page = client.get(reverse("training:attendance", args=[klass.pk])).content.decode()
    assert "1/5" in page and "20%" in page and "4课时" in page
    # finishing computes the same rate (the completion rules read it)
    TrainingClass = type(klass)
    TrainingClass.objects.filter(pk=klass.pk).update(end_date=timezone.localdate())
    finish_class(actor=provider_staff, training_class=klass)
    enrollment.refresh_from_db()
    assert (
        enrollment.attendance_rate == Decimal("0.2000") and enrollment.status == Enrollment.Status.COMPLETED
    )
    assert long.lesson_hours == 4


# ------------------------------------------------------------------------------------------------ the screen


def test_devices_screen_registers_shows_the_credential_once_and_revokes(
    provider_staff, other_provider_staff, clerk, django_assert_max_num_queries
):
    client = Client()
    client.force_login(provider_staff)
    url = reverse("training:devices")
    response = client.post(url, {"name": "", "methods": []})
    assert response.status_code == 200 and "请至少选择一种签到方式" in response.content.decode()
    assert not AttendanceDevice.objects.exists()
    response = client.post(url, {"name": "二楼刷卡机", "methods": ["card", "qr"]})
    html = response.content.decode()
    device = AttendanceDevice.objects.get()
    assert response.status_code == 200 and 'id="new-credential"' in html and "ljd_" in html
    assert device.methods == ["card", "qr"] and "刷卡、扫码" in html
    raw = html.split('id="new-credential">')[1].split("<")[0]
    assert authenticate_device(raw) == device
    for n in range(3):
        register_device(actor=provider_staff, name=f"终端{n}", methods=["face"])
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert raw not in page and f"{device.prefix}…" in page  # the credential is never shown again
    other = Client()
    other.force_login(other_provider_staff)
    assert other.post(reverse("training:device_revoke", args=[device.pk])).status_code == 404
    assert "二楼刷卡机" not in other.get(url).content.decode()
    clerk_client = Client()
    clerk_client.force_login(clerk)
    assert clerk_client.get(url).status_code == 403
    assert client.post(reverse("training:device_revoke", args=[device.pk])).status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None and authenticate_device(raw) is None
