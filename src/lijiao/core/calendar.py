"""The Chinese working-day calendar (SPEC C1) for every "N working days" rule (e.g. 公示 for 5 working days).

Official holidays and make-up workdays come from ``chinesecalendar``. The State Council publishes next year's
arrangement each November, often before the library is updated, so the bureau can enter days itself
(:class:`lijiao.core.models.CalendarDay`); those entries win. For a year neither source knows, Monday–Friday
is assumed and :func:`WorkingCalendar.is_known` says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache

import chinese_calendar


class WorkingCalendar:
    """Answers working-day questions from overrides, then the official calendar, then Monday–Friday."""

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None) -> None:
        self.overrides: dict[dt.date, bool] = dict(overrides or {})

    @staticmethod
    @lru_cache(maxsize=8192)
    def _official(day: dt.date) -> bool | None:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return None

    def is_known(self, day: dt.date) -> bool:
        """True if the day's status comes from an official source (library or bureau entry), not a guess."""
        return day in self.overrides or self._official(day) is not None

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        official = self._official(day)
        if official is not None:
            return official
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted).

        ``add_working_days(d, 0)`` is ``d`` if it is a working day, else the next working day.
        Negative ``days`` counts backwards.
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
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
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
    """The calendar with the bureau's entered days from the database."""
    from lijiao.core.models import CalendarDay

    return WorkingCalendar(dict(CalendarDay.objects.values_list("date", "is_workday")))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Shortcut for :meth:`WorkingCalendar.add_working_days` on :func:`get_calendar`."""
    return get_calendar().add_working_days(start, days)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Shortcut for :meth:`WorkingCalendar.working_days_between` on :func:`get_calendar`."""
    return get_calendar().working_days_between(start, end)
