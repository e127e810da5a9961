"""Provider lifecycle as data (SPEC C3): the allowed transitions, and a race-safe way to apply one.

    applied ──approve──▶ approved ──suspend──▶ suspended
       │                  │   ▲                  │  │
       └──reject──▶ rejected  └────reinstate─────┘  │
                          │                         │
                          └──remove──▶ removed ◀────┘

A transition is a conditional ``UPDATE … WHERE id = … AND status = <from>``: of two concurrent reviewers
exactly one wins, the other gets :class:`~lijiao.core.errors.Conflict`.
"""

from __future__ import annotations

from typing import Any

from lijiao.core.errors import Conflict
from lijiao.providers.models import Provider, ProviderStatus

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ProviderStatus.APPLIED: frozenset({ProviderStatus.APPROVED, ProviderStatus.REJECTED}),
    ProviderStatus.APPROVED: frozenset({ProviderStatus.SUSPENDED, ProviderStatus.REMOVED}),
    ProviderStatus.SUSPENDED: frozenset({ProviderStatus.APPROVED, ProviderStatus.REMOVED}),
    ProviderStatus.REJECTED: frozenset(),
    ProviderStatus.REMOVED: frozenset(),
}

# The status each action leads to, and the statuses it starts from (for screens: which buttons to show).
ACTION_TARGETS: dict[str, str] = {
    "approve": ProviderStatus.APPROVED,
    "reject": ProviderStatus.REJECTED,
    "suspend": ProviderStatus.SUSPENDED,
    "reinstate": ProviderStatus.APPROVED,
    "remove": ProviderStatus.REMOVED,
}
ACTION_SOURCES: dict[str, frozenset[str]] = {
    "approve": frozenset({ProviderStatus.APPLIED}),
    "reject": frozenset({ProviderStatus.APPLIED}),
    "suspend": frozenset({ProviderStatus.APPROVED}),
    "reinstate": frozenset({ProviderStatus.SUSPENDED}),
    "remove": frozenset({ProviderStatus.APPROVED, ProviderStatus.SUSPENDED}),
}


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


def available_actions(current: str) -> list[str]:
    """The actions (approve, reject, …) that the table allows from ``current``, in a stable order."""
    return [action for action, sources in ACTION_SOURCES.items() if current in sources]


def transition(
    provider: Provider, target: str, *, source: frozenset[str] | None = None, **changes: Any
) -> Provider:
    """Move ``provider`` to ``target`` if the table allows it and nobody moved it meanwhile.

    ``source`` narrows the statuses the move may start from (``reinstate`` starts only from ``suspended`` even
    though ``applied → approved`` is allowed too).
    """
    current = provider.status
    if not can_transition(current, target) or (source is not None and current not in source):
        raise Conflict(
            f"培训机构“{provider.name}”当前为“{ProviderStatus(current).label}”，"
            f"不能变更为“{ProviderStatus(target).label}”（transition {current} → {target} not allowed）",
            code="transition_not_allowed",
        )
    updated = Provider.objects.filter(pk=provider.pk, status=current).update(status=target, **changes)
    if updated != 1:
        raise Conflict(
            f"培训机构“{provider.name}”已被他人修改，请刷新后重试（provider changed meanwhile）",
            code="stale_status",
        )
    provider.status = target
    for name, value in changes.items():
        setattr(provider, name, value)
    return provider
