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


def test_an_apprenticeship_filed_with_its_contract_reaches_r8_with_the_facts(employer_staff: Any) -> None:
    """The filing keeps the contract facts in the shape R8 reads: the rule judges them, not their absence."""
    from lijiao.core.models import HandlingArea
    from lijiao.subsidies.models import Claim
    from tests.certificates.conftest import make_person

    install_default_schemes(actor=None)
    claim = filing.file_apprenticeship(
        actor=employer_staff,
        person=make_person("学徒己"),
        part=Claim.Part.ADVANCE,
        employer_name="大连测试重工",
        employer_credit_code="",
        handling_area=HandlingArea.objects.get(code="ZS"),
        facts={
            "hired_on": "2026-01-05",
            "contract_start": "2026-01-05",
            "contract_end": "2028-01-04",
            "hire_type": "new",
            "level": 3,
            "training_months": 12,
            "amount": "2500",
        },
    )
    assert claim.facts["apprenticeship"]["contract_months"] == 24
    claim = review.submit_claim(claim=claim, actor=employer_staff)
    r8 = next(
        line for line in ClaimEvaluation.objects.get(claim=claim, current=True).lines if line["rule"] == "R8"
    )
    assert r8["passed"], r8
