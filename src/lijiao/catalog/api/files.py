"""Catalog files: an edition as xlsx or pdf, a difference as xlsx; items imported from a spreadsheet into a draft."""

import re
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Status, UploadedFile

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.catalog.api.common import _edition, router
from lijiao.catalog.api.editions import _diff
from lijiao.catalog.forms import MAX_IMPORT_BYTES
from lijiao.catalog.schemas import CatalogImportErrorOut, CatalogImportOut, ErrorOut
from lijiao.core.errors import DomainError
from lijiao.core.permissions import require_perm

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"


def _file_name(*parts: str, suffix: str) -> str:
    text = "-".join(p for p in parts if p)
    text = re.sub(r'[\\/:*?"<>|\r\n\t]+', "_", text).strip(" ._") or "catalog"
    return f"{text}.{suffix}"


def _download(data: bytes, content_type: str, file_name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"
    )
    response["Content-Length"] = str(len(data))
    return response


def _binary(content_type: str, description: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            },
            404: {"description": "版本不存在（或为草稿且无权查看）"},
        }
    }


@router.get(
    "/editions/{edition_id}/export.xlsx",
    summary="下载目录（Excel）",
    openapi_extra=_binary(XLSX_CONTENT_TYPE, "目录 xlsx"),
)
def export_xlsx(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    from lijiao.catalog import exporters  # reportlab and xlsxwriter load on first use

    return _download(
        exporters.edition_xlsx(edition),
        XLSX_CONTENT_TYPE,
        _file_name("补贴性职业技能培训目录", edition.name, suffix="xlsx"),
        f"catalog-{edition.pk}.xlsx",
    )


@router.get(
    "/editions/{edition_id}/export.pdf",
    summary="下载目录（PDF）",
    openapi_extra=_binary(PDF_CONTENT_TYPE, "目录 PDF"),
)
def export_pdf(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    from lijiao.catalog import exporters  # reportlab and xlsxwriter load on first use

    return _download(
        exporters.edition_pdf(edition),
        PDF_CONTENT_TYPE,
        _file_name("补贴性职业技能培训目录", edition.name, suffix="pdf"),
        f"catalog-{edition.pk}.pdf",
    )


@router.get(
    "/editions/{old_id}/diff/{new_id}/export.xlsx",
    summary="下载两个版本的差异（Excel）",
    openapi_extra=_binary(XLSX_CONTENT_TYPE, "差异 xlsx"),
)
def export_diff_xlsx(request: HttpRequest, old_id: int, new_id: int) -> HttpResponse:
    diff = _diff(request, old_id, new_id)
    from lijiao.catalog import exporters  # reportlab and xlsxwriter load on first use

    return _download(
        exporters.diff_xlsx(diff),
        XLSX_CONTENT_TYPE,
        _file_name("目录变化", diff.old.name, diff.new.name, suffix="xlsx"),
        f"catalog-diff-{diff.old.pk}-{diff.new.pk}.xlsx",
    )


@router.post(
    "/editions/{edition_id}/import",
    auth=required_auth,
    response={
        200: CatalogImportOut,
        400: CatalogImportErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    summary="从 Excel/CSV 导入草稿版本的全部项目",
)
def import_items(
    request: HttpRequest,
    edition_id: int,
    file: File[UploadedFile],
) -> Status[dict[str, Any]]:
    """Replace every item of a draft with the rows of the file: all rows or none (row errors → 400)."""
    user = current_user(request)
    require_perm(user, "catalog.change_edition")
    edition = _edition(request, edition_id)
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise DomainError.for_fields(
            _("文件过大"),
            {"file": _("文件不能超过 %(size)s MB") % {"size": MAX_IMPORT_BYTES // (1024 * 1024)}},
        )
    from lijiao.catalog import importers

    result = importers.import_edition_file(
        actor=user, edition=edition, file_name=file.name or "", data=file.read()
    )
    job_id = result.job_id if result.job_id is None or isinstance(result.job_id, int) else str(result.job_id)
    counts = {"total_rows": result.total_rows, "imported_rows": result.imported_rows, "job_id": job_id}
    if not result.errors:
        return Status(200, counts)
    row_errors = [
        {"row_number": e.row_number, "column": e.column or None, "message": e.message, "values": e.values}
        for e in result.errors
    ]
    return Status(
        400,
        {
            "code": "import_failed",
            "message": _("文件中有 %(count)s 处错误，未导入任何项目") % {"count": len(row_errors)},
            "errors": [
                {
                    "field": e["column"] or "__all__",
                    "message": _("第%(row)s行：%(message)s")
                    % {"row": e["row_number"], "message": e["message"]},
                }
                for e in row_errors
            ],
            "row_errors": row_errors,
            **counts,
        },
    )
