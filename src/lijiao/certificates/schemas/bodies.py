"""Schemas of the evaluating-body registry API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field

from lijiao.core.schemas import ErrorOut, InputSchema, Schema

__all__ = [
    "AccreditationIn",
    "AccreditationOut",
    "BodyFilters",
    "BodyIn",
    "BodyOut",
    "ErrorOut",
    "SiteIn",
    "SiteOut",
]


class CodeName(Schema):
    code: str
    name: str


class SiteOut(Schema):
    id: int
    code: str = Field(..., description="6位站点代码")
    name: str
    address: str
    handling_area: str = Field(..., description="经办区域代码")
    active: bool

    @staticmethod
    def resolve_handling_area(obj: Any) -> str:
        return obj["handling_area"] if isinstance(obj, dict) else str(obj.handling_area.code)


class AccreditationOut(Schema):
    id: int
    occupation: CodeName | None = None
    work_type: CodeName | None = None
    special_item: CodeName | None = None
    levels: list[int] = Field(default_factory=list, description="可评等级（5 五级 … 1 一级）；专项为空")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class BodyOut(Schema):
    id: int
    kind: str = Field(..., description="Y 用人单位；S 社会培训评价组织")
    code: str = Field(..., description="4位机构代码")
    name: str
    credit_code: str
    province_code: str
    handling_area: str = Field(..., description="经办区域代码")
    provider_id: int | None = Field(None, description="同为培训机构时该机构的编号（培评分离）")
    contact_name: str
    contact_phone: str
    status: str = Field(..., description="active 有效、suspended 暂停、withdrawn 已退出")
    registered_on: dt.date | None = None
    sites: list[SiteOut] = Field(default_factory=list)
    accreditations: list[AccreditationOut] = Field(default_factory=list)

    @staticmethod
    def resolve_handling_area(obj: Any) -> str:
        return obj["handling_area"] if isinstance(obj, dict) else str(obj.handling_area.code)

    @staticmethod
    def resolve_sites(obj: Any) -> list[Any]:
        return obj["sites"] if isinstance(obj, dict) else list(obj.sites.all())

    @staticmethod
    def resolve_accreditations(obj: Any) -> list[Any]:
        return obj["accreditations"] if isinstance(obj, dict) else list(obj.accreditations.all())


class BodyIn(InputSchema):
    kind: str = Field(..., description="Y 用人单位；S 社会培训评价组织", pattern="^[YS]$")
    code: str = Field(..., description="4位机构代码", max_length=10)
    name: str = Field(..., max_length=100)
    handling_area: str = Field(..., description="经办区域代码", max_length=20)
    credit_code: str = Field("", max_length=30)
    province_code: str = Field("21", max_length=2)
    provider_id: int | None = Field(None, description="同为培训机构时该机构的编号")
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)
    status: str = Field("active", description="active、suspended、withdrawn")
    registered_on: dt.date | None = None


class SiteIn(InputSchema):
    code: str = Field(..., description="6位站点代码", max_length=10)
    name: str = Field(..., max_length=100)
    handling_area: str = Field(..., description="经办区域代码", max_length=20)
    address: str = Field("", max_length=200)
    active: bool = True


class AccreditationIn(InputSchema):
    occupation_code: str | None = Field(None, description="职业编码（与专项项目编码二选一）", max_length=20)
    work_type_code: str | None = Field(None, description="工种编码（可选）", max_length=20)
    special_item_code: str | None = Field(None, description="专项职业能力项目编码", max_length=30)
    levels: list[int] = Field(default_factory=list, description="可评等级（5 … 1）；专项不填")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class BodyFilters(InputSchema):
    q: str | None = Field(None, description="机构名称或代码（包含）")
    kind: str | None = Field(None, description="Y 或 S")
    status: str | None = Field(None, description="active、suspended、withdrawn")
