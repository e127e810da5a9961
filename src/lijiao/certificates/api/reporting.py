"""Certificates API: reporting upward to the national certificate database (the bureau)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Status

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.certificates.models import Certificate, ReportBatch
from lijiao.certificates.schemas.issuance import (
    ReceiptResultOut,
    ReceiptsIn,
    ReportBatchOut,
    ReportSummaryOut,
)
from lijiao.certificates.services import reporting
from lijiao.core.permissions import require_perm
from lijiao.core.schemas import ErrorOut

router = Router(auth=required_auth)
REPORT_PERM = "certificates.report_certificate"
_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut}


def _batch_out(batch: ReportBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "created_at": batch.created_at,
        "certificate_count": batch.certificate_count,
        "accepted_count": batch.accepted_count,
        "failed_count": batch.failed_count,
        "file_url": reverse("certificates:reporting_batch_file", args=[batch.pk]) if batch.file else None,
    }


@router.get(
    "/reporting/summary",
    response={200: ReportSummaryOut, 401: ErrorOut, 403: ErrorOut},
    summary="上报全国证书库：各状态证书数",
)
def report_summary(request: HttpRequest) -> dict[str, int]:
    require_perm(current_user(request), REPORT_PERM)
    counts = dict(
        Certificate.objects.order_by()
        .values_list("report_status")
        .annotate(n=Count("id"))
        .values_list("report_status", "n")
    )
    return {key: counts.get(key, 0) for key in ("pending", "exported", "accepted", "failed")}


@router.post(
    "/reporting/batches",
    response={201: ReportBatchOut, **_ERRORS},
    summary="导出待上报证书为交换文件（标记为已导出待回执；没有待上报证书时 409）",
)
def report_export(request: HttpRequest) -> Status[dict[str, Any]]:
    batch = reporting.export_batch(actor=current_user(request))
    return Status(201, _batch_out(batch))


@router.post(
    "/reporting/receipts",
    response={200: ReceiptResultOut, **_ERRORS},
    summary="登记全国证书库回执（全部正确才处理）",
)
def report_receipts(request: HttpRequest, payload: ReceiptsIn) -> dict[str, int]:
    result = reporting.record_receipts(
        actor=current_user(request),
        receipts=[reporting.Receipt(r.number, r.accepted, r.reason) for r in payload.receipts],
    )
    return {"accepted": result.accepted, "failed": result.failed}
