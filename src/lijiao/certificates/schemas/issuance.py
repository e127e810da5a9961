"""Schemas of the staff's certificate API (:mod:`lijiao.certificates.api.issuance`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field

from lijiao.certificates.models import Certificate, CertificateType
from lijiao.certificates.services.issuance import flag_labels
from lijiao.certificates.services.numbering import level_label
from lijiao.core.schemas import InputSchema, Schema


def _choices_text(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices if value)


class CertificateOut(Schema):
    """A certificate as the staff's list shows it."""

    id: int
    number: str = Field(..., description="证书编号")
    certificate_type: str = Field(..., description=f"证书类型：{_choices_text(CertificateType.choices)}")
    certificate_type_label: str
    holder_name: str = Field(..., description="持证人姓名（证书上所印）")
    subject_name: str = Field(..., description="职业（工种）/项目名称")
    level: int | None = Field(None, description="等级：5 五级 … 1 一级")
    level_label: str
    issuer_name: str = Field(..., description="发证机构")
    issued_on: dt.date
    source: str = Field(..., description=f"来源：{_choices_text(Certificate.Source.choices)}")
    status: str = Field(..., description=f"状态：{_choices_text(Certificate.Status.choices)}")
    status_label: str
    revoked_on: dt.date | None
    report_status: str = Field(..., description=f"上报状态：{_choices_text(Certificate.Report.choices)}")
    report_status_label: str

    @staticmethod
    def resolve_certificate_type_label(obj: Certificate) -> str:
        return str(obj.get_certificate_type_display())

    @staticmethod
    def resolve_level_label(obj: Certificate) -> str:
        return level_label(obj.level) if obj.level else ""

    @staticmethod
    def resolve_status_label(obj: Certificate) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_report_status_label(obj: Certificate) -> str:
        return str(obj.get_report_status_display())


class HistoryOut(Schema):
    occurred_at: dt.datetime
    action: str = Field(..., description="动作代码，如 certificates.certificate.revoked")
    actor: str = Field(..., description="操作人")
    reason: str
    before: Any = None
    after: Any = None


class CertificateDetailOut(CertificateOut):
    """A certificate with what it attests, who issued it, its flags and history."""

    holder_id: int = Field(..., description="持证人（人员 id）")
    holder_citizen_id_masked: str = Field(..., description="持证人身份证号（脱敏）")
    occupation_id: int | None
    work_type_id: int | None
    special_item_id: int | None
    body_id: int | None = Field(None, description="评价机构 id")
    site_id: int | None = Field(None, description="评价站点 id")
    assessment_id: int | None
    training_class_id: int | None
    revoked_reason: str
    flags: list[str] = Field(..., description="核查提示代码，如 issued_before_class_end")
    flag_labels: list[str]
    imported_from: str
    reported_at: dt.datetime | None
    history: list[HistoryOut]

    @staticmethod
    def resolve_flag_labels(obj: Certificate) -> list[str]:
        return flag_labels(obj.flags)

    @staticmethod
    def resolve_holder_citizen_id_masked(obj: Certificate) -> str:
        return str(getattr(obj, "holder_id_masked", ""))

    @staticmethod
    def resolve_history(obj: Certificate) -> list[dict[str, Any]]:
        return [
            {
                "occurred_at": e.occurred_at,
                "action": e.action,
                "actor": e.actor_label or (str(e.actor) if e.actor_id else ""),
                "reason": e.reason,
                "before": e.before,
                "after": e.after,
            }
            for e in getattr(obj, "history", [])
        ]


class CertificateFilters(InputSchema):
    """Query parameters of the certificate list, validated by
    :class:`lijiao.certificates.filters.CertificateFilterSet` (the screen's), hence read as text here."""

    number: str | None = Field(None, description="证书编号（前缀匹配）")
    holder_name: str | None = Field(None, description="持证人姓名（从第一个字起匹配：全名或姓氏）")
    certificate_type: str | None = Field(
        None, description=f"证书类型：{_choices_text(CertificateType.choices)}"
    )
    status: str | None = Field(None, description=f"状态：{_choices_text(Certificate.Status.choices)}")
    source: str | None = Field(None, description=f"来源：{_choices_text(Certificate.Source.choices)}")
    body_id: str | None = Field(None, description="评价机构 id（整数）")
    occupation_id: str | None = Field(None, description="职业 id（整数）")
    occupation_code: str | None = Field(None, description="职业编码，如 6-31-01-03")
    level: str | None = Field(None, description="等级：5 五级 … 1 一级")
    year: str | None = Field(None, description="发证年度，如 2026")
    report_status: str | None = Field(
        None, description=f"上报状态：{_choices_text(Certificate.Report.choices)}"
    )
    flagged: str | None = Field(None, description="有核查提示：true / false")


class RevokeIn(InputSchema):
    reason: str = Field(..., max_length=500, description="撤销原因")
    revoked_on: dt.date = Field(..., description="撤销日期（不晚于今天）")


class CorrectHolderIn(InputSchema):
    holder_name: str = Field(..., max_length=50, description="更正后的持证人姓名")
    reason: str = Field(..., max_length=500, description="更正原因")


class HistoryImportRowErrorOut(Schema):
    row: int = Field(..., description="文件中的行号")
    column: str = Field(..., description="出错的列（按文件中的表头）")
    message: str


class ImportJobOut(Schema):
    """An import of historical certificates: counts, status and (when it failed) the first errors."""

    job_id: int
    status: str = Field(..., description="succeeded（全部导入）或 failed（未导入任何证书）")
    file_name: str
    total_rows: int
    imported_rows: int
    error_count: int
    errors: list[HistoryImportRowErrorOut] = Field(default_factory=list, description="前 100 处错误")
    report_url: str | None = Field(None, description="完整错误报告（xlsx）的下载地址")


class ReportSummaryOut(Schema):
    pending: int = Field(..., description="待上报")
    exported: int = Field(..., description="已导出待回执")
    accepted: int = Field(..., description="全国库已收录")
    failed: int = Field(..., description="上报失败（随下一批重新导出）")


class ReportBatchOut(Schema):
    id: int
    created_at: dt.datetime
    certificate_count: int
    accepted_count: int
    failed_count: int
    file_url: str | None = Field(None, description="交换文件（含完整身份证号；每次下载均留痕）")


class ReceiptIn(InputSchema):
    number: str = Field(..., max_length=40, description="证书编号")
    accepted: bool = Field(..., description="全国证书库是否已收录")
    reason: str = Field("", max_length=500, description="未收录的原因（失败时必填）")


class ReceiptsIn(InputSchema):
    receipts: list[ReceiptIn] = Field(..., max_length=50_000)


class ReceiptResultOut(Schema):
    accepted: int
    failed: int
