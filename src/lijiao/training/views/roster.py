"""Roster import screens (issue #3 item 7): upload, the job's progress and result, the template, the report.

Only staff of the class's provider holding ``training.import_roster`` may import (a class outside the user's
scope is a 404, one they may see but not import into is a 403). A small file is imported in the request; a large
one goes to the worker (:func:`lijiao.training.roster_import.start_roster_import` decides). Either way the user lands on the job
page, which polls itself with htmx every second until the job has finished (no inline script: CSP), then shows
the imported count, or the first errors and a link to the full error report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lijiao.audit.services import record_event
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.core.importing import CSV_EXTENSIONS, SPREADSHEET_EXTENSIONS
from lijiao.core.models import ImportJob
from lijiao.training import roster_import as rosters
from lijiao.training.models import TrainingClass
from lijiao.training.selectors import enrollment as selectors
from lijiao.training.services.enrollment import require_class_staff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ERRORS_SHOWN = 50
RECENT_JOBS = 10


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("花名册文件"),
        help_text=gettext_lazy(
            "xlsx、xls、ods 或 csv；表头须含“姓名”“身份证号”等列（可用常见写法，如“公民身份号码”）。"
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.xls,.xlsm,.ods,.csv,.txt,text/csv," + XLSX, "id": "roster-file"}
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in SPREADSHEET_EXTENSIONS | CSV_EXTENSIONS:
            raise forms.ValidationError(
                _("请上传 xlsx、xls、ods 或 csv 文件"),
                code="bad_type",
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件不能超过 %(size)s MB") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="too_large"
            )
        return upload


def _class_or_404(request: HttpRequest, class_id: int) -> TrainingClass:
    try:
        return selectors.get_class(request.user, class_id)
    except NotFound:
        raise Http404(_("培训班不存在")) from None


def _require_import(request: HttpRequest, training_class: TrainingClass) -> None:
    """Only staff of the class's provider holding ``training.import_roster`` see the upload (else 403)."""
    require_class_staff(request.user, training_class, "training.import_roster")


def _job_or_404(request: HttpRequest, job_id: int) -> ImportJob:
    try:
        return rosters.get_import_job(request.user, job_id)
    except NotFound:
        raise Http404(_("导入任务不存在")) from None


def _download(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


def _upload_data(upload: Any) -> bytes | Path:
    temporary = getattr(upload, "temporary_file_path", None)
    return Path(temporary()) if temporary is not None else upload.read()


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest, class_id: int) -> HttpResponse:
    """Upload form, the template, and this class's recent imports."""
    training_class = _class_or_404(request, class_id)
    _require_import(request, training_class)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = upload.name or "roster.xlsx"
        data = _upload_data(upload)
        try:
            started = rosters.start_roster_import(
                actor=request.user, training_class=training_class, file_name=name, data=data
            )
        except DomainPermissionDenied:
            raise DjangoPermissionDenied("您没有为本班导入花名册的权限") from None
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            if started.result is None:
                messages.info(request, _("文件较大，已转入后台导入，本页会自动刷新进度。"))
            elif started.result.ok:
                messages.success(request, started.result.message)
            return redirect("training:import_job", job_id=started.job.pk)
    jobs = ImportJob.objects.filter(
        kind=rosters.IMPORT_KIND,
        target_type=TrainingClass._meta.label_lower,
        target_id=str(training_class.pk),
    ).order_by("-created_at", "-id")[:RECENT_JOBS]
    context = {
        "training_class": training_class,
        "form": form,
        "jobs": jobs,
        "columns": rosters.COLUMNS,
        "inline_max_rows": rosters.inline_limits()[0],
    }
    return render(request, "training/roster_import/upload.html", context)


@login_required
@require_GET
def roster_import_template(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("training.import_roster"):
        raise DjangoPermissionDenied("您没有导入花名册的权限")
    return _download(rosters.roster_template_xlsx(), "培训班花名册-导入模板.xlsx")


@login_required
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's progress (htmx polls the status fragment every second until it has finished) and outcome."""
    job = _job_or_404(request, job_id)
    training_class = (
        TrainingClass.objects.filter(pk=int(job.target_id)).first() if job.target_id.isdigit() else None
    )
    context = {
        "job": job,
        "training_class": training_class,
        "errors": rosters.report_preview(job, ERRORS_SHOWN) if job.status == ImportJob.Status.FAILED else [],
        "errors_shown": ERRORS_SHOWN,
        "file_row": rosters.FILE_ROW,
    }
    partial = bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )
    template = "training/roster_import/_job_status.html" if partial else "training/roster_import/job.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def import_job_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    if not job.report:
        raise Http404(_("该导入任务没有错误报告"))
    with job.report.open("rb") as handle:
        data = handle.read()
    record_event(
        actor=request.user, action="training.roster.report_downloaded", obj=job, after={"channel": "web"}
    )
    return _download(data, f"花名册导入错误报告-{job.pk}.xlsx")


urlpatterns: list[URLPattern] = [
    path("classes/<int:class_id>/roster/import/", roster_import, name="roster_import"),
    path("roster/import/template.xlsx", roster_import_template, name="roster_import_template"),
    path("import-jobs/<int:job_id>/", import_job, name="import_job"),
    path("import-jobs/<int:job_id>/report.xlsx", import_job_report, name="import_job_report"),
]
