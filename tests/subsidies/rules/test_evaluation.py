# ruff: noqa: F811
"""evaluate_claim on a real database: facts gathered, version and hash stored, history kept, overrides, and a
fixed number of queries whatever the history size (≤ 20 ms)."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lijiao.accounts.models import User
from lijiao.providers.models import BlacklistEntry
from lijiao.subsidies.models import (
    Claim,
    ClaimEvaluation,
    ClaimStatus,
    ContributionMonth,
    RegisterSnapshot,
    RuleOverride,
    SchemeVersion,
)
from lijiao.subsidies.selectors.facts import claim_facts
from lijiao.subsidies.services.evaluation import evaluate_claim
from tests.certificates.conftest import make_certificate
from tests.subsidies.rules.conftest import (  # noqa: F401
    city_admin,
    finished_class,
    make_claim,
    program,
    provider,
    provider_staff,
    scheme_admin,
    schemes,
    trainee_claim,
    training_ref,
)
from tests.training.conftest import today

pytestmark = pytest.mark.django_db


def test_a_clean_claim_is_decided_and_the_version_and_hash_are_stored(
    trainee_claim: Claim, schemes: dict[str, SchemeVersion], city_admin: User
) -> None:
    evaluation = evaluate_claim(claim=trainee_claim, actor=city_admin, reason="提交")
    assert evaluation.passed, [x for x in evaluation.lines if not x["passed"]]
    assert evaluation.amount == Decimal("1200.00")
    assert evaluation.scheme_version == schemes["training"]
    assert evaluation.version_hash == schemes["training"].content_hash
    assert [x["rule"] for x in evaluation.lines] == ["AGE", "R1", "R2", "R3", "R4", "R9", "R10", "R5"]
    assert evaluation.facts["attendance"] == {"lesson_hours_attended": 36, "lesson_hours_planned": 40}
    trainee_claim.refresh_from_db()
    assert trainee_claim.amount == Decimal("1200.00")
    assert trainee_claim.decision_passed is True
    assert trainee_claim.scheme_version == schemes["training"]


def test_re_evaluation_after_a_fact_changes_keeps_the_history(
    trainee_claim: Claim, city_admin: User, provider: Any
) -> None:
    first = evaluate_claim(claim=trainee_claim, actor=city_admin)
    klass = trainee_claim.training_class
    assert klass is not None
    BlacklistEntry.objects.create(
        provider=provider, reason="虚报学员", starts_on=klass.start_date, created_by=city_admin
    )
    second = evaluate_claim(claim=trainee_claim, actor=city_admin, reason="机构列入黑名单")
    assert not second.passed
    assert second.amount == 0
    r10 = next(x for x in second.lines if x["rule"] == "R10")
    assert "黑名单" in r10["explanation"]
    rows = list(ClaimEvaluation.objects.filter(claim=trainee_claim).order_by("id"))
    assert [(r.pk, r.current) for r in rows] == [(first.pk, False), (second.pk, True)]
    trainee_claim.refresh_from_db()
    assert trainee_claim.decision_passed is False and trainee_claim.amount == 0


def test_a_reviewer_override_counts_the_failed_rule_as_passed_with_the_reason(
    trainee_claim: Claim, city_admin: User
) -> None:
    Claim.objects.filter(pk=trainee_claim.pk).update(application_date=dt.date(today().year - 1, 12, 31))
    trainee_claim.refresh_from_db()
    RuleOverride.objects.create(
        claim=trainee_claim, rule="R1", reason="证书补发，原件已核验", created_by=city_admin
    )
    evaluation = evaluate_claim(claim=trainee_claim, actor=city_admin)
    r1 = next(x for x in evaluation.lines if x["rule"] == "R1")
    assert r1["passed"] and "证书补发" in r1["explanation"]


def test_history_facts_r2_r3_r4_r7(
    trainee_claim: Claim, training_ref: dict[str, Any], city_admin: User
) -> None:
    person = trainee_claim.person
    higher = make_certificate(
        person, occupation=training_ref["electrician"], level=3, issued_on=today() - dt.timedelta(days=400)
    )
    make_claim(person, kind="skill_upgrade", certificate=higher, status=ClaimStatus.PAID)
    make_claim(person, kind="training", status=ClaimStatus.PAID)
    make_claim(person, kind="training", status=ClaimStatus.REJECTED)  # not counted
    make_claim(person, kind="training", status=ClaimStatus.CLAWED_BACK)  # not counted
    facts = claim_facts(trainee_claim)
    history = facts["history"]
    assert history["subsidies"]["calendar_year"]["by_kind"] == {"skill_upgrade": 1, "training": 1} or (
        today().month == 1  # early January: last year's claims may fall outside the calendar year
    )
    assert history["subsidies"]["ever"]["total"] == 2
    assert history["subsidised_levels"] == [{"kind": "skill_upgrade", "level": 3}]
    assert history["certificate_claimed_elsewhere"] is False
    assert history["first_assessment"] is False  # the 三级 certificate was issued earlier
    evaluation = evaluate_claim(claim=trainee_claim, actor=city_admin)
    assert not next(x for x in evaluation.lines if x["rule"] == "R3")["passed"]


def test_r4_another_live_claim_on_the_certificate(trainee_claim: Claim) -> None:
    other = make_claim(trainee_claim.person, kind="skill_upgrade", status=ClaimStatus.DRAFT)
    Claim.objects.filter(pk=other.pk).update(certificate=trainee_claim.certificate)
    assert (
        claim_facts(trainee_claim)["history"]["certificate_claimed_elsewhere"] is False
    )  # a draft holds nothing
    Claim.objects.filter(pk=other.pk).update(status=ClaimStatus.DRAFT)
    Claim.objects.filter(pk=trainee_claim.pk).update(status=ClaimStatus.DRAFT)
    Claim.objects.filter(pk=other.pk).update(status=ClaimStatus.APPROVED)
    assert claim_facts(trainee_claim)["history"]["certificate_claimed_elsewhere"] is True


def _contributions(person: Any, months: int, *, until: dt.date, admin: User, kind: str = "") -> None:
    snapshot = RegisterSnapshot.objects.create(kind="insurance", as_of=until, imported_by=admin)
    first = dt.date(until.year, until.month, 1)
    rows = []
    for i in range(months):
        total = first.year * 12 + first.month - 1 - i
        rows.append(
            ContributionMonth(
                citizen_id_digest=person.citizen_id_digest,
                month=dt.date(total // 12, total % 12 + 1, 1),
                employer_kind=kind,
                snapshot=snapshot,
            )
        )
    ContributionMonth.objects.bulk_create(rows)


def test_r6_insured_months_counted_as_of_the_application_date_and_a_version_change(
    schemes: dict[str, SchemeVersion], training_ref: dict[str, Any], scheme_admin: User
) -> None:
    from lijiao.subsidies.services.schemes import create_draft_version, publish_version
    from tests.certificates.conftest import make_person

    person = make_person("赵六")
    application = today()
    certificate = make_certificate(
        person, occupation=training_ref["electrician"], level=4, issued_on=application
    )
    _contributions(person, 20, until=application, admin=scheme_admin)
    _contributions(person, 0, until=application, admin=scheme_admin)
    claim = make_claim(person, kind="skill_upgrade", certificate=certificate, application_date=application)
    assert claim_facts(claim)["history"]["insured_months"] == 20
    # v1 (until yesterday) asked for 36 months; v2 from today asks for 12
    v1 = schemes["skill_upgrade"]
    strict = create_draft_version(
        actor=scheme_admin,
        base=v1,
        effective_from=dt.date(2020, 1, 1),
        changes={"r6_min_insured_months": 36},
    )
    SchemeVersion.objects.filter(pk=v1.pk).update(status=SchemeVersion.Status.RETIRED)
    publish_version(actor=scheme_admin, version=strict)
    relaxed = create_draft_version(
        actor=scheme_admin, base=strict, effective_from=application, changes={"r6_min_insured_months": 12}
    )
    publish_version(actor=scheme_admin, version=relaxed)
    now = evaluate_claim(claim=claim, actor=scheme_admin)
    assert now.passed and now.scheme_version == relaxed and now.amount == Decimal("1500.00")
    Claim.objects.filter(pk=claim.pk).update(application_date=application - dt.timedelta(days=1))
    claim.refresh_from_db()
    certificate.issued_on = application - dt.timedelta(days=1)
    certificate.save(update_fields=["issued_on"])
    before = evaluate_claim(claim=claim, actor=scheme_admin)
    assert before.scheme_version == strict
    assert not before.passed
    r6 = next(x for x in before.lines if x["rule"] == "R6")
    assert "不足36个月" in r6["explanation"]
    assert before.version_hash != now.version_hash


def test_r6_a_public_institution_employer_in_the_contribution_register(
    schemes: dict[str, SchemeVersion], training_ref: dict[str, Any], scheme_admin: User
) -> None:
    from tests.certificates.conftest import make_person

    person = make_person("钱七")
    certificate = make_certificate(person, occupation=training_ref["electrician"], level=4, issued_on=today())
    _contributions(person, 24, until=today(), admin=scheme_admin, kind="事业单位")
    claim = make_claim(person, kind="skill_upgrade", certificate=certificate)
    evaluation = evaluate_claim(claim=claim, actor=scheme_admin)
    assert not evaluation.passed
    assert "事业单位" in next(x for x in evaluation.lines if x["rule"] == "R6")["explanation"]


def _history(person: Any, count: int) -> None:
    from lijiao.core.models import HandlingArea
    from lijiao.subsidies.models import Scheme

    scheme = Scheme.objects.get(kind="training")
    area = HandlingArea.objects.get(code="ZS")
    Claim.objects.bulk_create(
        Claim(
            number=f"HX{person.pk:04d}{i:06d}",
            scheme=scheme,
            kind="training",
            person=person,
            applicant="worker",
            applicant_name=person.name,
            handling_area=area,
            application_date=today() - dt.timedelta(days=i),
            status=ClaimStatus.PAID,
        )
        for i in range(count)
    )


def _measure(claim: Claim, admin: User) -> tuple[int, float, float]:
    """Queries, wall-clock seconds and CPU seconds of this process (SQLite runs in it) for one evaluation."""
    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        evaluate_claim(claim=claim, actor=admin)
        elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    return len(captured.captured_queries), elapsed, cpu_used


def test_one_claim_takes_a_fixed_number_of_queries_whatever_the_history(
    trainee_claim: Claim, city_admin: User, training_ref: dict[str, Any]
) -> None:
    evaluate_claim(claim=trainee_claim, actor=city_admin)  # warm caches (content types, permissions)
    _history(trainee_claim.person, 3)
    small_queries, *_ = _measure(trainee_claim, city_admin)
    history_size = 2000
    Claim.objects.filter(person=trainee_claim.person).exclude(pk=trainee_claim.pk).delete()
    _history(trainee_claim.person, history_size)
    for level in (5, 3):
        cert = make_certificate(trainee_claim.person, occupation=training_ref["electrician"], level=level)
        make_claim(trainee_claim.person, kind="training", certificate=cert, status=ClaimStatus.PAID)
    large_queries, *_ = _measure(trainee_claim, city_admin)
    runs = [_measure(trainee_claim, city_admin) for _ in range(9)]
    wall = sorted(r[1] for r in runs)
    cpu = sorted(r[2] for r in runs)
    print(  # noqa: T201 (the measured figures, for the report)
        f"\nevaluate_claim: {small_queries} queries with 3 earlier claims, {large_queries} with "
        f"{history_size + 2}; median of 9 runs {wall[4] * 1000:.1f} ms wall clock (fastest "
        f"{wall[0] * 1000:.1f}), {cpu[4] * 1000:.1f} ms CPU (facts, decision, evaluation row, claim update, audit)"
    )
    assert small_queries == large_queries
    assert small_queries <= 16  # 12 statements (4 reads, 5 writes, 3 for the audit chain) and 4 savepoints
    # CPU time of this process (SQLite runs in it): the 2 CPUs of the build machine are shared with other jobs,
    # so the wall clock depends on the neighbours
    assert cpu[4] <= 0.020


def test_the_set_based_facts_equal_the_one_by_one_facts_in_a_fixed_number_of_queries(
    trainee_claim: Claim, training_ref: dict[str, Any], scheme_admin: User
) -> None:
    from lijiao.subsidies.selectors.facts import claims_facts

    person = trainee_claim.person
    higher = make_certificate(
        person, occupation=training_ref["electrician"], level=3, issued_on=today() - dt.timedelta(days=400)
    )
    others = [
        make_claim(person, kind="skill_upgrade", certificate=higher, status=ClaimStatus.PAID),
        make_claim(
            person,
            kind="training",
            status=ClaimStatus.PAID,
            application_date=today() - dt.timedelta(days=300),
        ),
        make_claim(
            person,
            kind="living",
            status=ClaimStatus.APPROVED,
            application_date=dt.date(today().year - 1, 3, 1),
        ),
    ]
    _contributions(person, 14, until=today(), admin=scheme_admin)
    ids = [trainee_claim.pk, *(c.pk for c in others)]
    with CaptureQueriesContext(connection) as few:
        claims_facts(ids)
    _history(person, 200)
    with CaptureQueriesContext(connection) as many:
        bulk = claims_facts(ids)
    assert len(few.captured_queries) == len(many.captured_queries) == 3
    for claim in [trainee_claim, *others]:
        assert bulk[claim.pk] == claim_facts(claim), claim.kind
