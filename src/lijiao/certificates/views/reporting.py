"""Reporting upward (the bureau): what waits, export a batch (the exchange file), upload the receipt."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lijiao.audit.services import record_event
from lijiao.certificates.models import Certificate, ReportBatch
from lijiao.certificates.services import reporting
from lijiao.core.errors import Conflict, DomainError
from lijiao.core.importing import CSV_EXTENSIONS, SPREADSHEET_EXTENSIONS
from lijiao.core.xlsx import XLSX_CONTENT_TYPE
from lijiao.training.views.classes import staff_view

REPORT_PERM = "certificates.report_certificate"
MAX_RECEIPT_BYTES = 20 * 1024 * 1024


class ReceiptUploadForm(forms.Form):
    """The national database's receipt file: 证书编号, 结果 (成功/失败), 原因."""

    file = forms.FileField(label=gettext_lazy("回执文件（xlsx、xls、ods 或 csv）"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in SPREADSHEET_EXTENSIONS | CSV_EXTENSIONS:
            raise forms.ValidationError(_("请上传 xlsx、xls、ods 或 csv 文件"), code="bad_type")
        if upload.size > MAX_RECEIPT_BYTES:
            raise forms.ValidationError(_("文件不能超过 20 MB"), code="too_large")
        return upload


def _page(
    request: HttpRequest,
    form: ReceiptUploadForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    counts = dict(
        Certificate.objects.exclude(report_status=Certificate.Report.NOT_REQUIRED)
        .order_by()
        .values_list("report_status")
        .annotate(n=Count("id"))
        .values_list("report_status", "n")
    )
    return render(
        request,
        "certificates/issuance/reporting.html",
        {
            "counts": [
                (value, label, counts.get(value, 0))
                for value, label in Certificate.Report.choices
                if value != "not_required"
            ],
            "waiting": counts.get(Certificate.Report.PENDING, 0) + counts.get(Certificate.Report.FAILED, 0),
            "batches": ReportBatch.objects.select_related("created_by")[:30],
            "form": form or ReceiptUploadForm(),
            "receipt_errors": errors or [],
            "max_batch": reporting.MAX_BATCH,
        },
        status=status,
    )


@staff_view(REPORT_PERM)
@require_GET
def reporting_home(request: HttpRequest) -> HttpResponse:
    return _page(request)


@staff_view(REPORT_PERM)
@require_POST
def reporting_export(request: HttpRequest) -> HttpResponse:
    try:
        batch = reporting.export_batch(actor=request.user)
    except Conflict as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request,
            _("已导出 %(count)d 张证书（批次 %(batch)d），请下载交换文件报送全国证书库。")
            % {"count": batch.certificate_count, "batch": batch.pk},
        )
    return redirect("certificates:reporting")


@staff_view(REPORT_PERM)
@require_POST
def reporting_receipts(request: HttpRequest) -> HttpResponse:
    form = ReceiptUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        receipts, row_errors = reporting.read_receipt_file(upload.name or "receipt.xlsx", upload.read())
        if row_errors:
            lines = [
                _("第%(row)d行 %(column)s：%(message)s")
                % {"row": e.row_number, "column": e.column, "message": e.message}
                for e in row_errors[:50]
            ]
            return _page(request, form, lines, status=400)
        result = reporting.record_receipts(actor=request.user, receipts=receipts)
    except DomainError as exc:
        lines = [
            (_("第%(row)s行：%(message)s") % {"row": e.field, "message": e.message})
            if e.field.isdigit()
            else e.message
            for e in exc.errors[:50]
        ] or [exc.message]
        return _page(request, form, [exc.message, *lines] if exc.errors else lines, status=400)
    messages.success(
        request,
        _("回执已处理：收录 %(accepted)d 张，失败 %(failed)d 张。")
        % {"accepted": result.accepted, "failed": result.failed},
    )
    return redirect("certificates:reporting")


@staff_view(REPORT_PERM)
@require_GET
def reporting_batch_file(request: HttpRequest, batch_id: int) -> FileResponse:
    """The batch's exchange file (ID numbers in clear): every download is audited."""
    batch = ReportBatch.objects.filter(pk=batch_id).first()
    if batch is None or not batch.file:
        raise Http404(_("上报批次不存在"))
    record_event(actor=request.user, action="certificates.report.file_downloaded", obj=batch)
    response = FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=f"national-certificates-{batch.pk}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("reporting/", reporting_home, name="reporting"),
    path("reporting/export/", reporting_export, name="reporting_export"),
    path("reporting/receipts/", reporting_receipts, name="reporting_receipts"),
    path("reporting/batches/<int:batch_id>/file.xlsx", reporting_batch_file, name="reporting_batch_file"),
]
