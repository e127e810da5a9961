"""补正并提交: the filer corrects a draft or returned claim's stated facts on the screen before (re)submitting —
the staff claim detail and the worker's 我的补贴; per kind fields; nobody else; bad input writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lijiao.core.models import HandlingArea
from lijiao.subsidies.models import Claim, ClaimStatus
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import review
from tests.certificates.conftest import make_person

pytestmark = pytest.mark.django_db
S = ClaimStatus

CORRECTED = {
    "hire_type": "transferred",
    "hired_on": "2026-02-01",
    "contract_start": "2026-02-01",
    "contract_end": "2028-01-31",
    "level": "3",
    "training_months": "18",
    "amount": "3000.00",
    "note": "更正劳动合同期限",
}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def apprentice_claim(schemes: Any, employer_staff: Any) -> Claim:
    return filing.file_apprenticeship(
        actor=employer_staff,
        person=make_person("学徒戊"),
        part="advance",
        employer_name="大连测试重工",
        employer_credit_code="",
        handling_area=HandlingArea.objects.get(code="ZS"),
        facts={
            "hired_on": "2026-01-05",
            "contract_start": "2026-01-05",
            "contract_end": "2026-06-30",
            "hire_type": "new",
        },
    )


def test_the_filer_corrects_a_draft_and_submits(apprentice_claim: Claim, employer_staff: Any) -> None:
    client = _client(employer_staff)
    url = f"/subsidies/claims/{apprentice_claim.pk}/"
    page = client.get(url).content.decode()
    assert 'id="correction-form"' in page and 'value="2026-06-30"' in page
    response = client.post(f"{url}correct/", CORRECTED)
    assert response.status_code == 302
    claim = Claim.objects.get(pk=apprentice_claim.pk)
    assert claim.status == S.SUBMITTED
    assert claim.facts["contract_end"] == "2028-01-31" and claim.facts["amount"] == "3000.00"
    assert claim.facts["apprenticeship"] == {
        "hire_type": "transferred",
        "hire_date": "2026-02-01",
        "contract_months": 24,
        "training_months": 18,
        "level": 3,
        "exceptional": False,
    }
    # submitted: no more correcting
    assert 'id="correction-form"' not in client.get(url).content.decode()
    refused = client.post(f"{url}correct/", {**CORRECTED, "amount": "9999"}, follow=True)
    assert "只有草稿或退回补正的申请可以补正" in refused.content.decode()
    assert Claim.objects.get(pk=apprentice_claim.pk).facts["amount"] == "3000.00"


def test_bad_input_shows_the_errors_and_writes_nothing(apprentice_claim: Claim, employer_staff: Any) -> None:
    client = _client(employer_staff)
    url = f"/subsidies/claims/{apprentice_claim.pk}/correct/"
    bad = client.post(url, {**CORRECTED, "contract_end": "2026-01-01", "level": "7"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "劳动合同结束日期应晚于开始日期" in text and 'id="correction-form"' in text
    claim = Claim.objects.get(pk=apprentice_claim.pk)
    assert claim.status == S.DRAFT and claim.facts["contract_end"] == "2026-06-30"
    assert claim.facts["apprenticeship"]["contract_months"] == 5  # as filed (5 full months), untouched


def test_a_returned_claim_is_corrected_and_resubmitted_only_by_its_filer(
    apprentice_claim: Claim, employer_staff: Any, reviewer1: Any
) -> None:
    review.submit_claim(claim=apprentice_claim, actor=employer_staff)
    review.return_claim(claim=apprentice_claim, actor=reviewer1, reason="劳动合同期限不足1年")
    url = f"/subsidies/claims/{apprentice_claim.pk}/"
    reviewer = _client(reviewer1)
    assert 'id="correction-form"' not in reviewer.get(url).content.decode()
    assert reviewer.post(f"{url}correct/", CORRECTED).status_code == 403
    assert Claim.objects.get(pk=apprentice_claim.pk).status == S.RETURNED
    assert _client(employer_staff).post(f"{url}correct/", CORRECTED).status_code == 302
    claim = Claim.objects.get(pk=apprentice_claim.pk)
    assert claim.status == S.SUBMITTED and claim.facts["apprenticeship"]["contract_months"] == 24


def test_the_worker_corrects_their_own_graduate_claim(
    schemes: Any, trainees: dict[str, Any], worker_of: Any
) -> None:
    certificate = trainees["cert_张三"]
    user = worker_of(trainees["张三"].person)
    claim = filing.file_own_claim(actor=user, kind="graduate_conversion", certificate=certificate)
    client = _client(user)
    page = client.get("/subsidies/mine/").content.decode()
    assert f'id="correct-{claim.pk}"' in page
    bad = client.post(
        f"/subsidies/mine/{claim.pk}/correct/", {"graduation_year": "x", "training_months": "4"}
    )
    assert bad.status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == S.DRAFT
    stranger = worker_of(trainees["李四"].person)
    form = {"graduation_year": "2025", "training_months": "4"}
    assert _client(stranger).post(f"/subsidies/mine/{claim.pk}/correct/", form).status_code == 404
    assert client.post(f"/subsidies/mine/{claim.pk}/correct/", form).status_code == 302
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED
    assert claim.facts["graduate"] == {"graduation_year": 2025, "employed": False, "training_months": 4}


def test_kinds_without_stated_facts_have_no_correction_form(
    schemes: Any, trainees: dict[str, Any], worker_of: Any
) -> None:
    user = worker_of(trainees["李四"].person)
    claim = filing.file_own_claim(actor=user, kind="training", certificate=trainees["cert_李四"])
    client = _client(user)
    assert f'id="correct-{claim.pk}"' not in client.get("/subsidies/mine/").content.decode()
    assert client.post(f"/subsidies/mine/{claim.pk}/correct/", {}).status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == S.DRAFT
