"""Issuing, revoking and correcting certificates (services/issuance.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.certificates.models import Certificate, EvaluatingBody, LevelAssessment, SerialCounter
from lijiao.certificates.services import issuance
from lijiao.core.errors import Conflict, DomainError, PermissionDenied
from lijiao.training.models import AssessmentResult, ClassStatus, Enrollment, TrainingClass
from tests.certificates.conftest import make_certificate, make_person
from tests.training.conftest import make_class, today


def finished_class(provider: Any, training_ref: dict[str, Any], **extra: Any) -> TrainingClass:
    start = today() - dt.timedelta(days=40)
    start -= dt.timedelta(days=start.weekday())
    return make_class(
        provider, training_ref["items"]["electrician4"], status=ClassStatus.FINISHED, start=start, **extra
    )


def assessment(body: EvaluatingBody, training_ref: dict[str, Any], **extra: Any) -> LevelAssessment:
    values: dict[str, Any] = {
        "kind": LevelAssessment.Kind.LEVEL,
        "person": extra.pop("person", None) or make_person(),
        "body": body,
        "site": body.sites.get(),
        "occupation": training_ref["electrician"],
        "level": 4,
        "theory_score": Decimal("75"),
        "practical_score": Decimal("80"),
        "passed": True,
        "assessed_on": today() - dt.timedelta(days=5),
    }
    values.update(extra)
    return LevelAssessment.objects.create(**values)


def yy() -> str:
    return f"{today():%y}"


def test_evaluator_issues_for_a_passed_assessment(evaluator, social_body, training_ref) -> None:
    first = assessment(social_body, training_ref)
    second = assessment(social_body, training_ref)
    certs = issuance.issue_for_assessments(actor=evaluator, assessments=[first, second])
    assert [c.number for c in certs] == [f"S000121210201{yy()}4000001", f"S000121210201{yy()}4000002"]
    cert = certs[0]
    assert cert.certificate_type == "skill_level" and cert.source == "assessment"
    assert cert.holder_name == first.person.name
    assert cert.subject_name == "电工" and cert.level == 4 and cert.body == social_body
    assert cert.issuer_name == social_body.name
    assert cert.report_status == Certificate.Report.PENDING
    assert cert.status_index != certs[1].status_index
    assert cert.created_by == evaluator
    event = AuditEvent.objects.get(action="certificates.certificate.issued", object_id=str(cert.pk))
    assert event.after["number"] == cert.number
    assert SerialCounter.objects.get(prefix=f"S000121210201{yy()}4").last_serial == 2


def test_one_certificate_per_assessment(evaluator, social_body, training_ref) -> None:
    a = assessment(social_body, training_ref)
    cert = issuance.issue_for_assessments(actor=evaluator, assessments=[a])[0]
    assert issuance.issue_for_assessments(actor=evaluator, assessments=[a]) == []  # skipped: has one
    with pytest.raises(Conflict):
        issuance.issue_certificate(
            actor=evaluator,
            certificate_type="skill_level",
            source="assessment",
            holder=a.person,
            issued_on=today(),
            assessment=a,
        )
    assert Certificate.objects.filter(assessment=a).get() == cert


def test_failed_and_unconfirmed_self_evaluations_are_not_issued(
    employer_evaluator, employer_body, city_admin, training_ref
) -> None:
    failed = assessment(
        employer_body,
        training_ref,
        occupation=training_ref["welder"],
        passed=False,
        kind=LevelAssessment.Kind.SELF_EVALUATION,
        status=LevelAssessment.Status.CONFIRMED,
    )
    pending = assessment(
        employer_body,
        training_ref,
        occupation=training_ref["welder"],
        kind=LevelAssessment.Kind.SELF_EVALUATION,
        status=LevelAssessment.Status.RECORDED,
    )
    assert issuance.issue_for_assessments(actor=employer_evaluator, assessments=[failed, pending]) == []
    with pytest.raises(DomainError) as caught:
        issuance.issue_certificate(
            actor=employer_evaluator,
            certificate_type="skill_level",
            source="self_evaluation",
            holder=pending.person,
            issued_on=today(),
            assessment=pending,
        )
    assert "须经人社部门确认" in caught.value.message
    pending.status = LevelAssessment.Status.CONFIRMED
    pending.save()
    certs = issuance.issue_for_assessments(actor=employer_evaluator, assessments=[failed, pending])
    assert len(certs) == 1 and certs[0].source == "self_evaluation" and certs[0].number.startswith("Y0002")
    assert Certificate.objects.count() == 1


def test_level_outside_the_accreditation_is_refused(evaluator, social_body, training_ref) -> None:
    a = assessment(social_body, training_ref, level=2)  # S0001 may assess 电工 5–3
    with pytest.raises(DomainError) as caught:
        issuance.issue_for_assessments(actor=evaluator, assessments=[a])
    assert "未获准评价电工二级/技师" in caught.value.message
    assert not Certificate.objects.exists() and not SerialCounter.objects.exists()


def test_expired_accreditation_and_suspended_body_are_refused(evaluator, social_body, training_ref) -> None:
    a = assessment(social_body, training_ref)
    social_body.accreditations.filter(occupation__isnull=False).update(
        valid_to=today() - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError, match="未获准评价"):
        issuance.issue_for_assessments(actor=evaluator, assessments=[a])
    social_body.accreditations.update(valid_to=None)
    social_body.status = EvaluatingBody.Status.SUSPENDED
    social_body.save()
    with pytest.raises(DomainError, match="不在有效状态"):
        issuance.issue_for_assessments(actor=evaluator, assessments=[a])
    assert not Certificate.objects.exists()


def test_skill_level_needs_body_site_occupation_and_level(city_admin, social_body) -> None:
    person = make_person()
    with pytest.raises(DomainError) as caught:
        issuance.issue_certificate(
            actor=city_admin,
            certificate_type="skill_level",
            source="competition",
            holder=person,
            issued_on=today(),
        )
    assert {e.field for e in caught.value.errors} == {"occupation", "level", "body", "site"}
    assert not Certificate.objects.exists()


def test_competition_promotion_by_the_bureau(city_admin, social_body, training_ref) -> None:
    person = make_person()
    cert = issuance.issue_certificate(
        actor=city_admin,
        certificate_type="skill_level",
        source="competition",
        holder=person,
        issued_on=today(),
        occupation=training_ref["electrician"],
        level=3,
        body=social_body,
        site=social_body.sites.get(),
    )
    assert cert.number == f"S000121210201{yy()}3000001"


def test_a_typed_number_is_refused_outside_imports(city_admin, social_body, training_ref) -> None:
    with pytest.raises(DomainError, match="由系统生成"):
        issuance.issue_certificate(
            actor=city_admin,
            certificate_type="skill_level",
            source="competition",
            holder=make_person(),
            issued_on=today(),
            occupation=training_ref["electrician"],
            level=3,
            body=social_body,
            site=social_body.sites.get(),
            number=f"S000121210201{yy()}3000009",
        )


def test_issuing_skips_numbers_already_taken_by_imports(evaluator, social_body, training_ref) -> None:
    make_certificate(number=f"S000121210201{yy()}4000001")
    cert = issuance.issue_for_assessments(
        actor=evaluator, assessments=[assessment(social_body, training_ref)]
    )[0]
    assert cert.number == f"S000121210201{yy()}4000002"


def test_others_may_not_issue(
    provider_staff, other_provider_staff, make_user, social_body, training_ref
) -> None:
    a = assessment(social_body, training_ref)
    for actor in (provider_staff, make_user(Role.EVALUATOR_STAFF), make_user(Role.WORKER)):
        with pytest.raises(PermissionDenied):
            issuance.issue_for_assessments(actor=actor, assessments=[a])
    assert not Certificate.objects.exists()


def test_certificate_dated_before_class_end_is_refused(
    evaluator, city_admin, social_body, training_ref, provider
) -> None:
    tc = finished_class(provider, training_ref)
    person = make_person()
    enrollment = Enrollment.objects.create(training_class=tc, person=person)
    a = assessment(
        social_body,
        training_ref,
        person=person,
        enrollment=enrollment,
        assessed_on=tc.end_date - dt.timedelta(days=1),
    )
    with pytest.raises(DomainError) as caught:
        issuance.issue_for_assessments(
            actor=evaluator, assessments=[a], issued_on=tc.end_date - dt.timedelta(days=1)
        )
    assert f"早于培训班“{tc.code}”的结业日期" in caught.value.message
    assert not Certificate.objects.exists()
    cert = issuance.issue_for_assessments(actor=evaluator, assessments=[a], issued_on=tc.end_date)[0]
    assert cert.training_class == tc and cert.enrollment == enrollment


def test_completion_certificates_for_passed_trainees(
    provider_staff, other_provider_staff, provider, training_ref
) -> None:
    tc = finished_class(provider, training_ref)
    passed, failed, withdrawn = (
        Enrollment.objects.create(training_class=tc, person=make_person()) for _ in range(3)
    )
    withdrawn.status = Enrollment.Status.WITHDRAWN
    withdrawn.save()
    for enrollment, ok in ((passed, True), (failed, False), (withdrawn, True)):
        AssessmentResult.objects.create(
            enrollment=enrollment,
            passed=ok,
            evaluating_organisation="x",
            assessed_on=tc.end_date,
            theory_score=Decimal(70),
        )
    with pytest.raises(PermissionDenied):
        issuance.issue_completion_certificates(actor=other_provider_staff, training_class=tc)
    certs = issuance.issue_completion_certificates(actor=provider_staff, training_class=tc)
    assert [c.holder for c in certs] == [passed.person]
    cert = certs[0]
    assert cert.certificate_type == "training" and cert.source == "completion"
    assert cert.number == f"PX2102{today():%Y}0000001"
    assert cert.report_status == Certificate.Report.NOT_REQUIRED
    assert cert.issuer_name == str(provider)
    assert issuance.issue_completion_certificates(actor=provider_staff, training_class=tc) == []


def test_completion_before_class_end_is_refused(provider_staff, provider, training_ref) -> None:
    tc = finished_class(provider, training_ref)
    with pytest.raises(DomainError, match="结业前不能颁发"):
        issuance.issue_completion_certificates(
            actor=provider_staff, training_class=tc, issued_on=tc.end_date - dt.timedelta(days=1)
        )


def test_special_certificate(evaluator, social_body, training_ref) -> None:
    a = assessment(
        social_body,
        training_ref,
        kind=LevelAssessment.Kind.SPECIAL,
        occupation=None,
        level=None,
        special_item=training_ref["media"],
    )
    cert = issuance.issue_for_assessments(actor=evaluator, assessments=[a])[0]
    assert cert.certificate_type == "special" and cert.number == f"ZX2102{yy()}000001"
    assert cert.subject_name == "数字新媒体制作" and cert.report_status == Certificate.Report.PENDING


def test_revocation(city_admin, evaluator) -> None:
    cert = make_certificate()
    with pytest.raises(PermissionDenied):
        issuance.revoke_certificate(actor=evaluator, certificate=cert, reason="x", revoked_on=today())
    with pytest.raises(DomainError) as caught:
        issuance.revoke_certificate(actor=city_admin, certificate=cert, reason=" ", revoked_on=today())
    assert caught.value.errors[0].field == "reason"
    with pytest.raises(DomainError, match="早于发证日期"):
        issuance.revoke_certificate(
            actor=city_admin,
            certificate=cert,
            reason="弄虚作假",
            revoked_on=cert.issued_on - dt.timedelta(days=1),
        )
    cert.refresh_from_db()
    assert cert.status == "valid"
    revoked = issuance.revoke_certificate(
        actor=city_admin, certificate=cert, reason="考试作弊", revoked_on=today()
    )
    assert (revoked.status, revoked.revoked_on, revoked.revoked_reason) == ("revoked", today(), "考试作弊")
    event = AuditEvent.objects.get(action="certificates.certificate.revoked")
    assert (
        event.before["status"] == "valid"
        and event.after["status"] == "revoked"
        and event.reason == "考试作弊"
    )
    with pytest.raises(Conflict):
        issuance.revoke_certificate(actor=city_admin, certificate=cert, reason="再次", revoked_on=today())


def test_holder_correction_is_audited(city_admin, evaluator) -> None:
    cert = make_certificate(make_person("张三"))
    with pytest.raises(PermissionDenied):
        issuance.correct_holder(actor=evaluator, certificate=cert, holder_name="张叁", reason="录入错误")
    with pytest.raises(DomainError, match="更正原因"):
        issuance.correct_holder(actor=city_admin, certificate=cert, holder_name="张叁", reason="")
    with pytest.raises(DomainError, match="相同"):
        issuance.correct_holder(actor=city_admin, certificate=cert, holder_name="张三", reason="录入错误")
    fixed = issuance.correct_holder(
        actor=city_admin, certificate=cert, holder_name=" 张叁 ", reason="录入错误"
    )
    assert fixed.holder_name == "张叁"
    event = AuditEvent.objects.get(action="certificates.certificate.holder_corrected")
    assert (event.before, event.after, event.reason) == (
        {"holder_name": "张三"},
        {"holder_name": "张叁"},
        "录入错误",
    )


def test_future_issue_date_and_missing_holder(city_admin, social_body, training_ref) -> None:
    ghost = make_person()
    ghost_pk = ghost.pk
    ghost.delete()
    ghost.pk = ghost_pk
    with pytest.raises(DomainError) as caught:
        issuance.issue_certificate(
            actor=city_admin,
            certificate_type="skill_level",
            source="competition",
            holder=ghost,
            issued_on=today() + dt.timedelta(days=1),
            occupation=training_ref["electrician"],
            level=3,
            body=social_body,
            site=social_body.sites.get(),
        )
    assert {e.field for e in caught.value.errors} == {"holder", "issued_on"}


@pytest.fixture
def seeded_areas(transactional_db: None) -> None:
    """Transactional tests run on a flushed database: restore the handling areas the fixtures need."""
    from lijiao.core.models import HandlingArea

    for code, name in (("ZS", "中山区"), ("XG", "西岗区")):
        HandlingArea.objects.get_or_create(code=code, defaults={"name": name})


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_draws_distinct_serials(seeded_areas, make_user, training_ref) -> None:
    """Eight threads, each with its own connection, issue for the same prefix at once: all serials distinct."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections: PostgreSQL")
    from lijiao.certificates.models import Accreditation, EvaluationSite, EvaluatorMembership
    from lijiao.core.models import HandlingArea

    area = HandlingArea.objects.get(code="ZS")
    body = EvaluatingBody.objects.create(kind="S", code="0009", name="并发测试评价中心", handling_area=area)
    EvaluationSite.objects.create(body=body, code="210201", name="考点", handling_area=area)
    Accreditation.objects.create(body=body, occupation=training_ref["electrician"], levels=[5, 4, 3])
    user = make_user(Role.EVALUATOR_STAFF)
    EvaluatorMembership.objects.create(user=user, body=body)
    workers = 8
    assessments = [assessment(body, training_ref) for _ in range(workers)]
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def issue(a: LevelAssessment) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            result = issuance.issue_for_assessments(actor=user, assessments=[a])[0].number
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result = repr(exc)
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=issue, args=(a,)) for a in assessments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [f"S000921210201{yy()}4{n:06d}" for n in range(1, workers + 1)]
    indexes = list(Certificate.objects.values_list("status_index", flat=True))
    assert len(set(indexes)) == workers
