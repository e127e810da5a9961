"""Class lifecycle as data (SPEC C4): the allowed transitions, and a race-safe way to apply one.

    draft ──file──▶ filed ──approve──▶ approved ──start──▶ running ──finish──▶ finished ──assess──▶ assessed
                    │  ▲ │                                                                            │
             return │  │ └──reject──▶ rejected                                                       close
                    ▼  │                                                                              ▼
                  returned ──file (again)──┘                                                        closed

A draft or returned class may also be deleted (it was never approved). A transition is a conditional
``UPDATE … WHERE id = … AND status = <from>``: of two concurrent reviewers exactly one wins, the other gets
:class:`~lijiao.core.errors.Conflict`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from lijiao.core.errors import Conflict
from lijiao.training.models import ClassStatus, TrainingClass

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ClassStatus.DRAFT: frozenset({ClassStatus.FILED}),
    ClassStatus.FILED: frozenset({ClassStatus.APPROVED, ClassStatus.RETURNED, ClassStatus.REJECTED}),
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
    "start": ClassStatus.RUNNING,
    "finish": ClassStatus.FINISHED,
    "assess": ClassStatus.ASSESSED,
    "close": ClassStatus.CLOSED,
}
ACTION_LABELS: dict[str, str] = {
    "file": "提交开班申请",
    "approve": "同意备案",
    "return": "退回修改",
    "reject": "不予备案",
    "start": "开班",
    "finish": "结业",
    "assess": "确认评价完成",
    "close": "关闭",
}
PROVIDER_ACTIONS = frozenset({"file", "start", "finish", "assess"})
REVIEWER_ACTIONS = frozenset({"approve", "return", "reject", "close"})
REASON_REQUIRED = frozenset({"return", "reject"})


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


def available_actions(current: str) -> list[str]:
    """The actions the table allows from ``current``, in a stable order (who may perform them is separate)."""
    return [action for action, target in ACTION_TARGETS.items() if can_transition(current, target)]


def _label(status: str) -> str:
    return str(ClassStatus(status).label)


def require_transition(training_class: TrainingClass, target: str) -> None:
    """Raise :class:`Conflict` unless the table allows ``training_class`` to move to ``target`` now."""
    current = training_class.status
    if not can_transition(current, target):
        raise Conflict(
            f"培训班“{training_class.name}”当前为“{_label(current)}”，不能变更为“{_label(target)}”"
            f"（transition {current} → {target} not allowed）",
            code="transition_not_allowed",
        )


def transition(training_class: TrainingClass, target: str, **changes: Any) -> TrainingClass:
    """Move ``training_class`` to ``target`` if the table allows it and nobody moved it meanwhile."""
    require_transition(training_class, target)
    current = training_class.status
    changes.setdefault("updated_at", timezone.now())
    updated = TrainingClass.objects.filter(pk=training_class.pk, status=current).update(
        status=target, **changes
    )
    if updated != 1:
        raise Conflict(
            f"培训班“{training_class.name}”已被他人处理，请刷新后重试（class changed meanwhile）",
            code="stale_status",
        )
    training_class.status = target
    for name, value in changes.items():
        setattr(training_class, name, value)
    return training_class
