"""Import adapters for the external registers (issue 12 item 9): one column layout per register kind.

A clerk's file (xlsx/xls/ods/csv — GBK or UTF-8 with BOM, title rows above the header) is read by
:mod:`lijiao.core.importing`. Every row is parsed and checked first; when any row fails — a bad ID, an ID Excel
stored as a number, a missing date — or the file carries a column no adapter knows, nothing is written and the
clerk gets the rows at fault (row, column, reason). ID numbers are validated, then kept only as their keyed
digest (``pii_digest(PIIKind.CITIZEN_ID, id)``): never in plain text.

Kinds and their columns (Chinese headers, synonyms accepted):

* 养老金领取人员 (``pension``): 姓名, 身份证号, 领取起始日期, 终止日期;
* 在校学生 (``student``): 姓名, 身份证号, 学校, 入学日期, 毕业日期, 学习形式, 专业;
* 财政供养人员 (``payroll``): 姓名, 身份证号, 单位, 起始日期, 截止日期;
* 失业登记 (``unemployment``): 姓名, 身份证号, 登记日期, 注销日期, 登记机构;
* 社会保险缴费 (``insurance``): 姓名, 身份证号, 缴费月份, 缴费单位, 单位性质 — one row per person and month,
  written as :class:`~lijiao.subsidies.models.ContributionMonth` (a later import of the same month replaces it).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError
from lijiao.core.identity import InvalidCitizenId, parse_citizen_id
from lijiao.core.importing import (
    CellError,
    ColumnSpec,
    ImportFileError,
    ImportResult,
    RowError,
    SourceRow,
    Table,
    cell_date,
    cell_free_text,
    cell_text,
    check_spreadsheet,
    is_blank,
    open_table,
    save_job,
)
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, pii_digester
from lijiao.subsidies.models import ContributionMonth, RegisterEntry, RegisterKind, RegisterSnapshot

__all__ = ["COLUMNS", "MAX_ROWS", "RegisterImport", "import_register"]

IMPORT_KIND = "subsidies.register"
MAX_ROWS = 200_000
MAX_FILE_BYTES = 50 * 1024 * 1024

_NAME = ColumnSpec("name", "姓名", ("人员姓名", "参保人姓名"), required=True)
_ID = ColumnSpec(
    "citizen_id", "身份证号", ("身份证号码", "证件号码", "公民身份号码", "社会保障号码"), required=True
)

# columns clerks' sheets often carry that mean nothing to the match: accepted and not read
_IGNORED = (
    ColumnSpec("serial", "序号", ("编号", "行号")),
    ColumnSpec("note", "备注", ("说明",)),
)

COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    RegisterKind.PENSION: (
        _NAME,
        _ID,
        ColumnSpec(
            "starts_on",
            "领取起始日期",
            ("起始日期", "开始领取日期", "待遇开始日期", "领取日期"),
            required=True,
        ),
        ColumnSpec("ends_on", "终止日期", ("停发日期", "截止日期")),
        ColumnSpec("scheme", "险种", ("养老保险类型", "待遇类型")),
    ),
    RegisterKind.STUDENT: (
        _NAME,
        _ID,
        ColumnSpec("school", "学校", ("学校名称", "院校", "院校名称"), required=True),
        ColumnSpec("starts_on", "入学日期", ("入学时间", "起始日期"), required=True),
        ColumnSpec("ends_on", "毕业日期", ("预计毕业日期", "毕业时间", "截止日期")),
        ColumnSpec("study_mode", "学习形式", ("培养方式", "就读方式")),
        ColumnSpec("major", "专业", ("专业名称",)),
    ),
    RegisterKind.PAYROLL: (
        _NAME,
        _ID,
        ColumnSpec("employer", "单位", ("单位名称", "工作单位", "供养单位"), required=True),
        ColumnSpec("starts_on", "起始日期", ("入编日期", "开始日期", "起始时间"), required=True),
        ColumnSpec("ends_on", "截止日期", ("终止日期", "结束日期", "截止时间")),
        ColumnSpec("funding", "经费形式", ("供养方式",)),
    ),
    RegisterKind.UNEMPLOYMENT: (
        _NAME,
        _ID,
        ColumnSpec("starts_on", "登记日期", ("失业登记日期", "起始日期"), required=True),
        ColumnSpec("ends_on", "注销日期", ("失业登记注销日期", "截止日期")),
        ColumnSpec("office", "登记机构", ("登记地", "经办机构")),
    ),
    RegisterKind.INSURANCE: (
        _NAME,
        _ID,
        ColumnSpec("month", "缴费月份", ("月份", "费款所属期", "所属期", "缴费年月"), required=True),
        ColumnSpec("employer", "缴费单位", ("单位", "单位名称", "参保单位")),
        ColumnSpec("employer_kind", "单位性质", ("单位类型",)),
        ColumnSpec("scheme", "险种", ("险种类型",)),
    ),
}

# detail keys kept as evidence, per kind, with the label reviewers read
_DETAIL_KEYS = ("school", "study_mode", "major", "employer", "funding", "office", "scheme")

_MONTH_RE = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))$")


def cell_month(value: Any) -> dt.date:
    """A month: a date cell (its month), 2025-03, 2025/3, 2025年3月, 202503 — as the first day of the month."""
    if is_blank(value):
        raise CellError(_("缴费月份不能为空"))
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return day.replace(day=1)
    text = cell_text(value)
    match = _MONTH_RE.match(text)
    if match:
        month = int(match[2] or match[3])
        if 1 <= month <= 12:
            return dt.date(int(match[1]), month, 1)
        raise CellError(_("月份“%(value)s”不存在") % {"value": text})
    try:
        parsed = cell_date(value)
    except CellError:
        raise CellError(
            _("缴费月份“%(value)s”格式无法识别，请填写如 2025-03 或 2025年3月") % {"value": text}
        ) from None
    assert parsed is not None
    return parsed.replace(day=1)


@dataclass(slots=True)
class _Row:
    number: int
    digest: str
    name: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RegisterImport:
    """What an import did: the generic result (rows, errors, job) and the snapshot written (``None`` on errors)."""

    result: ImportResult
    snapshot: RegisterSnapshot | None


def _parse_row(  # noqa: C901
    table: Table, row: SourceRow, kind: str, digest: Any, errors: list[RowError]
) -> _Row | None:
    failed = False

    def fail(key: str, message: str) -> None:
        nonlocal failed
        failed = True
        errors.append(RowError(row.number, table.label(key), message, row.values))

    def get(key: str, parse: Any) -> Any:
        try:
            return parse(table.cell(row, key))
        except CellError as exc:
            fail(key, exc.message)
            return None

    name = get("name", cell_free_text) or ""
    if len(name) > 50:
        fail("name", _("姓名最多50字"))
    number = ""
    try:
        number = parse_citizen_id(cell_text(table.cell(row, "citizen_id"), allow_number=False)).number
    except (CellError, InvalidCitizenId) as exc:
        fail("citizen_id", exc.message)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    if kind == RegisterKind.INSURANCE:
        starts_on = get("month", cell_month)
    else:
        starts_on = get("starts_on", cell_date)
        ends_on = get("ends_on", lambda v: cell_date(v, required=False))
        if starts_on and ends_on and ends_on < starts_on:
            fail("ends_on", _("截止日期早于起始日期"))
    detail: dict[str, str] = {}
    for key in _DETAIL_KEYS:
        if key in table.columns or (kind == RegisterKind.INSURANCE and key == "employer"):
            text = get(key, cell_free_text) or ""
            if len(text) > 100:
                fail(key, _("最多100字"))
            if text:
                detail[key] = text
    if kind == RegisterKind.INSURANCE and "employer_kind" in table.columns:
        text = get("employer_kind", cell_free_text) or ""
        if len(text) > 20:
            fail("employer_kind", _("单位性质最多20字"))
        if text:
            detail["employer_kind"] = text
    if kind == RegisterKind.STUDENT and not detail.get("school") and not failed:
        fail("school", _("学校不能为空"))
    if kind == RegisterKind.PAYROLL and not detail.get("employer") and not failed:
        fail("employer", _("单位不能为空"))
    if failed or starts_on is None:
        return None
    return _Row(row.number, digest(number), name, starts_on, ends_on, detail)


@transaction.atomic
def import_register(
    *,
    actor: Actor,
    kind: str,
    file_name: str,
    data: bytes,
    as_of: dt.date,
    source: str = "",
) -> RegisterImport:
    """Import one register file as a dated snapshot, all or nothing; the job (and error report) is recorded.

    Raises :class:`ImportFileError` for a file that cannot be read at all (wrong type, no header, a column no
    adapter knows, too big, empty) and :class:`DomainError` for a bad ``kind``, ``as_of`` or ``source``.
    """
    require_perm(actor, "subsidies.import_registersnapshot")
    started = timezone.now()
    if kind not in COLUMNS:
        raise DomainError.for_fields(_("名册类型有误"), {"kind": _("未知的名册类型")})
    if as_of > timezone.localdate():
        raise DomainError.for_fields(_("数据日期有误"), {"as_of": _("数据日期不能晚于今天")})
    source = (source or "").strip()
    if len(source) > 100:
        raise DomainError.for_fields(_("来源单位有误"), {"source": _("来源单位最多100字")})
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("文件超过 50 MB，请分批导入"), code="file_too_large")
    check_spreadsheet(file_name, data)
    specs = COLUMNS[kind]
    table = open_table(file_name or "import.xlsx", data, (*specs, *_IGNORED))
    if unknown := table.ignored_columns:
        raise ImportFileError(
            _("文件中有无法识别的列：%(columns)s。可用的列：%(known)s")
            % {
                "columns": "、".join(f"“{c}”" for c in unknown),
                "known": "、".join(f"“{s.label}”" for s in specs),
            },
            code="unknown_columns",
        )
    digest = pii_digester(PIIKind.CITIZEN_ID)
    errors: list[RowError] = []
    rows: list[_Row] = []
    seen: dict[tuple[str, dt.date | None], int] = {}
    total = 0
    for source_row in table.rows:
        total += 1
        if total > MAX_ROWS:
            raise ImportFileError(
                _("一次最多导入 %(max)d 行，请分批导入") % {"max": MAX_ROWS}, code="too_many_rows"
            )
        parsed = _parse_row(table, source_row, kind, digest, errors)
        if parsed is None:
            continue
        if kind == RegisterKind.INSURANCE:
            first = seen.setdefault((parsed.digest, parsed.starts_on), parsed.number)
            if first != parsed.number:
                errors.append(
                    RowError(
                        parsed.number,
                        table.label("month"),
                        _("同一人同一月份与第%(row)d行重复") % {"row": first},
                        source_row.values,
                    )
                )
                continue
        rows.append(parsed)
    if total == 0:
        raise ImportFileError(_("文件中没有数据行"), code="empty")
    snapshot: RegisterSnapshot | None = None
    if not errors:
        snapshot = _write(
            actor,
            kind=kind,
            file_name=Path(file_name or "import").name,
            as_of=as_of,
            source=source,
            rows=rows,
        )
    errors.sort(key=lambda e: e.row_number)
    job = save_job(
        kind=IMPORT_KIND,
        actor=actor,
        file_name=Path(file_name or "import").name,
        target=snapshot,
        total_rows=total,
        imported_rows=0 if errors else len(rows),
        errors=errors,
        header=table.header,
        message=_("已导入 %(count)d 条名册记录") % {"count": len(rows)} if not errors else "",
        started_at=started,
    )
    result = ImportResult(
        total_rows=total, imported_rows=0 if errors else len(rows), errors=errors, job_id=job.pk
    )
    return RegisterImport(result=result, snapshot=snapshot)


def _write(
    actor: Actor, *, kind: str, file_name: str, as_of: dt.date, source: str, rows: list[_Row]
) -> RegisterSnapshot:
    snapshot = RegisterSnapshot.objects.create(
        kind=kind,
        as_of=as_of,
        source=source,
        file_name=file_name[:200],
        row_count=len(rows),
        imported_by=actor,  # type: ignore[misc]
    )
    if kind == RegisterKind.INSURANCE:
        ContributionMonth.objects.bulk_create(
            [
                ContributionMonth(
                    citizen_id_digest=r.digest,
                    month=r.starts_on,  # type: ignore[misc]
                    employer_name=r.detail.get("employer", ""),
                    employer_kind=r.detail.get("employer_kind", ""),
                    snapshot=snapshot,
                )
                for r in rows
            ],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["citizen_id_digest", "month"],
            update_fields=["employer_name", "employer_kind", "snapshot"],
        )
    else:
        RegisterEntry.objects.bulk_create(
            [
                RegisterEntry(
                    snapshot=snapshot,
                    citizen_id_digest=r.digest,
                    name=r.name,
                    starts_on=r.starts_on,
                    ends_on=r.ends_on,
                    detail=r.detail,
                )
                for r in rows
            ],
            batch_size=2000,
        )
    record_event(
        actor=actor,
        action="subsidies.register.imported",
        obj=snapshot,
        object_repr=str(snapshot),
        after={"kind": kind, "as_of": as_of.isoformat(), "source": source, "row_count": len(rows)},
    )
    return snapshot
