"""Filing and submitting with the real rules: the decision stored with the claim is the evaluator's, with its
version, hash and lines, and the amount on the claim is the decision's."""

from __future__ import annotations

from typing import Any

import pytest

from lijiao.people.models import Notification
from lijiao.subsidies.models import ClaimEvaluation, ClaimStatus
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import review
from lijiao.subsidies.services.schemes import install_default_schemes

pytestmark = [pytest.mark.django_db, pytest.mark.real_rules]


def test_submit_stores_the_real_decision(trainees: dict[str, Any], provider_staff: Any) -> None:
    install_default_schemes(actor=None)
    claim = filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"])
    claim = review.submit_claim(claim=claim, actor=provider_staff)
    assert claim.status == ClaimStatus.SUBMITTED
    evaluation = ClaimEvaluation.objects.get(claim=claim, current=True)
    assert claim.scheme_version == evaluation.scheme_version
    assert (
        evaluation.version_hash == evaluation.scheme_version.content_hash
        and len(evaluation.version_hash) == 64
    )
    rules = [line["rule"] for line in evaluation.lines]
    assert {"AGE", "R1", "R4", "R5", "R9", "R10"} <= set(rules)
    assert all(line["explanation"] and line["policy"] for line in evaluation.lines)
    assert claim.decision_passed == evaluation.passed
    assert claim.amount == evaluation.amount
    if not evaluation.passed:
        assert evaluation.amount == 0
    assert evaluation.facts["certificate"]["number"] == trainees["cert_张三"].number
    assert Notification.objects.filter(person=claim.person).count() >= 1


def test_resubmitting_keeps_the_earlier_decision(
    trainees: dict[str, Any], provider_staff: Any, reviewer1: Any
) -> None:
    install_default_schemes(actor=None)
    claim = filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"])
    claim = review.submit_claim(claim=claim, actor=provider_staff)
    claim = review.return_claim(claim=claim, actor=reviewer1, reason="请补充劳动合同")
    claim = review.submit_claim(claim=claim, actor=provider_staff)
    evaluations = list(ClaimEvaluation.objects.filter(claim=claim).order_by("evaluated_at", "id"))
    assert len(evaluations) == 2 and [e.current for e in evaluations] == [False, True]
