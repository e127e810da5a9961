"""The workflow services: every transition allowed and refused (wrong status → Conflict, wrong role → 403, other
area → 404), overrides, the decision gate, deadlines, allowed_actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lijiao.audit.models import AuditEvent
from lijiao.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from lijiao.subsidies.models import Claim, ClaimEvaluation, ClaimStatus, RuleOverride
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import registers, review

pytestmark = pytest.mark.django_db
S = ClaimStatus


@pytest.fixture
def claim(schemes: Any, trainees: dict[str, Any], provider_staff: Any) -> Claim:
    return filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"])


@pytest.fixture
def submitted(claim: Claim, provider_staff: Any) -> Claim:
    return review.submit_claim(claim=claim, actor=provider_staff)


@pytest.fixture
def first_approved(submitted: Claim, reviewer1: Any) -> Claim:
    return review.first_approve_claim(claim=submitted, actor=reviewer1)


def _fresh(claim: Claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


def test_submit_runs_the_rules_and_the_register_check(
    claim: Claim, provider_staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[int] = []
    monkeypatch.setattr(registers, "check_registers", lambda *, claim, actor: checked.append(claim.pk) or [])
    review.submit_claim(claim=claim, actor=provider_staff)
    fresh = _fresh(claim)
    assert fresh.status == S.SUBMITTED and fresh.submitted_at is not None
    assert fresh.amount == 800 and fresh.decision_passed is True
    assert ClaimEvaluation.objects.filter(claim=claim, current=True).count() == 1
    assert checked == [claim.pk]
    assert AuditEvent.objects.filter(action="subsidies.claim.submitted", object_id=str(claim.pk)).exists()


def test_submit_refused_to_someone_else(claim: Claim, other_provider_staff: Any, reviewer1: Any) -> None:
    for user in (other_provider_staff, reviewer1):
        with pytest.raises(PermissionDenied):
            review.submit_claim(claim=claim, actor=user)
    assert _fresh(claim).status == S.DRAFT


def test_submit_twice_conflicts(submitted: Claim, provider_staff: Any) -> None:
    with pytest.raises(Conflict):
        review.submit_claim(claim=_fresh(submitted), actor=provider_staff)


def test_withdraw_back_to_draft(submitted: Claim, provider_staff: Any, reviewer1: Any) -> None:
    with pytest.raises(PermissionDenied):
        review.withdraw_claim(claim=submitted, actor=reviewer1)
    review.withdraw_claim(claim=submitted, actor=provider_staff)
    assert _fresh(submitted).status == S.DRAFT
    with pytest.raises(Conflict):
        review.withdraw_claim(claim=_fresh(submitted), actor=provider_staff)


def test_first_approve(submitted: Claim, reviewer1: Any) -> None:
    review.first_approve_claim(claim=submitted, actor=reviewer1)
    fresh = _fresh(submitted)
    assert fresh.status == S.FIRST_APPROVED and fresh.first_reviewed_by == reviewer1


def test_first_approve_refusals(
    claim: Claim, submitted: Claim, reviewer1_xg: Any, reviewer2: Any, provider_staff: Any, reviewer1: Any
) -> None:
    with pytest.raises(NotFound):
        review.first_approve_claim(claim=submitted, actor=reviewer1_xg)
    for user in (reviewer2, provider_staff):
        with pytest.raises(PermissionDenied):
            review.first_approve_claim(claim=submitted, actor=user)
    review.first_approve_claim(claim=submitted, actor=reviewer1)
    with pytest.raises(Conflict):
        review.first_approve_claim(claim=_fresh(submitted), actor=reviewer1)


def test_draft_cannot_be_approved(claim: Claim, reviewer1: Any) -> None:
    with pytest.raises(Conflict):
        review.first_approve_claim(claim=claim, actor=reviewer1)


def test_failed_decision_blocks_until_every_failed_rule_is_overridden(
    claim: Claim, provider_staff: Any, reviewer1: Any, reviewer1_xg: Any, clerk: Any
) -> None:
    Claim.objects.filter(pk=claim.pk).update(facts={"fail": "R2"})
    claim = _fresh(claim)
    review.submit_claim(claim=claim, actor=provider_staff)
    assert claim.decision_passed is False and claim.amount == 0
    with pytest.raises(Conflict) as exc:
        review.first_approve_claim(claim=claim, actor=reviewer1)
    assert exc.value.code == "decision_failed" and "R2" in exc.value.message
    assert "override" in review.allowed_actions(reviewer1, claim)
    with pytest.raises(PermissionDenied):
        review.override_rule(claim=claim, actor=clerk, rule="R2", reason="x")
    with pytest.raises(NotFound):
        review.override_rule(claim=claim, actor=reviewer1_xg, rule="R2", reason="x")
    with pytest.raises(DomainError):
        review.override_rule(claim=claim, actor=reviewer1, rule="R2", reason="  ")
    with pytest.raises(DomainError):
        review.override_rule(claim=claim, actor=reviewer1, rule="R1", reason="R1 passed")
    review.override_rule(claim=claim, actor=reviewer1, rule="R2", reason="经核实为同一培训的补考")
    assert RuleOverride.objects.get(claim=claim).reason == "经核实为同一培训的补考"
    fresh = _fresh(claim)
    assert fresh.decision_passed is True and fresh.amount == 800
    assert ClaimEvaluation.objects.filter(claim=claim).count() == 2
    with pytest.raises(Conflict):
        review.override_rule(claim=fresh, actor=reviewer1, rule="R2", reason="again")
    review.first_approve_claim(claim=fresh, actor=reviewer1)
    assert _fresh(claim).status == S.FIRST_APPROVED


def test_second_approve_publishes(first_approved: Claim, reviewer2: Any, reviewer1: Any) -> None:
    with pytest.raises(PermissionDenied):
        review.second_approve_claims(claims=[first_approved], actor=reviewer1)
    notice = review.second_approve_claims(
        claims=[first_approved], actor=reviewer2, starts_on=dt.date(2026, 3, 2)
    )
    fresh = _fresh(first_approved)
    assert fresh.status == S.PUBLICITY and fresh.publicity == notice and fresh.second_reviewed_by == reviewer2
    with pytest.raises(Conflict):
        review.second_approve_claims(claims=[fresh], actor=reviewer2)


def test_second_approve_of_a_selection_is_all_or_nothing(
    schemes: Any, trainees: dict[str, Any], provider_staff: Any, reviewer1: Any, reviewer2: Any
) -> None:
    a = filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"])
    b = filing.file_for_trainee(actor=provider_staff, enrollment=trainees["李四"])
    for c in (a, b):
        review.submit_claim(claim=c, actor=provider_staff)
    review.first_approve_claim(claim=a, actor=reviewer1)
    with pytest.raises(Conflict):
        review.second_approve_claims(claims=[a, b], actor=reviewer2, starts_on=dt.date(2026, 3, 2))
    assert _fresh(a).status == S.FIRST_APPROVED
    review.first_approve_claim(claim=b, actor=reviewer1)
    review.second_approve_claims(
        claims=[_fresh(a), _fresh(b)], actor=reviewer2, starts_on=dt.date(2026, 3, 2)
    )
    assert {_fresh(a).status, _fresh(b).status} == {S.PUBLICITY}


def test_return_and_resubmit_after_correction(submitted: Claim, reviewer1: Any, provider_staff: Any) -> None:
    with pytest.raises(DomainError):
        review.return_claim(claim=submitted, actor=reviewer1, reason="")
    review.return_claim(claim=submitted, actor=reviewer1, reason="请补充结业证明")
    fresh = _fresh(submitted)
    assert fresh.status == S.RETURNED and fresh.status_reason == "请补充结业证明"
    with pytest.raises(Conflict):
        review.first_approve_claim(claim=fresh, actor=reviewer1)
    review.resubmit_claim(claim=fresh, actor=provider_staff, facts={"note": "已补充"})
    again = _fresh(submitted)
    assert again.status == S.SUBMITTED and again.facts["note"] == "已补充"
    assert ClaimEvaluation.objects.filter(claim=submitted).count() == 2
    assert AuditEvent.objects.filter(action="subsidies.claim.resubmitted").exists()


def test_resubmit_only_from_returned(submitted: Claim, provider_staff: Any) -> None:
    with pytest.raises(Conflict):
        review.resubmit_claim(claim=submitted, actor=provider_staff)


def test_second_reviewer_returns_first_approved(
    first_approved: Claim, reviewer1: Any, reviewer2: Any
) -> None:
    with pytest.raises(PermissionDenied):
        review.return_claim(claim=first_approved, actor=reviewer1, reason="x")
    review.return_claim(claim=first_approved, actor=reviewer2, reason="金额有误")
    assert _fresh(first_approved).status == S.RETURNED


def test_reject_with_reason(submitted: Claim, reviewer1: Any, reviewer1_xg: Any, provider_staff: Any) -> None:
    with pytest.raises(NotFound):
        review.reject_claim(claim=submitted, actor=reviewer1_xg, reason="x")
    with pytest.raises(PermissionDenied):
        review.reject_claim(claim=submitted, actor=provider_staff, reason="x")
    review.reject_claim(claim=submitted, actor=reviewer1, reason="冒名申领")
    fresh = _fresh(submitted)
    assert fresh.status == S.REJECTED and fresh.status_reason == "冒名申领"
    with pytest.raises(Conflict):
        review.reject_claim(claim=fresh, actor=reviewer1, reason="again")


def test_draft_cannot_be_rejected_or_returned(claim: Claim, reviewer1: Any) -> None:
    with pytest.raises(Conflict):
        review.reject_claim(claim=claim, actor=reviewer1, reason="x")
    with pytest.raises(Conflict):
        review.return_claim(claim=claim, actor=reviewer1, reason="x")


def test_archive_only_paid(first_approved: Claim, finance: Any, reviewer2: Any) -> None:
    with pytest.raises(Conflict):
        review.archive_claim(claim=first_approved, actor=finance)
    Claim.objects.filter(pk=first_approved.pk).update(status=S.PAID, paid_at=timezone.now())
    paid = _fresh(first_approved)
    with pytest.raises(PermissionDenied):
        review.archive_claim(claim=paid, actor=reviewer2)
    review.archive_claim(claim=paid, actor=finance)
    assert _fresh(paid).status == S.ARCHIVED


def test_allowed_actions_per_role(
    claim: Claim, provider_staff: Any, reviewer1: Any, reviewer2: Any, reviewer1_xg: Any, finance: Any
) -> None:
    assert review.allowed_actions(provider_staff, claim) == ["submit"]
    assert review.allowed_actions(reviewer1, claim) == []
    review.submit_claim(claim=claim, actor=provider_staff)
    assert review.allowed_actions(provider_staff, claim) == ["withdraw"]
    assert review.allowed_actions(reviewer1, claim) == ["first_approve", "return", "reject"]
    assert review.allowed_actions(reviewer1_xg, claim) == []
    assert review.allowed_actions(reviewer2, claim) == []
    review.first_approve_claim(claim=claim, actor=reviewer1)
    assert review.allowed_actions(reviewer2, claim) == ["second_approve", "return", "reject"]
    assert review.allowed_actions(finance, claim) == []


def test_waiting_days_in_working_days() -> None:
    monday = timezone.make_aware(dt.datetime(2026, 3, 2, 9))
    assert review.waiting_days(monday, today=dt.date(2026, 3, 9)) == 5
    assert review.waiting_days(None) is None
    assert review.waiting_days(
        timezone.make_aware(dt.datetime(2031, 3, 3, 9)), today=dt.date(2031, 3, 10)
    ) in (
        None,
        5,
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_reviewers_one_wins(
    schemes: Any, trainees: dict[str, Any], provider_staff: Any, reviewer1: Any, make_user: Any
) -> None:
    """Both read the submitted claim; the second transition finds it moved: 409, and one audit event."""
    from lijiao.accounts.roles import Role

    other = make_user(Role.FIRST_REVIEWER, username="reviewer1b", area="ZS")
    claim = filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"])
    review.submit_claim(claim=claim, actor=provider_staff)
    first, second = _fresh(claim), _fresh(claim)
    review.first_approve_claim(claim=first, actor=reviewer1)
    with pytest.raises(Conflict) as exc:
        review.reject_claim(claim=second, actor=other, reason="迟到的决定")
    assert exc.value.code == "stale_status"
    assert _fresh(claim).status == S.FIRST_APPROVED
    assert (
        AuditEvent.objects.filter(
            object_id=str(claim.pk), action__in=["subsidies.claim.first_approved", "subsidies.claim.rejected"]
        ).count()
        == 1
    )


def test_queue_flags_claims_waiting_beyond_the_target(
    submitted: Claim, reviewer1: Any, settings: Any
) -> None:
    from lijiao.subsidies.selectors import claims as selectors

    settings.LIJIAO_CLAIM_REVIEW_DAYS = 3
    Claim.objects.filter(pk=submitted.pk).update(submitted_at=timezone.now() - dt.timedelta(days=21))
    (row,) = selectors.queue_rows(selectors.first_review_queue(reviewer1), "submitted_at")
    if row["waited"] is None:
        pytest.skip("the calendar does not know this year")
    assert row["waited"] >= 10 and row["overdue"] is True
    settings.LIJIAO_CLAIM_REVIEW_DAYS = 30
    (row,) = selectors.queue_rows(selectors.first_review_queue(reviewer1), "submitted_at")
    assert row["overdue"] is False


def test_r4_a_second_live_claim_on_the_certificate_is_refused_at_submit(
    submitted: Claim, provider_staff: Any
) -> None:
    twin = Claim.objects.get(pk=submitted.pk)
    twin.pk = None
    twin.number = "BT2099000001"
    twin.status = S.DRAFT
    twin.save(force_insert=True)  # as if filed concurrently with the first
    with pytest.raises(Conflict) as exc:
        review.submit_claim(claim=twin, actor=provider_staff)
    assert exc.value.code == "certificate_claimed"
    assert Claim.objects.get(pk=twin.pk).status == S.DRAFT
