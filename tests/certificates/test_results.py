"""Recording results (SPEC C5, 培评分离): who may, what is checked, pass derived, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.catalog.models import WorkType
from lijiao.certificates.models import EvaluatingBody, EvaluatorMembership, LevelAssessment
from lijiao.certificates.services import results, selfevaluation
from lijiao.certificates.services.results import ResultInput, Subject
from lijiao.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from lijiao.providers.models import Provider
from lijiao.training.models import ClassStatus, Enrollment, TrainingClass
from tests.certificates.conftest import citizen_id, make_person
from tests.training.conftest import make_class, today

D = Decimal


def subject(body: EvaluatingBody, ref: dict[str, Any], **overrides: Any) -> Subject:
    values: dict[str, Any] = {
        "site": body.sites.get(),
        "assessed_on": today() - dt.timedelta(days=1),
        "occupation": ref["electrician"],
        "level": 4,
    }
    values.update(overrides)
    return Subject(**values)


def record(actor: User, body: EvaluatingBody, ref: dict[str, Any], **overrides: Any) -> LevelAssessment:
    s = subject(body, ref, **{k: overrides.pop(k) for k in list(overrides) if k in Subject.__slots__})
    values: dict[str, Any] = {"theory_score": "80", "practical_score": "75.5"}
    values.update(overrides)
    if "citizen_id" not in values and "enrollment" not in values:
        values["citizen_id"] = make_person().citizen_id
    return results.record_result(
        actor=actor,
        body=body,
        site=s.site,
        assessed_on=s.assessed_on,
        occupation=s.occupation,
        work_type=s.work_type,
        special_item=s.special_item,
        level=s.level,
        **values,
    )


@pytest.fixture
def finished_class(provider: Provider, training_ref: dict[str, Any]) -> TrainingClass:
    start = today() - dt.timedelta(days=40)
    return make_class(
        provider, training_ref["items"]["electrician4"], status=ClassStatus.FINISHED, start=start
    )


def test_a_result_is_recorded_with_pass_derived(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    person = make_person("王五")
    result = record(evaluator, social_body, training_ref, citizen_id=person.citizen_id.lower(), name="王五")
    assert result.person == person
    assert result.passed is True
    assert result.kind == LevelAssessment.Kind.LEVEL and result.status == LevelAssessment.Status.CONFIRMED
    assert result.theory_score == D("80.00") and result.practical_score == D("75.50")
    assert result.pass_basis["rule"]["theory_min"] == "60.00"
    assert [c["passed"] for c in result.pass_basis["checks"]] == [True, True]
    assert AuditEvent.objects.filter(action="certificates.result.recorded", object_id=str(result.pk)).exists()


def test_a_failed_result_is_derived_too(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    result = record(evaluator, social_body, training_ref, theory_score="59.5")
    assert result.passed is False


def test_a_technician_level_needs_the_review(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    social_body.accreditations.filter(occupation=training_ref["electrician"]).update(levels=[5, 4, 3, 2])
    without = record(evaluator, social_body, training_ref, level=2)
    assert without.passed is False
    with_review = record(evaluator, social_body, training_ref, level=2, review_score="61")
    assert with_review.passed is True
    assert with_review.pass_basis["checks"][-1]["item"] == "review"


def test_a_special_item_result(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    result = record(
        evaluator, social_body, training_ref, occupation=None, level=None, special_item=training_ref["media"]
    )
    assert result.kind == LevelAssessment.Kind.SPECIAL and result.passed


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"level": 2}, "occupation", "不在本机构的评价范围内"),  # 电工 accredited 5–3 only
        ({"occupation": "welder"}, "occupation", "不在本机构的评价范围内"),
        ({"level": 9}, "level", "等级"),
        ({"theory_score": "100.5"}, "theory_score", "0–100"),
        ({"practical_score": "60.123"}, "practical_score", "两位小数"),
        ({"practical_score": "abc"}, "practical_score", "不是数字"),
        ({"theory_score": "", "practical_score": ""}, "theory_score", "至少填写"),
        ({"assessed_on": "tomorrow"}, "assessed_on", "晚于今天"),
        ({"citizen_id": "210202199001011235"}, "citizen_id", "校验"),
        ({"citizen_id": "unregistered"}, "citizen_id", "尚未登记"),
        ({"name": "张三"}, "name", "不符"),
        ({"site": None}, "site", "请选择评价站点"),
    ],
)
def test_bad_inputs_are_refused_and_nothing_is_written(
    evaluator: User,
    social_body: EvaluatingBody,
    training_ref: dict[str, Any],
    overrides: dict[str, Any],
    field: str,
    text: str,
) -> None:
    if overrides.get("occupation") == "welder":
        overrides["occupation"] = training_ref["welder"]
    if overrides.get("assessed_on") == "tomorrow":
        overrides["assessed_on"] = today() + dt.timedelta(days=1)
    if overrides.get("citizen_id") == "unregistered":
        overrides["citizen_id"] = citizen_id(dt.date(1985, 1, 1))
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        record(evaluator, social_body, training_ref, **overrides)
    assert caught.value.code == "invalid_result"
    assert [e.field for e in caught.value.errors] == [field]
    assert text in caught.value.errors[0].message
    assert LevelAssessment.objects.count() == 0 and AuditEvent.objects.count() == events


def test_a_site_of_another_body_or_closed_is_refused(
    evaluator: User, social_body: EvaluatingBody, employer_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    with pytest.raises(DomainError, match="评价结果有误") as caught:
        record(evaluator, social_body, training_ref, site=employer_body.sites.get())
    assert "不属于本机构" in caught.value.errors[0].message
    social_body.sites.update(active=False)
    with pytest.raises(DomainError) as caught:
        record(evaluator, social_body, training_ref)
    assert "已停用" in caught.value.errors[0].message
    assert not LevelAssessment.objects.exists()


def test_an_accreditation_of_one_work_type_covers_only_it(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    high = WorkType.objects.create(
        occupation=training_ref["electrician"], code="6-31-01-03-01", name="高压电工"
    )
    low = WorkType.objects.create(
        occupation=training_ref["electrician"], code="6-31-01-03-02", name="低压电工"
    )
    social_body.accreditations.filter(occupation=training_ref["electrician"]).update(work_type=high)
    assert record(evaluator, social_body, training_ref, work_type=high).work_type == high
    with pytest.raises(DomainError):
        record(evaluator, social_body, training_ref, work_type=low)
    with pytest.raises(DomainError):
        record(evaluator, social_body, training_ref)


def test_an_accreditation_outside_its_validity_is_refused(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    social_body.accreditations.update(valid_to=today() - dt.timedelta(days=30))
    with pytest.raises(DomainError) as caught:
        record(evaluator, social_body, training_ref)
    assert "有效期" in caught.value.errors[0].message


@pytest.mark.parametrize("status", [EvaluatingBody.Status.SUSPENDED, EvaluatingBody.Status.WITHDRAWN])
def test_a_body_that_is_not_active_records_nothing(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], status: str
) -> None:
    EvaluatingBody.objects.filter(pk=social_body.pk).update(status=status)
    with pytest.raises(Conflict) as caught:
        record(evaluator, social_body, training_ref)
    assert caught.value.code == "body_not_active"
    assert not LevelAssessment.objects.exists()


def test_only_the_body_s_own_staff_record(
    make_user: Callable[..., User],
    evaluator: User,
    employer_evaluator: User,
    social_body: EvaluatingBody,
    training_ref: dict[str, Any],
    provider_staff: User,
    city_admin: User,
) -> None:
    for actor in (employer_evaluator, provider_staff, city_admin, make_user(Role.EVALUATOR_STAFF)):
        with pytest.raises(PermissionDenied):
            record(actor, social_body, training_ref)
    assert not LevelAssessment.objects.exists()


def test_a_provider_never_assesses_its_own_trainees(
    evaluator: User,
    social_body: EvaluatingBody,
    training_ref: dict[str, Any],
    provider: Provider,
    finished_class: TrainingClass,
) -> None:
    """培评分离: the body is also the training provider of the class: refused by enrollment and by ID number."""
    EvaluatingBody.objects.filter(pk=social_body.pk).update(provider=provider)
    social_body.refresh_from_db()
    trainee = make_person("学员甲")
    enrollment = Enrollment.objects.create(training_class=finished_class, person=trainee)
    with pytest.raises(PermissionDenied, match="培评分离"):
        record(evaluator, social_body, training_ref, enrollment=enrollment)
    with pytest.raises(PermissionDenied, match="培评分离"):
        record(evaluator, social_body, training_ref, citizen_id=trainee.citizen_id)
    assert not LevelAssessment.objects.exists()
    # someone the provider did not train is assessed normally
    assert record(evaluator, social_body, training_ref).passed


def test_another_body_assesses_the_provider_s_trainees(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], finished_class: TrainingClass
) -> None:
    enrollment = Enrollment.objects.create(training_class=finished_class, person=make_person("学员乙"))
    result = record(evaluator, social_body, training_ref, enrollment=enrollment)
    assert result.enrollment == enrollment and result.person == enrollment.person


def test_a_batch_is_all_or_nothing(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], finished_class: TrainingClass
) -> None:
    enrollments = [
        Enrollment.objects.create(training_class=finished_class, person=make_person(name))
        for name in ("甲", "乙", "丙")
    ]
    rows = [
        ResultInput(enrollment_id=enrollments[0].pk, theory_score="90", practical_score="88"),
        ResultInput(enrollment_id=enrollments[1].pk, theory_score="101", practical_score="88"),
        ResultInput(enrollment_id=enrollments[2].pk, theory_score="50", practical_score="88"),
    ]
    with pytest.raises(DomainError, match="未保存任何结果") as caught:
        results.record_results(
            actor=evaluator, body=social_body, subject=subject(social_body, training_ref), rows=rows
        )
    assert [(e.field, e.message.split("：")[0]) for e in caught.value.errors] == [
        ("results[1].theory_score", "乙")
    ]
    assert not LevelAssessment.objects.exists()
    rows[1] = ResultInput(enrollment_id=enrollments[1].pk, theory_score="60", practical_score="60")
    saved = results.record_results(
        actor=evaluator, body=social_body, subject=subject(social_body, training_ref), rows=rows
    )
    assert [r.passed for r in saved] == [True, True, False]
    assert AuditEvent.objects.filter(action="certificates.results.recorded").count() == 1


def test_a_withdrawn_trainee_and_a_duplicate_are_refused(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], finished_class: TrainingClass
) -> None:
    gone = Enrollment.objects.create(
        training_class=finished_class, person=make_person("退出"), status=Enrollment.Status.WITHDRAWN
    )
    with pytest.raises(DomainError) as caught:
        record(evaluator, social_body, training_ref, enrollment=gone)
    assert "已退出" in caught.value.errors[0].message
    person = make_person("重复")
    record(evaluator, social_body, training_ref, citizen_id=person.citizen_id)
    with pytest.raises(DomainError) as caught:
        record(evaluator, social_body, training_ref, citizen_id=person.citizen_id)
    assert "已录入过" in caught.value.errors[0].message
    assert LevelAssessment.objects.count() == 1


# --- employer self-evaluation ------------------------------------------------------------------------------


def self_evaluation(
    employer_evaluator: User, employer_body: EvaluatingBody, ref: dict[str, Any]
) -> LevelAssessment:
    return record(employer_evaluator, employer_body, ref, occupation=ref["welder"], level=3)


def test_an_employer_records_a_self_evaluation(
    employer_evaluator: User, employer_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    result = self_evaluation(employer_evaluator, employer_body, training_ref)
    assert result.kind == LevelAssessment.Kind.SELF_EVALUATION
    assert result.status == LevelAssessment.Status.RECORDED and result.confirmed_at is None


def test_the_area_clerk_confirms_a_self_evaluation(
    employer_evaluator: User,
    employer_body: EvaluatingBody,
    training_ref: dict[str, Any],
    make_user: Callable[..., User],
) -> None:
    result = self_evaluation(employer_evaluator, employer_body, training_ref)
    clerk_xg = make_user(Role.DISTRICT_CLERK, area="XG")
    confirmed = selfevaluation.confirm_self_evaluation(actor=clerk_xg, assessment=result)
    assert confirmed.status == LevelAssessment.Status.CONFIRMED and confirmed.confirmed_by == clerk_xg
    assert AuditEvent.objects.filter(action="certificates.selfevaluation.confirmed").exists()
    with pytest.raises(Conflict):
        selfevaluation.reject_self_evaluation(actor=clerk_xg, assessment=result, reason="重复")


def test_a_self_evaluation_is_rejected_with_a_reason(
    employer_evaluator: User, employer_body: EvaluatingBody, training_ref: dict[str, Any], city_admin: User
) -> None:
    result = self_evaluation(employer_evaluator, employer_body, training_ref)
    with pytest.raises(DomainError) as caught:
        selfevaluation.reject_self_evaluation(actor=city_admin, assessment=result, reason="  ")
    assert caught.value.errors[0].field == "reason"
    result.refresh_from_db()
    assert result.status == LevelAssessment.Status.RECORDED
    rejected = selfevaluation.reject_self_evaluation(
        actor=city_admin, assessment=result, reason="考评员资质不符"
    )
    assert rejected.status == LevelAssessment.Status.REJECTED and rejected.decision_reason == "考评员资质不符"


def test_who_may_not_confirm(
    employer_evaluator: User,
    employer_body: EvaluatingBody,
    training_ref: dict[str, Any],
    clerk: User,
    provider_staff: User,
) -> None:
    result = self_evaluation(employer_evaluator, employer_body, training_ref)
    with pytest.raises(NotFound):  # the clerk of 中山区; the body is in XG
        selfevaluation.confirm_self_evaluation(actor=clerk, assessment=result)
    for actor in (employer_evaluator, provider_staff):
        with pytest.raises(PermissionDenied):
            selfevaluation.confirm_self_evaluation(actor=actor, assessment=result)
    result.refresh_from_db()
    assert result.status == LevelAssessment.Status.RECORDED


def test_a_level_result_is_not_a_self_evaluation_to_confirm(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], city_admin: User
) -> None:
    result = record(evaluator, social_body, training_ref)
    with pytest.raises(NotFound):
        selfevaluation.confirm_self_evaluation(actor=city_admin, assessment=result)


def test_membership_fixture(evaluator: User, social_body: EvaluatingBody) -> None:
    assert EvaluatorMembership.objects.get(user=evaluator).body == social_body
