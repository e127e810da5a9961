"""Roster import API (issue #3 item 7), under ``/api/v1/training``.

``POST /classes/{id}/roster/import`` (multipart ``file``: xlsx/xls/ods/csv) imports a class's roster, all rows or
none, with the same checks as the screen and ``lijiao import-roster``: 200 with the counts; 400 with the row
errors (the first 1,000; the job's report has all of them); 202 with the
job when the file is large enough to run in the background. ``GET /import-jobs/{id}`` follows a job's progress,
``GET /import-jobs/{id}/report.xlsx`` downloads its error report. Only staff of the class's provider holding
``training.import_roster`` may import (403); a class or job outside the caller's scope is a 404.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.audit.services import record_event
from lijiao.core.errors import DomainError, NotFound, PermissionDenied
from lijiao.core.models import ImportJob
from lijiao.training import roster_import
from lijiao.training.roster_import import FILE_ROW
from lijiao.training.schemas.roster import ErrorOut, ImportErrorOut, ImportOut, JobOut, QueuedOut
from lijiao.training.selectors import enrollment as selectors

router = Router(auth=required_auth, tags=["training"])

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job_out(job: ImportJob) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "file_name": job.file_name,
        "class_id": int(job.target_id) if job.target_id.isdigit() else None,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "imported_rows": job.imported_rows,
        "error_count": job.error_count,
        "progress": job.progress,
        "message": job.message,
        "created_at": job.created_at.isoformat(),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "url": reverse("api:import_job", args=[job.pk]),
        "page_url": reverse("training:import_job", args=[job.pk]),
        "report_url": reverse("api:import_job_report", args=[job.pk]) if job.report else None,
    }


def _upload(file: UploadedFile) -> bytes | Path:
    """The upload as bytes, or as the path of Django's temporary file for a large one (not read into memory)."""
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise DomainError.for_fields(
            _("文件过大"),
            {"file": _("文件不能超过 %(size)s MB") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}},
        )
    temporary = getattr(file, "temporary_file_path", None)
    return Path(temporary()) if temporary is not None else file.read()


@router.post(
    "/classes/{class_id}/roster/import",
    response={
        200: ImportOut,
        202: QueuedOut,
        400: ImportErrorOut | ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="导入培训班花名册（xlsx/csv，全部成功或全部不导入）",
    url_name="roster_import",
)
def import_roster(request: HttpRequest, class_id: int, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Import the roster in ``file``; large files are queued (202) and followed at ``url``."""
    user = current_user(request)
    if not (user.is_authenticated and user.has_perm("training.import_roster")):
        raise PermissionDenied()
    training_class = selectors.get_class(user, class_id)  # NotFound outside the caller's scope
    name = file.name or "roster.xlsx"
    data = _upload(file)
    started = roster_import.start_roster_import(
        actor=user, training_class=training_class, file_name=name, data=data
    )
    if started.result is None:
        job = started.job
        return Status(
            202,
            {
                "job_id": job.pk,
                "status": job.status,
                "message": _("文件较大，已转入后台导入"),
                "url": reverse("api:import_job", args=[job.pk]),
                "page_url": reverse("training:import_job", args=[job.pk]),
            },
        )
    result = started.result
    assert result.job_id is not None
    if result.ok:
        return Status(
            200,
            {
                "job_id": result.job_id,
                "total_rows": result.total_rows,
                "imported_rows": result.imported_rows,
                "people_created": result.people_created,
                "people_updated": result.people_updated,
                "groups_recorded": result.groups_recorded,
                "reenrolled": result.reenrolled,
                "message": result.message,
            },
        )
    return Status(
        400,
        {
            "code": "roster_invalid",
            "message": result.message,
            "errors": [
                {
                    "field": "file" if e.row_number == FILE_ROW else e.column or "__all__",
                    "message": e.message
                    if e.row_number == FILE_ROW
                    else _("第%(row)s行：%(message)s") % {"row": e.row_number, "message": e.message},
                }
                for e in result.errors[:100]
            ],
            "job_id": result.job_id,
            "total_rows": result.total_rows,
            "imported_rows": 0,
            "error_count": result.error_count,
            "row_errors": [
                {"row_number": e.row_number, "column": e.column or None, "message": e.message}
                for e in result.errors
            ],
            "report_url": reverse("api:import_job_report", args=[result.job_id]),
        },
    )


@router.get(
    "/import-jobs/{job_id}",
    response={200: JobOut, 401: ErrorOut, 404: ErrorOut},
    summary="导入任务进度和结果",
    url_name="import_job",
)
def get_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return _job_out(roster_import.get_import_job(current_user(request), job_id))


@router.get(
    "/import-jobs/{job_id}/report.xlsx",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="下载导入错误报告（xlsx）",
    url_name="import_job_report",
)
def get_report(request: HttpRequest, job_id: int) -> HttpResponse:
    user = current_user(request)
    job = roster_import.get_import_job(user, job_id)
    if not job.report:
        raise NotFound(_("该导入任务没有错误报告"))
    with job.report.open("rb") as handle:
        data = handle.read()
    record_event(actor=user, action="training.roster.report_downloaded", obj=job, after={"channel": "api"})
    response = HttpResponse(data, content_type=XLSX)
    name = f"花名册导入错误报告-{job.pk}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"roster-errors-{job.pk}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "no-store"
    return response
