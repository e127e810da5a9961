"""A claim's lifecycle as data (SPEC C6), applied race-safely by :class:`lijiao.core.workflow.Workflow`.

    draft ─submit─▶ submitted ─first_approve─▶ first_approved ─second_approve─▶ publicity ─approve─▶ approved
      ▲               │   ▲                       │                                 │                  │
      └──(edit)── returned ◀──return──────────────┘◀────────return (objection)──────┘                 pay
                      │                                                                                ▼
                    reject ──▶ rejected ◀── reject (any review step, or an upheld objection)         paid ─archive─▶ archived
                                                                                                       │
                                                                                                   clawback ─▶ clawed_back

A returned claim is corrected and submitted again. Payment marks ``approved → paid`` only through a payment
batch; clawback is possible after payment (paid or archived).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from lijiao.core.workflow import Workflow
from lijiao.subsidies.models import Claim, ClaimStatus

type StrOrPromise = str | Promise

S = ClaimStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.FIRST_APPROVED, S.RETURNED, S.REJECTED, S.DRAFT}),
    S.RETURNED: frozenset({S.SUBMITTED, S.REJECTED}),
    S.FIRST_APPROVED: frozenset({S.PUBLICITY, S.RETURNED, S.REJECTED}),
    S.PUBLICITY: frozenset({S.APPROVED, S.RETURNED, S.REJECTED}),
    S.APPROVED: frozenset({S.PAID, S.REJECTED}),
    S.PAID: frozenset({S.ARCHIVED, S.CLAWED_BACK}),
    S.ARCHIVED: frozenset({S.CLAWED_BACK}),
    S.REJECTED: frozenset(),
    S.CLAWED_BACK: frozenset(),
}

# The status each action leads to (screens and the API list the actions a user may take).
ACTION_TARGETS: dict[str, str] = {
    "submit": S.SUBMITTED,
    "withdraw": S.DRAFT,
    "first_approve": S.FIRST_APPROVED,
    "second_approve": S.PUBLICITY,
    "approve": S.APPROVED,
    "return": S.RETURNED,
    "reject": S.REJECTED,
    "pay": S.PAID,
    "archive": S.ARCHIVED,
    "clawback": S.CLAWED_BACK,
}
ACTION_SOURCES: dict[str, frozenset[str]] = {
    "submit": frozenset({S.DRAFT, S.RETURNED}),
    "return": frozenset({S.SUBMITTED, S.FIRST_APPROVED, S.PUBLICITY}),
    "reject": frozenset({S.SUBMITTED, S.FIRST_APPROVED, S.PUBLICITY, S.RETURNED, S.APPROVED}),
}
ACTION_LABELS: dict[str, StrOrPromise] = {
    "submit": gettext_lazy("提交申请"),
    "withdraw": gettext_lazy("撤回申请"),
    "first_approve": gettext_lazy("初审通过"),
    "second_approve": gettext_lazy("复审通过并公示"),
    "approve": gettext_lazy("公示期满，批准发放"),
    "return": gettext_lazy("退回补正"),
    "reject": gettext_lazy("不予补贴"),
    "pay": gettext_lazy("确认发放"),
    "archive": gettext_lazy("归档"),
    "clawback": gettext_lazy("追回"),
}

CLAIM_WORKFLOW: Workflow[Claim] = Workflow(
    model=Claim,
    noun=gettext_lazy("补贴申请"),
    statuses=ClaimStatus,
    transitions=ALLOWED_TRANSITIONS,
    actions=ACTION_TARGETS,
    action_sources=ACTION_SOURCES,
)
