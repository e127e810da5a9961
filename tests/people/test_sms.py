"""The SMS copy of an in-app message goes through the configured gateway after commit; without one it is only
logged and never marked as sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from lijiao.core.identity import citizen_id_check_char
from lijiao.people.models import Notification, Person
from lijiao.people.services import notify

pytestmark = pytest.mark.django_db

SENT: list[tuple[str, str]] = []


class RecordingGateway:
    def send(self, *, phone: str, text: str) -> bool:
        SENT.append((phone, text))
        return True


def _person() -> Person:
    first17 = "21020219900517301"
    return Person.objects.create(
        name="短信测试",
        citizen_id=first17 + citizen_id_check_char(first17),
        gender="M",
        birth_date=dt.date(1990, 5, 17),
        phone="13812345678",
    )


@override_settings(SMS_GATEWAY="tests.people.test_sms.RecordingGateway")
def test_a_configured_gateway_sends_after_commit(django_capture_on_commit_callbacks: object) -> None:
    SENT.clear()
    person = _person()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        note = notify(person=person, kind="test", title="补贴已发放 800.00 元")
    assert SENT == [("13812345678", "补贴已发放 800.00 元")]
    assert Notification.objects.get(pk=note.pk).sms_sent_at is not None


def test_without_a_gateway_nothing_is_marked_sent(django_capture_on_commit_callbacks: object) -> None:
    person = _person()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        note = notify(person=person, kind="test", title="标题")
    assert Notification.objects.get(pk=note.pk).sms_sent_at is None
