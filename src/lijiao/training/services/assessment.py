"""Completion results (培训结业考核, SPEC C4): theory and practical scores, 培训合格 or not, and the date.

Under 培评分离 a training provider only records whether its trainees completed the training (结业考核 /
培训合格), which leads to a 培训合格证 at most; a skill-level result (职业技能等级认定) comes from an evaluating
body (:mod:`lijiao.certificates.services.results`), never from the provider. The free-text "evaluating
organisation" providers used to type is no longer taken (the column keeps what was typed before, shown nowhere).

Results are recorded once the class has finished (or while it runs on or after its last day) and may be
corrected until the class is closed; each write is an upsert of the enrollment's one result, audited with the
before and after values. Scores are 0–100 with at most two decimals; at least one score is needed; the
assessment date lies between the class's start and today. The bulk form (:func:`record_results`, the results
screen) is all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, FieldError
from lijiao.training.models import AssessmentResult, ClassStatus, Enrollment, TrainingClass
from lijiao.training.services.actors import user_of
from lijiao.training.services.enrollment import require_class_staff

__all__ = [
    "ASSESSABLE_STATUSES",
    "RESULT_FIELDS",
    "ResultInput",
    "accepts_results",
    "parse_score",
    "record_result",
    "record_results",
]

RESULT_FIELDS = (
    "theory_score",
    "practical_score",
    "passed",
    "assessed_on",
)
ASSESSABLE_STATUSES = frozenset({ClassStatus.FINISHED, ClassStatus.ASSESSED})
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ResultInput:
    """One row of the results screen / API: an enrollment of the class and its result."""

    enrollment_id: int
    theory_score: Decimal | str | int | float | None
    practical_score: Decimal | str | int | float | None
    passed: bool | None
    assessed_on: dt.date | None


def parse_score(value: Any, field: str, label: str) -> tuple[Decimal | None, FieldError | None]:
    """A score 0–100 with at most two decimals (``""``/None → None), or the field error saying why not.

    ``field`` names the input for programs (the error's field); ``label`` names it for people (the message).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, FieldError(field, _("%(label)s必须是数字") % {"label": label})
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        return None, FieldError(field, _("%(label)s“%(value)s”不是数字") % {"label": label, "value": value})
    if not score.is_finite():
        return None, FieldError(field, _("%(label)s必须是数字") % {"label": label})
    if not Decimal(0) <= score <= Decimal(100):
        return None, FieldError(field, _("%(label)s应在0–100之间") % {"label": label})
    if score != score.quantize(_CENT):
        return None, FieldError(field, _("%(label)s最多保留两位小数") % {"label": label})
    return score.quantize(_CENT), None


def accepts_results(training_class: TrainingClass) -> bool:
    """Whether results may be recorded now: finished or assessed, or running on or after its last day."""
    if training_class.status in ASSESSABLE_STATUSES:
        return True
    return training_class.status == ClassStatus.RUNNING and timezone.localdate() >= training_class.end_date


def _check_class(training_class: TrainingClass) -> None:
    if accepts_results(training_class):
        return
    raise Conflict(
        _("培训班“%(code)s”%(status)s，不能录入结业考核结果：结业后（或开班中的最后一天起）至关闭前才能录入")
        % {"code": training_class.code, "status": ClassStatus(training_class.status).label},
        code="class_not_assessable",
    )


def _validate(
    training_class: TrainingClass, data: ResultInput, prefix: str = ""
) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    theory, error = parse_score(data.theory_score, f"{prefix}theory_score", _("理论成绩"))
    if error:
        errors.append(error)
    practical, error = parse_score(data.practical_score, f"{prefix}practical_score", _("实操成绩"))
    if error:
        errors.append(error)
    if theory is None and practical is None and not errors:
        errors.append(FieldError(f"{prefix}theory_score", _("请至少填写理论或实操成绩之一")))
    if data.passed is None:
        errors.append(FieldError(f"{prefix}passed", _("请选择是否合格")))
    today = timezone.localdate()
    if data.assessed_on is None:
        errors.append(FieldError(f"{prefix}assessed_on", _("请填写考核日期")))
    elif data.assessed_on < training_class.start_date:
        errors.append(
            FieldError(
                f"{prefix}assessed_on",
                _("考核日期%(date)s早于开班日期%(start)s")
                % {"date": data.assessed_on.isoformat(), "start": training_class.start_date.isoformat()},
            )
        )
    elif data.assessed_on > today:
        errors.append(
            FieldError(
                f"{prefix}assessed_on",
                _("考核日期%(date)s晚于今天") % {"date": data.assessed_on.isoformat()},
            )
        )
    values = {
        "theory_score": theory,
        "practical_score": practical,
        "passed": bool(data.passed),
        "assessed_on": data.assessed_on,
    }
    return values, errors


def lock_class_results(training_class_id: int) -> None:
    """Lock the class's row before its results are written: the result counters recounted at the end of the
    transaction (:func:`recount_results`) then see every result committed by an earlier writer of the class."""
    TrainingClass.objects.select_for_update().filter(pk=training_class_id).values_list("pk").first()


def recount_results(training_class_id: int) -> None:
    """Recount the class's ``assessed_count`` / ``passed_count`` from its results (the provider's pass rate sums
    them instead of joining every result to its enrollment and class; ADR 0014). Called after results are
    written, under :func:`lock_class_results`."""
    counts = AssessmentResult.objects.filter(enrollment__training_class_id=training_class_id).aggregate(
        assessed=Count("pk"), passed=Count("pk", filter=Q(passed=True))
    )
    TrainingClass.objects.filter(pk=training_class_id).update(
        assessed_count=counts["assessed"] or 0, passed_count=counts["passed"] or 0
    )


def _save(actor: Actor, enrollment: Enrollment, values: dict[str, Any]) -> AssessmentResult:
    existing = AssessmentResult.objects.select_for_update().filter(enrollment=enrollment).first()
    before = snapshot(existing, RESULT_FIELDS) if existing else None
    if existing is None:
        result = AssessmentResult.objects.create(enrollment=enrollment, recorded_by=user_of(actor), **values)
        action = "training.assessment.recorded"
    else:
        result = existing
        for field, value in values.items():
            setattr(result, field, value)
        result.recorded_by = user_of(actor)
        result.save(update_fields=[*RESULT_FIELDS, "recorded_by"])
        action = "training.assessment.corrected"
    after = snapshot(result, RESULT_FIELDS)
    if before != after:
        record_event(actor=actor, action=action, obj=result, before=before, after=after)
        recount_results(enrollment.training_class_id)
    return result


def _assessable_enrollment(enrollment: Enrollment, field: str = "enrollment") -> FieldError | None:
    if enrollment.status == Enrollment.Status.WITHDRAWN:
        return FieldError(field, _("%(name)s已退出本班，不能录入成绩") % {"name": enrollment.person.name})
    return None


@transaction.atomic
def record_result(
    *,
    actor: Actor,
    enrollment: Enrollment,
    theory_score: Decimal | str | int | float | None,
    practical_score: Decimal | str | int | float | None,
    passed: bool | None,
    assessed_on: dt.date | None,
) -> AssessmentResult:
    """Record or correct one trainee's completion result (结业考核; a level result is an evaluating body's). Needs ``training.record_assessment`` as staff of the
    class's provider; refused (nothing written) with field errors for bad values.
    """
    enrollment = Enrollment.objects.select_related("training_class", "person").get(pk=enrollment.pk)
    training_class = enrollment.training_class
    require_class_staff(actor, training_class, "training.record_assessment")
    _check_class(training_class)
    data = ResultInput(enrollment.pk, theory_score, practical_score, passed, assessed_on)
    values, errors = _validate(training_class, data)
    if (problem := _assessable_enrollment(enrollment)) is not None:
        errors.insert(0, problem)
    if errors:
        raise DomainError(_("结业考核结果有误"), code="invalid_result", errors=tuple(errors))
    lock_class_results(training_class.pk)
    return _save(actor, enrollment, values)


@transaction.atomic
def record_results(
    *, actor: Actor, training_class: TrainingClass, rows: Iterable[ResultInput]
) -> list[AssessmentResult]:
    """Record the results of many trainees of one class at once, all or nothing.

    Field errors are named ``results[<enrollment id>].<field>``. Needs ``training.record_assessment``.
    """
    training_class = TrainingClass.objects.get(pk=training_class.pk)
    require_class_staff(actor, training_class, "training.record_assessment")
    _check_class(training_class)
    items: Sequence[ResultInput] = list(rows)
    enrollments = {
        e.pk: e
        for e in Enrollment.objects.select_related("person").filter(
            training_class=training_class, pk__in=[r.enrollment_id for r in items]
        )
    }
    errors: list[FieldError] = []
    cleaned: list[tuple[Enrollment, dict[str, Any]]] = []
    seen: set[int] = set()
    for row in items:
        prefix = f"results[{row.enrollment_id}]."
        enrollment = enrollments.get(row.enrollment_id)
        if enrollment is None:
            errors.append(
                FieldError(
                    f"{prefix}enrollment", _("编号为%(id)s的报名不属于本班") % {"id": row.enrollment_id}
                )
            )
            continue
        if row.enrollment_id in seen:
            errors.append(
                FieldError(f"{prefix}enrollment", _("%(name)s重复出现") % {"name": enrollment.person.name})
            )
            continue
        seen.add(row.enrollment_id)
        values, row_errors = _validate(training_class, row, prefix)
        if (problem := _assessable_enrollment(enrollment, f"{prefix}enrollment")) is not None:
            row_errors.insert(0, problem)
        errors.extend(
            FieldError(
                e.field, _("%(name)s：%(problem)s") % {"name": enrollment.person.name, "problem": e.message}
            )
            for e in row_errors
        )
        cleaned.append((enrollment, values))
    if errors:
        raise DomainError(
            _("结业考核结果有误，本次未保存任何结果"),
            code="invalid_result",
            errors=tuple(errors),
        )
    lock_class_results(training_class.pk)
    return _save_many(actor, training_class, cleaned)


def _save_many(
    actor: Actor, training_class: TrainingClass, cleaned: list[tuple[Enrollment, dict[str, Any]]]
) -> list[AssessmentResult]:
    """Write a class's results set-based: new ones in bulk, corrections in bulk, one audit event for the sheet
    with every result's before and after (as the attendance sheet is audited)."""
    existing = {
        r.enrollment_id: r
        for r in AssessmentResult.objects.select_for_update().filter(
            enrollment_id__in=[enrollment.pk for enrollment, _ in cleaned]
        )
    }
    saved: list[AssessmentResult] = []
    new: list[AssessmentResult] = []
    corrected: list[AssessmentResult] = []
    changes: dict[str, dict[str, Any]] = {}
    for enrollment, values in cleaned:
        result = existing.get(enrollment.pk)
        if result is None:
            result = AssessmentResult(enrollment=enrollment, recorded_by=user_of(actor), **values)
            before = None
            new.append(result)
        else:
            before = snapshot(result, RESULT_FIELDS)
            for name, value in values.items():
                setattr(result, name, value)
            result.recorded_by = user_of(actor)
        after = snapshot(result, RESULT_FIELDS)
        if before != after:
            changes[str(enrollment.pk)] = {"before": before, "after": after}
            if result.pk is not None:
                corrected.append(result)
        saved.append(result)
    AssessmentResult.objects.bulk_create(new, batch_size=500)
    AssessmentResult.objects.bulk_update(corrected, [*RESULT_FIELDS, "recorded_by"], batch_size=500)
    if changes:
        record_event(
            actor=actor,
            action="training.assessment.results_recorded",
            obj=training_class,
            after={"results": changes, "recorded": len(new), "corrected": len(corrected)},
        )
        recount_results(training_class.pk)
    return saved
