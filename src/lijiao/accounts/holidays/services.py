"""Entering a year's holiday arrangement (国务院办公厅关于XXXX年部分节假日安排的通知): one audited service.

The screen's pasted table, an uploaded xlsx/csv and any caller go through :func:`enter_holiday_arrangement`: it
reads every row (:func:`lijiao.core.holidays.parse_arrangement`), refuses with every problem and writes nothing
if there is one, else replaces the year's entered days and records who entered what and when.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.models import User
from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError, PermissionDenied
from lijiao.core.holidays import HolidayDay, parse_arrangement
from lijiao.core.models import CalendarDay, HolidayArrangement

__all__ = ["MAX_YEAR", "MIN_YEAR", "arrangement_days_text", "default_notice", "enter_holiday_arrangement"]

MIN_YEAR = 2000
MAX_YEAR = 2100
PERMISSION = "core.change_holidayarrangement"


def default_notice(year: int) -> str:
    return _("国务院办公厅关于%(year)s年部分节假日安排的通知") % {"year": year}


def _days_snapshot(days: Iterable[CalendarDay | HolidayDay]) -> list[str]:
    return [
        f"{d.date.isoformat()} {'上班' if d.is_workday else '放假'} {getattr(d, 'note', '') or getattr(d, 'name', '')}".strip()
        for d in days
    ]


def arrangement_days_text(arrangement: HolidayArrangement) -> str:
    """The arrangement's days as the table the screen edits (one ``date<TAB>type<TAB>name`` line per day)."""
    return "\n".join(
        f"{d.date.isoformat()}\t{_('上班') if d.is_workday else _('放假')}\t{d.note}".rstrip()
        for d in arrangement.days.order_by("date")
    )


def _check_header(year: int, notice: str, document_number: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors.append(
            FieldError("year", _("年度应在%(min)s至%(max)s之间") % {"min": MIN_YEAR, "max": MAX_YEAR})
        )
    if not notice.strip():
        errors.append(FieldError("notice", _("请填写依据的通知名称")))
    elif len(notice) > 200:
        errors.append(FieldError("notice", _("通知名称最多200字")))
    if len(document_number) > 50:
        errors.append(FieldError("document_number", _("文号最多50字")))
    return errors


@transaction.atomic
def enter_holiday_arrangement(
    *,
    actor: Actor,
    year: int,
    notice: str,
    document_number: str = "",
    rows: Iterable[tuple[int, Sequence[Any]]],
) -> HolidayArrangement:
    """Create or replace ``year``'s arrangement from ``rows`` (line number, cells: date | 放假/上班 | name).

    Refuses (:class:`DomainError` listing every bad line, nothing written) if any row is wrong.
    """
    if not actor.has_perm(PERMISSION):
        raise PermissionDenied(_("只有市级管理员可以录入节假日安排"))
    errors = _check_header(year, notice, document_number)
    days: list[HolidayDay] = []
    if not errors:
        days, problems = parse_arrangement(rows, year)
        errors.extend(FieldError("days", p.message) for p in problems)
    if errors:
        raise DomainError(
            message=_("节假日安排有%(count)s处错误，未保存，请修改后重新提交") % {"count": len(errors)},
            code="holiday_arrangement_invalid",
            errors=tuple(errors),
        )
    now = timezone.now()
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    arrangement = HolidayArrangement.objects.select_for_update().filter(year=year).first()
    before: dict[str, Any] | None = None
    if arrangement is None:
        arrangement = HolidayArrangement(year=year, entered_by=user, entered_at=now)
    else:
        before = {
            "notice": arrangement.notice,
            "document_number": arrangement.document_number,
            "days": _days_snapshot(arrangement.days.order_by("date")),
        }
    arrangement.notice = notice.strip()
    arrangement.document_number = document_number.strip()
    arrangement.updated_by = user
    arrangement.updated_at = now
    arrangement.save()
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=d.date, is_workday=d.is_workday, note=d.name, arrangement=arrangement) for d in days
    )
    record_event(
        actor=actor,
        action="core.holiday_arrangement.entered" if before is None else "core.holiday_arrangement.changed",
        obj=arrangement,
        before=before,
        after={
            "year": year,
            "notice": arrangement.notice,
            "document_number": arrangement.document_number,
            "days": _days_snapshot(days),
        },
    )
    return arrangement
