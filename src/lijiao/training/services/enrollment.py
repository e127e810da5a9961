"""Enrolling real-name trainees into classes (SPEC C4, R9, R11) and withdrawing them.

Every service: keyword-only arguments, an explicit ``actor``, atomic, audited. Only staff of the class's
provider holding the permission may write; district clerks read. A refusal writes nothing.

Checks at enrollment, in order: the class is open (approved or running, not past its end date); its provider is
listed and not blacklisted over the rest of the class (SPEC R10); the person is not already in it; eligibility (SPEC "16 or over, not drawing a pension" plus the program's rule, answered with
the reasons); no active enrollment in another class whose sessions overlap this one's; the program's yearly
quota; a free place (a race-safe conditional UPDATE, so capacity holds under concurrency).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lijiao.audit.services import record_event, snapshot
from lijiao.core.decisions import store_decision
from lijiao.core.errors import Conflict, DomainError, FieldError, PermissionDenied
from lijiao.core.rules import Decision
from lijiao.people.models import Person
from lijiao.providers.selectors import listing_problems
from lijiao.training.checks import (
    evaluate_eligibility,
    group_evidence_by_person,
    overlapping_people,
    person_facts,
    release_seats,
    reserve_seats,
)
from lijiao.training.models import ClassStatus, Enrollment, Program, TrainingClass

__all__ = [
    "ENROLLABLE_STATUSES",
    "ENROLLMENT_FIELDS",
    "check_eligibility",
    "enroll",
    "facts_for",
    "require_class_staff",
    "withdraw",
]

ENROLLABLE_STATUSES = frozenset({ClassStatus.APPROVED, ClassStatus.RUNNING})
ENROLLMENT_FIELDS = ("training_class", "person", "status", "eligibility_decision")


def require_class_staff(actor: Any, training_class: TrainingClass, perm: str) -> None:
    """The actor holds ``perm`` and works for the class's provider (superusers pass); else PermissionDenied."""
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm(perm)):
        raise PermissionDenied()
    if actor.is_superuser:
        return
    if getattr(actor, "provider_id", None) != training_class.provider_id:
        raise PermissionDenied("只有本班培训机构的工作人员可以操作（only the class's provider may do this）")


def facts_for(
    person: Person,
    on: Any,
    *,
    employed: bool | None = None,
    draws_pension: bool = False,
    labour_contract_months: int | None = None,
) -> dict[str, Any]:
    """Eligibility facts of one registered person on a date (one query for the groups)."""
    groups = group_evidence_by_person([person.pk])[person.pk]
    return person_facts(
        birth_date=person.birth_date,
        gender=person.gender,
        groups=groups,
        on=on,
        household=person.household,
        education=person.education,
        employer_name=person.employer_name,
        employed=employed,
        draws_pension=draws_pension,
        labour_contract_months=labour_contract_months,
    )


def check_eligibility(
    training_class: TrainingClass,
    person: Person,
    *,
    employed: bool | None = None,
    draws_pension: bool = False,
    labour_contract_months: int | None = None,
) -> Decision:
    """The eligibility decision for ``person`` in ``training_class`` (facts taken on the class's start date)."""
    program: Program | None = training_class.program
    facts = facts_for(
        person,
        training_class.start_date,
        employed=employed,
        draws_pension=draws_pension,
        labour_contract_months=labour_contract_months,
    )
    return evaluate_eligibility(program, facts)


def _class_open(training_class: TrainingClass) -> None:
    if training_class.status not in ENROLLABLE_STATUSES:
        raise Conflict(
            f"培训班“{training_class.code}”{ClassStatus(training_class.status).label}，不能报名"
            f"（only approved or running classes take enrollments）",
            code="class_not_open",
        )
    if timezone.localdate() > training_class.end_date:
        raise Conflict(
            f"培训班“{training_class.code}”已于 {training_class.end_date} 结束，不能报名"
            f"（the class ended on {training_class.end_date}）",
            code="class_not_open",
        )


def _provider_listed(training_class: TrainingClass) -> None:
    """SPEC R10: a provider that is not listed, or blacklisted over the rest of the class, takes no trainees."""
    start = max(training_class.start_date, timezone.localdate())
    problems = listing_problems(training_class.provider, start=start, end=max(start, training_class.end_date))
    if problems:
        raise Conflict("；".join(problems), code="provider_not_listed")


def _check_quota(training_class: TrainingClass, adding: int = 1) -> None:
    """The program's yearly quota (person-times: enrollments not withdrawn in its classes starting that year)."""
    program = training_class.program
    if program is None or not program.quota:
        return
    Program.objects.select_for_update().filter(pk=program.pk).first()  # serialise quota checks per program
    taken = (
        Enrollment.objects.filter(
            training_class__program_id=program.pk,
            training_class__start_date__year=training_class.start_date.year,
        )
        .exclude(status=Enrollment.Status.WITHDRAWN)
        .count()
    )
    if taken + adding > program.quota:
        raise Conflict(
            f"培训项目“{program.name}”本年度计划 {program.quota} 人次已满（已报名 {taken} 人次）"
            f"（the program's yearly quota of {program.quota} is used up: {taken} taken）",
            code="quota_reached",
        )


def eligibility_refusal(decision: Decision) -> DomainError:
    """The error a failed eligibility decision is answered with: every reason as a field error."""
    reasons = "；".join(decision.reasons)
    return DomainError(
        f"不符合参训条件：{reasons}（not eligible for this class）",
        code="not_eligible",
        errors=tuple(FieldError("person", reason) for reason in decision.reasons),
    )


@transaction.atomic
def enroll(
    *,
    actor: Any,
    training_class: TrainingClass,
    person: Person,
    employed: bool | None = None,
    draws_pension: bool = False,
    labour_contract_months: int | None = None,
) -> Enrollment:
    """Enroll ``person`` in ``training_class`` after every check (see the module docstring).

    The eligibility decision (rule, facts, reasons, trace) is stored once as a shared
    :class:`lijiao.core.models.DecisionRecord` the enrollment points at. A person who withdrew
    earlier is enrolled again on the same row (checks run again). ``employed``, ``draws_pension`` and
    ``labour_contract_months`` are facts the clerk declares when the data does not hold them.
    Needs ``training.add_enrollment`` as staff of the class's provider.
    """
    require_class_staff(actor, training_class, "training.add_enrollment")
    training_class = TrainingClass.objects.select_related("program", "provider").get(pk=training_class.pk)
    _class_open(training_class)
    _provider_listed(training_class)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # serialise one person's enrollments
    existing = Enrollment.objects.filter(training_class=training_class, person=person).first()
    if existing is not None and existing.status != Enrollment.Status.WITHDRAWN:
        raise Conflict(
            f"{person.name}已在本班报名（already enrolled in this class）", code="already_enrolled"
        )
    decision = check_eligibility(
        training_class,
        person,
        employed=employed,
        draws_pension=draws_pension,
        labour_contract_months=labour_contract_months,
    )
    if not decision.passed:
        raise eligibility_refusal(decision)
    overlap = overlapping_people(training_class, [person.pk]).get(person.pk)
    if overlap:
        raise Conflict(f"{person.name}{overlap}", code="overlapping_class")
    _check_quota(training_class)
    reserve_seats(training_class, 1)
    decision_id = store_decision(
        {
            **decision.as_dict(),
            "on": training_class.start_date.isoformat(),
            "program": training_class.program.code if training_class.program else None,
        }
    )
    if existing is not None:
        before = snapshot(existing, ENROLLMENT_FIELDS)
        existing.status = Enrollment.Status.ACTIVE
        existing.eligibility_decision_id = decision_id
        existing.enrolled_by = actor
        existing.save(update_fields=["status", "eligibility_decision", "enrolled_by"])
        enrollment = existing
        action = "training.enrollment.reenrolled"
    else:
        before = None
        try:
            with transaction.atomic():
                enrollment = Enrollment.objects.create(
                    training_class=training_class,
                    person=person,
                    enrolled_by=actor,
                    eligibility_decision_id=decision_id,
                )
        except IntegrityError:
            raise Conflict(
                f"{person.name}已在本班报名（already enrolled in this class）", code="already_enrolled"
            ) from None
        action = "training.enrollment.created"
    record_event(
        actor=actor,
        action=action,
        obj=enrollment,
        before=before,
        after={**snapshot(enrollment, ENROLLMENT_FIELDS), "eligibility_passed": True},
    )
    return enrollment


WITHDRAWABLE_STATUSES = frozenset({ClassStatus.APPROVED, ClassStatus.RUNNING})


@transaction.atomic
def withdraw(*, actor: Any, enrollment: Enrollment, reason: str) -> Enrollment:
    """Withdraw an active enrollment (with a reason) and give its place back.

    Refused after the class has finished. Needs ``training.change_enrollment`` as staff of the class's provider.
    """
    enrollment = Enrollment.objects.select_for_update().select_related("training_class").get(pk=enrollment.pk)
    training_class = enrollment.training_class
    require_class_staff(actor, training_class, "training.change_enrollment")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.for_fields(
            "请填写退出原因（reason required）", {"reason": "请填写退出原因（reason required）"}
        )
    if len(reason) > 500:
        raise DomainError.for_fields(
            "原因过长（reason too long）", {"reason": "原因最多500字（reason too long）"}
        )
    if enrollment.status != Enrollment.Status.ACTIVE:
        raise Conflict(
            f"该报名已{Enrollment.Status(enrollment.status).label}，不能退出（only active enrollments can withdraw）",
            code="not_active",
        )
    if training_class.status not in WITHDRAWABLE_STATUSES:
        raise Conflict(
            f"培训班已{ClassStatus(training_class.status).label}，不能再退出（the class is no longer open）",
            code="class_not_open",
        )
    before = snapshot(enrollment, ENROLLMENT_FIELDS)
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.save(update_fields=["status"])
    release_seats(training_class, 1)
    record_event(
        actor=actor,
        action="training.enrollment.withdrawn",
        obj=enrollment,
        before=before,
        after=snapshot(enrollment, ENROLLMENT_FIELDS),
        reason=reason,
    )
    return enrollment


# the same checks for the roster import (lijiao.training.roster_import), which runs them for a whole file
check_class_open = _class_open
check_quota = _check_quota
