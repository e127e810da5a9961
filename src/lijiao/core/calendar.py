"""The Chinese working-day calendar (SPEC C1) for every "N working days" rule (e.g. 公示 for 5 working days).

Where a year's days come from (ADR 0011):

* the holiday library ``chinesecalendar`` for the years it knows;
* the bureau's own entry of the State Council's notice (:class:`lijiao.core.models.HolidayArrangement` with its
  :class:`~lijiao.core.models.CalendarDay` rows) for a year the library does not know yet — and a day the bureau
  entered wins over the library's answer for that day (a deliberate, audited correction);
* for a year with neither, nothing: every question about a day of that year raises :class:`CalendarUnknown`
  (a :class:`~lijiao.core.errors.DomainError` with a Chinese message), never a silent Monday–Friday guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from functools import lru_cache

import chinese_calendar
from django.utils.translation import gettext as _

from lijiao.core.errors import DomainError

__all__ = [
    "CalendarUnknown",
    "WorkingCalendar",
    "add_working_days",
    "get_calendar",
    "library_knows",
    "working_days_between",
]


class CalendarUnknown(DomainError):
    """A working-day question about a year whose holiday arrangement nobody has entered."""

    def __init__(self, year: int) -> None:
        super().__init__(
            message=_(
                "尚未录入%(year)s年的节假日安排（国务院办公厅关于%(year)s年部分节假日安排的通知），"
                "无法计算工作日。请市级管理员在“节假日安排”中录入后再试。"
            )
            % {"year": year},
            code="calendar_unknown",
            status=409,
        )
        self.year = year


@lru_cache(maxsize=256)
def library_knows(year: int) -> bool:
    """Whether ``chinesecalendar`` has the State Council's arrangement for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=8192)
def _library_workday(day: dt.date) -> bool:
    return bool(chinese_calendar.is_workday(day))


class WorkingCalendar:
    """Answers working-day questions from the bureau's entries, then the library; refuses unknown years."""

    def __init__(
        self, overrides: Mapping[dt.date, bool] | None = None, entered_years: Collection[int] = ()
    ) -> None:
        self.overrides: dict[dt.date, bool] = dict(overrides or {})
        self.entered_years: frozenset[int] = frozenset(entered_years)

    def knows_year(self, year: int) -> bool:
        return year in self.entered_years or library_knows(year)

    def is_known(self, day: dt.date) -> bool:
        """True if the day's year has an arrangement (library or bureau entry); False means questions refuse."""
        return self.knows_year(day.year)

    def require_known(self, day: dt.date) -> None:
        if not self.knows_year(day.year):
            raise CalendarUnknown(day.year)

    def is_workday(self, day: dt.date) -> bool:
        self.require_known(day)
        if day in self.overrides:
            return self.overrides[day]
        if library_knows(day.year):
            return _library_workday(day)
        return day.weekday() < 5  # an entered year: every exception is an entered day

    def is_holiday(self, day: dt.date) -> bool:
        """Whether ``day`` is a public holiday (法定节假日 or a day of its break), not merely a weekend."""
        self.require_known(day)
        if day in self.overrides:
            return not self.overrides[day]
        if library_knows(day.year):
            return day in chinese_calendar.holidays
        return False

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted).

        ``add_working_days(d, 0)`` is ``d`` if it is a working day, else the next working day.
        Negative ``days`` counts backwards. Raises :class:`CalendarUnknown` on reaching an unknown year.
        """
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        day = start
        if remaining == 0:
            while not self.is_workday(day):
                day += dt.timedelta(days=1)
            return day
        while remaining:
            day += dt.timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier).

        Raises :class:`CalendarUnknown` if a day in the range belongs to an unknown year.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


def get_calendar() -> WorkingCalendar:
    """The calendar with the bureau's entered days and arrangements from the database (two queries)."""
    from lijiao.core.models import CalendarDay, HolidayArrangement

    return WorkingCalendar(
        dict(CalendarDay.objects.values_list("date", "is_workday")),
        entered_years=set(HolidayArrangement.objects.values_list("year", flat=True)),
    )


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Shortcut for :meth:`WorkingCalendar.add_working_days` on :func:`get_calendar`."""
    return get_calendar().add_working_days(start, days)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Shortcut for :meth:`WorkingCalendar.working_days_between` on :func:`get_calendar`."""
    return get_calendar().working_days_between(start, end)
