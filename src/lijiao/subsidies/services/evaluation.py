"""Evaluating a claim: pick the scheme version in force, gather the facts, decide, keep the history.

CONTRACT (skeleton; the rules helper fills it in). Other services call :func:`evaluate_claim` when a claim is
submitted or a fact changes; it stores a :class:`~lijiao.subsidies.models.ClaimEvaluation` (the earlier ones
stay, marked not current) and sets ``claim.scheme_version``, ``claim.amount`` and ``claim.decision_passed``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError
from lijiao.subsidies.models import Claim, ClaimEvaluation, SchemeVersion


def version_in_force(*, kind: str, on: dt.date) -> SchemeVersion:
    """The published version of ``kind``'s scheme in force on ``on`` (a clear error when there is none)."""
    version = (
        SchemeVersion.objects.filter(
            scheme__kind=kind, status=SchemeVersion.Status.PUBLISHED, effective_from__lte=on
        )
        .exclude(effective_to__lt=on)
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:
        raise DomainError("没有适用于该日期的补贴政策版本", code="no_scheme_version")
    return version


@transaction.atomic
def evaluate_claim(*, claim: Claim, actor: Actor, reason: str = "") -> ClaimEvaluation:
    """Run the rules on ``claim`` now and keep the result as its current evaluation (skeleton)."""
    raise NotImplementedError
