"""Issue 9, Usability 3 (the timetable edited as rows with lesson hours, teacher and venue; every error at once;
the hour requirement stated once) and Policy 8 (timetables warn about sessions on public holidays, and about a
year whose holiday arrangement is not entered, without refusing the save)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.audit.models import AuditEvent
from lijiao.core.errors import DomainError
from lijiao.training.models import ClassSession, ClassStatus
from lijiao.training.services import classes as services
from lijiao.training.services.classes import SessionInput, timetable_warnings
from tests.training.conftest import aware, make_class
from tests.training.test_classes_views import rows_post

NATIONAL_DAY = dt.date(2026, 10, 1)


@pytest.fixture
def staff(provider_staff) -> Client:
    client = Client()
    client.force_login(provider_staff)
    return client


@pytest.fixture
def draft(provider, training_ref):
    return make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.DRAFT)


def url(tc) -> str:
    return reverse("training:class_sessions", args=[tc.pk])


def test_rows_save_lesson_hours_kind_teacher_and_venue(staff, provider, draft) -> None:
    teacher, venue = provider.teachers.first(), provider.venues.first()
    day = draft.start_date.isoformat()
    rows: list[dict[str, Any]] = [
        {
            "day": day,
            "start": "08:30",
            "end": "11:50",
            "lesson_hours": "4",
            "kind": "theory",
            "teacher": teacher.pk,
        },
        {
            "day": day,
            "start": "13:30",
            "end": "17:00",
            "kind": "practical",
            "venue": venue.pk,
            "topic": "接线",
        },
    ]
    response = staff.post(url(draft), rows_post(rows))
    assert response.status_code == 302
    first, second = draft.sessions.order_by("starts_at")
    assert (first.lesson_hours, first.kind, first.teacher, first.venue) == (4, "theory", teacher, None)
    assert (second.lesson_hours, second.kind, second.venue, second.topic) == (4, "practical", venue, "接线")
    draft.refresh_from_db()
    assert (draft.lesson_hours, draft.practical_hours) == (8, 4)
    event = AuditEvent.objects.filter(action="training.class.sessions_set").latest("sequence")
    assert [row[3] for row in event.after["timetable"]] == [4, 4]


def test_add_and_remove_rows_renumber_and_save_nothing(staff, draft) -> None:
    day = draft.start_date.isoformat()
    rows = [
        {"day": day, "start": "09:00", "end": "12:00", "kind": "theory", "topic": "一"},
        {"day": day, "start": "13:00", "end": "16:00", "kind": "practical", "topic": "二"},
    ]
    response = staff.post(url(draft), rows_post(rows, add="1"), HTTP_HX_REQUEST="true")
    formset = response.context["formset"]
    assert response.status_code == 200 and len(formset.forms) == 3
    added = formset.forms[2].initial
    assert added["day"] == (draft.start_date + dt.timedelta(days=1)).isoformat() and added["topic"] == ""
    assert not any(form.errors for form in formset.forms)  # a new blank row is not an error
    response = staff.post(url(draft), rows_post(rows, remove="0"))
    formset = response.context["formset"]
    assert [form.initial["topic"] for form in formset.forms] == ["二"]
    assert 'name="s-0-topic"' in response.content.decode()
    assert draft.sessions.count() == 10  # adding and removing rows saves nothing


def test_the_requirement_is_stated_once_with_what_is_planned(staff, draft) -> None:
    html = staff.get(url(draft)).content.decode()
    statement = "本班次须安排至少 40 课时（其中实操不少于 24 课时），每课时 45 分钟；已安排 40 课时（理论 16、实操 24）"
    assert html.count(statement) == 1
    assert html.count("至少 40 课时") == 1  # not repeated elsewhere in other words
    detail = staff.get(reverse("training:class_detail", args=[draft.pk])).content.decode()
    assert statement in detail


def test_row_errors_for_venue_hours_and_dates_write_nothing(provider_staff, other_provider, draft) -> None:
    day = draft.start_date
    rows = [
        SessionInput(aware(day, 9), aware(day, 12), venue=other_provider.venues.first()),
        SessionInput(aware(day, 13), aware(day, 13, 30)),  # less than one lesson
        SessionInput(
            aware(draft.end_date + dt.timedelta(days=3), 9), aware(draft.end_date + dt.timedelta(days=3), 12)
        ),
        SessionInput(aware(day, 14), aware(day, 17), lesson_hours=0),
    ]
    with pytest.raises(DomainError) as exc:
        services.set_sessions(actor=provider_staff, training_class=draft, sessions=rows)
    by_row = {e.field: e.message for e in exc.value.errors}
    assert set(by_row) == {"sessions.0", "sessions.1", "sessions.2", "sessions.3"}
    assert "本机构的培训场地" in by_row["sessions.0"] and "不足一个课时" in by_row["sessions.1"]
    assert "起止日期" in by_row["sessions.2"] and "课时至少为1" in by_row["sessions.3"]
    assert draft.sessions.count() == 10 and draft.sessions.filter(venue__isnull=False).count() == 0


def test_api_rows_carry_lesson_hours_and_venue(provider_staff, provider, draft) -> None:
    client = Client()
    client.force_login(provider_staff)
    day = draft.start_date.isoformat()
    body = {
        "sessions": [
            {
                "starts_at": f"{day}T09:00:00",
                "ends_at": f"{day}T12:00:00",
                "lesson_hours": 3,
                "kind": "practical",
                "venue_id": provider.venues.first().pk,
            }
        ]
    }
    response = client.put(
        f"/api/v1/training/classes/{draft.pk}/sessions", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (
        data["sessions"][0]["lesson_hours"] == 3
        and data["sessions"][0]["venue_id"] == provider.venues.first().pk
    )
    assert data["timetable"]["lesson_hours"] == 3 and "已安排 3 课时" in data["timetable"]["requirement"]


# ---------------------------------------------------------------------------------------------- holidays (P8)


def test_warnings_name_public_holidays_not_weekends(db) -> None:
    saturday = dt.date(2026, 10, 17)
    assert timetable_warnings([saturday, dt.date(2026, 10, 13)]) == []
    [warning] = timetable_warnings([NATIONAL_DAY])
    assert "2026-10-01" in warning and "国庆节" in warning
    assert timetable_warnings([dt.date(2026, 10, 10)]) == []  # a make-up working Saturday


def test_an_unknown_year_warns_instead_of_failing(db) -> None:
    [warning] = timetable_warnings([dt.date(2099, 3, 2), dt.date(2099, 3, 3)])
    assert "2099年" in warning and "该年度节假日安排尚未录入" in warning


def test_a_calendar_that_refuses_a_year_does_not_stop_the_save(monkeypatch, provider_staff, draft) -> None:
    """When the calendar refuses an unknown year (as working-day arithmetic will), the timetable still saves and
    the year is named as not entered."""
    from lijiao.core.calendar import WorkingCalendar

    def refuse(self: WorkingCalendar, day: dt.date) -> bool:
        raise DomainError("该年度节假日安排尚未录入")

    monkeypatch.setattr(WorkingCalendar, "is_known", refuse)
    [warning] = timetable_warnings([draft.start_date])
    assert "该年度节假日安排尚未录入" in warning
    services.set_sessions(
        actor=provider_staff,
        training_class=draft,
        sessions=[SessionInput(aware(draft.start_date, 9), aware(draft.start_date, 12))],
    )
    assert draft.sessions.count() == 1


def test_saving_a_session_on_a_holiday_warns_and_saves(staff, provider, training_ref) -> None:
    tc = make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.DRAFT,
        start=dt.date(2026, 9, 28),
        sessions=[{"starts_at": aware(dt.date(2026, 9, 28), 9), "ends_at": aware(dt.date(2026, 10, 2), 12)}],
    )
    rows = [
        {"day": "2026-09-30", "start": "09:00", "end": "12:00", "kind": "theory"},
        {"day": "2026-10-01", "start": "09:00", "end": "12:00", "kind": "theory"},
    ]
    page = staff.post(url(tc), rows_post(rows, add="1")).content.decode()
    assert "2026-10-01是国庆节" in page  # shown while editing
    response = staff.post(url(tc), rows_post(rows), follow=True)
    assert response.status_code == 200
    assert ClassSession.objects.filter(training_class=tc).count() == 2
    html = response.content.decode()
    assert "课程表已保存" in html and "2026-10-01是国庆节" in html


def test_the_editor_reads_a_constant_number_of_queries(
    staff, provider, training_ref, draft, django_assert_max_num_queries
) -> None:
    """10 or 40 rows, each with a teacher and a venue menu: the same queries (the menus are read once)."""
    with django_assert_max_num_queries(20) as small:
        assert staff.get(url(draft)).status_code == 200
    start = draft.start_date
    many = make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.DRAFT,
        start=start,
        sessions=[
            {
                "starts_at": aware(start + dt.timedelta(days=i // 2), 8 + 5 * (i % 2)),
                "ends_at": aware(start + dt.timedelta(days=i // 2), 11 + 5 * (i % 2)),
            }
            for i in range(40)
        ],
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff.get(url(many))
    assert len(response.context["formset"].forms) == 40
