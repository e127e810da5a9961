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

from django.utils.translation import gettext_lazy

from lijiao.core.workflow import Workflow
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


PROVIDER_WORKFLOW = Workflow(
    model=Provider,
    noun=gettext_lazy("培训机构"),
    statuses=ProviderStatus,
    transitions=ALLOWED_TRANSITIONS,
    actions=ACTION_TARGETS,
    action_sources=ACTION_SOURCES,
)
can_transition = PROVIDER_WORKFLOW.can_transition
available_actions = PROVIDER_WORKFLOW.available_actions
transition = PROVIDER_WORKFLOW.transition
