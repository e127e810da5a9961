"""Certificates API: import of historical certificates (``POST /imports``, multipart ``file``), all or nothing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.certificates.schemas.issuance import ImportJobOut
from lijiao.certificates.services import history_import
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.models import ImportJob
from lijiao.core.permissions import require_perm
from lijiao.core.schemas import ErrorOut
from lijiao.training.roster_import.jobs import report_preview

router = Router(auth=required_auth)
IMPORT_PERM = "certificates.import_certificate"


def _job_out(job: ImportJob, errors: list[Any] | None = None) -> dict[str, Any]:
    if errors is None:
        errors = report_preview(job, 100) if job.status == ImportJob.Status.FAILED else []
    return {
        "job_id": job.pk,
        "status": job.status,
        "file_name": job.file_name,
        "total_rows": job.total_rows,
        "imported_rows": job.imported_rows,
        "error_count": job.error_count,
        "errors": [{"row": e.row_number, "column": e.column, "message": e.message} for e in errors[:100]],
        "report_url": reverse("certificates:certificate_import_report", args=[job.pk])
        if job.report
        else None,
    }


@router.post(
    "/imports",
    response={200: ImportJobOut, 400: ImportJobOut | ErrorOut, 401: ErrorOut, 403: ErrorOut},
    summary="导入历史证书（xlsx/xls/ods/csv，全部成功或全部不导入）",
)
def import_certificates(
    request: HttpRequest, file: File[UploadedFile], imported_from: Form[str] = ""
) -> Status[dict[str, Any]]:
    user = current_user(request)
    require_perm(user, IMPORT_PERM)
    if (file.size or 0) > history_import.MAX_FILE_BYTES:
        raise DomainError(_("文件超过 20 MB，请分批导入"), code="file_too_large")
    result = history_import.import_certificates(
        actor=user, file_name=file.name or "certificates.xlsx", data=file.read(), imported_from=imported_from
    )
    job = ImportJob.objects.get(pk=int(result.job_id or 0))
    return Status(200 if result.ok else 400, _job_out(job, result.errors))


@router.get(
    "/imports/{import_job_id}",
    response={200: ImportJobOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="证书导入结果",
)
def certificate_import_job(request: HttpRequest, import_job_id: int) -> dict[str, Any]:
    require_perm(current_user(request), IMPORT_PERM)
    job = ImportJob.objects.filter(pk=import_job_id, kind=history_import.IMPORT_KIND).first()
    if job is None:
        raise NotFound()
    return _job_out(job)
