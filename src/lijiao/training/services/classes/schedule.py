"""A class's timetable (课程表): rows of date, start, end, lesson hours, theory or practice, teacher and venue.

:func:`set_sessions` is the one service that saves a timetable (the row editor and the API call it); it checks
every row and the whole table at once and writes nothing while anything is wrong. Errors of one row carry the
field ``sessions.<row index>`` (0-based, in the order given) so a row editor can show them on that row; errors
of the whole table carry ``sessions``.

:func:`hour_requirement` states the hours the class must hold (its catalog item's and the lesson-hour rule's),
and :func:`timetable_warnings` what a saved timetable should be looked at again for (sessions on public
holidays, or in a year whose holiday arrangement is not entered yet) — warnings, never refusals.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import chinese_calendar
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.catalog.models import CatalogItem
from lijiao.core.actors import Actor
from lijiao.core.calendar import WorkingCalendar, get_calendar
from lijiao.core.errors import FieldError
from lijiao.training.models import ClassSession, LessonHourRule, TrainingClass
from lijiao.training.services.classes.common import (
    LESSON_MINUTES,
    MAX_SESSION_MINUTES,
    MAX_SESSIONS,
    SessionInput,
    Timetable,
    _fail,
    _locked,
    _require_editable,
    _require_own_provider,
)
from lijiao.training.services.classes.filing import _session_minutes, lesson_rule_for, timetable

__all__ = [
    "HourRequirement",
    "check_timetable",
    "class_timetable_warnings",
    "hour_requirement",
    "planned_timetable",
    "row_field",
    "set_sessions",
    "timetable_warnings",
]


def row_field(index: int) -> str:
    """The error field of the timetable row at ``index`` (0-based)."""
    return f"sessions.{index}"


@dataclass(frozen=True, slots=True)
class HourRequirement:
    """The lesson hours a class of an item must hold: in all, and at least this many practical (课时)."""

    total: int
    practical: int
    practical_share: Decimal
    lesson_minutes: int

    @property
    def theory(self) -> int:
        return self.total - self.practical

    def statement(self, table: Timetable | None = None) -> str:
        """One sentence, e.g. "本班次须安排至少 56 课时（其中实操不少于 34 课时），已安排 40 课时（理论 16、实操 24）"."""
        if self.practical:
            text = _(
                "本班次须安排至少 %(total)s 课时（其中实操不少于 %(practical)s 课时），每课时 %(minutes)s 分钟"
            ) % {
                "total": self.total,
                "practical": self.practical,
                "minutes": self.lesson_minutes,
            }
        else:
            text = _("本班次须安排至少 %(total)s 课时，每课时 %(minutes)s 分钟") % {
                "total": self.total,
                "minutes": self.lesson_minutes,
            }
        if table is not None:
            text += _("；已安排 %(total)s 课时（理论 %(theory)s、实操 %(practical)s）") % {
                "total": table.total_hours,
                "theory": table.theory_hours,
                "practical": table.practical_hours,
            }
        return text


def hour_requirement(
    item: CatalogItem, rule: LessonHourRule | Literal["lookup"] | None = "lookup"
) -> HourRequirement:
    """The hours a class of ``item`` must hold: the larger of the item's 最低课时 and its lesson-hour rule's
    minimum, and the rule's practical share of that (rounded up). Give ``rule`` when it has been read."""
    if rule == "lookup":
        rule = lesson_rule_for(item)
    total = max(rule.min_total_hours if rule else 0, item.min_lesson_hours or 0)
    share = rule.min_practical_share if rule is not None else Decimal(0)
    return HourRequirement(
        total=total,
        practical=math.ceil(total * share),
        practical_share=share,
        lesson_minutes=rule.lesson_minutes if rule is not None else LESSON_MINUTES,
    )


# ---------------------------------------------------------------------------------------------------------------
# Warnings: public holidays

_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class _UnknownYear(Exception):
    pass


def _public_holiday(day: dt.date, calendar: WorkingCalendar) -> str | None:
    """The name of the public holiday ``day`` falls on ("" for a weekday the bureau entered as a rest day), None
    for any other day (weekends are ordinary training days). :class:`_UnknownYear` when no source knows the
    day's year (the calendar refusing it counts as not knowing)."""
    try:
        known = calendar.is_known(day)
    except Exception:  # a calendar that refuses an unknown year must not stop a timetable save
        known = False
    if not known:
        raise _UnknownYear
    if day in calendar.overrides:
        return "" if not calendar.overrides[day] and day.weekday() < 5 else None
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # the bureau entered the year's holidays, and this is not one of them
        return None
    if not on_holiday or name is None:
        return None
    return _HOLIDAY_NAMES.get(str(getattr(name, "value", name)), str(name))


def timetable_warnings(days: Iterable[dt.date]) -> list[str]:
    """What a timetable with sessions on ``days`` should be looked at again for: each public holiday it uses,
    and each year whose holiday arrangement is not entered yet ("该年度节假日安排尚未录入"). Never raises."""
    calendar = get_calendar()
    holidays: dict[dt.date, str] = {}
    unknown_years: set[int] = set()
    for day in sorted(set(days)):
        if day.year in unknown_years:
            continue
        try:
            name = _public_holiday(day, calendar)
        except _UnknownYear:
            unknown_years.add(day.year)
            continue
        if name is not None:
            holidays[day] = name
    warnings = [
        _("%(day)s是%(holiday)s，请确认该日确需上课")
        % {"day": day.isoformat(), "holiday": name or _("法定节假日")}
        for day, name in holidays.items()
    ]
    warnings.extend(
        _("%(year)s年：该年度节假日安排尚未录入，无法核对课程是否安排在法定节假日") % {"year": year}
        for year in sorted(unknown_years)
    )
    return warnings


def class_timetable_warnings(training_class: TrainingClass) -> list[str]:
    """:func:`timetable_warnings` for the class's saved sessions (one query)."""
    starts = ClassSession.objects.filter(training_class_id=training_class.pk).values_list(
        "starts_at", flat=True
    )
    return timetable_warnings(timezone.localtime(value).date() for value in starts)


# ---------------------------------------------------------------------------------------------------------------
# Saving


def _aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _row_problems(
    tc: TrainingClass,
    session: SessionInput,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    lesson_minutes: int,
) -> list[str]:
    """Everything wrong with one row (its time, hours, kind, topic, teacher and venue)."""
    problems: list[str] = []
    if ends_at <= starts_at:
        return [_("结束时间必须晚于开始时间")]
    minutes = _session_minutes(starts_at, ends_at)
    if minutes > MAX_SESSION_MINUTES:
        problems.append(_("一节课不能超过12小时"))
    first, last = timezone.localtime(starts_at).date(), timezone.localtime(ends_at).date()
    if first < tc.start_date or last > tc.end_date:
        problems.append(
            _("不在培训班起止日期%(start)s至%(end)s内")
            % {"start": tc.start_date.isoformat(), "end": tc.end_date.isoformat()}
        )
    hours = session.lesson_hours
    if hours is not None and hours < 1:
        problems.append(_("课时至少为1"))
    elif hours is not None and hours * lesson_minutes > minutes:
        problems.append(
            _("%(hours)s课时需要至少%(need)s分钟，本节只有%(minutes)s分钟")
            % {"hours": hours, "need": hours * lesson_minutes, "minutes": minutes}
        )
    elif hours is None and minutes < lesson_minutes:
        problems.append(_("不足一个课时（每课时%(minutes)s分钟）") % {"minutes": lesson_minutes})
    if session.kind not in ClassSession.Kind.values:
        problems.append(_("未知的课程类型“%(kind)s”，应为理论或实操") % {"kind": session.kind})
    if len(session.topic.strip()) > 200:
        problems.append(_("内容最多200字"))
    if session.teacher is not None and session.teacher.provider_id != tc.provider_id:
        problems.append(_("只能选择本机构的教师"))
    venue = session.venue
    if venue is not None and venue.provider_id != tc.provider_id:
        problems.append(_("只能选择本机构的培训场地"))
    elif venue is not None and not venue.active:
        problems.append(_("培训场地“%(name)s”已停用") % {"name": venue.name})
    return problems


@dataclass(frozen=True, slots=True)
class _Row:
    index: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    hours: int
    session: SessionInput


def _check_rows(
    tc: TrainingClass,
    sessions: Sequence[SessionInput],
    lesson_minutes: int,
    indexes: Sequence[int] | None = None,
) -> tuple[list[_Row], list[FieldError]]:
    errors: list[FieldError] = []
    if len(sessions) > MAX_SESSIONS:
        errors.append(FieldError("sessions", _("课程最多%(max)s节") % {"max": MAX_SESSIONS}))
    rows: list[_Row] = []
    for position, session in enumerate(sessions):
        index = indexes[position] if indexes is not None else position
        starts_at, ends_at = _aware(session.starts_at), _aware(session.ends_at)
        prefix = _("第%(number)s节 %(time)s：") % {
            "number": index + 1,
            "time": f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}",
        }
        problems = _row_problems(tc, session, starts_at, ends_at, lesson_minutes)
        errors.extend(FieldError(row_field(index), prefix + problem) for problem in problems)
        if ends_at > starts_at:
            hours = session.lesson_hours or _session_minutes(starts_at, ends_at) // lesson_minutes
            rows.append(_Row(index, starts_at, ends_at, hours, session))
    latest: _Row | None = None
    for row in sorted(rows, key=lambda r: (r.starts_at, r.ends_at)):
        if latest is not None and row.starts_at < latest.ends_at:
            errors.append(
                FieldError(
                    row_field(row.index),
                    _("第%(number)s节与第%(other)s节时间重叠")
                    % {"number": row.index + 1, "other": latest.index + 1},
                )
            )
        if latest is None or row.ends_at > latest.ends_at:
            latest = row
    return sorted(rows, key=lambda r: (r.starts_at, r.ends_at)), errors


def check_timetable(
    *, training_class: TrainingClass, sessions: Sequence[SessionInput], indexes: Sequence[int] | None = None
) -> list[FieldError]:
    """What :func:`set_sessions` would refuse in these rows (writes nothing): a row editor calls it for the rows
    it could parse while others could not, so that every error shows at once. ``indexes`` are the rows'
    positions in the editor (default 0, 1, …)."""
    lesson_minutes = hour_requirement(training_class.catalog_item).lesson_minutes
    return _check_rows(training_class, sessions, lesson_minutes, indexes)[1]


def planned_timetable(sessions: Sequence[SessionInput], lesson_minutes: int = LESSON_MINUTES) -> Timetable:
    """The totals rows would give once saved (hours not given: as many whole lessons as fit)."""
    total = practical = minutes = practical_minutes = 0
    for session in sessions:
        length = max(0, _session_minutes(_aware(session.starts_at), _aware(session.ends_at)))
        hours = session.lesson_hours or length // lesson_minutes
        total += hours
        minutes += length
        if session.kind == ClassSession.Kind.PRACTICAL:
            practical += hours
            practical_minutes += length
    return Timetable(
        sessions=len(sessions),
        total_minutes=minutes,
        practical_minutes=practical_minutes,
        first_start=min((s.starts_at for s in sessions), default=None),
        last_end=max((s.ends_at for s in sessions), default=None),
        lesson_minutes=lesson_minutes,
        total_hours=total,
        practical_hours=practical,
    )


@transaction.atomic
def set_sessions(
    *,
    actor: Actor,
    training_class: TrainingClass,
    sessions: Sequence[SessionInput],
    update_hours: bool = True,
) -> TrainingClass:
    """Replace the timetable of a draft or returned class; all rows are checked, and nothing is written while
    any is wrong (each row's errors on ``sessions.<index>``).

    Every session lies within the class dates, lasts at most 12 hours, holds its lesson hours (a lesson is the
    rule's minutes, 45 by default; no hours given: as many whole lessons as fit), uses the provider's own
    teacher and active venue, and no two sessions of the class overlap. With ``update_hours`` the declared
    lesson and practical hours become the timetable's.
    """
    _require_own_provider(actor, training_class, "training.change_classsession")
    tc = _locked(training_class)
    _require_editable(tc)
    requirement = hour_requirement(tc.catalog_item)
    rows, errors = _check_rows(tc, sessions, requirement.lesson_minutes)
    if errors:
        raise _fail(
            _("课程表有 %(count)s 处错误，未保存") % {"count": len(errors)}, errors, code="invalid_timetable"
        )
    before = {
        "sessions": tc.sessions.count(),
        "lesson_hours": tc.lesson_hours,
        "practical_hours": tc.practical_hours,
    }
    ClassSession.objects.filter(training_class=tc).delete()
    ClassSession.objects.bulk_create(
        [
            ClassSession(
                training_class=tc,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                lesson_hours=row.hours,
                kind=row.session.kind,
                topic=row.session.topic.strip(),
                teacher=row.session.teacher,
                venue=row.session.venue,
            )
            for row in rows
        ],
        batch_size=500,
    )
    if update_hours:
        table = timetable(tc, requirement.lesson_minutes)
        tc.lesson_hours, tc.practical_hours = table.lesson_hours, table.practical_hours
        tc.save(update_fields=["lesson_hours", "practical_hours", "updated_at"])
    record_event(
        actor=actor,
        action="training.class.sessions_set",
        obj=tc,
        before=before,
        after={
            "sessions": len(rows),
            "lesson_hours": tc.lesson_hours,
            "practical_hours": tc.practical_hours,
            "timetable": [
                [
                    timezone.localtime(row.starts_at).isoformat(),
                    timezone.localtime(row.ends_at).isoformat(),
                    row.session.kind,
                    row.hours,
                ]
                for row in rows
            ],
        },
    )
    return tc
