"""Enrolling real-name trainees into classes (SPEC C4, R9, R11) and withdrawing them.

Every service: keyword-only arguments, an explicit ``actor``, atomic, audited. Only staff of the class's
provider holding the permission may write; district clerks read. A refusal writes nothing.

:func:`enroll_person` is the one use case "enroll a person": register the person (or update the registered one),
record their groups with evidence, then :func:`enroll`. The screen and the API both call it.

Checks at enrollment, in order: the class is open (approved or running, not past its end date); its provider is
listed and not blacklisted over the rest of the class (SPEC R10); the person is not already in it; eligibility
(SPEC "16 or over, not drawing a pension" plus the program's rule, answered with the reasons); no active
enrollment in another class whose sessions overlap this one's; the program's yearly quota; a free place (a
race-safe conditional UPDATE, so capacity holds under concurrency).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.core.actors import Actor
from lijiao.core.decisions import store_decision
from lijiao.core.errors import Conflict, DomainError, FieldError, PermissionDenied
from lijiao.core.rules import Decision
from lijiao.people import services as people
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
from lijiao.training.services.actors import user_of

__all__ = [
    "ENROLLABLE_STATUSES",
    "ENROLLMENT_FIELDS",
    "GroupInput",
    "PersonInput",
    "check_class_open",
    "check_eligibility",
    "check_quota",
    "eligibility_refusal",
    "enroll",
    "enroll_person",
    "facts_for",
    "is_class_staff",
    "register_with_groups",
    "require_class_staff",
    "withdraw",
]

ENROLLABLE_STATUSES = frozenset({ClassStatus.APPROVED, ClassStatus.RUNNING})
WITHDRAWABLE_STATUSES = frozenset({ClassStatus.APPROVED, ClassStatus.RUNNING})
ENROLLMENT_FIELDS = ("training_class", "person", "status", "eligibility_decision")
MAX_REASON_LENGTH = 500


@dataclass(frozen=True, slots=True)
class GroupInput:
    """A group a person belongs to, with the evidence the clerk saw (see :func:`lijiao.people.services.record_group`)."""

    group: str
    graduation_year: int | None = None
    registration_number: str = ""
    insured_months: int | None = None
    employer_name: str = ""
    note: str = ""
    as_of: dt.date | None = None  # the date the evidence speaks for (default: today)
    source: str = ""  # PersonGroup.Source (default: the person's declaration)


@dataclass(frozen=True, slots=True)
class PersonInput:
    """A real-name person as the enroll form and the API give them: identity, contact, groups with evidence."""

    citizen_id: str
    name: str
    phone: str = ""
    household: str = ""
    education: str = ""
    employer_name: str = ""
    position: str = ""  # Person.Position: a woman's original retirement age
    groups: Sequence[GroupInput] = field(default_factory=tuple)


def is_class_staff(actor: Actor | None, training_class: TrainingClass, perm: str) -> bool:
    """Whether ``actor`` holds ``perm`` and works for the class's provider (superusers do everything)."""
    if actor is None or not (actor.is_authenticated and actor.has_perm(perm)):
        return False
    return bool(actor.is_superuser or getattr(actor, "provider_id", None) == training_class.provider_id)


def require_class_staff(actor: Actor | None, training_class: TrainingClass, perm: str) -> None:
    """The actor holds ``perm`` and works for the class's provider (superusers pass); else PermissionDenied."""
    if actor is None or not (actor.is_authenticated and actor.has_perm(perm)):
        raise PermissionDenied()
    if not is_class_staff(actor, training_class, perm):
        raise PermissionDenied(_("只有本班培训机构的工作人员可以办理"))


def facts_for(
    person: Person,
    on: dt.date,
    *,
    employed: bool | None = None,
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
        position=person.position,
        employed=employed,
        labour_contract_months=labour_contract_months,
    )


def check_eligibility(
    training_class: TrainingClass,
    person: Person,
    *,
    employed: bool | None = None,
    labour_contract_months: int | None = None,
) -> Decision:
    """The eligibility decision for ``person`` in ``training_class`` (facts taken on the class's start date)."""
    program: Program | None = training_class.program
    facts = facts_for(
        person,
        training_class.start_date,
        employed=employed,
        labour_contract_months=labour_contract_months,
    )
    return evaluate_eligibility(program, facts)


def check_class_open(training_class: TrainingClass) -> None:
    """Conflict ``class_not_open`` unless the class takes enrollments now (approved or running, not ended)."""
    if training_class.status not in ENROLLABLE_STATUSES:
        raise Conflict(
            _("培训班“%(code)s”%(status)s，不能报名")
            % {"code": training_class.code, "status": ClassStatus(training_class.status).label},
            code="class_not_open",
        )
    if timezone.localdate() > training_class.end_date:
        raise Conflict(
            _("培训班“%(code)s”已于%(date)s结束，不能报名")
            % {"code": training_class.code, "date": training_class.end_date.isoformat()},
            code="class_not_open",
        )


def _provider_listed(training_class: TrainingClass) -> None:
    """SPEC R10: a provider that is not listed, or blacklisted over the rest of the class, takes no trainees."""
    start = max(training_class.start_date, timezone.localdate())
    problems = listing_problems(training_class.provider, start=start, end=max(start, training_class.end_date))
    if problems:
        raise Conflict("；".join(problems), code="provider_not_listed")


def check_quota(training_class: TrainingClass, adding: int = 1) -> None:
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
            _("培训项目“%(program)s”本年度计划%(quota)s人次已满，已报名%(taken)s人次")
            % {"program": program.name, "quota": program.quota, "taken": taken},
            code="quota_reached",
        )


# The roster import (owned elsewhere) still imports the former private names.
_class_open = check_class_open
_check_quota = check_quota


def eligibility_refusal(decision: Decision) -> DomainError:
    """The error a failed eligibility decision is answered with: every reason as a field error."""
    return DomainError(
        _("不符合参训条件：%(reasons)s") % {"reasons": "；".join(decision.reasons)},
        code="not_eligible",
        errors=tuple(FieldError("person", reason) for reason in decision.reasons),
    )


def _already_enrolled(person: Person) -> Conflict:
    return Conflict(_("%(name)s已在本班报名") % {"name": person.name}, code="already_enrolled")


@transaction.atomic
def enroll(
    *,
    actor: Actor,
    training_class: TrainingClass,
    person: Person,
    employed: bool | None = None,
    labour_contract_months: int | None = None,
) -> Enrollment:
    """Enroll a registered ``person`` in ``training_class`` after every check (see the module docstring).

    The eligibility decision (rule, facts, reasons, trace) is stored once as a shared
    :class:`lijiao.core.models.DecisionRecord` the enrollment points at. A person who withdrew
    earlier is enrolled again on the same row (checks run again). ``employed`` and
    ``labour_contract_months`` are facts the clerk declares when the data does not hold them.
    Needs ``training.add_enrollment`` as staff of the class's provider.
    """
    require_class_staff(actor, training_class, "training.add_enrollment")
    training_class = TrainingClass.objects.select_related("program", "provider").get(pk=training_class.pk)
    check_class_open(training_class)
    _provider_listed(training_class)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # serialise one person's enrollments
    existing = Enrollment.objects.filter(training_class=training_class, person=person).first()
    if existing is not None and existing.status != Enrollment.Status.WITHDRAWN:
        raise _already_enrolled(person)
    decision = check_eligibility(
        training_class,
        person,
        employed=employed,
        labour_contract_months=labour_contract_months,
    )
    if not decision.passed:
        raise eligibility_refusal(decision)
    overlap = overlapping_people(training_class, [person.pk]).get(person.pk)
    if overlap:
        raise Conflict(f"{person.name}{overlap}", code="overlapping_class")
    check_quota(training_class)
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
        existing.enrolled_by = user_of(actor)
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
                    enrolled_by=user_of(actor),
                    eligibility_decision_id=decision_id,
                )
        except IntegrityError:
            raise _already_enrolled(person) from None
        action = "training.enrollment.created"
    record_event(
        actor=actor,
        action=action,
        obj=enrollment,
        before=before,
        after={**snapshot(enrollment, ENROLLMENT_FIELDS), "eligibility_passed": True},
    )
    return enrollment


@transaction.atomic
def register_with_groups(*, actor: Actor, person: PersonInput) -> Person:
    """Register ``person`` (or update the registered one with the same ID number) and record their groups.

    All or nothing: a group with missing or implausible evidence refuses the whole registration, with field errors
    named ``groups[<index>].<field>``. The returned person carries ``id_warnings`` (see
    :func:`lijiao.people.services.register_person`). Needs ``people.add_person`` (and ``people.change_person``).
    """
    registered = people.register_person(
        actor=actor,
        citizen_id=person.citizen_id,
        name=person.name,
        phone=person.phone,
        household=person.household,
        education=person.education,
        employer_name=person.employer_name,
        position=person.position,
    )
    errors: list[FieldError] = []
    for index, group in enumerate(person.groups):
        try:
            people.record_group(
                actor=actor,
                person=registered,
                group=group.group,
                graduation_year=group.graduation_year,
                registration_number=group.registration_number,
                insured_months=group.insured_months,
                employer_name=group.employer_name,
                note=group.note,
                as_of=group.as_of,
                source=group.source,
            )
        except PermissionDenied:
            raise
        except DomainError as exc:
            errors.extend(FieldError(f"groups[{index}].{e.field}", e.message) for e in exc.errors)
    if errors:
        raise DomainError(_("人员类别信息有误"), code="invalid_group", errors=tuple(errors))
    return registered


@transaction.atomic
def enroll_person(
    *,
    actor: Actor,
    training_class: TrainingClass,
    person: PersonInput,
    employed: bool | None = None,
    labour_contract_months: int | None = None,
) -> Enrollment:
    """Register (or update) a person with their groups and enroll them in ``training_class``: one use case.

    A refusal at any step (the person's data, a group's evidence, eligibility, the class full…) leaves no new
    person or group behind. ``enrollment.person`` carries the ID number's ``id_warnings``. Needs
    ``training.add_enrollment`` as staff of the class's provider, and ``people.add_person``.
    """
    require_class_staff(actor, training_class, "training.add_enrollment")
    registered = register_with_groups(actor=actor, person=person)
    enrollment = enroll(
        actor=actor,
        training_class=training_class,
        person=registered,
        employed=employed,
        labour_contract_months=labour_contract_months,
    )
    enrollment.person = registered  # the registered object carries the ID number's warnings
    return enrollment


@transaction.atomic
def withdraw(*, actor: Actor, enrollment: Enrollment, reason: str) -> Enrollment:
    """Withdraw an active enrollment (with a reason) and give its place back.

    Refused after the class has finished. Needs ``training.change_enrollment`` as staff of the class's provider.
    """
    enrollment = Enrollment.objects.select_for_update().select_related("training_class").get(pk=enrollment.pk)
    training_class = enrollment.training_class
    require_class_staff(actor, training_class, "training.change_enrollment")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.for_fields(_("请填写退出原因"), {"reason": _("请填写退出原因")})
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError.for_fields(
            _("原因过长"), {"reason": _("原因最多%(max)s字") % {"max": MAX_REASON_LENGTH}}
        )
    if enrollment.status != Enrollment.Status.ACTIVE:
        raise Conflict(
            _("该报名已%(status)s，不能退出") % {"status": Enrollment.Status(enrollment.status).label},
            code="not_active",
        )
    if training_class.status not in WITHDRAWABLE_STATUSES:
        raise Conflict(
            _("培训班已%(status)s，不能再退出") % {"status": ClassStatus(training_class.status).label},
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
