# ruff: noqa: F811  (fixtures imported from the subsidies and training conftests are used as parameters)
"""In Chromium: a first reviewer reads a claim's rule trace and approves it; after its 公示 has ended the second
reviewer approves it for payment; finance makes the batch and marks it paid; the worker sees "已发放" (issue 12)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.core.calendar import add_working_days
from lijiao.subsidies.models import Claim, ClaimStatus, SchemeVersion
from lijiao.subsidies.services.evaluation import evaluate_claim
from lijiao.subsidies.services.payment import set_payee_account
from lijiao.subsidies.services.publicity import approve_after_publicity, publish_claims
from tests.browser.test_training_flow import log_in, log_out
from tests.subsidies.rules.conftest import (  # noqa: F401  (fixtures)
    finished_class,
    program,
    provider,
    schemes,
    trainee_claim,
    training_ref,
)
from tests.training.conftest import today

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(site: str, make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "reviewer1": make_user(Role.FIRST_REVIEWER, username="b_reviewer1"),
        "reviewer2": make_user(Role.SECOND_REVIEWER, username="b_reviewer2"),
        "finance": make_user(Role.FINANCE, username="b_finance"),
    }


def test_reviewer_reads_the_trace_finance_pays_the_worker_sees_it_paid(
    site: str,
    staff: dict[str, User],
    make_user: Callable[..., User],
    schemes: dict[str, SchemeVersion],
    trainee_claim: Claim,
    new_page: Any,
    results_dir: Path,
) -> None:
    claim = trainee_claim
    evaluation = evaluate_claim(claim=claim, actor=staff["reviewer1"], reason="提交")
    assert evaluation.passed, evaluation.lines
    person = claim.person
    make_user(Role.WORKER, username="b_worker", citizen_id=person.citizen_id)
    set_payee_account(
        actor=staff["finance"],
        person=person,
        bank_name="中国工商银行大连分行",
        account_number="6222020200112233445",
    )

    # The first reviewer reads why the rules passed, then approves.
    page = new_page()
    detail = f"/subsidies/claims/{claim.pk}/"
    log_in(page, site, "b_reviewer1", detail)
    trace = page.locator("#trace-lines")
    trace.wait_for()
    text = trace.inner_text()
    assert "R1" in text and "R9" in text and "未通过" not in text
    assert "attended" not in text and "application_date" not in text  # labels, never the machine keys
    page.screenshot(path=str(results_dir / "subsidy-trace.png"), full_page=True)
    page.locator("#action-first_approve button").click()
    page.wait_for_load_state()
    assert page.locator("#status-badge").inner_text() == "待复审"
    log_out(page)

    # 公示: published five working days back (as if the second reviewer had done it then), now ended.
    claim.refresh_from_db()
    start = today() - dt.timedelta(days=14)
    publicity = publish_claims(claims=[claim], actor=staff["reviewer2"], starts_on=start)
    assert publicity.ends_on == add_working_days(publicity.starts_on, 4) < today()
    approve_after_publicity(claim=claim, actor=staff["reviewer2"])

    # Finance puts the approved claim on a batch and marks it paid.
    log_in(page, site, "b_finance", "/subsidies/payment/batches/")
    assert claim.number in page.locator("#payable").inner_text()
    page.locator("#create-batch").click()
    page.wait_for_url("**/subsidies/payment/batches/*/")
    with page.expect_download() as download:  # the bank file first: the bank pays from it
        page.locator("#bank-xlsx").click()
    rows = CalamineWorkbook.from_path(download.value.path()).get_sheet_by_index(0).to_python()
    assert any(claim.number in [str(cell) for cell in row] for row in rows)
    page.reload()
    page.fill("#id_bank_reference", "ICBC-20261203-001")
    page.locator("#mark-paid").click()
    page.wait_for_load_state()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.paid_at is not None
    log_out(page)

    # The worker sees the money claimed in their name, and that it was paid.
    phone = new_page(width=375, height=740)
    log_in(phone, site, "b_worker", "/subsidies/mine/")
    mine = phone.locator("main").inner_text()
    assert claim.number in mine and "已发放" in mine
    phone.screenshot(path=str(results_dir / "subsidy-mine-paid.png"), full_page=True)
    assert page.console_log.csp_violations() == [] and phone.console_log.csp_violations() == []
