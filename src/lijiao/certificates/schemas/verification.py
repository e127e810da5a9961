"""Schemas of the public verification API (ADR 0018)."""

from __future__ import annotations

import datetime as dt

from ninja import Field

from lijiao.core.schemas import InputSchema, Schema


class VerifyIn(InputSchema):
    number: str = Field(..., max_length=100, description="证书编号（全角字符、空格会被规整）")
    name: str = Field(..., max_length=100, description="持证人姓名")


class VerifiedCertificateOut(Schema):
    number: str = Field(..., description="证书编号")
    holder_name: str = Field(..., description="持证人姓名（脱敏，如 张*三）")
    citizen_id: str = Field(..., description="身份证号（脱敏）")
    certificate_type: str = Field(..., description="证书类型代码")
    certificate_type_label: str = Field(..., description="证书类型")
    subject: str = Field(..., description="职业（工种）或专项职业能力项目")
    level: int | None = Field(None, description="等级代码（5 五级 … 1 一级）")
    level_label: str = Field(..., description="等级")
    issued_on: dt.date = Field(..., description="发证日期")
    issuer: str = Field(..., description="评价机构或发证机构")
    status: str = Field(..., description="valid 有效；revoked 已撤销")
    status_label: str = Field(..., description="证书状态")
    revoked_on: dt.date | None = Field(None, description="撤销日期")


class VerifyOut(Schema):
    matched: bool = Field(..., description="编号与姓名是否相符（不相符时不说明原因）")
    message: str = Field(..., description="给人看的结论")
    certificate: VerifiedCertificateOut | None = Field(None, description="相符时的证书信息（已脱敏）")
