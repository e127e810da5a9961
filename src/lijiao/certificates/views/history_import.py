"""Import of historical certificates (the bureau): upload → the job's result and its error report."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lijiao.audit.services import record_event
from lijiao.certificates.services import history_import
from lijiao.core.errors import DomainError
from lijiao.core.importing import CSV_EXTENSIONS, SPREADSHEET_EXTENSIONS
from lijiao.core.models import ImportJob
from lijiao.core.xlsx import XLSX_CONTENT_TYPE
from lijiao.training.roster_import.jobs import report_preview
from lijiao.training.views.classes import staff_view

IMPORT_PERM = "certificates.import_certificate"
MAX_UPLOAD_BYTES = history_import.MAX_FILE_BYTES
ERRORS_SHOWN = 50


class CertificateUploadForm(forms.Form):
    """The file and, for rows that leave 来源地 blank, where the certificates come from."""

    file = forms.FileField(label=gettext_lazy("证书文件（xlsx、xls、ods 或 csv）"))
    imported_from = forms.CharField(
        label=gettext_lazy("来源说明"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("如：沈阳市人社局2018年数据；文件中“来源地”列为空的行使用此说明"),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in SPREADSHEET_EXTENSIONS | CSV_EXTENSIONS:
            raise forms.ValidationError(_("请上传 xlsx、xls、ods 或 csv 文件"), code="bad_type")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件不能超过 %(size)s MB") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="too_large"
            )
        return upload


def _job_or_404(job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, kind=history_import.IMPORT_KIND).first()
    if job is None:
        raise Http404(_("导入任务不存在"))
    return job


@staff_view(IMPORT_PERM)
@require_http_methods(["GET", "POST"])
def certificate_import(request: HttpRequest) -> HttpResponse:
    form = CertificateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = history_import.import_certificates(
                actor=request.user,
                file_name=upload.name or "certificates.xlsx",
                data=upload.read(),
                imported_from=form.cleaned_data["imported_from"],
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
            for error in exc.errors:
                form.add_error(None, error.message)
        else:
            if result.ok:
                messages.success(request, _("已导入 %(count)d 张证书。") % {"count": result.imported_rows})
            else:
                messages.error(
                    request, _("有 %(count)d 处错误，未导入任何证书。") % {"count": len(result.errors)}
                )
            return redirect("certificates:certificate_import_job", job_id=result.job_id)
    jobs = ImportJob.objects.filter(kind=history_import.IMPORT_KIND).select_related("created_by")[:20]
    return render(
        request,
        "certificates/issuance/import.html",
        {"form": form, "jobs": jobs, "columns": history_import.COLUMNS, "max_rows": history_import.MAX_ROWS},
    )


@staff_view(IMPORT_PERM)
@require_GET
def certificate_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(job_id)
    errors = report_preview(job, ERRORS_SHOWN) if job.status == ImportJob.Status.FAILED else []
    response = render(
        request,
        "certificates/issuance/import_job.html",
        {"job": job, "errors": errors, "errors_shown": ERRORS_SHOWN},
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_view(IMPORT_PERM)
@require_GET
def certificate_import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(job_id)
    if not job.report:
        raise Http404(_("该导入任务没有错误报告"))
    with job.report.open("rb") as handle:
        data = handle.read()
    record_event(actor=request.user, action="certificates.import.report_downloaded", obj=job)
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="certificate-import-errors-{job.pk}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("imports/", certificate_import, name="certificate_import"),
    path("imports/<int:job_id>/", certificate_import_job, name="certificate_import_job"),
    path("imports/<int:job_id>/report.xlsx", certificate_import_report, name="certificate_import_report"),
]
