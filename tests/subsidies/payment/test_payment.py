"""Payment (issue 12 item 7) and clawback: batches, the bank file, paying exactly once, taking money back."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from lijiao.people.models import Notification
from lijiao.subsidies.models import (
    Claim,
    ClaimStatus,
    Clawback,
    Objection,
    PayeeAccount,
    PaymentBatch,
    PaymentLine,
)
from lijiao.subsidies.services import clawback as clawbacks
from lijiao.subsidies.services import payment as services
from tests.certificates.conftest import make_person
from tests.subsidies.payment.conftest import make_claim

pytestmark = pytest.mark.django_db


def test_batch_takes_payable_claims_and_reports_the_rest(finance: User) -> None:
    good = [make_claim(amount="1500.00"), make_claim(amount="400.50")]
    held = make_claim(payment_hold=True, hold_reason="养老金领取人员")
    no_account = make_claim(account=False)
    publicity = make_claim(status=ClaimStatus.PUBLICITY)
    objected = make_claim()
    Objection.objects.create(claim=objected, source="person", text="金额不对")
    result = services.create_payment_batch(actor=finance)
    batch = result.batch
    assert batch is not None and batch.number.startswith("PB") and batch.status == PaymentBatch.Status.DRAFT
    assert sorted(batch.lines.values_list("claim_id", flat=True)) == sorted(c.pk for c in good)
    assert (batch.line_count, batch.total) == (2, Decimal("1900.50"))
    reasons = {claim.pk: reason for claim, reason in result.skipped}
    assert set(reasons) == {held.pk, no_account.pk, objected.pk}  # not approved: not a candidate at all
    assert (
        "养老金" in reasons[held.pk] and "账户" in reasons[no_account.pk] and "异议" in reasons[objected.pk]
    )
    assert publicity.pk not in reasons
    # a second run finds nothing new: the good claims are on a line already
    again = services.create_payment_batch(actor=finance, claims=good)
    assert again.batch is None and all("其他发放批次" in r for _, r in again.skipped)
    assert PaymentBatch.objects.count() == 1


def test_batch_runs_the_register_check(finance: User, monkeypatch: pytest.MonkeyPatch) -> None:
    make_claim()

    def hold(*, claim, actor):  # type: ignore[no-untyped-def]
        Claim.objects.filter(pk=claim.pk).update(payment_hold=True, hold_reason="财政供养人员")
        return []

    monkeypatch.setattr(services, "check_registers", hold)
    result = services.create_payment_batch(actor=finance)
    assert result.batch is None and "财政供养人员" in result.skipped[0][1]
    assert not PaymentBatch.objects.exists()
    assert Claim.objects.get().payment_hold  # the hold the check placed is kept


def test_batch_permission(make_user: Callable[..., User]) -> None:
    make_claim()
    with pytest.raises(PermissionDenied):
        services.create_payment_batch(actor=make_user(Role.SECOND_REVIEWER))
    assert not PaymentLine.objects.exists()


def paid_batch(finance: User, claims: list[Claim]) -> PaymentBatch:
    batch = services.create_payment_batch(actor=finance, claims=claims).batch
    assert batch is not None
    return batch


def test_bank_file_xlsx_and_csv(finance: User) -> None:
    person = make_person("欧阳娜娜")
    claim = make_claim(person, amount="1350.00")
    other = make_claim(amount="400.00")
    batch = paid_batch(finance, [claim, other])
    events = AuditEvent.objects.filter(action="pii.exported").count()
    xlsx = services.export_bank_file(batch=batch, actor=finance, fmt="xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["序号", "姓名", "身份证号", "开户银行", "社会保障卡银行账号", "金额（元）", "申请编号"]
    first = rows[1]
    assert first[1:5] == [
        "欧阳娜娜",
        person.citizen_id,
        "中国工商银行大连分行",
        person.payee_account.account_number,
    ]
    assert (Decimal(str(first[5])), first[6]) == (Decimal("1350"), claim.number)
    assert rows[3][1] == "合计" and Decimal(str(rows[3][5])) == Decimal("1750")
    text = services.export_bank_file(batch=batch, actor=finance, fmt="csv")
    assert text.content.startswith(b"\xef\xbb\xbf") and text.rows == 2
    parsed = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert parsed[1] == [
        "1",
        "欧阳娜娜",
        person.citizen_id,
        "中国工商银行大连分行",
        person.payee_account.account_number,
        "1350.00",
        claim.number,
    ]
    assert parsed[-1][5] == "1750.00"
    assert AuditEvent.objects.filter(action="pii.exported").count() == events + 2
    exported = AuditEvent.objects.filter(action="pii.exported").latest("sequence")
    assert exported.after == {"rows": 2, "masked": False}
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.EXPORTED and batch.exported_at is not None
    with pytest.raises(DomainError):
        services.export_bank_file(batch=batch, actor=finance, fmt="pdf")


def test_mark_paid_is_idempotent(finance: User) -> None:
    claims = [make_claim(amount="1000.00"), make_claim(amount="2000.00")]
    batch = paid_batch(finance, claims)
    with pytest.raises(Conflict):  # the bank file first
        services.mark_batch_paid(batch=batch, actor=finance, bank_reference="HD001")
    services.export_bank_file(batch=batch, actor=finance)
    with pytest.raises(DomainError):
        services.mark_batch_paid(batch=batch, actor=finance, bank_reference=" ")
    first = services.mark_batch_paid(batch=batch, actor=finance, bank_reference="HD001")
    events = AuditEvent.objects.count()
    notes = Notification.objects.count()
    second = services.mark_batch_paid(batch=batch, actor=finance, bank_reference="HD002")
    assert (first.pk, first.status, first.bank_reference, first.paid_at) == (
        second.pk,
        second.status,
        second.bank_reference,
        second.paid_at,
    )
    assert second.bank_reference == "HD001"
    assert AuditEvent.objects.count() == events and Notification.objects.count() == notes
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.PAID and claim.paid_at == first.paid_at
    titles = set(Notification.objects.filter(kind="subsidy_paid").values_list("title", flat=True))
    assert titles == {"补贴已发放 1000.00元", "补贴已发放 2000.00元"}


def test_mark_paid_refused_whole_when_a_claim_changed(finance: User) -> None:
    claims = [make_claim(), make_claim()]
    batch = paid_batch(finance, claims)
    services.export_bank_file(batch=batch, actor=finance)
    Claim.objects.filter(pk=claims[1].pk).update(status=ClaimStatus.REJECTED)
    with pytest.raises(Conflict) as caught:
        services.mark_batch_paid(batch=batch, actor=finance, bank_reference="HD9")
    assert claims[1].number in caught.value.message
    claims[0].refresh_from_db()
    batch.refresh_from_db()
    assert claims[0].status == ClaimStatus.APPROVED and batch.status == PaymentBatch.Status.EXPORTED


def test_payment_line_is_unique_in_the_database(finance: User) -> None:
    from django.db import IntegrityError, transaction

    claim = make_claim()
    batch = paid_batch(finance, [claim])
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(batch=batch, claim=claim, amount=1, payee_name="x")


def test_payee_account(finance: User, make_user: Callable[..., User]) -> None:
    person = make_person("王五")
    worker = make_user(Role.WORKER, citizen_id=person.citizen_id)
    stranger = make_user(Role.WORKER)
    account = services.set_payee_account(
        actor=worker, person=person, bank_name="中国建设银行", account_number="6217 0000 1111 2222 333"
    )
    assert account.account_number == "6217000011112222333"
    event = AuditEvent.objects.filter(action="subsidies.payee_account.set").latest("sequence")
    assert "6217000011112222333" not in str(event.after) and event.after["account"].endswith("2333")
    services.set_payee_account(
        actor=finance, person=person, bank_name="中国银行", account_number="6216000011112222"
    )
    assert PayeeAccount.objects.get(person=person).bank_name == "中国银行"
    with pytest.raises(NotFound):
        services.set_payee_account(
            actor=stranger, person=person, bank_name="x", account_number="6216000011112222"
        )
    with pytest.raises(DomainError) as caught:
        services.set_payee_account(actor=finance, person=person, bank_name="", account_number="12ab")
    assert {e.field for e in caught.value.errors} == {"bank_name", "account_number"}


# ------------------------------------------------------------------------------------------------- clawback


def test_clawback_and_recovery(finance: User, make_user: Callable[..., User]) -> None:
    claim = make_claim(status=ClaimStatus.PAID, amount="1500.00")
    with pytest.raises(PermissionDenied):
        clawbacks.claw_back(claim=claim, actor=make_user(Role.SECOND_REVIEWER), reason="x", amount="1")
    with pytest.raises(DomainError):
        clawbacks.claw_back(claim=claim, actor=finance, reason="冒名申领", amount="1500.01")
    with pytest.raises(DomainError):
        clawbacks.claw_back(claim=claim, actor=finance, reason=" ", amount="100")
    assert not Clawback.objects.exists()
    clawback = clawbacks.claw_back(claim=claim, actor=finance, reason="冒名申领", amount="1500")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAWED_BACK and clawback.recovery_status == Clawback.Recovery.PENDING
    assert Notification.objects.filter(person=claim.person, kind="subsidy_clawback").exists()
    with pytest.raises(Conflict):  # once
        clawbacks.claw_back(claim=claim, actor=finance, reason="again", amount="1")
    clawbacks.record_recovery(clawback=clawback, actor=finance, amount="500")
    clawback.refresh_from_db()
    assert (clawback.recovered_amount, clawback.recovery_status) == (
        Decimal("500"),
        Clawback.Recovery.PARTIAL,
    )
    with pytest.raises(DomainError):
        clawbacks.record_recovery(clawback=clawback, actor=finance, amount="1000.01")
    with pytest.raises(DomainError):
        clawbacks.record_recovery(clawback=clawback, actor=finance, amount="-3")
    clawbacks.record_recovery(clawback=clawback, actor=finance, amount="1000")
    clawback.refresh_from_db()
    assert clawback.recovery_status == Clawback.Recovery.RECOVERED
    with pytest.raises(Conflict):
        clawbacks.record_recovery(clawback=clawback, actor=finance, amount="1")
    assert AuditEvent.objects.filter(action="subsidies.clawback.recovery").count() == 2


def test_clawback_refused_before_payment_and_write_off(finance: User) -> None:
    with pytest.raises(Conflict):
        clawbacks.claw_back(
            claim=make_claim(status=ClaimStatus.APPROVED), actor=finance, reason="x", amount="1"
        )
    clawback = clawbacks.claw_back(
        claim=make_claim(status=ClaimStatus.ARCHIVED), actor=finance, reason="重复领取", amount="300"
    )
    clawbacks.record_recovery(clawback=clawback, actor=finance, amount="100")
    clawbacks.write_off(clawback=clawback, actor=finance, reason="当事人已去世")
    clawback.refresh_from_db()
    assert clawback.recovery_status == Clawback.Recovery.WRITTEN_OFF
    with pytest.raises(Conflict):
        clawbacks.write_off(clawback=clawback, actor=finance, reason="again")
