"""In Chromium: an evaluating body's staff enter a candidate's scores, the pass is derived, they issue the
certificate, and the public verification page shows it masked (issue 11)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.catalog.models import Occupation
from lijiao.certificates.models import (
    Accreditation,
    Certificate,
    EvaluatingBody,
    EvaluationSite,
    EvaluatorMembership,
)
from lijiao.core.identity import citizen_id_check_char
from lijiao.core.models import HandlingArea
from lijiao.people.models import Person
from tests.browser.test_training_flow import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

FIRST17 = "21020219900517301"


@pytest.fixture
def body(site: str) -> EvaluatingBody:
    """A social evaluation organisation of 中山区 accredited for 电工 五级–三级, its staff login and a candidate."""
    area = HandlingArea.objects.get(code="ZS")
    electrician, _ = Occupation.objects.get_or_create(code="6-31-01-03", defaults={"name": "电工"})
    body = EvaluatingBody.objects.create(
        kind=EvaluatingBody.Kind.SOCIAL, code="0007", name="大连浏览器测试评价中心", handling_area=area
    )
    EvaluationSite.objects.create(body=body, code="210207", name="中山考点", handling_area=area)
    Accreditation.objects.create(body=body, occupation=electrician, levels=[5, 4, 3])
    user = create_user(
        actor=None,
        username="evaluator_b",
        password=PASSWORD,
        roles=[Role.EVALUATOR_STAFF],
        display_name="考评员",
    )
    EvaluatorMembership.objects.create(user=user, body=body)
    Person.objects.create(
        name="王小明",
        citizen_id=FIRST17 + citizen_id_check_char(FIRST17),
        gender="M",
        birth_date=dt.date(1990, 5, 17),
    )
    return body


@override_settings(CERTIFICATE_VERIFY_PER_MINUTE=0, CERTIFICATE_VERIFY_PER_DAY=0)
def test_body_enters_results_issues_and_the_public_verifies(
    site: str, body: EvaluatingBody, new_page: Any, results_dir: Path
) -> None:
    page = new_page()
    results_url = f"/certificates/bodies/{body.pk}/results/"
    log_in(page, site, "evaluator_b", results_url)
    page.locator("#record summary").click()
    page.select_option("#id_site", label="中山考点（210207）")
    page.fill("#id_assessed_on", timezone.localdate().isoformat())
    page.fill("#id_occupation", "6-31-01-03")
    page.select_option("#id_level", value="4")
    page.fill("#id_citizen_id", FIRST17 + citizen_id_check_char(FIRST17))
    page.fill("#id_name", "王小明")
    page.fill("#id_theory_score", "72")
    page.fill("#id_practical_score", "81.5")
    page.get_by_role("button", name="保存结果").click()
    row = page.locator("#results tbody tr").first
    row.wait_for()
    assert "王小明" in row.inner_text() and "合格" in row.inner_text()

    page.once("dialog", lambda dialog: dialog.accept())  # 确定为 1 条已合格的结果颁发证书吗？
    page.locator("#issue-certificates").click()
    page.wait_for_load_state()
    certificate = Certificate.objects.get(holder__name="王小明")
    assert len(certificate.number) == 22 and certificate.number.startswith("S0007")
    page.locator("#results").get_by_text(certificate.number).wait_for()
    page.screenshot(path=str(results_dir / "certificate-issued.png"), full_page=True)

    public = new_page(width=375, height=740)
    public.goto(f"{site}/certificates/verify/")
    public.fill("#v-number", certificate.number)
    public.fill("#v-name", "王小明")
    public.click("button[type=submit].btn-primary")
    result = public.locator("#verify-result")
    result.wait_for()
    text = result.inner_text()
    assert "证书有效" in text and "王*明" in text and certificate.number in text
    assert FIRST17 not in public.content()
    assert page.console_log.csp_violations() == [] and public.console_log.csp_violations() == []
