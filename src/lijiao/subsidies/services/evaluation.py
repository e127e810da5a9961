"""Evaluating a claim: pick the scheme version in force, gather the facts, decide, keep the history.

Other services call :func:`evaluate_claim` when a claim is submitted or a fact changes; it stores a
:class:`~lijiao.subsidies.models.ClaimEvaluation` (the earlier ones stay, marked not current) and sets
``claim.scheme_version``, ``claim.amount`` and ``claim.decision_passed``. A reviewer's
:class:`~lijiao.subsidies.models.RuleOverride` sets a failed rule aside: the line says so, with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.models import User
from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError
from lijiao.subsidies.models import Claim, ClaimEvaluation, RuleOverride, SchemeKind, SchemeVersion
from lijiao.subsidies.policy import FactsError, SubsidyDecision, decide
from lijiao.subsidies.selectors.facts import claim_facts
from lijiao.subsidies.services.schemes import version_data


def version_in_force(*, kind: str, on: dt.date) -> SchemeVersion:
    """The published version of ``kind``'s scheme in force on ``on`` (a clear error when there is none)."""
    version = (
        SchemeVersion.objects.filter(
            scheme__kind=kind, status=SchemeVersion.Status.PUBLISHED, effective_from__lte=on
        )
        .exclude(effective_to__lt=on)
        .select_related("scheme")
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:
        raise DomainError(_("没有适用于该日期的补贴政策版本"), code="no_scheme_version")
    return version


@transaction.atomic
def evaluate_claim(*, claim: Claim, actor: Actor, reason: str = "") -> ClaimEvaluation:
    """Run the rules on ``claim`` now and keep the result as its current evaluation.

    The version is the one in force on the claim's application date (today when it has none). Earlier
    evaluations stay (``current=False``). Fixed number of queries, whatever the person's history."""
    facts = claim_facts(claim)
    on = dt.date.fromisoformat(facts["application_date"])
    version = version_in_force(kind=claim.kind, on=on)
    overrides = dict(RuleOverride.objects.filter(claim_id=claim.pk).order_by().values_list("rule", "reason"))
    if overrides:
        facts["overrides"] = overrides
    try:
        decision = decide(facts, version_data(version))
    except FactsError as exc:
        raise DomainError(str(exc), code="invalid_facts") from None
    user = cast(User, actor) if getattr(actor, "is_authenticated", False) else None
    ClaimEvaluation.objects.filter(claim_id=claim.pk, current=True).update(current=False)
    evaluation = ClaimEvaluation.objects.create(
        claim_id=claim.pk,
        scheme_version=version,
        version_hash=version.content_hash,
        facts=facts,
        lines=[line.as_dict() for line in decision.lines],
        passed=decision.passed,
        amount=decision.amount,
        current=True,
        reason=reason[:200],
        evaluated_by=user,
    )
    Claim.objects.filter(pk=claim.pk).update(
        scheme_version=version,
        amount=decision.amount,
        decision_passed=decision.passed,
        updated_at=timezone.now(),
    )
    claim.scheme_version, claim.amount, claim.decision_passed = version, decision.amount, decision.passed
    record_event(
        actor=actor,
        action="subsidies.claim.evaluated",
        obj=claim,
        after={
            "version": version.number,
            "version_hash": version.content_hash,
            "passed": decision.passed,
            "amount": str(decision.amount),
            "failed_rules": decision.failed_rules,
            "overrides": sorted(overrides),
        },
        reason=reason,
    )
    return evaluation


def calculate(
    *, kind: str, facts: Mapping[str, Any], number: int | None = None
) -> tuple[SchemeVersion, SubsidyDecision]:
    """The policy calculator: decide ``facts`` (the documented JSON) under ``kind``'s version ``number`` (any
    status, so a draft can be tried before it is published), or the published version in force on the facts'
    application date. Writes nothing. Errors (422): unknown kind or version, facts not in the documented shape."""
    if kind not in SchemeKind.values:
        raise DomainError.for_fields(
            _("未知的补贴类型“%(kind)s”") % {"kind": kind}, {"kind": _("未知的补贴类型")}, code="invalid_kind"
        )
    if not isinstance(facts, Mapping):
        raise DomainError(_("事实应为 JSON 对象"), code="invalid_facts", status=422)
    if number is not None:
        version = (
            SchemeVersion.objects.select_related("scheme").filter(scheme__kind=kind, number=number).first()
        )
        if version is None:
            raise DomainError(
                _("补贴类型“%(kind)s”没有第%(number)s版") % {"kind": kind, "number": number},
                code="no_scheme_version",
                status=422,
            )
    else:
        raw = facts.get("application_date")
        try:
            on = dt.date.fromisoformat(raw) if isinstance(raw, str) else timezone.localdate()
        except ValueError:
            raise DomainError(
                _("申请日期应为 YYYY-MM-DD 格式的日期"), code="invalid_facts", status=422
            ) from None
        version = version_in_force(kind=kind, on=on)
    try:
        decision = decide(facts, version_data(version))
    except FactsError as exc:
        raise DomainError(
            _("事实数据有误：%(problem)s") % {"problem": exc}, code="invalid_facts", status=422
        ) from None
    return version, decision
