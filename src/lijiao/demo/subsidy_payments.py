"""Demo claims past the review (issue 12 item 14): 公示, 待发放, 已发放, 已归档, 已追回 — through the real services.

Other demo providers' staff file claims for their latest finished class that has certificates; the first reviewer
of the area (else the city administrator) approves them; the second review puts them on 公示 — one notice that
ended weeks ago (its claims approved after it, the registers checked again), one running now (an open objection
from the person, a public objection dismissed). Finance sets the 社会保障卡 accounts, creates a payment batch,
exports the bank file and marks it paid with the bank's reference, archives one paid claim and claws another
back with a partial recovery.

The demo worker 何军 earns two more certificates (results recorded and issued by the evaluating body) and files
技能提升补贴 for each himself: one is paid (in the batch), the other is on the running notice. The registers
(:mod:`.subsidy_fraud`) are imported before anything here is submitted, so the register match and R6's insured
months judge these claims as they would in production.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.certificates.models import Certificate, EvaluatorMembership
from lijiao.certificates.services import issuance, results
from lijiao.core.errors import DomainError
from lijiao.demo.clock import DemoClock
from lijiao.demo.subsidy_fraud import WORKER_CITIZEN_ID, PlantedPeople, load_subsidy_registers
from lijiao.people.models import Person
from lijiao.subsidies.models import Claim, ClaimStatus, Objection, PaymentBatch, SchemeKind
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import clawback, payment, publicity, review
from lijiao.training.models import ClassStatus, Enrollment, TrainingClass

__all__ = ["load_subsidy_payments"]

PROVIDER_LOGINS = ("xinghai", "binhai", "shuzhi", "huizhi")
FINISHED = (ClassStatus.FINISHED, ClassStatus.ASSESSED, ClassStatus.CLOSED)
BANK = "中国工商银行大连分行"


def _reviewer(role: str, area_id: int) -> User:
    user = (
        User.objects.filter(groups__name=role, handling_area_id=area_id, is_active=True)
        .order_by("pk")
        .first()
        or User.objects.filter(groups__name="city_admin", is_active=True).order_by("pk").first()
    )
    if user is None:
        raise RuntimeError("demo: no reviewer")
    return user


def _class_of(provider_user: User) -> TrainingClass | None:
    """The provider's latest finished class with certificates and no claim yet."""
    return (
        TrainingClass.objects.filter(provider_id=int(provider_user.provider_id or 0), status__in=FINISHED)
        .filter(enrollments__certificates__isnull=False)
        .exclude(pk__in=Claim.objects.exclude(training_class=None).values("training_class_id"))
        .distinct()
        .order_by("-end_date", "-pk")
        .first()
    )


def _certified(tc: TrainingClass) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(training_class=tc, certificates__status=Certificate.Status.VALID)
        .select_related("person")
        .distinct()
        .order_by("-pk")
    )


def _worker_certificates(evaluator: User) -> list[Certificate]:
    """Two more certificates for 何军 (the worker login): results recorded by the city body, then issued."""
    membership = EvaluatorMembership.objects.filter(user=evaluator).select_related("body").first()
    if membership is None:
        return []
    body = membership.body
    accreditations = [a for a in body.accreditations.order_by("id") if a.occupation_id and a.levels]
    site = body.sites.order_by("id").first()
    today = timezone.localdate()
    recorded = []
    for n, accreditation in enumerate(accreditations[2:4]):
        subject = results.Subject(
            site,
            today - dt.timedelta(days=75 - 15 * n),
            occupation=accreditation.occupation,
            work_type=accreditation.work_type,
            level=max(accreditation.levels),
        )
        row = results.ResultInput(
            citizen_id=WORKER_CITIZEN_ID,
            name="何军",
            theory_score=Decimal("81"),
            practical_score=Decimal("88"),
        )
        recorded += results.record_results(
            actor=evaluator, body=body, subject=subject, rows=[row], source="demo"
        )
    return issuance.issue_for_assessments(
        actor=evaluator, assessments=recorded, issued_on=today - dt.timedelta(days=45)
    )


def _submit(claim: Claim, filer: User, counts: Counter[str]) -> bool:
    try:
        with transaction.atomic():
            review.submit_claim(claim=claim, actor=filer)
    except DomainError:
        counts["claims_not_submitted"] += 1
        return False
    claim.refresh_from_db()
    return True


def _first_approve(claims: list[Claim]) -> list[Claim]:
    approved = []
    for claim in claims:
        try:
            with transaction.atomic():
                review.first_approve_claim(
                    claim=claim, actor=_reviewer("first_reviewer", claim.handling_area_id)
                )
            approved.append(claim)
        except DomainError:
            pass
    return approved


def _publish(claims: list[Claim], starts_on: dt.date) -> None:
    by_area: dict[int, list[Claim]] = {}
    for claim in claims:
        by_area.setdefault(claim.handling_area_id, []).append(claim)
    for area_id, group in sorted(by_area.items()):
        review.second_approve_claims(
            claims=group, actor=_reviewer("second_reviewer", area_id), starts_on=starts_on
        )


def _last_workday(day: dt.date) -> dt.date:
    from lijiao.core.calendar import get_calendar

    calendar = get_calendar()
    while not calendar.is_workday(day):
        day -= dt.timedelta(days=1)
    return day


def _publicize(ended: list[Claim], running: list[Claim], today: dt.date, counts: Counter[str]) -> None:
    """公示: a notice that ended four weeks ago (its claims approved after it), one running from today with an
    open objection from the person and a public objection dismissed."""
    _publish(ended, today - dt.timedelta(days=28))
    _publish(running, _last_workday(today))  # running today even on a weekend
    for area_id in sorted({c.handling_area_id for c in ended}):
        bulk = publicity.approve_ended_publicities(actor=_reviewer("second_reviewer", area_id))
        counts["claims_approved"] += len(bulk.approved)
    person_claim, public_claim = running[0], running[1]
    publicity.raise_objection(
        claim=person_claim,
        source=Objection.Source.PERSON,
        actor=_reviewer("second_reviewer", person_claim.handling_area_id),
        text="本人反映：补贴金额与培训机构告知的不一致，请核实培训等级。",
        contact="电话联系本人",
    )
    public = publicity.raise_objection(
        claim=public_claim,
        source=Objection.Source.PUBLIC,
        text="该学员培训期间似乎一直在外地工作，是否本人参加培训？",
        contact="匿名",
    )
    publicity.resolve_objection(
        objection=public,
        upheld=False,
        resolution="经核对签到记录、现场照片和结业考核记录，该学员本人参加了培训，异议不成立。",
        actor=_reviewer("second_reviewer", public_claim.handling_area_id),
    )


def _pay(
    ended: list[Claim], *, finance: User, worker_user: User, today: dt.date, counts: Counter[str]
) -> None:
    """发放: accounts, a batch exported and paid, one paid claim archived, one clawed back (partly recovered)."""
    approved = list(
        Claim.objects.filter(pk__in=[c.pk for c in ended], status=ClaimStatus.APPROVED, payment_hold=False)
        .select_related("person")
        .order_by("pk")
    )
    to_pay = [c for c in approved if c.person.citizen_id == WORKER_CITIZEN_ID]
    to_pay += [c for c in approved if c not in to_pay][:5]
    for claim in approved:
        person: Person = claim.person
        if person.citizen_id == WORKER_CITIZEN_ID:
            payment.set_payee_account(
                actor=worker_user,
                person=person,
                bank_name="中国建设银行大连分行",
                account_number="6217000210009876543",
            )
        else:
            payment.set_payee_account(
                actor=finance, person=person, bank_name=BANK, account_number=f"62220234{person.pk:011d}"
            )
    batch = payment.create_payment_batch(actor=finance, claims=to_pay).batch
    if batch is None:
        return
    payment.export_bank_file(batch=batch, actor=finance, fmt="xlsx")
    payment.mark_batch_paid(batch=batch, actor=finance, bank_reference=f"ICBC-DL-{today:%Y%m%d}-0017")
    paid = list(
        Claim.objects.filter(payment_line__batch=batch)
        .exclude(person__citizen_id_digest=worker_user.citizen_id_digest)
        .order_by("pk")
    )
    counts["claims_paid"] = batch.line_count
    if len(paid) >= 2:
        review.archive_claim(claim=paid[0], actor=finance)
        back = clawback.claw_back(
            claim=paid[1],
            actor=finance,
            reason="经核查，该学员培训期间同时在外地务工，签到系他人代签，补贴予以追回。",
            amount=paid[1].amount or Decimal(0),
        )
        clawback.record_recovery(clawback=back, actor=finance, amount=((paid[1].amount or Decimal(0)) / 2))


def _plant(
    work: list[tuple[User, TrainingClass, list[Enrollment]]],
) -> tuple[PlantedPeople, list[tuple[User, Enrollment]]]:
    """The trainees the registers will name, and the two the providers file 技能提升补贴 for instead."""
    planted = PlantedPeople()
    spare: list[tuple[User, Enrollment]] = []
    for n, (filer, tc, enrollments) in enumerate(work):
        if len(enrollments) < 6:
            continue
        slot = ("pension", "student", "payroll", "unemployed")[n % 4]
        setattr(planted, slot, (enrollments[0].person, tc))
        if n == 0:
            planted.few_months = enrollments[1].person
            spare.append((filer, enrollments[1]))
        if n == 1:
            planted.well_insured.append(enrollments[1].person)
            spare.append((filer, enrollments[1]))
    return planted, spare


def load_subsidy_payments(*, users: dict[str, User], clock: DemoClock) -> dict[str, int]:
    """Registers first (:mod:`.subsidy_fraud`), then claims in every state after the review; returns counts."""
    clock.now()
    today = timezone.localdate()
    counts: Counter[str] = Counter()
    finance = users.get("finance") or User.objects.get(username="finance")
    evaluator = users.get("evaluator") or User.objects.get(username="evaluator")
    worker_user = users.get("worker") or User.objects.get(username="worker")

    # the classes claimed for, and the trainees the registers will name
    work: list[tuple[User, TrainingClass, list[Enrollment]]] = []
    for login in PROVIDER_LOGINS:
        filer = User.objects.filter(username=login).first()
        tc = _class_of(filer) if filer is not None and filer.provider_id else None
        if filer is not None and tc is not None:
            work.append((filer, tc, _certified(tc)))
    planted, spare = _plant(work)
    counts.update(load_subsidy_registers(users=users, clock=clock, planted=planted))

    # 技能提升补贴 filed by the providers for two trainees (R6: one insured long enough, one not)
    skill: list[Claim] = []
    for filer, enrollment in spare:
        try:
            with transaction.atomic():
                claim = filing.file_for_trainee(
                    actor=filer, enrollment=enrollment, kind=SchemeKind.SKILL_UPGRADE
                )
        except DomainError:
            continue
        if _submit(claim, filer, counts):
            skill.append(claim)

    passing: list[Claim] = [c for c in skill if c.decision_passed and not c.payment_hold]
    for filer, tc, _enrollments in work:
        created = filing.file_for_class(actor=filer, training_class=tc).created
        counts["claims_filed"] += len(created)
        for claim in created:
            if _submit(claim, filer, counts) and claim.decision_passed and not claim.payment_hold:
                passing.append(claim)

    # the worker's own 技能提升补贴
    worker_claims: list[Claim] = []
    for certificate in _worker_certificates(evaluator):
        claim = filing.file_own_claim(
            actor=worker_user, kind=SchemeKind.SKILL_UPGRADE, certificate=certificate
        )
        if _submit(claim, worker_user, counts) and claim.decision_passed:
            worker_claims.append(claim)

    passing = _first_approve(passing[:14])  # the rest wait in the first reviewers' queues
    worker_claims = _first_approve(worker_claims)
    if len(passing) < 12:
        counts["payment_demo_skipped"] = 1
        return dict(counts)
    ended, running = passing[:8] + worker_claims[:1], passing[8:12] + worker_claims[1:2]

    _publicize(ended, running, today, counts)
    _pay(ended, finance=finance, worker_user=worker_user, today=today, counts=counts)
    counts["payment_batches"] = PaymentBatch.objects.count()
    return dict(counts)
