import datetime as dt

import pytest

from lijiao.core.calendar import WorkingCalendar, add_working_days, working_days_between
from lijiao.core.models import CalendarDay

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


def test_years_the_library_does_not_know_fall_back_to_weekdays_and_say_so():
    cal = WorkingCalendar()
    assert not cal.is_known(D(2031, 1, 6))
    assert cal.is_workday(D(2031, 1, 6))  # Monday
    assert not cal.is_workday(D(2031, 1, 4))  # Saturday
    assert cal.is_known(D(2025, 1, 6))


@pytest.mark.django_db
def test_bureau_entered_days_override_everything():
    CalendarDay.objects.create(date=D(2031, 1, 1), is_workday=False, note="元旦")
    CalendarDay.objects.create(date=D(2025, 10, 1), is_workday=True, note="hypothetical")
    assert add_working_days(D(2030, 12, 31), 1) == D(2031, 1, 2)
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 1)) == 1
