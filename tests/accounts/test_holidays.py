"""P8: a year the holiday library does not know is refused until the bureau enters its arrangement."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from lijiao.accounts.holidays.services import enter_holiday_arrangement
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.calendar import (
    CalendarUnknown,
    add_working_days,
    get_calendar,
    library_knows,
    working_days_between,
)
from lijiao.core.errors import DomainError, PermissionDenied
from lijiao.core.holidays import parse_text
from lijiao.core.models import CalendarDay, HolidayArrangement

D = dt.date
YEAR = 2027  # the library (chinesecalendar 1.11) stops at 2026
NOTICE = "国务院办公厅关于2027年部分节假日安排的通知"
PASTED = """日期\t类型\t名称
2027-01-01\t放假\t元旦
2月6日至12日\t放假\t春节
2027/1/31（周日）\t上班\t春节调休
2027年2月20日\t补班\t春节调休
"""


def _login(client, user):
    client.force_login(user)


@pytest.fixture
def admin(make_user):
    return make_user(Role.CITY_ADMIN)


def test_library_does_not_know_the_test_year():
    assert not library_knows(YEAR)


def test_parser_reads_what_a_clerk_pastes():
    days, problems = parse_text(PASTED, YEAR)
    assert problems == []
    by_date = {d.date: d for d in days}
    assert len(days) == 1 + 7 + 2
    assert not by_date[D(YEAR, 1, 1)].is_workday and by_date[D(YEAR, 1, 1)].name == "元旦"
    assert all(not by_date[D(YEAR, 2, n)].is_workday for n in range(6, 13))
    assert by_date[D(YEAR, 1, 31)].is_workday and by_date[D(YEAR, 2, 20)].is_workday


def test_parser_lists_every_bad_line():
    text = "2027-13-01 放假 元旦\n2026-10-01 放假 国庆\n2027-01-04 上班 周一\n2027-01-02 放假\n2027-01-02 上班\n1月5日 休憩"
    _days, problems = parse_text(text, YEAR)
    lines = [p.line for p in problems]
    assert lines == [1, 2, 3, 5, 6]
    messages = " ".join(p.message for p in problems)
    assert "无法识别日期“2027-13-01”" in messages
    assert "2026-10-01不在2027年" in messages
    assert "2027-01-04本是工作日" in messages
    assert "与第4行矛盾" in messages
    assert "类型“休憩”应为“放假”或“上班”" in messages


@pytest.mark.django_db
def test_2027_refuses_before_entry_and_works_after(client, admin):
    with pytest.raises(CalendarUnknown) as refused:
        add_working_days(D(YEAR, 1, 29), 1)
    assert "尚未录入2027年的节假日安排" in str(refused.value)
    with pytest.raises(CalendarUnknown):
        working_days_between(D(2026, 12, 28), D(YEAR, 1, 5))

    _login(client, admin)
    page = client.get(reverse("accounts:holiday_years"))
    assert "未录入，工作日计算将被拒绝" in page.content.decode()
    response = client.post(
        reverse("accounts:holiday_year", args=[YEAR]),
        {"notice": NOTICE, "document_number": "国办发明电〔2026〕9号", "days": PASTED},
    )
    assert response.status_code == 302, response.content.decode()

    assert add_working_days(D(YEAR, 1, 29), 1) == D(YEAR, 1, 31)  # Friday → the make-up Sunday
    assert add_working_days(D(YEAR, 2, 5), 1) == D(YEAR, 2, 15)  # over 春节 (6–12 Feb, 13–14 weekend)
    assert working_days_between(D(2026, 12, 31), D(YEAR, 1, 4)) == 1  # 1 Jan holiday, 2–3 weekend
    calendar = get_calendar()
    assert calendar.is_holiday(D(YEAR, 2, 8)) and not calendar.is_holiday(D(YEAR, 2, 20))
    arrangement = HolidayArrangement.objects.get(year=YEAR)
    assert arrangement.entered_by == admin and arrangement.days.count() == 10
    event = AuditEvent.objects.get(action="core.holiday_arrangement.entered")
    assert event.actor == admin and "2027-01-31 上班 春节调休" in event.after["days"]
    assert "本局录入" in client.get(reverse("accounts:holiday_years")).content.decode()


@pytest.mark.django_db
def test_editing_replaces_the_year_and_records_before_and_after(admin):
    enter_holiday_arrangement(
        actor=admin, year=YEAR, notice=NOTICE, rows=[(1, ["2027-01-01", "放假", "元旦"])]
    )
    enter_holiday_arrangement(
        actor=admin, year=YEAR, notice=NOTICE, rows=[(1, ["2027-01-04", "放假", "元旦"])]
    )
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(YEAR, 1, 4)]
    event = AuditEvent.objects.get(action="core.holiday_arrangement.changed")
    assert event.before["days"] == ["2027-01-01 放假 元旦"]


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "2027.xlsx"
    return buffer


@pytest.mark.django_db
def test_import_with_bad_lines_shows_every_error_and_writes_nothing(client, admin):
    _login(client, admin)
    upload = _xlsx(
        [
            ["日期", "类型", "名称"],
            [dt.datetime(YEAR, 1, 1), "放假", "元旦"],
            ["2027-02-30", "放假", "春节"],
            ["2027-01-06", "上班", ""],
            ["2027-05-01", "休憩", "劳动节"],
        ]
    )
    response = client.post(reverse("accounts:holiday_year", args=[YEAR]), {"notice": NOTICE, "file": upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert "节假日安排有3处错误，未保存" in body
    assert "第3行：无法识别日期“2027-02-30”" in body
    assert "第4行：2027-01-06本是工作日，无需登记为上班" in body
    assert "第5行：类型“休憩”应为“放假”或“上班”" in body
    assert not HolidayArrangement.objects.exists()
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="core.holiday_arrangement").exists()
    with pytest.raises(CalendarUnknown):
        get_calendar().is_holiday(D(YEAR, 1, 1))


@pytest.mark.django_db
def test_a_good_xlsx_import_is_saved(client, admin):
    _login(client, admin)
    upload = _xlsx([["日期", "类型", "名称"], [dt.datetime(YEAR, 1, 1), "放假", "元旦"]])
    response = client.post(reverse("accounts:holiday_year", args=[YEAR]), {"notice": NOTICE, "file": upload})
    assert response.status_code == 302
    assert get_calendar().is_holiday(D(YEAR, 1, 1))


@pytest.mark.django_db
def test_only_the_city_admin_enters_arrangements(client, make_user):
    clerk = make_user(Role.DISTRICT_CLERK)
    with pytest.raises(PermissionDenied):
        enter_holiday_arrangement(actor=clerk, year=YEAR, notice=NOTICE, rows=[(1, ["2027-01-01", "放假"])])
    _login(client, clerk)
    assert client.get(reverse("accounts:holiday_years")).status_code == 403
    assert (
        client.post(
            reverse("accounts:holiday_year", args=[YEAR]), {"notice": NOTICE, "days": "1月1日 放假"}
        ).status_code
        == 403
    )
    assert not HolidayArrangement.objects.exists()


@pytest.mark.django_db
def test_missing_notice_is_refused(admin):
    with pytest.raises(DomainError) as refused:
        enter_holiday_arrangement(actor=admin, year=YEAR, notice=" ", rows=[(1, ["2027-01-01", "放假"])])
    assert [e.field for e in refused.value.errors] == ["notice"]
    assert not HolidayArrangement.objects.exists()


@pytest.mark.django_db
def test_api_refuses_unknown_year_with_the_chinese_message(client):
    response = client.get("/api/v1/core/calendar/add-working-days", {"start": "2027-03-01", "days": 5})
    assert response.status_code == 409
    assert response.json()["code"] == "calendar_unknown"
    assert "尚未录入2027年的节假日安排" in response.json()["message"]


@pytest.mark.django_db
def test_holiday_screens_stay_within_a_query_budget(client, admin, django_assert_max_num_queries):
    for year in (2027, 2028, 2029):
        enter_holiday_arrangement(
            actor=admin, year=year, notice=f"通知{year}", rows=[(1, [f"{year}-01-01", "放假", "元旦"])]
        )
    _login(client, admin)
    client.get(reverse("accounts:holiday_years"))  # the session is written
    with django_assert_max_num_queries(8):
        assert client.get(reverse("accounts:holiday_years")).status_code == 200
    with django_assert_max_num_queries(8):
        page = client.get(reverse("accounts:holiday_year", args=[2027]))
    assert "2027-01-01\t放假\t元旦" in page.content.decode()
