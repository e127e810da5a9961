"""Schemas of the providers API (:mod:`lijiao.providers.api`); personal data is always masked on the way out."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field
from pydantic import BeforeValidator

from lijiao.catalog.models import Level
from lijiao.core.identity import InvalidCitizenId, InvalidCreditCode, parse_citizen_id, parse_credit_code
from lijiao.core.pii import PIIKind, mask
from lijiao.core.schemas import InputSchema, Schema
from lijiao.providers.models import (
    BlacklistEntry,
    CreditEvent,
    Provider,
    ProviderScope,
    ProviderStatus,
    Teacher,
)
from lijiao.providers.services import access


def _choices_text(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices if value)


def _text_only(parser: Any) -> Any:
    """A text field that refuses a JSON number with the identity parser's "stored as a number" message."""

    def check(value: Any) -> Any:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            try:
                parser(value)
            except (InvalidCitizenId, InvalidCreditCode) as exc:
                raise ValueError(exc.message) from None
        return value

    return BeforeValidator(check)


CitizenIdIn = Annotated[str, _text_only(parse_citizen_id)]
CreditCodeIn = Annotated[str, _text_only(parse_credit_code)]


class FieldErrorOut(Schema):
    field: str = Field(..., description="出错的字段（__all__ 表示整体）")
    message: str = Field(..., description="错误说明（中文，附英文）")


class ErrorOut(Schema):
    code: str = Field(
        ..., description="机器可读的错误代码，如 not_found、permission_denied、transition_not_allowed"
    )
    message: str
    errors: list[FieldErrorOut] = Field(default_factory=list)


class AreaRef(Schema):
    id: int
    code: str
    name: str


class ProviderOut(Schema):
    id: int
    credit_code: str = Field(..., description="统一社会信用代码")
    name: str
    type: str = Field(..., description=f"机构类型：{_choices_text(Provider.Type.choices)}")
    type_label: str
    handling_area: AreaRef
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str = Field(..., description="联系电话（脱敏）")
    licence_number: str = Field(..., description="办学许可证号")
    licence_expires_on: dt.date | None = Field(None, description="许可证有效期至")
    status: str = Field(..., description=f"状态：{_choices_text(ProviderStatus.choices)}")
    status_label: str
    status_reason: str = Field(..., description="未通过/暂停/清退的原因")
    actions: list[str] = Field(
        ...,
        description="调用者当前可执行的流转（状态允许且有审核权限）：approve/reject/suspend/reinstate/remove",
    )
    approved_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_type_label(obj: Provider) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_status_label(obj: Provider) -> str:
        return str(ProviderStatus(obj.status).label)

    @staticmethod
    def resolve_contact_phone(obj: Provider) -> str:
        return mask(PIIKind.PHONE, obj.contact_phone)

    @staticmethod
    def resolve_actions(obj: Provider, context: dict[str, Any]) -> list[str]:
        """Only what the caller may do (ADR 0005), as the screen's buttons."""
        return access.allowed_actions(context["request"].user, obj)


class ProviderIn(InputSchema):
    name: str = Field(..., max_length=100, description="机构名称")
    type: Provider.Type = Field(..., description=f"机构类型：{_choices_text(Provider.Type.choices)}")
    handling_area: str = Field(..., max_length=20, description="经办区域代码，如 ZS（中山区）")
    address: str = Field("", max_length=200)
    legal_representative: str = Field("", max_length=50)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30, description="联系电话：11位手机号或带区号的固定电话")
    licence_number: str = Field("", max_length=50)
    licence_expires_on: dt.date | None = Field(None, description="许可证有效期至 YYYY-MM-DD")


class ProviderRegisterIn(ProviderIn):
    credit_code: CreditCodeIn = Field(..., max_length=40, description="统一社会信用代码（18位，GB 32100）")


class ContactIn(InputSchema):
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)


class ReasonIn(InputSchema):
    reason: str = Field("", max_length=500, description="原因（不通过、暂停、清退时必填）")


class ScopeEntryOut(Schema):
    id: int
    kind: str = Field(..., description="occupation 职业 / special 专项职业能力 / business_start 创业培训")
    code: str
    name: str
    highest_level: int | None = Field(
        None, description="可培训的最高等级（1=一级 … 5=五级），该等级及以下均可"
    )
    highest_level_label: str | None = None
    levels: list[int] = Field(..., description="覆盖的等级")

    @staticmethod
    def resolve_kind(obj: ProviderScope) -> str:
        return "occupation" if obj.occupation_id else (obj.special_item.kind if obj.special_item else "")

    @staticmethod
    def resolve_code(obj: ProviderScope) -> str:
        subject = obj.occupation or obj.special_item
        return subject.code if subject else ""

    @staticmethod
    def resolve_name(obj: ProviderScope) -> str:
        subject = obj.occupation or obj.special_item
        return subject.name if subject else ""

    @staticmethod
    def resolve_highest_level_label(obj: ProviderScope) -> str | None:
        return str(Level(obj.highest_level).label) if obj.highest_level in Level.values else None

    @staticmethod
    def resolve_levels(obj: ProviderScope) -> list[int]:
        return list(range(obj.highest_level, 6)) if obj.highest_level else []


class OccupationScopeIn(InputSchema):
    code: str = Field(..., max_length=30, description="职业编码，如 6-31-01-03")
    highest_level: int = Field(..., description="最高等级 1–5（1=一级最高）；该等级及以下均可培训")


class ScopeIn(InputSchema):
    occupations: list[OccupationScopeIn] = Field(default_factory=list)
    special_items: list[str] = Field(default_factory=list, description="专项职业能力/创业项目编码")


class ListedProviderOut(Schema):
    id: int
    credit_code: str
    name: str
    type: str
    type_label: str
    handling_area: str
    address: str
    scope: list[ScopeEntryOut]

    @staticmethod
    def resolve_type_label(obj: Provider) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_handling_area(obj: Provider) -> str:
        return obj.handling_area.name

    @staticmethod
    def resolve_scope(obj: Provider) -> list[ProviderScope]:
        return list(obj.scopes.all())


class SubjectRef(Schema):
    code: str
    name: str


class TeacherOut(Schema):
    id: int
    provider_id: int
    name: str
    citizen_id: str = Field(..., description="身份证号（脱敏）")
    phone: str = Field(..., description="手机号（脱敏）")
    occupation: SubjectRef | None = None
    certificates: str = Field(..., description="资格证书，一行一个")
    is_practical: bool
    active: bool

    @staticmethod
    def resolve_citizen_id(obj: Teacher) -> str:
        return mask(PIIKind.CITIZEN_ID, obj.citizen_id)

    @staticmethod
    def resolve_phone(obj: Teacher) -> str:
        return mask(PIIKind.PHONE, obj.phone)


class TeacherIn(InputSchema):
    name: str = Field(..., max_length=50)
    citizen_id: CitizenIdIn | None = Field(
        None, max_length=40, description="身份证号（文本）；修改时不传或为 null 表示不变，空字符串表示清除"
    )
    phone: str | None = Field(None, max_length=30, description="手机号；修改时不传表示不变")
    occupation_code: str | None = Field(None, max_length=30, description="专业职业编码")
    certificates: str = Field("", max_length=2000, description="资格证书（名称、编号、等级），一行一个")
    is_practical: bool = Field(False, description="实操教师")
    active: bool | None = Field(None, description="在职；修改时不传表示不变")


class VenueOut(Schema):
    id: int
    provider_id: int
    name: str
    address: str
    region: SubjectRef | None = None
    capacity: int
    is_practical: bool
    active: bool


class VenueIn(InputSchema):
    name: str = Field(..., max_length=100)
    address: str = Field(..., max_length=200)
    region_code: str | None = Field(None, max_length=6, description="所在区划代码（GB/T 2260）")
    capacity: int = Field(..., description="容纳人数")
    is_practical: bool = Field(False, description="实训场地")
    active: bool = True


class BlacklistOut(Schema):
    id: int
    provider_id: int
    reason: str
    starts_on: dt.date
    ends_on: dt.date | None = Field(None, description="结束日期；为空表示长期")
    created_at: dt.datetime
    lifted_at: dt.datetime | None = None
    lift_reason: str
    in_force: bool = Field(..., description="今天是否在黑名单期间内（未解除）")

    @staticmethod
    def resolve_in_force(obj: BlacklistEntry) -> bool:
        from django.utils import timezone

        today = timezone.localdate()
        return (
            obj.lifted_at is None and obj.starts_on <= today and (obj.ends_on is None or obj.ends_on >= today)
        )


class BlacklistIn(InputSchema):
    reason: str = Field(..., max_length=500)
    starts_on: dt.date
    ends_on: dt.date | None = None


class CreditEventOut(Schema):
    id: int
    provider_id: int
    kind: str = Field(..., description=f"类型：{_choices_text(CreditEvent.Kind.choices)}")
    kind_label: str
    occurred_on: dt.date
    description: str
    points: int
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: CreditEvent) -> str:
        return str(obj.get_kind_display())


class CreditEventIn(InputSchema):
    kind: CreditEvent.Kind
    occurred_on: dt.date
    description: str = Field(..., max_length=500)
    points: int = Field(0, description="信用分变动（投诉、处罚为负或0，表彰为正或0）")


class CreditRecordOut(Schema):
    provider_id: int
    classes_count: int = Field(..., description="已备案及以后状态的培训班数")
    assessed_count: int = Field(..., description="参加评价人数")
    passed_count: int = Field(..., description="合格人数")
    pass_rate: str | None = Field(None, description='合格率，如 "0.8500"；无评价结果时为空')
    employment_rate: str | None = Field(None, description="就业率（暂未统计）")
    employment_rate_note: str
    complaints: int
    sanctions: int
    commendations: int
    points: int = Field(..., description="信用分变动合计")
    active_blacklist: BlacklistOut | None = None


# Query parameters of the lists (documentation only: lijiao.providers.filters checks them, as on the screens).


class ProviderFilters(InputSchema):
    q: str | None = Field(None, description="名称或统一社会信用代码（包含）")
    status: str | None = Field(None, description="状态：applied、approved、rejected、suspended、removed")


class ListedProviderFilters(InputSchema):
    q: str | None = Field(None, description="机构名称（包含）")
    area: str | None = Field(None, description="经办区域代码")


class ActiveFilters(InputSchema):
    include_inactive: str | None = Field(None, description="true：包括已停用的")
