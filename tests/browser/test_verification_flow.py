"""In Chromium on a phone-sized screen: the public verifies a certificate by number and name, then by its QR link."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from lijiao.certificates.models import Certificate, CertificateType
from lijiao.core.identity import citizen_id_check_char
from lijiao.people.models import Person

pytestmark = pytest.mark.browser


@pytest.fixture
def certificate(site: str) -> Certificate:
    first17 = "21020219880214301"
    holder = Person.objects.create(
        name="张小三",
        citizen_id=first17 + citizen_id_check_char(first17),
        gender="M",
        birth_date=dt.date(1988, 2, 14),
    )
    return Certificate.objects.create(
        certificate_type=CertificateType.SKILL_LEVEL,
        number="S000121210201254000077",
        holder=holder,
        holder_name=holder.name,
        subject_name="电工",
        level=4,
        issuer_name="大连测试职业技能评价中心",
        issued_on=dt.date(2025, 6, 30),
        source=Certificate.Source.IMPORT,
        status_index=77,
    )


@override_settings(CERTIFICATE_VERIFY_PER_MINUTE=0, CERTIFICATE_VERIFY_PER_DAY=0)
def test_public_verifies_on_a_phone(
    site: str, certificate: Certificate, new_page: Any, results_dir: Path
) -> None:
    page = new_page(width=375, height=740)
    page.goto(f"{site}/certificates/verify/")
    page.fill("#v-number", "s0001 2121 0201 2540 00077")  # typed loosely, lower case, with spaces
    page.fill("#v-name", "张小三")
    page.click("button[type=submit].btn-primary")
    result = page.locator("#verify-result")
    result.wait_for()
    text = result.inner_text()
    assert "证书有效" in text and "张*三" in text and "S000121210201254000077" in text
    assert "2102**********" in text and certificate.holder.citizen_id not in page.content()
    # fits the phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(results_dir / "verify-phone.png"), full_page=True)

    page.fill("#v-number", "S000121210201254000077")
    page.fill("#v-name", "李四")
    page.click("button[type=submit].btn-primary")
    page.locator("#verify-result").wait_for()
    assert "未查到与该证书编号和姓名相符的证书" in page.locator("#verify-result").inner_text()

    page.goto(f"{site}/certificates/v/{certificate.verification_token}")
    assert "张*三" in page.locator("#verify-result").inner_text()
    assert page.console_log.csp_violations() == []
