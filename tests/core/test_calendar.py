import datetime as dt

import pytest
from django.utils.timezone import now

from lijiao.core.calendar import (
    CalendarUnknown,
    WorkingCalendar,
    add_working_days,
    get_calendar,
    working_days_between,
)
from lijiao.core.models import CalendarDay, HolidayArrangement

D = dt.date


def test_national_day_holidays_and_make_up_workdays_2025():
    cal = WorkingCalendar()
    assert not cal.is_workday(D(2025, 10, 1))
    assert not cal.is_workday(D(2025, 10, 8))
    assert cal.is_workday(D(2025, 9, 28))  # Sunday, make-up workday
    assert cal.is_workday(D(2025, 10, 11))  # Saturday, make-up workday
    assert cal.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert cal.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)


def test_five_working_days_of_public_notice_over_spring_festival_2025():
    cal = WorkingCalendar()
    # 2025 春节: 1-28 .. 2-04 off; 1-26 (Sun) and 2-08 (Sat) make-up workdays.
    assert cal.add_working_days(D(2025, 1, 24), 5) == D(2025, 2, 7)
    assert cal.working_days_between(D(2025, 1, 24), D(2025, 2, 7)) == 5


def test_zero_and_negative_days_and_reverse_ranges():
    cal = WorkingCalendar()
    assert cal.add_working_days(D(2025, 10, 1), 0) == D(2025, 10, 9)
    assert cal.add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert cal.working_days_between(D(2025, 10, 9), D(2025, 9, 30)) == -1
    assert cal.working_days_between(D(2025, 3, 3), D(2025, 3, 3)) == 0


def test_years_the_library_does_not_know_are_refused_never_guessed():
    cal = WorkingCalendar()
    assert not cal.is_known(D(2031, 1, 6))
    assert cal.is_known(D(2025, 1, 6))
    for question in (
        lambda: cal.is_workday(D(2031, 1, 6)),
        lambda: cal.is_holiday(D(2031, 1, 1)),
        lambda: cal.add_working_days(D(2030, 12, 30), 5),
        lambda: cal.working_days_between(D(2030, 12, 1), D(2031, 1, 10)),
    ):
        with pytest.raises(CalendarUnknown) as refused:
            question()
        year = refused.value.year
        assert year in {2030, 2031}
        assert f"尚未录入{year}年的节假日安排" in refused.value.message
        assert refused.value.code == "calendar_unknown"


def test_is_holiday_is_public_holidays_not_weekends():
    cal = WorkingCalendar()
    assert cal.is_holiday(D(2025, 10, 1))
    assert cal.is_holiday(D(2025, 10, 4))  # Saturday inside the National Day break
    assert not cal.is_holiday(D(2025, 10, 11))  # Saturday make-up workday
    assert not cal.is_holiday(D(2025, 3, 8))  # an ordinary Saturday
    assert not cal.is_holiday(D(2025, 3, 10))


@pytest.mark.django_db
def test_bureau_entered_days_win_over_the_library_but_do_not_make_a_year_known_alone():
    CalendarDay.objects.create(date=D(2025, 10, 1), is_workday=True, note="hypothetical")
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 1)) == 1
    assert not get_calendar().is_holiday(D(2025, 10, 1))
    CalendarDay.objects.create(date=D(2031, 1, 1), is_workday=False, note="元旦")
    with pytest.raises(CalendarUnknown):
        add_working_days(D(2030, 12, 31), 1)
    arrangement = HolidayArrangement.objects.create(
        year=2031, notice="国务院办公厅关于2031年部分节假日安排的通知", entered_at=now(), updated_at=now()
    )
    CalendarDay.objects.filter(date=D(2031, 1, 1)).update(arrangement=arrangement)
    assert add_working_days(D(2030, 12, 31), 1) == D(2031, 1, 2)
    assert get_calendar().is_holiday(D(2031, 1, 1))
    assert not get_calendar().is_workday(D(2031, 1, 4))  # Saturday, nothing entered
