"""Payment (SPEC C6, issue 12 item 7): payee accounts, batches, the bank file, and paying exactly once.

**Exactly once.** Three things hold it, whatever runs concurrently (several processes, approvals, two batch
runs at once): ``PaymentLine.claim`` is unique in the database, lines are inserted with ``ON CONFLICT DO NOTHING``
(a claim another batch took is reported as skipped, never paid twice), and a claim moves ``approved → paid`` only
through one conditional ``UPDATE … WHERE status = 'approved'`` for the batch's claims. Batch creation locks its
year's number counter first (a row lock held until commit), so concurrent runs take turns and the later one
sees the lines of the earlier; the number itself is drawn only when a batch is made.

**Idempotent.** :func:`mark_batch_paid` on a batch already paid is a no-op that answers the same batch; a batch
some of whose claims are no longer ``approved`` (rejected meanwhile) is refused whole, nothing written.

**The bank file** holds full ID and account numbers (the bank needs them): every download is recorded with
:func:`~lijiao.audit.services.record_personal_data_export` (``masked=False``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.audit.services import record_event, record_personal_data_export
from lijiao.certificates.models import SerialCounter
from lijiao.certificates.services.counters import draw_serial
from lijiao.core.actors import Actor, is_authenticated
from lijiao.core.errors import Conflict, DomainError, NotFound
from lijiao.core.permissions import has_any_perm, require_perm
from lijiao.core.pii import PIIKind, mask
from lijiao.core.xlsx import XLSX_CONTENT_TYPE, text_workbook
from lijiao.people.models import Person
from lijiao.people.services import notify
from lijiao.subsidies.models import (
    Claim,
    ClaimStatus,
    Objection,
    PayeeAccount,
    PaymentBatch,
    PaymentLine,
)
from lijiao.subsidies.services.registers import check_registers

__all__ = [
    "BANK_FILE_HEADER",
    "BankFile",
    "BatchCreation",
    "create_payment_batch",
    "export_bank_file",
    "mark_batch_paid",
    "set_payee_account",
]

ACCOUNT_RE = re.compile(r"^\d{12,25}$")
BANK_FILE_HEADER = (
    gettext_lazy("序号"),
    gettext_lazy("姓名"),
    gettext_lazy("身份证号"),
    gettext_lazy("开户银行"),
    gettext_lazy("社会保障卡银行账号"),
    gettext_lazy("金额（元）"),
    gettext_lazy("申请编号"),
)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


# ----------------------------------------------------------------------------------------------- payee account


def _is_self(actor: Actor | None, person: Person) -> bool:
    digest = str(getattr(actor, "citizen_id_digest", "") or "")
    return is_authenticated(actor) and bool(digest) and digest == person.citizen_id_digest


@transaction.atomic
def set_payee_account(*, actor: Actor, person: Person, bank_name: str, account_number: str) -> PayeeAccount:
    """Set or change the 社会保障卡 account ``person`` is paid to: finance (``pay_claim``) or the person."""
    if not (_is_self(actor, person) or has_any_perm(actor, "subsidies.pay_claim")):
        if is_authenticated(actor):
            raise NotFound(_("人员不存在"))
        require_perm(actor, "subsidies.pay_claim")
    bank_name = (bank_name or "").strip()
    number = re.sub(r"[\s-]", "", account_number or "")
    errors: dict[str, str] = {}
    if not bank_name or len(bank_name) > 100:
        errors["bank_name"] = _("请填写开户银行（100字以内）")
    if not ACCOUNT_RE.fullmatch(number):
        errors["account_number"] = _("银行账号应为12至25位数字")
    if errors:
        raise DomainError.for_fields(_("发放账户信息有误"), errors)
    account = PayeeAccount.objects.select_for_update().filter(person=person).first()
    before = (
        {"bank_name": account.bank_name, "account": mask(PIIKind.BANK_ACCOUNT, account.account_number)}
        if account
        else None
    )
    if account is None:
        account = PayeeAccount.objects.create(person=person, bank_name=bank_name, account_number=number)
    else:
        account.bank_name, account.account_number = bank_name, number
        account.save()
    record_event(
        actor=actor,
        action="subsidies.payee_account.set",
        obj=person,
        before=before,
        after={"bank_name": bank_name, "account": mask(PIIKind.BANK_ACCOUNT, number)},
    )
    return account


# ------------------------------------------------------------------------------------------------------ batches


@dataclass
class BatchCreation:
    """A new batch (None when nothing could be paid) and the claims left out, each with the reason."""

    batch: PaymentBatch | None
    skipped: list[tuple[Claim, str]] = field(default_factory=list)


def _skip_reason(claim: Claim) -> str | None:
    if claim.status != ClaimStatus.APPROVED:
        return _("状态为“%(status)s”，不是待发放") % {"status": claim.get_status_display()}
    if claim.payment_hold:
        return _("暂停发放：%(reason)s") % {"reason": claim.hold_reason or _("待核查")}
    if claim.has_line:  # type: ignore[attr-defined]
        return _("已在其他发放批次中")
    if claim.has_open_objection:  # type: ignore[attr-defined]
        return _("有未处理的异议")
    if not claim.amount or claim.amount <= 0:
        return _("补贴金额为空")
    if not claim.has_account:  # type: ignore[attr-defined]
        return _("未登记社会保障卡发放账户")
    return None


def _candidates(claims: list[Claim] | None) -> QuerySet[Claim]:
    queryset = (
        Claim.objects.all() if claims is not None else Claim.objects.filter(status=ClaimStatus.APPROVED)
    )
    if claims is not None:
        queryset = queryset.filter(pk__in=[c.pk for c in claims])
    return (
        queryset.select_related("person", "person__payee_account")
        .annotate(
            has_line=Exists(PaymentLine.objects.filter(claim=OuterRef("pk"))),
            has_open_objection=Exists(
                Objection.objects.filter(claim=OuterRef("pk"), status=Objection.Status.OPEN)
            ),
            has_account=Exists(PayeeAccount.objects.filter(person=OuterRef("person"))),
        )
        .order_by("id")
    )


@transaction.atomic
def create_payment_batch(*, actor: Actor, claims: list[Claim] | None = None) -> BatchCreation:
    """A batch of the approved claims (``claims``, or all) that are not held, on no line, with an account.

    The registers are checked again first (a match holds the claim). Returns the batch (None, and nothing
    written, when no claim qualifies) and the skipped claims with the reason.
    """
    require_perm(actor, "subsidies.add_paymentbatch")
    today = timezone.localdate()
    prefix = f"subsidies-payment-{today:%Y}"
    # Lock the year's batch counter first (held until commit): concurrent runs take turns, and the later one
    # sees the lines of the earlier. (The year's first run has no row to lock yet; the unique line still holds.)
    list(SerialCounter.objects.select_for_update().filter(prefix=prefix).values_list("pk", flat=True))
    result = BatchCreation(batch=None)
    eligible: list[Claim] = []
    for claim in _candidates(claims):
        reason = _skip_reason(claim)
        if reason is None:
            check_registers(claim=claim, actor=actor)
            claim.refresh_from_db(fields=["payment_hold", "hold_reason"])
            if claim.payment_hold:
                reason = _("暂停发放：%(reason)s") % {"reason": claim.hold_reason or _("待核查")}
        if reason is None:
            eligible.append(claim)
        else:
            result.skipped.append((claim, reason))
    if not eligible:
        return result  # no batch; a hold the register check placed stays
    serial = draw_serial(prefix)
    batch = PaymentBatch.objects.create(number=f"PB{today:%Y}{serial:06d}", created_by=actor)  # type: ignore[misc]
    PaymentLine.objects.bulk_create(
        [
            PaymentLine(
                batch=batch,
                claim=claim,
                amount=claim.amount,
                payee_name=claim.person.name,
                bank_name=claim.person.payee_account.bank_name,
                account_number=claim.person.payee_account.account_number,
            )
            for claim in eligible
        ],
        ignore_conflicts=True,  # ON CONFLICT DO NOTHING: a claim another batch took meanwhile stays there
    )
    taken = set(PaymentLine.objects.filter(batch=batch).values_list("claim_id", flat=True))
    for claim in eligible:
        if claim.pk not in taken:
            result.skipped.append((claim, _("已在其他发放批次中")))
    if not taken:  # every claim went to a concurrent batch meanwhile: no empty batch is kept
        batch.delete()
        return result
    totals = PaymentLine.objects.filter(batch=batch).aggregate(total=Sum("amount"))
    batch.total, batch.line_count = totals["total"] or Decimal(0), len(taken)
    batch.save(update_fields=["total", "line_count"])
    record_event(
        actor=actor,
        action="subsidies.payment_batch.created",
        obj=batch,
        after={"lines": batch.line_count, "total": batch.total, "skipped": len(result.skipped)},
    )
    result.batch = batch
    return result


# ---------------------------------------------------------------------------------------------------- bank file


@dataclass(frozen=True)
class BankFile:
    filename: str
    content: bytes
    content_type: str
    rows: int


def _safe_cell(value: str) -> str:
    """A csv cell a spreadsheet will not evaluate (a leading =, +, -, @ is quoted away)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _bank_rows(batch: PaymentBatch) -> list[tuple[int, str, str, str, str, Decimal, str]]:
    lines = PaymentLine.objects.filter(batch=batch).select_related("claim__person").order_by("id")
    return [
        (
            n,
            line.payee_name,
            line.claim.person.citizen_id,
            line.bank_name,
            line.account_number or "",
            line.amount,
            line.claim.number,
        )
        for n, line in enumerate(lines, start=1)
    ]


@transaction.atomic
def export_bank_file(*, batch: PaymentBatch, actor: Actor, fmt: str = "xlsx") -> BankFile:
    """The bank file of ``batch`` for payment to 社会保障卡 accounts (full numbers; the export is logged)."""
    require_perm(actor, "subsidies.pay_claim")
    if fmt not in ("xlsx", "csv"):
        raise DomainError.for_fields(_("文件格式无效"), {"fmt": _("请选择 xlsx 或 csv")})
    rows = _bank_rows(batch)
    header = [str(h) for h in BANK_FILE_HEADER]
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(header)
        for n, name, cid, bank, account, amount, number in rows:
            writer.writerow([n, _safe_cell(name), cid, _safe_cell(bank), account, f"{amount:.2f}", number])
        writer.writerow(["", _("合计"), "", "", "", f"{sum((r[5] for r in rows), Decimal(0)):.2f}", ""])
        content, content_type = text.getvalue().encode("utf-8-sig"), CSV_CONTENT_TYPE
    else:
        output = io.BytesIO()
        workbook = text_workbook(output, in_memory=True)
        sheet = workbook.add_worksheet(_("银行发放文件")[:31])
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "0.00"})
        for col, label in enumerate(header):
            sheet.write_string(0, col, label, bold)
        for r, (n, name, cid, bank, account, amount, number) in enumerate(rows, start=1):
            sheet.write_number(r, 0, n)
            for col, value in ((1, name), (2, cid), (3, bank), (4, account), (6, number)):
                sheet.write_string(r, col, value)
            sheet.write_number(r, 5, float(amount), money)
        total_row = len(rows) + 1
        sheet.write_string(total_row, 1, _("合计"), bold)
        sheet.write_number(total_row, 5, float(sum((r[5] for r in rows), Decimal(0))), money)
        sheet.set_column(1, 6, 22)
        workbook.close()
        content, content_type = output.getvalue(), XLSX_CONTENT_TYPE
    record_personal_data_export(
        actor=actor,
        what=_("发放批次%(number)s银行文件") % {"number": batch.number},
        rows=len(rows),
        masked=False,
    )
    now = timezone.now()
    if PaymentBatch.objects.filter(pk=batch.pk, status=PaymentBatch.Status.DRAFT).update(
        status=PaymentBatch.Status.EXPORTED, exported_at=now
    ):
        batch.status, batch.exported_at = PaymentBatch.Status.EXPORTED, now
        record_event(actor=actor, action="subsidies.payment_batch.exported", obj=batch, after={"format": fmt})
    return BankFile(f"{batch.number}.{fmt}", content, content_type, len(rows))


# ------------------------------------------------------------------------------------------------------- paying


@transaction.atomic
def mark_batch_paid(*, batch: PaymentBatch, actor: Actor, bank_reference: str) -> PaymentBatch:
    """The bank has paid ``batch``: each claim ``approved → paid`` (one conditional update), people notified.

    Idempotent: a batch already paid answers itself unchanged. Refused before the bank file was exported, and
    (whole, nothing written) if a claim of the batch is no longer approved.
    """
    require_perm(actor, "subsidies.pay_claim")
    bank_reference = (bank_reference or "").strip()
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == PaymentBatch.Status.PAID:
        return batch
    if not bank_reference or len(bank_reference) > 100:
        raise DomainError.for_fields(
            _("请填写银行回单号"), {"bank_reference": _("请填写银行回单号（100字以内）")}
        )
    if batch.status != PaymentBatch.Status.EXPORTED:
        raise Conflict(_("请先导出银行文件，银行发放后再确认"), code="not_exported")
    lines = list(PaymentLine.objects.filter(batch=batch).select_related("claim__person").order_by("id"))
    claim_ids = [line.claim_id for line in lines]
    now = timezone.now()
    moved = Claim.objects.filter(pk__in=claim_ids, status=ClaimStatus.APPROVED).update(
        status=ClaimStatus.PAID, paid_at=now
    )
    if moved != len(claim_ids):
        stale = (
            Claim.objects.filter(pk__in=claim_ids)
            .exclude(status=ClaimStatus.PAID)
            .values_list("number", flat=True)
        )
        raise Conflict(  # rolls the claims moved above back: nothing written
            _("以下补贴申请已不是待发放状态，请核对后处理：%(numbers)s") % {"numbers": "、".join(stale)},
            code="claims_changed",
        )
    batch.status, batch.paid_at, batch.paid_by, batch.bank_reference = (
        PaymentBatch.Status.PAID,
        now,
        actor,  # type: ignore[assignment]
        bank_reference,
    )
    batch.save(update_fields=["status", "paid_at", "paid_by", "bank_reference"])
    for line in lines:
        record_event(
            actor=actor,
            action="subsidies.claim.pay",
            obj=line.claim,
            after={"status": ClaimStatus.PAID, "batch": batch.number, "amount": line.amount},
        )
        notify(
            person=line.claim.person,
            kind="subsidy_paid",
            title=_("补贴已发放 %(amount)s元") % {"amount": f"{line.amount:.2f}"},
            body=_("您的补贴申请%(number)s已发放至尾号%(tail)s的社会保障卡账户。")
            % {"number": line.claim.number, "tail": (line.account_number or "")[-4:]},
        )
    record_event(
        actor=actor,
        action="subsidies.payment_batch.paid",
        obj=batch,
        after={"lines": len(lines), "total": batch.total, "bank_reference": bank_reference},
    )
    return batch
