"""What the clerk reviewing a filed class reads (U2): the system's filing checks, the teachers and their
certificates, the provider's standing, the review history, and how long each filing has waited.

Waiting time is counted in working days (:mod:`lijiao.core.calendar`) from the filing date to today against
``settings.TRAINING_REVIEW_DEADLINE_WORKING_DAYS``; a range touching a year whose holiday arrangement nobody has
entered is shown as unknown (``waited`` None), never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.audit.models import AuditEvent
from lijiao.core.calendar import CalendarUnknown, WorkingCalendar, get_calendar
from lijiao.providers.models import BlacklistEntry, Provider, Teacher
from lijiao.providers.selectors import CreditRecord, credit_record, provider_blacklist
from lijiao.training.models import ClassStatus, TrainingClass
from lijiao.training.services.classes import filing_problems

__all__ = [
    "FilingCheck",
    "HistoryEntry",
    "ReviewPanel",
    "Waiting",
    "enrollment_notice",
    "review_deadline",
    "review_history",
    "review_panel",
    "waiting_times",
]

# The filing checks by what they are about (the field each failure names), in the order a clerk reads them.
CHECK_GROUPS: tuple[tuple[Promise, frozenset[str]], ...] = (
    (gettext_lazy("开班及结业日期"), frozenset({"start_date", "end_date"})),
    (gettext_lazy("培训项目在生效目录中，且在机构培训范围内"), frozenset({"catalog_item", "level"})),
    (gettext_lazy("机构认定状态、办学许可证、黑名单"), frozenset({"provider"})),
    (gettext_lazy("课程表与课时要求"), frozenset({"sessions", "lesson_hours", "practical_hours"})),
    (gettext_lazy("培训场地及容纳人数"), frozenset({"venue", "capacity", "mode"})),
    (gettext_lazy("授课教师"), frozenset({"teachers"})),
    (gettext_lazy("培训计划（补贴项目）"), frozenset({"program"})),
)
HISTORY_ACTIONS = {
    "training.class.created": gettext_lazy("新建"),
    "training.class.filed": gettext_lazy("提交开班申请"),
    "training.class.withdrawn": gettext_lazy("撤回申请"),
    "training.class.returned": gettext_lazy("退回修改"),
    "training.class.rejected": gettext_lazy("不予备案"),
    "training.class.approved": gettext_lazy("同意备案"),
    "training.class.started": gettext_lazy("开班"),
    "training.class.finished": gettext_lazy("结业"),
    "training.class.assessed": gettext_lazy("确认评价完成"),
    "training.class.closed": gettext_lazy("关闭"),
}


def _today() -> dt.date:
    return timezone.localdate()


def review_deadline() -> int:
    """Working days within which a filing should be reviewed (setting, default 5)."""
    return int(getattr(settings, "TRAINING_REVIEW_DEADLINE_WORKING_DAYS", 5))


@dataclass(frozen=True, slots=True)
class FilingCheck:
    label: str
    problems: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    action: str
    reason: str


@dataclass(frozen=True, slots=True)
class Waiting:
    """How long a filing has waited: ``waited`` working days (None: unknown, the calendar refused)."""

    waited: int | None
    deadline: int
    unknown_year: int | None = None

    @property
    def overdue(self) -> bool:
        return self.waited is not None and self.waited > self.deadline

    @property
    def remaining(self) -> int | None:
        return None if self.waited is None else self.deadline - self.waited


@dataclass(frozen=True, slots=True)
class ReviewPanel:
    checks: list[FilingCheck]
    checked_on: dt.date
    teachers: list[Teacher]
    provider: Provider
    credit: CreditRecord
    blacklist: list[BlacklistEntry]
    waiting: Waiting | None

    @property
    def checks_passed(self) -> bool:
        return all(check.passed for check in self.checks)


def filing_checks(training_class: TrainingClass, on: dt.date) -> list[FilingCheck]:
    """Every filing check (:func:`filing_problems`) run again on ``on``, grouped, passed or with its problems."""
    _item, errors = filing_problems(training_class, on=on)
    checks = []
    for label, fields in CHECK_GROUPS:
        checks.append(FilingCheck(str(label), [e.message for e in errors if e.field in fields]))
    grouped = frozenset().union(*(fields for _label, fields in CHECK_GROUPS))
    others = [e.message for e in errors if e.field not in grouped]
    if others:
        checks.append(FilingCheck(str(gettext_lazy("其他")), others))
    return checks


def review_history(training_class: TrainingClass) -> list[HistoryEntry]:
    """The class's workflow steps from the audit log, oldest first, each return or rejection with its reason."""
    events = (
        AuditEvent.objects.filter(
            object_type=TrainingClass._meta.label_lower,
            object_id=str(training_class.pk),
            action__in=list(HISTORY_ACTIONS),
        )
        .only("occurred_at", "actor_label", "action", "reason")
        .order_by("sequence")
    )
    return [
        HistoryEntry(e.occurred_at, e.actor_label, str(HISTORY_ACTIONS[e.action]), e.reason) for e in events
    ]


def _waiting(
    calendar: WorkingCalendar, filed_on: dt.date | None, today: dt.date, deadline: int
) -> Waiting | None:
    if filed_on is None:
        return None
    try:
        return Waiting(calendar.working_days_between(filed_on, today), deadline)
    except CalendarUnknown as refused:
        return Waiting(None, deadline, unknown_year=refused.year)


def waiting_times(
    classes: Iterable[TrainingClass], today: dt.date | None = None
) -> dict[int, Waiting | None]:
    """Working days each filing has waited until today (one calendar read, two queries, for the whole page)."""
    today = today or _today()
    calendar = get_calendar()
    deadline = review_deadline()
    return {tc.pk: _waiting(calendar, tc.filed_on, today, deadline) for tc in classes}


def review_panel(training_class: TrainingClass) -> ReviewPanel:
    """Everything the review page shows beside the class itself."""
    today = _today()
    provider = training_class.provider
    return ReviewPanel(
        checks=filing_checks(training_class, training_class.filed_on or today),
        checked_on=training_class.filed_on or today,
        teachers=list(training_class.teachers.select_related("occupation").order_by("name")),
        provider=provider,
        credit=credit_record(provider, on=today),
        blacklist=list(provider_blacklist(provider)[:10]),
        waiting=waiting_times([training_class], today)[training_class.pk],
    )


def expected_review_date(training_class: TrainingClass) -> dt.date | None:
    """The last day of the review deadline for a filed class (None if not filed or the calendar refuses)."""
    if training_class.status != ClassStatus.FILED or training_class.filed_on is None:
        return None
    try:
        return get_calendar().add_working_days(training_class.filed_on, review_deadline())
    except CalendarUnknown:
        return None


def enrollment_notice(training_class: TrainingClass) -> str | None:
    """Why a class's roster does not take enrollments yet (or any more), and when it will if known (U4)."""
    status = training_class.status
    if status in (ClassStatus.APPROVED, ClassStatus.RUNNING):
        return None
    if status == ClassStatus.FILED:
        expected = expected_review_date(training_class)
        if expected is not None:
            return _(
                "开班审核通过后方可报名。开班申请已于%(filed)s提交，经办机构应在%(days)s个工作日内"
                "（%(date)s前）完成审核；开班日期为%(start)s。"
            ) % {
                "filed": training_class.filed_on.isoformat() if training_class.filed_on else "",
                "days": review_deadline(),
                "date": expected.isoformat(),
                "start": training_class.start_date.isoformat(),
            }
        return _("开班审核通过后方可报名。开班申请已提交，正在等待经办机构审核；开班日期为%(start)s。") % {
            "start": training_class.start_date.isoformat()
        }
    if status in (ClassStatus.DRAFT, ClassStatus.RETURNED):
        return _("开班审核通过后方可报名。本班尚未提交开班申请（或已退回修改），提交并经审核通过后即可报名。")
    if status == ClassStatus.REJECTED:
        return _("本班开班申请不予备案，不能报名。")
    return _("本班已结业，不再接受报名。")
