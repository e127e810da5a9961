"""Reading a year's holiday arrangement as a clerk pastes or uploads it (pure: no database).

One row per day or range of days: ``date | type | name``, e.g.::

    日期            类型  名称
    2027-01-01      放假  元旦
    2027-02-06至2027-02-12  放假  春节
    2月6日至12日     放假  春节
    2027/1/31       上班  春节调休

Cells are separated by tabs (pasted from a spreadsheet), commas, ``|`` or spaces; the date is ``2027-01-01``,
``2027/1/1``, ``2027.1.1``, ``2027年1月1日`` or ``1月1日`` (the arrangement's year), a range joins two dates with
``至`` / ``~`` / ``—`` (the second may omit month or year: ``2月6日至12日``); the type is 放假/休息 or 上班/补班.
A header line starting with 日期 is skipped. Every problem is reported with its line number; the caller writes
nothing unless there are none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

__all__ = ["HolidayDay", "RowProblem", "parse_arrangement", "parse_text", "split_line"]

MAX_ROWS = 400
HOLIDAY_WORDS = frozenset({"放假", "休", "休息", "假", "休假", "放假调休", "节假日"})
WORKDAY_WORDS = frozenset({"上班", "班", "补班", "调休上班", "工作", "工作日"})
_SPLIT = re.compile(r"\t|[,，|｜]|\s{1,}")
_RANGE = re.compile(r"\s*(?:至|到|~|～|—|－－|--)\s*")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_CHINESE = re.compile(r"^(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日?$")
_WEEKDAY_NOTE = re.compile(r"[（(](?:周|星期)[一二三四五六日天][）)]")


@dataclass(frozen=True, slots=True)
class HolidayDay:
    """One entered day: a holiday (``is_workday`` False) or a make-up working day, with its name."""

    date: dt.date
    is_workday: bool
    name: str


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    message: str


def split_line(line: str) -> list[str]:
    """The cells of one pasted line (a range written with spaces around 至 stays one cell)."""
    text = _RANGE.sub("至", line.strip())
    return [cell for cell in _SPLIT.split(text) if cell]


def _one_date(text: str, year: int, after: dt.date | None = None) -> dt.date | None:
    text = _WEEKDAY_NOTE.sub("", text.strip())
    iso = _ISO.match(text)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        chinese = _CHINESE.match(text)
        if chinese and (chinese[2] or after is not None):
            month = int(chinese[2]) if chinese[2] else after.month  # type: ignore[union-attr]
            return dt.date(int(chinese[1] or (after.year if after else year)), month, int(chinese[3]))
    except ValueError:
        return None
    return None


def _dates(text: str, year: int) -> list[dt.date] | None:
    parts = text.split("至")
    if len(parts) == 1:
        day = _one_date(parts[0], year)
        return [day] if day else None
    if len(parts) != 2:
        return None
    first = _one_date(parts[0], year)
    last = _one_date(parts[1], year, after=first) if first else None
    if first is None or last is None or last < first or (last - first).days > 31:
        return None
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _kind(text: str) -> bool | None:
    if text in HOLIDAY_WORDS:
        return False
    if text in WORKDAY_WORDS:
        return True
    return None


def _row(line: int, cells: Sequence[str], year: int) -> tuple[list[HolidayDay], list[RowProblem]]:
    if len(cells) < 2:
        return [], [RowProblem(line, _("第%(line)s行：应为“日期 类型 名称”三列") % {"line": line})]
    dates = _dates(cells[0], year)
    if dates is None:
        message = _("第%(line)s行：无法识别日期“%(value)s”（例如 %(year)s-01-01 或 1月1日至3日）")
        return [], [RowProblem(line, message % {"line": line, "value": cells[0], "year": year})]
    is_workday = _kind(cells[1])
    if is_workday is None:
        message = _("第%(line)s行：类型“%(value)s”应为“放假”或“上班”")
        return [], [RowProblem(line, message % {"line": line, "value": cells[1]})]
    name = " ".join(cells[2:])[:100]
    problems: list[RowProblem] = []
    for day in dates:
        if day.year != year:
            message = _("第%(line)s行：%(date)s不在%(year)s年")
            problems.append(RowProblem(line, message % {"line": line, "date": day.isoformat(), "year": year}))
        elif is_workday and day.weekday() < 5:
            message = _("第%(line)s行：%(date)s本是工作日，无需登记为上班")
            problems.append(RowProblem(line, message % {"line": line, "date": day.isoformat()}))
    return [HolidayDay(day, is_workday, name) for day in dates], problems


def _cell(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_arrangement(
    rows: Iterable[tuple[int, Sequence[object]]], year: int
) -> tuple[list[HolidayDay], list[RowProblem]]:
    """Days and every problem of ``rows`` (line number, cells); the days are only usable without problems."""
    days: dict[dt.date, tuple[int, HolidayDay]] = {}
    problems: list[RowProblem] = []
    count = 0
    for line, raw in rows:
        cells = [_cell(cell) for cell in raw if cell is not None and _cell(cell)]
        if not cells or (count == 0 and cells[0].startswith("日期")):
            continue
        count += 1
        if count > MAX_ROWS:
            problems.append(RowProblem(line, _("行数过多：一年的安排最多%(max)s行") % {"max": MAX_ROWS}))
            break
        if len(cells) == 1:
            cells = split_line(cells[0])
        row_days, row_problems = _row(line, cells, year)
        problems.extend(row_problems)
        for day in row_days:
            earlier = days.get(day.date)
            if earlier is not None and earlier[1].is_workday != day.is_workday:
                message = _("第%(line)s行：%(date)s与第%(other)s行矛盾")
                problems.append(
                    RowProblem(
                        line, message % {"line": line, "date": day.date.isoformat(), "other": earlier[0]}
                    )
                )
            days[day.date] = (line, day)
    if not days and not problems:
        problems.append(RowProblem(0, _("没有读到任何日期")))
    return [entry for _line, entry in sorted(days.values(), key=lambda pair: pair[1].date)], problems


def parse_text(text: str, year: int) -> tuple[list[HolidayDay], list[RowProblem]]:
    """:func:`parse_arrangement` of pasted text, one row per line."""
    return parse_arrangement(((n, split_line(line)) for n, line in enumerate(text.splitlines(), 1)), year)
