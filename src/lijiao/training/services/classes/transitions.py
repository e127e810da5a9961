"""One audited service per transition of a class: file, approve, return, reject, start, finish, assess, close."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError
from lijiao.providers.selectors import listing_problems, scope_covers
from lijiao.training import workflows
from lijiao.training.models import (
    AssessmentResult,
    ClassStatus,
    Enrollment,
    TrainingClass,
)
from lijiao.training.services.classes.common import (
    CLASS_FIELDS,
    _fail,
    _locked,
    _require_own_provider,
    _require_reviewer,
    _today,
)
from lijiao.training.services.classes.filing import _outside_scope, filing_problems

# ---------------------------------------------------------------------------------------------------------------
# Transitions


def _record(actor: Actor, action: str, tc: TrainingClass, before: dict[str, Any], reason: str = "") -> None:
    record_event(
        actor=actor,
        action=f"training.class.{action}",
        obj=tc,
        before=before,
        after=snapshot(tc, CLASS_FIELDS),
        reason=reason,
    )


@transaction.atomic
def file_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Draft/returned → filed (开班申请), after every check of :func:`filing_problems` passes on today's date.

    The class's catalog item becomes the item of the edition in force today (classes keep the edition in force
    on their filing date).
    """
    _require_own_provider(actor, training_class, "training.file_trainingclass")
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.FILED)
    today = _today()
    item, errors = filing_problems(tc, on=today)
    if errors:
        raise _fail(_("开班申请未通过检查，请修改后再提交"), errors, code="filing_refused")
    assert item is not None
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(
        tc,
        ClassStatus.FILED,
        catalog_item=item,
        filed_on=today,
        status_reason="",
        reviewed_by=None,
        reviewed_at=None,
    )
    _record(actor, "filed", tc, before)
    return tc


@transaction.atomic
def withdraw_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Filed → draft (撤回申请) by the provider's own staff while the clerk has not reviewed it yet.

    Race-safe like every transition: if the clerk approves, returns or rejects first, the withdrawal gets
    :class:`~lijiao.core.errors.Conflict` (and the other way round).
    """
    _require_own_provider(actor, training_class, "training.file_trainingclass")
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.DRAFT)
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, ClassStatus.DRAFT, filed_on=None)
    _record(actor, "withdrawn", tc, before)
    return tc


def _listing_errors(tc: TrainingClass) -> list[FieldError]:
    errors = [
        FieldError("provider", problem)
        for problem in listing_problems(tc.provider, start=tc.start_date, end=tc.end_date)
    ]
    if not scope_covers(tc.provider, tc.catalog_item):
        errors.append(FieldError("catalog_item", _outside_scope(tc.catalog_item)))
    return errors


@transaction.atomic
def approve_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Filed → approved (备案) by the clerk of the class's handling area; R10 is checked again today."""
    _require_reviewer(actor, training_class)
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.APPROVED)
    errors = _listing_errors(tc)
    if errors:
        raise _fail(
            _("培训机构当前不符合开班条件，不能备案"),
            errors,
            "listing_refused",
        )
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(
        tc, ClassStatus.APPROVED, reviewed_by=actor, reviewed_at=timezone.now(), status_reason=""
    )
    _record(actor, "approved", tc, before)
    return tc


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError.for_fields(_("请填写原因"), {"reason": _("请填写原因")})
    if len(text) > 500:
        raise DomainError.for_fields(_("原因过长"), {"reason": _("原因最多500字")})
    return text


def _review_with_reason(
    actor: Actor, training_class: TrainingClass, target: str, reason: str, action: str
) -> TrainingClass:
    _require_reviewer(actor, training_class)
    tc = _locked(training_class)
    workflows.require_transition(tc, target)
    text = _reason(reason)
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, target, reviewed_by=actor, reviewed_at=timezone.now(), status_reason=text)
    _record(actor, action, tc, before, reason=text)
    return tc


@transaction.atomic
def return_class(*, actor: Actor, training_class: TrainingClass, reason: str) -> TrainingClass:
    """Filed → returned for correction, with the reason the provider reads."""
    return _review_with_reason(actor, training_class, ClassStatus.RETURNED, reason, "returned")


@transaction.atomic
def reject_class(*, actor: Actor, training_class: TrainingClass, reason: str) -> TrainingClass:
    """Filed → rejected (不予备案), with the reason; final."""
    return _review_with_reason(actor, training_class, ClassStatus.REJECTED, reason, "rejected")


@transaction.atomic
def start_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Approved → running, on or after the start date; a provider suspended or blacklisted meanwhile cannot."""
    _require_own_provider(actor, training_class, "training.change_trainingclass")
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.RUNNING)
    today = _today()
    errors: list[FieldError] = []
    if today < tc.start_date:
        errors.append(
            FieldError(
                "start_date",
                _("开班日期为%(date)s，不能提前开班") % {"date": tc.start_date.isoformat()},
            )
        )
    elif today > tc.end_date:
        errors.append(
            FieldError(
                "end_date",
                _("结业日期%(date)s已过，不能再开班") % {"date": tc.end_date.isoformat()},
            )
        )
    errors.extend(_listing_errors(tc))
    if errors:
        raise _fail(_("培训班现在不能开班"), errors, "start_refused")
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, ClassStatus.RUNNING)
    _record(actor, "started", tc, before)
    return tc


def _attendance_rates(tc: TrainingClass) -> dict[int, Decimal]:
    from lijiao.training.checks import attendance_rates

    return attendance_rates(tc)


@transaction.atomic
def finish_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Running → finished (结业) on or after the end date: active enrollments become completed, and every
    enrollment gets its attendance rate (lesson hours attended / hours of the timetable, 4 decimals)."""
    _require_own_provider(actor, training_class, "training.change_trainingclass")
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.FINISHED)
    today = _today()
    if today < tc.end_date:
        raise _fail(
            _("培训班尚未到结业日期"),
            [
                FieldError(
                    "end_date",
                    _("结业日期为%(date)s，不能提前结业") % {"date": tc.end_date.isoformat()},
                )
            ],
            "finish_refused",
        )
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, ClassStatus.FINISHED)
    rates = _attendance_rates(tc)
    enrollments = list(Enrollment.objects.filter(training_class=tc).order_by("pk"))
    completed = 0
    for enrollment in enrollments:
        enrollment.attendance_rate = rates.get(enrollment.pk, Decimal("0.0000"))
        if enrollment.status == Enrollment.Status.ACTIVE:
            enrollment.status = Enrollment.Status.COMPLETED
            completed += 1
    by_values: dict[tuple[Decimal | None, str], list[int]] = {}
    for enrollment in enrollments:
        by_values.setdefault((enrollment.attendance_rate, enrollment.status), []).append(enrollment.pk)
    for (rate, status), pks in by_values.items():  # a handful of UPDATEs rather than a CASE per row
        Enrollment.objects.filter(pk__in=pks).update(attendance_rate=rate, status=status)
    record_event(
        actor=actor,
        action="training.class.finished",
        obj=tc,
        before=before,
        after={
            **snapshot(tc, CLASS_FIELDS),
            "completed_enrollments": completed,
            "enrollments": len(enrollments),
        },
    )
    return tc


@transaction.atomic
def mark_assessed(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Finished → assessed once every completed enrollment has an assessment result."""
    _require_own_provider(actor, training_class, "training.record_assessment")
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.ASSESSED)
    missing = (
        Enrollment.objects.filter(training_class=tc, status=Enrollment.Status.COMPLETED)
        .exclude(
            pk__in=AssessmentResult.objects.filter(enrollment__training_class=tc).values("enrollment_id")
        )
        .count()
    )
    if missing:
        raise _fail(
            _("还有学员没有结业考核结果"),
            [
                FieldError(
                    "__all__",
                    _("还有%(count)s名结业学员没有录入结业考核结果") % {"count": missing},
                )
            ],
            "assessment_incomplete",
        )
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, ClassStatus.ASSESSED)
    _record(actor, "assessed", tc, before)
    return tc


@transaction.atomic
def close_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Assessed → closed by the clerk of the class's handling area."""
    _require_reviewer(actor, training_class)
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.CLOSED)
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, ClassStatus.CLOSED, reviewed_by=actor, reviewed_at=timezone.now())
    _record(actor, "closed", tc, before)
    return tc
