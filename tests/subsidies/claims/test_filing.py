"""Filing claims: by the worker, a provider (one trainee, a whole class), an employer, an evaluating body; R1, the
number, the handling area, the notification to the person, duplicates refused."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from lijiao.audit.models import AuditEvent
from lijiao.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from lijiao.core.models import HandlingArea
from lijiao.people.models import Notification
from lijiao.subsidies.models import Claim, ClaimStatus, SchemeKind
from lijiao.subsidies.services import claims as filing
from tests.certificates.conftest import make_certificate, make_person

pytestmark = pytest.mark.django_db


def test_provider_files_for_own_trainee_and_the_person_is_notified(
    schemes: Any, trainees: dict[str, Any], provider_staff: Any
) -> None:
    enrollment = trainees["张三"]
    claim = filing.file_for_trainee(actor=provider_staff, enrollment=enrollment)
    assert re.fullmatch(rf"BT{dt.date.today().year}\d{{6}}", claim.number)
    assert claim.status == ClaimStatus.DRAFT
    assert claim.applicant == Claim.Applicant.PROVIDER
    assert claim.certificate == trainees["cert_张三"]
    assert claim.handling_area.code == "ZS"
    assert claim.kind == SchemeKind.TRAINING
    note = Notification.objects.get(person=enrollment.person)
    assert "中山区测试职业培训学校" in note.body and claim.number in note.body and "800.00" in note.body
    assert note.url == "/subsidies/mine/"
    assert AuditEvent.objects.filter(action="subsidies.claim.filed", object_id=str(claim.pk)).exists()


def test_numbers_follow_each_other(schemes: Any, trainees: dict[str, Any], provider_staff: Any) -> None:
    a = filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"])
    b = filing.file_for_trainee(actor=provider_staff, enrollment=trainees["李四"])
    assert int(b.number[-6:]) == int(a.number[-6:]) + 1


def test_r1_refuses_a_trainee_without_certificate(
    schemes: Any, trainees: dict[str, Any], provider_staff: Any
) -> None:
    with pytest.raises(DomainError) as exc:
        filing.file_for_trainee(actor=provider_staff, enrollment=trainees["王五"])
    assert exc.value.code == "r1_no_certificate"
    assert not Claim.objects.exists() and not Notification.objects.exists()


def test_another_providers_trainee_is_not_found(
    schemes: Any, trainees: dict[str, Any], other_provider_staff: Any
) -> None:
    with pytest.raises(NotFound):
        filing.file_for_trainee(actor=other_provider_staff, enrollment=trainees["张三"])


def test_without_file_permission_refused(schemes: Any, trainees: dict[str, Any], reviewer1: Any) -> None:
    with pytest.raises(PermissionDenied):
        filing.file_for_trainee(actor=reviewer1, enrollment=trainees["张三"])


def test_duplicate_claim_on_the_same_certificate_refused(
    schemes: Any, trainees: dict[str, Any], provider_staff: Any
) -> None:
    filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"])
    with pytest.raises(Conflict) as exc:
        filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"], kind=SchemeKind.ASSESSMENT)
    assert exc.value.code == "duplicate_claim"


def test_bulk_for_a_class_files_the_eligible_and_reports_the_skipped(
    schemes: Any, trainees: dict[str, Any], provider_staff: Any, finished_class: Any
) -> None:
    filing.file_for_trainee(actor=provider_staff, enrollment=trainees["李四"])
    result = filing.file_for_class(actor=provider_staff, training_class=finished_class)
    assert [c.person.name for c in result.created] == ["张三"]
    assert result.created[0].applicant == Claim.Applicant.BULK
    reasons = {e.person.name: reason for e, reason in result.skipped}
    assert set(reasons) == {"李四", "王五", "赵六"}
    assert "已有补贴申请" in reasons["李四"]
    assert "尚未取得证书" in reasons["王五"]
    assert "退出" in reasons["赵六"]
    assert Claim.objects.count() == 2


def test_bulk_refuses_a_class_not_finished(
    schemes: Any, trainees: dict[str, Any], provider_staff: Any, finished_class: Any
) -> None:
    finished_class.status = "running"
    finished_class.save(update_fields=["status"])
    with pytest.raises(Conflict):
        filing.file_for_class(actor=provider_staff, training_class=finished_class)


def test_bulk_by_another_provider_not_found(
    schemes: Any, trainees: dict[str, Any], other_provider_staff: Any, finished_class: Any
) -> None:
    with pytest.raises(NotFound):
        filing.file_for_class(actor=other_provider_staff, training_class=finished_class)


def test_worker_files_for_self_without_notification(
    schemes: Any, trainees: dict[str, Any], worker_of: Any
) -> None:
    person = trainees["张三"].person
    user = worker_of(person)
    claim = filing.file_own_claim(actor=user, kind=SchemeKind.TRAINING, certificate=trainees["cert_张三"])
    assert claim.applicant == Claim.Applicant.WORKER and claim.person == person
    assert claim.handling_area.code == "ZS"
    assert not Notification.objects.exists()


def test_worker_cannot_claim_someone_elses_certificate(
    schemes: Any, trainees: dict[str, Any], worker_of: Any
) -> None:
    user = worker_of(trainees["张三"].person)
    with pytest.raises(NotFound):
        filing.file_own_claim(actor=user, kind=SchemeKind.TRAINING, certificate=trainees["cert_李四"])


def test_apprenticeship_advance_without_certificate_final_needs_one(
    schemes: Any, employer_staff: Any, training_ref: Any
) -> None:
    person = make_person("学徒甲")
    facts = {
        "hired_on": "2026-01-05",
        "contract_start": "2026-01-05",
        "contract_end": "2028-01-04",
        "hire_type": "new",
        "training_months": 12,
        "amount": "2500",
    }
    area = HandlingArea.objects.get(code="ZS")
    advance = filing.file_apprenticeship(
        actor=employer_staff,
        person=person,
        part=Claim.Part.ADVANCE,
        employer_name="大连测试重工",
        employer_credit_code="",
        handling_area=area,
        facts=facts,
    )
    assert advance.part == Claim.Part.ADVANCE and advance.certificate is None
    assert "2500.00" in Notification.objects.get(person=person).body
    with pytest.raises(DomainError) as exc:
        filing.file_apprenticeship(
            actor=employer_staff,
            person=person,
            part=Claim.Part.FINAL,
            employer_name="大连测试重工",
            employer_credit_code="",
            handling_area=area,
            facts=facts,
        )
    assert exc.value.code == "r1_no_certificate"
    certificate = make_certificate(person, level=3)
    final = filing.file_apprenticeship(
        actor=employer_staff,
        person=person,
        part=Claim.Part.FINAL,
        employer_name="大连测试重工",
        employer_credit_code="",
        handling_area=area,
        facts=facts,
        certificate=certificate,
    )
    assert final.part == Claim.Part.FINAL and final.certificate == certificate


def test_apprenticeship_contract_facts_checked(schemes: Any, employer_staff: Any) -> None:
    with pytest.raises(DomainError) as exc:
        filing.file_apprenticeship(
            actor=employer_staff,
            person=make_person("学徒乙"),
            part=Claim.Part.ADVANCE,
            employer_name="企业",
            employer_credit_code="",
            handling_area=HandlingArea.objects.get(code="ZS"),
            facts={"hired_on": "x", "contract_start": "2026-01-05", "contract_end": "2025-01-05"},
        )
    fields = {e.field for e in exc.value.errors}
    assert "hired_on" in fields
    assert not Claim.objects.exists()


def test_provider_staff_cannot_file_apprenticeship(schemes: Any, provider_staff: Any) -> None:
    with pytest.raises(PermissionDenied):
        filing.file_apprenticeship(
            actor=provider_staff,
            person=make_person("学徒丙"),
            part=Claim.Part.ADVANCE,
            employer_name="企业",
            employer_credit_code="",
            handling_area=HandlingArea.objects.get(code="ZS"),
            facts={},
        )


def test_evaluator_files_assessment_claim_for_its_own_certificate(
    schemes: Any, evaluator: Any, social_body: Any, employer_evaluator: Any
) -> None:
    person = make_person("考生甲")
    certificate = make_certificate(person, body=social_body)
    claim = filing.file_for_assessment(actor=evaluator, certificate=certificate)
    assert claim.kind == SchemeKind.ASSESSMENT and claim.applicant == Claim.Applicant.EVALUATOR
    assert claim.handling_area == social_body.handling_area
    assert Notification.objects.filter(person=person).count() == 1
    with pytest.raises(NotFound):
        filing.file_for_assessment(
            actor=employer_evaluator, certificate=make_certificate(person, body=social_body)
        )


def test_no_scheme_is_a_clear_error(trainees: dict[str, Any], provider_staff: Any) -> None:
    with pytest.raises(DomainError) as exc:
        filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"])
    assert exc.value.code == "no_scheme"
