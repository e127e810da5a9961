"""Subsidies API: external register snapshots — the list and the import of a clerk's file (multipart ``file``,
``kind``, ``as_of``, ``source``), all or nothing (under ``/api/v1/subsidies``)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.core.errors import DomainError
from lijiao.core.pagination import LimitOffsetPagination, paginate
from lijiao.core.permissions import require_perm
from lijiao.core.schemas import ErrorOut, Schema
from lijiao.subsidies import importers_registers
from lijiao.subsidies.models import RegisterKind, RegisterSnapshot
from lijiao.subsidies.selectors import findings as selectors

router = Router(auth=required_auth)


class FraudSnapshotOut(Schema):
    id: int
    kind: str
    kind_label: str
    as_of: dt.date
    source: str
    file_name: str
    row_count: int
    imported_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: RegisterSnapshot) -> str:
        return str(obj.get_kind_display())


class FraudRowErrorOut(Schema):
    row: int
    column: str
    message: str


class FraudRegisterImportOut(Schema):
    job_id: int | None
    snapshot_id: int | None
    total_rows: int
    imported_rows: int
    errors: list[FraudRowErrorOut]


@router.get(
    "/registers",
    response={200: list[FraudSnapshotOut], 401: ErrorOut, 403: ErrorOut},
    summary="外部名册快照列表",
)
@paginate(LimitOffsetPagination)
def snapshot_list(request: HttpRequest) -> QuerySet[RegisterSnapshot]:
    return selectors.snapshots(current_user(request))


@router.post(
    "/registers",
    response={
        200: FraudRegisterImportOut,
        400: FraudRegisterImportOut | ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
    },
    summary="导入外部名册（养老金领取、学籍、财政供养、失业登记、社保缴费；全部成功或全部不导入）",
)
def snapshot_import(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[str] = "",
    as_of: Form[str] = "",
    source: Form[str] = "",
) -> Status[dict[str, Any]]:
    """``kind``: pension / student / payroll / unemployment / insurance; ``as_of``: the data date (2026-03-31)."""
    user = current_user(request)
    require_perm(user, "subsidies.import_registersnapshot")  # before the form is read (ADR 0005)
    if kind not in RegisterKind.values:
        raise DomainError.for_fields(_("名册类型有误"), {"kind": _("未知的名册类型")})
    try:
        day = dt.date.fromisoformat(as_of.strip())
    except ValueError:
        raise DomainError.for_fields(
            _("数据日期有误"), {"as_of": _("请填写数据日期，如 2026-03-31")}
        ) from None
    if (file.size or 0) > importers_registers.MAX_FILE_BYTES:
        raise DomainError(_("文件超过 50 MB，请分批导入"), code="file_too_large")
    done = importers_registers.import_register(
        actor=user,
        kind=kind,
        file_name=file.name or "register.xlsx",
        data=file.read(),
        as_of=day,
        source=source,
    )
    result = done.result
    body = {
        "job_id": result.job_id,
        "snapshot_id": done.snapshot.pk if done.snapshot else None,
        "total_rows": result.total_rows,
        "imported_rows": result.imported_rows,
        "errors": [
            {"row": e.row_number, "column": e.column, "message": e.message} for e in result.errors[:100]
        ],
    }
    return Status(200 if result.ok else 400, body)
