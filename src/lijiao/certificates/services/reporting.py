"""Reporting certificates upward to the national certificate database (全国证书库), as an export adapter.

Subsidies elsewhere are refused until a certificate shows in the national lookup, so each skill-level and 专项
certificate issued here carries a report status: ``pending`` → ``exported`` (in an exchange file, awaiting the
receipt) → ``accepted`` or ``failed`` (with the reason; a failed one is exported again with the next batch).

:func:`export_batch` writes the pending (and previously failed) certificates to the exchange file — xlsx with
证书编号, 姓名, 证件号码, 职业, 工种, 等级, 评价机构, 发证日期 — stored with owner-only permissions (the ID numbers are
in clear: the national format needs them; nowhere else are they written out), and marks them exported.
:func:`record_receipts` applies the national database's answers, from a receipt file (:func:`read_receipt_file`)
or the API. Both are audited.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.certificates.models import Certificate, ReportBatch, ReportEntry
from lijiao.certificates.services.numbering import level_label
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, FieldError
from lijiao.core.importing import (
    CellError,
    ColumnSpec,
    ImportFileError,
    RowError,
    cell_free_text,
    cell_text,
    check_spreadsheet,
    open_table,
)
from lijiao.core.permissions import require_perm
from lijiao.core.xlsx import text_workbook
from lijiao.training.services.actors import user_of

__all__ = [
    "EXCHANGE_HEADER",
    "MAX_BATCH",
    "Receipt",
    "ReceiptResult",
    "export_batch",
    "latest_entries",
    "read_receipt_file",
    "record_receipts",
    "reportable",
]

REPORT_PERM = "certificates.report_certificate"
MAX_BATCH = 50_000
EXCHANGE_HEADER = ("证书编号", "姓名", "证件号码", "职业", "工种", "等级", "评价机构", "发证日期")
_ACCEPTED_WORDS = {"accepted", "成功", "已收录", "收录", "通过", "是", "y", "yes", "1", "true", "√"}
_FAILED_WORDS = {"failed", "失败", "未收录", "不通过", "否", "n", "no", "0", "false", "×"}


def reportable() -> Any:
    """Certificates waiting to be exported: pending, and failed ones to be sent again (oldest first)."""
    return Certificate.objects.filter(
        Q(report_status=Certificate.Report.PENDING) | Q(report_status=Certificate.Report.FAILED)
    ).order_by("id")


def _exchange_file(certificates: Sequence[Certificate]) -> bytes:
    output = io.BytesIO()
    workbook = text_workbook(output)
    try:
        sheet = workbook.add_worksheet("证书")
        head = workbook.add_format({"bold": True})
        for col, label in enumerate(EXCHANGE_HEADER):
            sheet.write_string(0, col, label, head)
        for row, c in enumerate(certificates, start=1):
            values = [
                c.number,
                c.holder_name,
                c.holder.citizen_id,
                c.occupation.name
                if c.occupation
                else (c.special_item.name if c.special_item else c.subject_name),
                c.work_type.name if c.work_type else "",
                level_label(c.level) if c.level else "",
                c.body.name if c.body else c.issuer_name,
                c.issued_on.isoformat(),
            ]
            for col, value in enumerate(values):
                sheet.write_string(row, col, str(value))
        sheet.set_column(0, 0, 26)
        sheet.set_column(2, 2, 22)
    finally:
        workbook.close()
    return output.getvalue()


@transaction.atomic
def export_batch(*, actor: Actor, limit: int = MAX_BATCH) -> ReportBatch:
    """Write the reportable certificates (at most ``limit``) to a new exchange file and mark them exported.

    Raises :class:`Conflict` when nothing waits to be reported.
    """
    require_perm(actor, REPORT_PERM)
    limit = max(1, min(limit, MAX_BATCH))
    ids = list(reportable().select_for_update().values_list("pk", flat=True)[:limit])
    if not ids:
        raise Conflict(_("没有待上报的证书"), code="nothing_to_report")
    certificates = list(
        Certificate.objects.filter(pk__in=ids)
        .select_related("holder", "occupation", "work_type", "special_item", "body")
        .order_by("id")
    )
    now = timezone.now()
    batch = ReportBatch.objects.create(certificate_count=len(certificates), created_by=user_of(actor))
    batch.file.save(
        f"national-certificates-{now:%Y%m%d%H%M%S}-{batch.pk}.xlsx",
        ContentFile(_exchange_file(certificates)),
        save=True,
    )
    ReportEntry.objects.bulk_create(ReportEntry(batch=batch, certificate_id=pk) for pk in ids)
    Certificate.objects.filter(pk__in=ids).update(
        report_status=Certificate.Report.EXPORTED, reported_at=now, updated_at=now
    )
    record_event(
        actor=actor,
        action="certificates.report.exported",
        obj=batch,
        after={"certificates": len(ids), "first_id": ids[0], "last_id": ids[-1]},
    )
    return batch


@dataclass(frozen=True, slots=True)
class Receipt:
    """One answer of the national database: the certificate number, accepted or not, and why not."""

    number: str
    accepted: bool
    reason: str = ""
    row_number: int | None = None  # in the receipt file


@dataclass(slots=True)
class ReceiptResult:
    """What :func:`record_receipts` did: accepted and failed counts."""

    accepted: int
    failed: int


def _receipt_errors(receipts: Sequence[Receipt]) -> tuple[dict[str, Certificate], list[FieldError]]:
    numbers = [r.number for r in receipts]
    found = {
        c.number: c for c in Certificate.objects.select_for_update().filter(number__in=numbers).order_by("id")
    }
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, receipt in enumerate(receipts):
        where = f"receipts[{index}]" if receipt.row_number is None else str(receipt.row_number)
        certificate = found.get(receipt.number)
        if receipt.number in seen:
            errors.append(FieldError(where, _("证书编号“%(number)s”重复") % {"number": receipt.number}))
        seen.add(receipt.number)
        if certificate is None:
            errors.append(FieldError(where, _("证书编号“%(number)s”不存在") % {"number": receipt.number}))
        elif certificate.report_status not in (Certificate.Report.EXPORTED, Certificate.Report.FAILED):
            errors.append(
                FieldError(
                    where,
                    _("证书“%(number)s”%(status)s，不是待回执的证书")
                    % {"number": receipt.number, "status": certificate.get_report_status_display()},
                )
            )
        if not receipt.accepted and not receipt.reason.strip():
            errors.append(
                FieldError(where, _("证书“%(number)s”上报失败，请填写原因") % {"number": receipt.number})
            )
        if len(receipt.reason) > 500:
            errors.append(FieldError(where, _("原因最多500字")))
    return found, errors


@transaction.atomic
def record_receipts(*, actor: Actor, receipts: Iterable[Receipt]) -> ReceiptResult:
    """Apply the national database's answers, all or nothing: accepted → ``accepted``; failed → ``failed`` with
    the reason (exported again with the next batch). Each certificate must be awaiting its receipt."""
    require_perm(actor, REPORT_PERM)
    items = [Receipt(r.number.strip().upper(), r.accepted, r.reason.strip(), r.row_number) for r in receipts]
    if not items:
        raise DomainError(_("回执中没有证书"), code="empty_receipt")
    found, errors = _receipt_errors(items)
    if errors:
        raise DomainError(
            _("回执有 %(count)d 处错误，未作任何处理：%(first)s")
            % {"count": len(errors), "first": errors[0].message},
            code="bad_receipt",
            errors=errors,
        )
    now = timezone.now()
    accepted = failed = 0
    batches: dict[int, tuple[int, int]] = {}
    for receipt in items:
        certificate = found[receipt.number]
        entry = ReportEntry.objects.filter(certificate=certificate).order_by("-id").first()
        outcome = ReportEntry.Outcome.ACCEPTED if receipt.accepted else ReportEntry.Outcome.FAILED
        if entry is not None:
            entry.outcome = outcome
            entry.reason = "" if receipt.accepted else receipt.reason
            entry.received_at = now
            entry.save(update_fields=["outcome", "reason", "received_at"])
            a, f = batches.get(entry.batch_id, (0, 0))
            batches[entry.batch_id] = (a + receipt.accepted, f + (not receipt.accepted))
        certificate.report_status = (
            Certificate.Report.ACCEPTED if receipt.accepted else Certificate.Report.FAILED
        )
        certificate.save(update_fields=["report_status", "updated_at"])
        accepted += receipt.accepted
        failed += not receipt.accepted
    for batch in ReportBatch.objects.filter(pk__in=batches):
        batch.accepted_count = ReportEntry.objects.filter(
            batch=batch, outcome=ReportEntry.Outcome.ACCEPTED
        ).count()
        batch.failed_count = ReportEntry.objects.filter(
            batch=batch, outcome=ReportEntry.Outcome.FAILED
        ).count()
        batch.save(update_fields=["accepted_count", "failed_count"])
    record_event(
        actor=actor,
        action="certificates.report.receipts",
        object_type="certificates.reportbatch",
        after={"accepted": accepted, "failed": failed, "batches": sorted(batches)},
    )
    return ReceiptResult(accepted=accepted, failed=failed)


RECEIPT_COLUMNS = (
    ColumnSpec("number", "证书编号", ("证书号", "编号"), required=True),
    ColumnSpec("result", "结果", ("上报结果", "状态", "是否收录", "收录结果"), required=True),
    ColumnSpec("reason", "原因", ("失败原因", "备注", "说明")),
)


def _accepted(value: Any) -> bool:
    text = cell_text(value).strip().casefold()
    if text in _ACCEPTED_WORDS:
        return True
    if text in _FAILED_WORDS:
        return False
    raise CellError(_("结果“%(text)s”无法识别，应为“成功”或“失败”") % {"text": text})


def read_receipt_file(file_name: str, data: bytes) -> tuple[list[Receipt], list[RowError]]:
    """The receipts of a receipt file (证书编号, 结果 成功/失败, 原因), or the rows' errors."""
    check_spreadsheet(file_name, data)
    table = open_table(file_name or "receipt.xlsx", data, RECEIPT_COLUMNS)
    receipts: list[Receipt] = []
    errors: list[RowError] = []
    for row in table.rows:
        try:
            number = cell_text(table.cell(row, "number"), allow_number=False).replace(" ", "")
            if not number:
                raise CellError(_("证书编号不能为空"))
        except CellError as exc:
            errors.append(RowError(row.number, table.label("number"), exc.message, row.values))
            continue
        try:
            accepted = _accepted(table.cell(row, "result"))
        except CellError as exc:
            errors.append(RowError(row.number, table.label("result"), exc.message, row.values))
            continue
        try:
            reason = cell_free_text(table.cell(row, "reason"))
        except CellError as exc:
            errors.append(RowError(row.number, table.label("reason"), exc.message, row.values))
            continue
        receipts.append(Receipt(number, accepted, reason, row.number))
    if not receipts and not errors:
        raise ImportFileError(_("回执文件中没有数据行"), code="empty")
    return receipts, errors


def latest_entries(certificate_ids: Iterable[int]) -> dict[int, ReportEntry]:
    """The newest report entry of each certificate (for its report status's reason)."""
    entries: dict[int, ReportEntry] = {}
    for entry in ReportEntry.objects.filter(certificate_id__in=list(certificate_ids)).order_by("id"):
        entries[entry.certificate_id] = entry
    return entries
