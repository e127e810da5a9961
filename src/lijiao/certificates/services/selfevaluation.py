"""Employer self-evaluation (企业自主评价, SPEC C5): a Y body's staff record results (status ``recorded``); the
bureau — the district clerk of the body's handling area or the city administration, holding
``certificates.confirm_selfevaluation`` — confirms them (they then count, and a certificate may be issued) or
rejects them with a reason. Each decision is audited; a decided result cannot be decided again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.audit.services import record_event
from lijiao.certificates.models import LevelAssessment
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, NotFound
from lijiao.core.permissions import require_perm
from lijiao.core.text import unsafe_text_problem
from lijiao.training.services.actors import user_of

__all__ = ["CONFIRM_PERM", "confirm_self_evaluation", "may_confirm", "reject_self_evaluation"]

CONFIRM_PERM = "certificates.confirm_selfevaluation"
MAX_REASON = 500


def may_confirm(actor: Actor, assessment: LevelAssessment) -> bool:
    """Whether the actor's scope covers the body of ``assessment`` (city-wide, or the body's handling area)."""
    scope = Scope.for_user(actor)
    return scope.all_areas or assessment.body.handling_area_id in scope.area_ids


def _locked(actor: Actor, assessment: LevelAssessment) -> LevelAssessment:
    require_perm(actor, CONFIRM_PERM, message=_("您没有确认企业自主评价结果的权限"))
    locked = (
        LevelAssessment.objects.select_for_update()
        .select_related("body", "person")
        .filter(pk=assessment.pk, kind=LevelAssessment.Kind.SELF_EVALUATION)
        .first()
    )
    if locked is None or not may_confirm(actor, locked):
        raise NotFound(_("评价结果不存在"))
    if locked.status != LevelAssessment.Status.RECORDED:
        raise Conflict(
            _("该结果已%(status)s，不能重复处理") % {"status": LevelAssessment.Status(locked.status).label},
            code="already_decided",
        )
    return locked


@transaction.atomic
def confirm_self_evaluation(*, actor: Actor, assessment: LevelAssessment) -> LevelAssessment:
    """Confirm an employer's self-evaluation result: it counts from now on (a passed one may be certified)."""
    locked = _locked(actor, assessment)
    locked.status = LevelAssessment.Status.CONFIRMED
    locked.confirmed_by = user_of(actor)
    locked.confirmed_at = timezone.now()
    locked.decision_reason = ""
    locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "decision_reason"])
    record_event(
        actor=actor,
        action="certificates.selfevaluation.confirmed",
        obj=locked,
        before={"status": LevelAssessment.Status.RECORDED},
        after={"status": locked.status},
    )
    return locked


@transaction.atomic
def reject_self_evaluation(*, actor: Actor, assessment: LevelAssessment, reason: str) -> LevelAssessment:
    """Reject an employer's self-evaluation result with a reason (shown to the employer; the result never
    counts and the employer may record a corrected one)."""
    text = (reason or "").strip()
    problem = None
    if not text:
        problem = _("请填写不予确认的原因")
    elif len(text) > MAX_REASON:
        problem = _("原因最多%(max)s字") % {"max": MAX_REASON}
    else:
        problem = unsafe_text_problem(text, label=_("原因"), allow_line_breaks=True)
    if problem:
        raise DomainError.for_fields(_("不予确认的原因有误"), {"reason": problem})
    locked = _locked(actor, assessment)
    locked.status = LevelAssessment.Status.REJECTED
    locked.confirmed_by = user_of(actor)
    locked.confirmed_at = timezone.now()
    locked.decision_reason = text
    locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "decision_reason"])
    record_event(
        actor=actor,
        action="certificates.selfevaluation.rejected",
        obj=locked,
        before={"status": LevelAssessment.Status.RECORDED},
        after={"status": locked.status},
        reason=text,
    )
    return locked
