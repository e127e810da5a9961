"""公示: second review puts claims on public notice for N working days; objections; approval after the notice.

CONTRACT (skeleton with a minimal working body; the payment/公示 helper completes it: objections, holiday-aware
end dates with the clear refusal for an unknown year, public pages and exports). The claims helper's
second-review action calls :func:`publish_claims`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.calendar import add_working_days
from lijiao.core.permissions import require_perm
from lijiao.subsidies.models import Claim, ClaimStatus, Objection, Publicity
from lijiao.subsidies.workflows import CLAIM_WORKFLOW

PUBLICITY_WORKING_DAYS = 5


@transaction.atomic
def publish_claims(
    *, claims: Sequence[Claim], actor: Actor, starts_on: dt.date | None = None, title: str = ""
) -> Publicity:
    """Second-review approval: put ``claims`` (first-approved) on 公示 for 5 working days from ``starts_on``."""
    require_perm(actor, "subsidies.review_second_claim")
    start = starts_on or timezone.localdate()
    ends_on = add_working_days(
        start, PUBLICITY_WORKING_DAYS - 1
    )  # raises CalendarUnknown for an unknown year
    count = Publicity.objects.count() + 1
    publicity = Publicity.objects.create(
        number=f"GS{start:%Y}{count:06d}",
        title=title or f"{start:%Y}年补贴公示",
        starts_on=start,
        ends_on=ends_on,
        working_days=PUBLICITY_WORKING_DAYS,
        created_by=actor,  # type: ignore[misc]
    )
    now = timezone.now()
    for claim in claims:
        CLAIM_WORKFLOW.transition(
            claim,
            ClaimStatus.PUBLICITY,
            publicity=publicity,
            second_reviewed_at=now,
            second_reviewed_by=actor,
        )
        record_event(
            actor=actor,
            action="subsidies.claim.second_approve",
            obj=claim,
            after={"publicity": publicity.number},
        )
    return publicity


@transaction.atomic
def raise_objection(
    *, claim: Claim, source: str, text: str, contact: str = "", actor: Actor | None = None
) -> Objection:
    """Record an objection to ``claim`` (by the person concerned, or from the public during 公示)."""
    raise NotImplementedError


@transaction.atomic
def approve_after_publicity(*, claim: Claim, actor: Actor) -> Claim:
    """公示期满且无未处理异议：批准发放 (refused before the notice ends or while an objection is open)."""
    raise NotImplementedError
