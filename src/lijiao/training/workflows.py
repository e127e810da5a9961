"""Class lifecycle as data (SPEC C4): the allowed transitions, and a race-safe way to apply one.

    draft ◀─withdraw─┐
    draft ──file──▶ filed ──approve──▶ approved ──start──▶ running ──finish──▶ finished ──assess──▶ assessed
                    │  ▲ │                                                                            │
             return │  │ └──reject──▶ rejected                                                       close
                    ▼  │                                                                              ▼
                  returned ──file (again)──┘                                                        closed

A provider may withdraw (撤回) a filing the clerk has not reviewed yet: filed → draft. A draft or returned class
may also be deleted (it was never approved). A transition is a conditional
``UPDATE … WHERE id = … AND status = <from>``: of two concurrent reviewers exactly one wins, the other gets
:class:`~lijiao.core.errors.Conflict`.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from lijiao.core.workflow import Workflow
from lijiao.training.models import ClassStatus, TrainingClass

type StrOrPromise = str | Promise

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ClassStatus.DRAFT: frozenset({ClassStatus.FILED}),
    ClassStatus.FILED: frozenset(
        {ClassStatus.APPROVED, ClassStatus.RETURNED, ClassStatus.REJECTED, ClassStatus.DRAFT}
    ),
    ClassStatus.RETURNED: frozenset({ClassStatus.FILED}),
    ClassStatus.REJECTED: frozenset(),
    ClassStatus.APPROVED: frozenset({ClassStatus.RUNNING}),
    ClassStatus.RUNNING: frozenset({ClassStatus.FINISHED}),
    ClassStatus.FINISHED: frozenset({ClassStatus.ASSESSED}),
    ClassStatus.ASSESSED: frozenset({ClassStatus.CLOSED}),
    ClassStatus.CLOSED: frozenset(),
}

# Statuses in which the provider may still edit the class, its timetable, or delete it.
EDITABLE: frozenset[str] = frozenset({ClassStatus.DRAFT, ClassStatus.RETURNED})

# The status each action leads to, who performs it, and the statuses it starts from (for screens and the API).
ACTION_TARGETS: dict[str, str] = {
    "file": ClassStatus.FILED,
    "approve": ClassStatus.APPROVED,
    "return": ClassStatus.RETURNED,
    "reject": ClassStatus.REJECTED,
    "withdraw": ClassStatus.DRAFT,
    "start": ClassStatus.RUNNING,
    "finish": ClassStatus.FINISHED,
    "assess": ClassStatus.ASSESSED,
    "close": ClassStatus.CLOSED,
}
ACTION_LABELS: dict[str, StrOrPromise] = {
    "file": gettext_lazy("提交开班申请"),
    "withdraw": gettext_lazy("撤回申请"),
    "approve": gettext_lazy("同意备案"),
    "return": gettext_lazy("退回修改"),
    "reject": gettext_lazy("不予备案"),
    "start": gettext_lazy("开班"),
    "finish": gettext_lazy("结业"),
    "assess": gettext_lazy("确认评价完成"),
    "close": gettext_lazy("关闭"),
}
PROVIDER_ACTIONS = frozenset({"file", "withdraw", "start", "finish", "assess"})
REVIEWER_ACTIONS = frozenset({"approve", "return", "reject", "close"})
REASON_REQUIRED = frozenset({"return", "reject"})


CLASS_WORKFLOW = Workflow(
    model=TrainingClass,
    noun=gettext_lazy("培训班"),
    statuses=ClassStatus,
    transitions=ALLOWED_TRANSITIONS,
    actions=ACTION_TARGETS,
    touch="updated_at",
)
can_transition = CLASS_WORKFLOW.can_transition
available_actions = CLASS_WORKFLOW.available_actions
require_transition = CLASS_WORKFLOW.require_transition
transition = CLASS_WORKFLOW.transition
