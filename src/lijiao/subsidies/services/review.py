"""The claim workflow's transitions (issue 12 item 6, before 公示): one service per transition, each audited and
race-safe through :data:`lijiao.subsidies.workflows.CLAIM_WORKFLOW` (of two concurrent reviewers one wins, the
other gets 409).

Who may do what (:func:`allowed_actions` lists it for screens and the API alike):

* the filer (who created the claim, their provider's staff, their evaluating body's staff, or the person for a
  worker's own claim): ``submit`` (runs the rules and the register check), ``withdraw`` (back to draft), and
  ``submit`` again after a return (:func:`resubmit_claim` with corrected facts);
* the first reviewer (``subsidies.review_first_claim``, their handling area): ``first_approve``, ``return``,
  ``reject`` of a submitted claim (``reject`` of a returned one too);
* the second reviewer (``subsidies.review_second_claim``, their area): ``second_approve`` (→ 公示 through
  :func:`lijiao.subsidies.services.publicity.publish_claims`, one claim or a selection), ``return``, ``reject``
  from first-approved, 公示 or approved;
* a reviewer holding ``subsidies.override_rule_claim``: ``override`` one failed rule with a reason (then the rules
  run again);
* finance (``subsidies.pay_claim``): ``archive`` a paid claim.

A claim whose decision failed cannot be approved unless every failed rule is overridden with a reason.
Out of scope (another area's claim): 404 like an unknown id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.audit.services import record_event
from lijiao.certificates.models import EvaluatorMembership
from lijiao.core.actors import Actor
from lijiao.core.calendar import CalendarUnknown, working_days_between
from lijiao.core.errors import Conflict, DomainError, FieldError, NotFound, PermissionDenied
from lijiao.core.permissions import require_perm
from lijiao.people.services import notify
from lijiao.subsidies.models import Claim, ClaimEvaluation, ClaimStatus, Publicity, RuleOverride
from lijiao.subsidies.services import evaluation, publicity, registers
from lijiao.subsidies.workflows import ACTION_LABELS, CLAIM_WORKFLOW

__all__ = [
    "ACTIONS",
    "FIRST_PERM",
    "OVERRIDE_PERM",
    "SECOND_PERM",
    "allowed_actions",
    "approval_blockers",
    "archive_claim",
    "first_approve_claim",
    "override_rule",
    "reject_claim",
    "resubmit_claim",
    "return_claim",
    "review_target_days",
    "second_approve_claims",
    "submit_claim",
    "waiting_days",
    "withdraw_claim",
]

S = ClaimStatus
FIRST_PERM = "subsidies.review_first_claim"
SECOND_PERM = "subsidies.review_second_claim"
OVERRIDE_PERM = "subsidies.override_rule_claim"
ARCHIVE_PERM = "subsidies.pay_claim"
ACTIONS = ("submit", "withdraw", "first_approve", "second_approve", "return", "reject", "override", "archive")
_FIRST_STEP = frozenset({S.SUBMITTED, S.RETURNED})
_SECOND_STEP = frozenset({S.FIRST_APPROVED, S.PUBLICITY, S.APPROVED})
_OVERRIDABLE = frozenset({S.SUBMITTED, S.FIRST_APPROVED})


def review_target_days() -> int:
    """The working days a claim may wait in a review queue (``LIJIAO_CLAIM_REVIEW_DAYS``, default 10)."""
    from lijiao.subsidies.selectors.claims import target_days

    return target_days()


def waiting_days(since: dt.datetime | None, *, today: dt.date | None = None) -> int | None:
    """Working days a claim has waited since ``since`` (None when unknown or the calendar lacks the year)."""
    if since is None:
        return None
    start = timezone.localtime(since).date()
    try:
        return working_days_between(start, today or timezone.localdate())
    except CalendarUnknown:
        return None


# --- who may act ------------------------------------------------------------------------------------------------


def _member_body(actor: Any) -> int | None:
    cache = actor.__dict__ if hasattr(actor, "__dict__") else {}
    if "_lijiao_claim_body" not in cache:
        cache["_lijiao_claim_body"] = (
            EvaluatorMembership.objects.filter(user_id=actor.pk).values_list("body_id", flat=True).first()
        )
    return cache["_lijiao_claim_body"]  # type: ignore[no-any-return]


def is_filer(actor: Any, claim: Claim) -> bool:
    """Whether ``actor`` filed ``claim`` or acts for who did (same provider or body; the person themself)."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if claim.created_by_id is not None and claim.created_by_id == actor.pk:
        return True
    may_file = actor.has_perm("subsidies.file_claim")
    if (
        may_file
        and claim.provider_id
        and claim.applicant in (Claim.Applicant.PROVIDER, Claim.Applicant.BULK)
        and getattr(actor, "provider_id", None) == claim.provider_id
    ):
        return True
    if (
        may_file
        and claim.applicant == Claim.Applicant.EVALUATOR
        and claim.evaluating_body_id
        and _member_body(actor) == claim.evaluating_body_id
    ):
        return True
    if claim.applicant == Claim.Applicant.WORKER:
        digest = getattr(actor, "citizen_id_digest", "") or ""
        return bool(digest) and digest == claim.person.citizen_id_digest
    return False


def in_review_scope(actor: Any, claim: Claim) -> bool:
    """Whether ``claim`` lies in the reviewer's handling area (city-wide roles: everywhere)."""
    scope = Scope.for_user(actor)
    return scope.all_areas or claim.handling_area_id in scope.area_ids


def _require_filer(actor: Actor, claim: Claim) -> None:
    if not is_filer(actor, claim):
        raise PermissionDenied()


def _require_reviewer(actor: Actor, claim: Claim, *perms: str) -> None:
    require_perm(actor, *perms)
    if not in_review_scope(actor, claim):
        raise NotFound()


def _step_perm(claim: Claim) -> str:
    return FIRST_PERM if claim.status in _FIRST_STEP else SECOND_PERM


def _step_perms(claim: Claim) -> tuple[str, ...]:
    """The review permission of the claim's step (either, where no step applies: the state decides, 409)."""
    if claim.status in _FIRST_STEP:
        return (FIRST_PERM,)
    if claim.status in _SECOND_STEP:
        return (SECOND_PERM,)
    return (FIRST_PERM, SECOND_PERM)


def current_evaluation(claim: Claim) -> ClaimEvaluation | None:
    return claim.evaluations.filter(current=True).first()


def approval_blockers(claim: Claim) -> list[str]:
    """The failed rules of the current decision that no reviewer has overridden (empty: may be approved)."""
    if claim.decision_passed:
        return []
    current = current_evaluation(claim)
    if current is None:
        return [_("尚未审核规则")]
    failed = [str(line.get("rule")) for line in current.lines or [] if not line.get("passed")]
    if not failed and not current.passed:
        failed = [_("规则审核未通过")]
    overridden = set(claim.overrides.values_list("rule", flat=True))
    return [rule for rule in failed if rule not in overridden]


def _require_approvable(claim: Claim) -> None:
    blockers = approval_blockers(claim)
    if blockers:
        raise Conflict(
            _("规则审核未通过（%(rules)s），须先逐条说明理由调整后才能通过") % {"rules": "、".join(blockers)},
            code="decision_failed",
        )


def allowed_actions(user: Any, claim: Claim) -> list[str]:
    """The actions ``user`` may take on ``claim`` now: the one list the screen's buttons and the API show."""
    if not getattr(user, "is_authenticated", False):
        return []
    status = claim.status
    actions: list[str] = []
    filer = None
    for action in ACTIONS:
        if action == "override":
            step_perm = FIRST_PERM if status == S.SUBMITTED else SECOND_PERM
            ok = (
                status in _OVERRIDABLE
                and not claim.decision_passed
                and user.has_perm(OVERRIDE_PERM)
                and user.has_perm(step_perm)
            )
        elif status not in CLAIM_WORKFLOW.sources(action):
            continue
        elif action in ("submit", "withdraw"):
            filer = is_filer(user, claim) if filer is None else filer
            ok = filer
        elif action == "first_approve":
            ok = user.has_perm(FIRST_PERM)
        elif action == "second_approve":
            ok = user.has_perm(SECOND_PERM)
        elif action == "return":
            ok = status != S.PUBLICITY and user.has_perm(_step_perm(claim))  # 公示: an upheld objection
        elif action == "reject":
            ok = user.has_perm(_step_perm(claim))
        else:  # archive
            ok = user.has_perm(ARCHIVE_PERM)
        if ok and action not in ("submit", "withdraw", "archive") and not in_review_scope(user, claim):
            ok = False
        if ok:
            actions.append(action)
    return actions


def action_label(action: str) -> str:
    if action == "override":
        return _("说明理由后调整规则结论")
    return str(ACTION_LABELS.get(action, action))


# --- the transitions --------------------------------------------------------------------------------------------


def _reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(_("请填写理由"), errors=(FieldError(field, _("必填")),))
    if len(text) > 500:
        raise DomainError(_("理由不能超过500字"), errors=(FieldError(field, _("不能超过500字")),))
    return text


def _event(actor: Actor, action: str, claim: Claim, before: str, reason: str = "", **after: Any) -> None:
    record_event(
        actor=actor,
        action=f"subsidies.claim.{action}",
        obj=claim,
        before={"status": before},
        after={"status": claim.status, **after},
        reason=reason,
    )


def _run_checks(claim: Claim, actor: Actor, reason: str) -> None:
    """The rules (:func:`evaluate_claim`) and the register match (:func:`check_registers`)."""
    evaluation.evaluate_claim(claim=claim, actor=actor, reason=reason)
    registers.check_registers(claim=claim, actor=actor)


def _notify_submitted(claim: Claim) -> None:
    """Tell the person the amount the rules decided for a claim someone else filed in their name."""
    amount = f"{claim.amount:.2f}" if claim.amount is not None else "—"
    notify(
        person=claim.person,
        kind="subsidies.claim_submitted",
        title=_("以您名义申请的补贴%(number)s已提交审核") % {"number": claim.number},
        body=_(
            "%(who)s提交的%(kind)s申请%(number)s已进入审核，按政策核定金额%(amount)s元。如与您了解的情况不符，请在“我的补贴”中提出异议。"
        )
        % {
            "who": claim.applicant_name,
            "kind": claim.get_kind_display(),
            "number": claim.number,
            "amount": amount,
        },
        url=reverse("subsidies:mine"),
    )


@transaction.atomic
def submit_claim(*, claim: Claim, actor: Actor, facts: dict[str, Any] | None = None, note: str = "") -> Claim:
    """Draft (or returned, after correction) → submitted: the rules decide the amount, the registers are
    matched (the filer only). Corrected ``facts`` are merged into the claim's."""
    _require_filer(actor, claim)
    before = claim.status
    changes: dict[str, Any] = {"submitted_at": timezone.now()}
    if facts:
        changes["facts"] = {**(claim.facts or {}), **facts}
    try:
        with transaction.atomic():
            CLAIM_WORKFLOW.transition(claim, S.SUBMITTED, source=frozenset({S.DRAFT, S.RETURNED}), **changes)
    except IntegrityError:  # R4: another live claim holds the certificate (the database constraint)
        raise Conflict(
            _("该证书已用于其他补贴申请，同一证书只能补贴一次"), code="certificate_claimed"
        ) from None
    again = before == S.RETURNED
    _run_checks(claim, actor, _("补正后重新提交") if again else _("提交申请"))
    if claim.applicant != Claim.Applicant.WORKER:
        _notify_submitted(claim)
    _event(
        actor,
        "resubmitted" if again else "submitted",
        claim,
        before,
        reason=note[:500],
        amount=claim.amount,
        passed=claim.decision_passed,
    )
    return claim


@transaction.atomic
def resubmit_claim(
    *, claim: Claim, actor: Actor, facts: dict[str, Any] | None = None, note: str = ""
) -> Claim:
    """Returned → submitted after correction (the filer only; the rules run again)."""
    if claim.status != S.RETURNED:
        CLAIM_WORKFLOW.require_transition(claim, S.SUBMITTED, source=frozenset({S.RETURNED}))
    return submit_claim(claim=claim, actor=actor, facts=facts, note=note)


@transaction.atomic
def withdraw_claim(*, claim: Claim, actor: Actor) -> Claim:
    """Submitted → draft, before the first review (the filer only)."""
    _require_filer(actor, claim)
    before = claim.status
    CLAIM_WORKFLOW.transition(claim, S.DRAFT, source=frozenset({S.SUBMITTED}))
    _event(actor, "withdrawn", claim, before)
    return claim


@transaction.atomic
def first_approve_claim(*, claim: Claim, actor: Actor) -> Claim:
    """初审通过 (the first reviewer of the claim's handling area)."""
    _require_reviewer(actor, claim, FIRST_PERM)
    CLAIM_WORKFLOW.require_transition(claim, S.FIRST_APPROVED)
    _require_approvable(claim)
    before = claim.status
    CLAIM_WORKFLOW.transition(
        claim, S.FIRST_APPROVED, first_reviewed_at=timezone.now(), first_reviewed_by=actor
    )
    _event(actor, "first_approved", claim, before)
    return claim


@transaction.atomic
def second_approve_claims(
    *, claims: Sequence[Claim], actor: Actor, starts_on: dt.date | None = None, title: str = ""
) -> Publicity:
    """复审通过: put one claim or a selection on 公示 (all first-approved, approvable, in the reviewer's area)."""
    require_perm(actor, SECOND_PERM)
    if not claims:
        raise DomainError(_("请选择要复审通过的申请"), code="nothing_selected")
    for claim in claims:
        _require_reviewer(actor, claim, SECOND_PERM)
        CLAIM_WORKFLOW.require_transition(claim, S.PUBLICITY)
        _require_approvable(claim)
    return publicity.publish_claims(claims=claims, actor=actor, starts_on=starts_on, title=title)


@transaction.atomic
def return_claim(*, claim: Claim, actor: Actor, reason: str) -> Claim:
    """退回补正 with the reason (first review: submitted; second review: first-approved)."""
    if claim.status == S.PUBLICITY:
        raise Conflict(_("公示中的申请由异议处理退回"), code="transition_not_allowed")
    _require_reviewer(actor, claim, *_step_perms(claim))
    text = _reason(reason)
    before = claim.status
    CLAIM_WORKFLOW.transition(
        claim, S.RETURNED, source=frozenset({S.SUBMITTED, S.FIRST_APPROVED}), status_reason=text
    )
    _event(actor, "returned", claim, before, reason=text)
    return claim


@transaction.atomic
def reject_claim(*, claim: Claim, actor: Actor, reason: str) -> Claim:
    """不予补贴 with the reason (first review: submitted or returned; second review: later steps)."""
    _require_reviewer(actor, claim, *_step_perms(claim))
    text = _reason(reason)
    before = claim.status
    CLAIM_WORKFLOW.transition(claim, S.REJECTED, source=CLAIM_WORKFLOW.sources("reject"), status_reason=text)
    _event(actor, "rejected", claim, before, reason=text)
    return claim


@transaction.atomic
def override_rule(*, claim: Claim, actor: Actor, rule: str, reason: str) -> RuleOverride:
    """Set aside one failed rule with a reason (``subsidies.override_rule_claim``), then run the rules again."""
    require_perm(actor, OVERRIDE_PERM)
    _require_reviewer(actor, claim, FIRST_PERM if claim.status == S.SUBMITTED else SECOND_PERM)
    text = _reason(reason)
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if locked.status not in _OVERRIDABLE:
        raise Conflict(_("只有审核中的申请可以调整规则结论"), code="transition_not_allowed")
    current = current_evaluation(locked)
    failed = {
        str(line.get("rule")) for line in (current.lines if current else []) or [] if not line.get("passed")
    }
    code = (rule or "").strip()
    if code not in failed:
        raise DomainError(
            _("只能调整未通过的规则"), errors=(FieldError("rule", _("该规则在当前审核结论中已通过")),)
        )
    try:
        with transaction.atomic():
            row = RuleOverride.objects.create(claim=locked, rule=code, reason=text, created_by=actor)  # type: ignore[misc]
    except IntegrityError:
        raise Conflict(_("该规则已调整过"), code="already_overridden") from None
    evaluation.evaluate_claim(claim=claim, actor=actor, reason=_("规则调整：%(rule)s") % {"rule": code})
    record_event(
        actor=actor,
        action="subsidies.claim.rule_overridden",
        obj=claim,
        after={"rule": code, "amount": claim.amount, "passed": claim.decision_passed},
        reason=text,
    )
    return row


@transaction.atomic
def archive_claim(*, claim: Claim, actor: Actor) -> Claim:
    """Paid → archived (finance)."""
    require_perm(actor, ARCHIVE_PERM)
    if not in_review_scope(actor, claim):
        raise NotFound()
    before = claim.status
    CLAIM_WORKFLOW.transition(claim, S.ARCHIVED, source=frozenset({S.PAID}))
    _event(actor, "archived", claim, before)
    return claim
