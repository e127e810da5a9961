"""Demo subsidy claims (issue 12): filed through the services by the demo provider (a whole finished class), the
evaluating body and the employer on behalf of the worker 何军, and moved through the workflow so every review
queue has work: draft, submitted, first-approved, returned, rejected.

Submitting runs the rules (:func:`lijiao.subsidies.services.evaluation.evaluate_claim`); while no scheme version
is published for a kind (or the evaluator is not there yet) a claim stays a draft, so the demo loads either way.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.certificates.models import Certificate
from lijiao.core.errors import DomainError
from lijiao.core.models import HandlingArea
from lijiao.demo.clock import DemoClock
from lijiao.people.models import Person
from lijiao.subsidies.models import Claim, Scheme, SchemeKind
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import review
from lijiao.training.models import ClassStatus, TrainingClass

__all__ = ["load_subsidy_demo"]

WORKER_CITIZEN_ID = "210202199003072311"  # 何军, the demo login ``worker``
# The state each claim of the provider's class is brought to, in turn.
CYCLE = ("draft", "submitted", "first_approved", "returned", "rejected", "submitted", "first_approved")


def _schemes() -> None:
    for kind, label in SchemeKind.choices:
        Scheme.objects.get_or_create(kind=kind, defaults={"name": str(label)})


def _submitted(claim: Claim, actor: User) -> bool:
    """Submit ``claim``; False (it stays a draft) when the rules cannot run yet."""
    try:
        with transaction.atomic():
            review.submit_claim(claim=claim, actor=actor)
    except (NotImplementedError, DomainError):
        return False
    return True


def _advance(claim: Claim, target: str, *, filer: User, first: User) -> str:
    """Bring a draft to ``target`` through the services; the state it reached."""
    if target == "draft" or not _submitted(claim, filer):
        return "draft"
    try:
        with transaction.atomic():
            if target == "first_approved":
                review.first_approve_claim(claim=claim, actor=first)
            elif target == "returned":
                review.return_claim(claim=claim, actor=first, reason="请补充结业考核成绩单复印件")
            elif target == "rejected":
                review.reject_claim(claim=claim, actor=first, reason="经核查，该学员已享受同职业同等级补贴")
    except DomainError:
        return "submitted"
    return str(claim.status)


def _reviewer_for(area: HandlingArea) -> User | None:
    return (
        User.objects.filter(groups__name="first_reviewer", handling_area=area).order_by("pk").first()
        or User.objects.filter(groups__name="city_admin").order_by("pk").first()
    )


def _class_claims(provider_user: User, counts: Counter[str]) -> None:
    classes = TrainingClass.objects.filter(
        provider_id=int(provider_user.provider_id or 0),
        status__in=[ClassStatus.FINISHED, ClassStatus.ASSESSED, ClassStatus.CLOSED],
    ).order_by("-end_date", "-pk")
    for training_class in classes[:3]:
        result = filing.file_for_class(actor=provider_user, training_class=training_class)
        counts["claims_filed"] += len(result.created)
        counts["claims_skipped"] += len(result.skipped)
        first = _reviewer_for(training_class.handling_area)
        if first is None:
            continue
        for n, claim in enumerate(result.created):
            reached = _advance(claim, CYCLE[n % len(CYCLE)], filer=provider_user, first=first)
            counts[f"claims_{reached}"] += 1


def _worker_claims(users: dict[str, Any], counts: Counter[str]) -> None:
    """何军: an assessment claim filed by the evaluating body and an apprenticeship advance by the employer, each
    announced to him in 我的消息."""
    from lijiao.core.pii import PIIKind, pii_digest

    person = Person.objects.filter(
        citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, WORKER_CITIZEN_ID)
    ).first()
    if person is None:
        return
    certificate = (
        Certificate.objects.filter(holder=person, status=Certificate.Status.VALID, body__isnull=False)
        .order_by("issued_on")
        .first()
    )
    evaluator, employer = users.get("evaluator"), users.get("employer")
    if certificate is not None and evaluator is not None:
        try:
            with transaction.atomic():
                claim = filing.file_for_assessment(actor=evaluator, certificate=certificate)
            counts["claims_filed"] += 1
            first = _reviewer_for(claim.handling_area)
            if first is not None:
                counts[f"claims_{_advance(claim, 'submitted', filer=evaluator, first=first)}"] += 1
        except DomainError:
            pass
    if employer is not None:
        today = timezone.localdate()
        try:
            with transaction.atomic():
                filing.file_apprenticeship(
                    actor=employer,
                    person=person,
                    part=Claim.Part.ADVANCE,
                    employer_name="大连德润装备制造有限公司",
                    employer_credit_code="",
                    handling_area=HandlingArea.objects.get(code="ZS"),
                    facts={
                        "hired_on": (today - dt.timedelta(days=90)).isoformat(),
                        "contract_start": (today - dt.timedelta(days=90)).isoformat(),
                        "contract_end": (today + dt.timedelta(days=640)).isoformat(),
                        "hire_type": "new",
                        "level": 3,
                        "training_months": 12,
                        "amount": "2500",
                    },
                )
            counts["claims_filed"] += 1
            counts["claims_draft"] += 1
        except DomainError:
            pass


def load_subsidy_demo(*, users: dict[str, User], clock: DemoClock) -> dict[str, int]:
    """Schemes, claims of the demo provider's latest finished classes in every review state, and the worker's
    claims filed by others. Runs after the certificates demo; returns counts."""
    clock.now()
    _schemes()
    counts: Counter[str] = Counter()
    provider_user = users.get("provider") or User.objects.filter(username="provider").first()
    if provider_user is not None and provider_user.provider_id:
        _class_claims(provider_user, counts)
    _worker_claims(users, counts)
    clock.now()
    return dict(counts)
