"""Schemas of the results API: recording, the batch, the import, the bureau's confirmation, issuance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field

from lijiao.certificates.models import LevelAssessment
from lijiao.core.pii import PIIKind, mask
from lijiao.core.schemas import ErrorOut, InputSchema, Schema

__all__ = [
    "BatchIn",
    "DecisionReasonIn",
    "ErrorOut",
    "IssueIn",
    "IssuedOut",
    "LevelResultOut",
    "LevelResultRowIn",
    "ResultFilters",
    "ResultIn",
]


class SubjectIn(InputSchema):
    site_code: str = Field(..., description="本机构的6位站点代码", max_length=10)
    assessed_on: dt.date = Field(..., description="认定日期（不晚于今天）")
    occupation_code: str | None = Field(None, description="职业编码（与专项项目编码二选一）", max_length=20)
    work_type_code: str | None = Field(None, description="工种编码（可选）", max_length=20)
    special_item_code: str | None = Field(None, description="专项职业能力项目编码", max_length=30)
    level: int | None = Field(None, description="等级 5（五级）… 1（一级）；专项不填")


class LevelResultRowIn(InputSchema):
    citizen_id: str = Field("", description="身份证号（与 enrollment_id 二选一）", max_length=30)
    enrollment_id: int | None = Field(None, description="培训报名编号（按培训班录入时）")
    name: str = Field("", description="姓名（填写时与登记的姓名核对）", max_length=50)
    theory_score: Decimal | None = Field(None, description="理论成绩 0–100，最多两位小数")
    practical_score: Decimal | None = Field(None, description="实操成绩 0–100，最多两位小数")
    review_score: Decimal | None = Field(None, description="综合评审成绩（技师、高级技师）")


class ResultIn(SubjectIn, LevelResultRowIn):
    """One result: the subject and one person's scores. Pass is derived, never sent."""


class BatchIn(SubjectIn):
    rows: list[LevelResultRowIn] = Field(..., description="每人一行，全部成功或全部不保存")


class DecisionReasonIn(InputSchema):
    reason: str = Field(..., max_length=500)


class IssueIn(InputSchema):
    assessment_ids: list[int] = Field(
        default_factory=list, description="要颁证的结果编号；为空表示本机构全部已合格且未颁证的结果"
    )
    issued_on: dt.date | None = Field(None, description="发证日期（默认今天）")


class CertificateBrief(Schema):
    id: int
    number: str
    assessment_id: int | None


class IssuedOut(Schema):
    issued: int
    certificates: list[CertificateBrief]


class LevelResultOut(Schema):
    """A result, read from the :class:`~lijiao.certificates.models.LevelAssessment` (resolvers below)."""

    id: int
    kind: str = Field(
        ..., description="level 等级认定、self_evaluation 企业自主评价、special 专项职业能力考核"
    )
    status: str = Field(..., description="recorded 已录入（待确认）、confirmed 已确认、rejected 不予确认")
    person_name: str
    citizen_id_masked: str
    enrollment_id: int | None
    body_id: int
    site_code: str
    occupation_code: str | None
    work_type_code: str | None
    special_item_code: str | None
    subject_name: str
    level: int | None
    theory_score: Decimal | None
    practical_score: Decimal | None
    review_score: Decimal | None
    passed: bool = Field(..., description="由成绩按合格标准判定")
    pass_basis: dict[str, Any] = Field(..., description="判定依据：比较的分数、标准及政策依据")
    assessed_on: dt.date
    decision_reason: str
    certificate_number: str | None

    @staticmethod
    def resolve_person_name(obj: LevelAssessment) -> str:
        return obj.person.name

    @staticmethod
    def resolve_citizen_id_masked(obj: LevelAssessment) -> str:
        return mask(PIIKind.CITIZEN_ID, obj.person.citizen_id)

    @staticmethod
    def resolve_site_code(obj: LevelAssessment) -> str:
        return obj.site.code

    @staticmethod
    def resolve_occupation_code(obj: LevelAssessment) -> str | None:
        return obj.occupation.code if obj.occupation else None

    @staticmethod
    def resolve_work_type_code(obj: LevelAssessment) -> str | None:
        return obj.work_type.code if obj.work_type else None

    @staticmethod
    def resolve_special_item_code(obj: LevelAssessment) -> str | None:
        return obj.special_item.code if obj.special_item else None

    @staticmethod
    def resolve_subject_name(obj: LevelAssessment) -> str:
        return subject_name(obj)

    @staticmethod
    def resolve_certificate_number(obj: LevelAssessment) -> str | None:
        certificate = getattr(obj, "certificate", None)
        return certificate.number if certificate is not None else None


def subject_name(obj: LevelAssessment) -> str:
    """What was assessed as people read it: 电工（高压电工）, or the 专项 item's name."""
    if obj.special_item is not None:
        return obj.special_item.name
    name = obj.occupation.name if obj.occupation else ""
    return f"{name}（{obj.work_type.name}）" if obj.work_type is not None else name


class ResultFilters(InputSchema):
    q: str | None = Field(None, description="姓名（包含）")
    kind: str | None = Field(None, description="level、self_evaluation、special")
    status: str | None = Field(None, description="recorded、confirmed、rejected")
    passed: str | None = Field(None, description="true 合格 / false 不合格")
    certified: str | None = Field(None, description="true 已颁证 / false 未颁证")
