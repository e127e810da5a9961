"""Providers API (SPEC C3): registration, workflow, training scope, teachers, venues, blacklist and credit record.

Reads go through :mod:`lijiao.providers.selectors` and are scoped: provider staff see their own institution, district
clerks the providers of their handling area, city-wide roles all; anything else answers 404 exactly like an unknown
id. ``GET /providers/listed`` is public (approved, not blacklisted providers and their scope, no personal data).
Writes go through :mod:`lijiao.providers.services`, which check permissions (403), states (409) and values (400 with
bilingual field errors). Personal data (teachers' ID numbers and phones, contact phones) is always masked here.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import BeforeValidator

from lijiao.accounts.api_auth import current_user, optional_auth, required_auth
from lijiao.catalog.models import Level, Occupation, SpecialItem
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.identity import InvalidCitizenId, InvalidCreditCode, parse_citizen_id, parse_credit_code
from lijiao.core.models import HandlingArea, Region
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, mask
from lijiao.providers import selectors, services, workflows
from lijiao.providers.models import (
    BlacklistEntry,
    CreditEvent,
    Provider,
    ProviderScope,
    ProviderStatus,
    Teacher,
    Venue,
)

router = Router(auth=required_auth)

EMPLOYMENT_RATE_NOTE = "就业率将在就业跟踪功能上线后统计（measured once employment follow-up is available）"


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


# ---------------------------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------------------------


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
        ..., description="当前状态下可执行的流转：approve/reject/suspend/reinstate/remove"
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
    def resolve_actions(obj: Provider) -> list[str]:
        return workflows.available_actions(obj.status)


class ProviderIn(Schema):
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


class ContactIn(Schema):
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)


class ReasonIn(Schema):
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


class OccupationScopeIn(Schema):
    code: str = Field(..., max_length=30, description="职业编码，如 6-31-01-03")
    highest_level: int = Field(..., description="最高等级 1–5（1=一级最高）；该等级及以下均可培训")


class ScopeIn(Schema):
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


class TeacherIn(Schema):
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


class VenueIn(Schema):
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


class BlacklistIn(Schema):
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


class CreditEventIn(Schema):
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


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------

_READ_ERRORS = {401: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _provider(request: HttpRequest, provider_id: int) -> Provider:
    return selectors.get_provider(current_user(request), provider_id)


def _resolve_area(code: str) -> HandlingArea:
    area = HandlingArea.objects.filter(code__iexact=code.strip()).first() if code.strip() else None
    if area is None:
        raise DomainError.for_fields(
            "培训机构信息有误（invalid provider）",
            {"handling_area": f"未知的经办区域代码“{code}”（unknown handling area）"},
        )
    return area


def _occupation(code: str | None, field: str = "occupation_code") -> Occupation | None:
    if not code or not code.strip():
        return None
    occupation = Occupation.objects.filter(code=code.strip()).first()
    if occupation is None:
        raise DomainError.for_fields(
            "职业编码有误（unknown occupation）",
            {field: f"未知的职业编码“{code}”（unknown occupation code）"},
        )
    return occupation


def _region(code: str | None) -> Region | None:
    if not code or not code.strip():
        return None
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        raise DomainError.for_fields(
            "区划代码有误（unknown region）",
            {"region_code": f"未知的区划代码“{code}”（unknown region code）"},
        )
    return region


def _provider_fields(payload: ProviderIn) -> dict[str, Any]:
    return {
        "name": payload.name,
        "type": payload.type,
        "handling_area": _resolve_area(payload.handling_area),
        "address": payload.address,
        "legal_representative": payload.legal_representative,
        "contact_name": payload.contact_name,
        "contact_phone": payload.contact_phone,
        "licence_number": payload.licence_number,
        "licence_expires_on": payload.licence_expires_on,
    }


def _fresh(request: HttpRequest, provider: Provider) -> Provider:
    return selectors.get_provider(current_user(request), provider.pk)


def _credit_out(provider: Provider) -> dict[str, Any]:
    record = selectors.credit_record(provider)
    return {
        "provider_id": provider.pk,
        "classes_count": record.classes_count,
        "assessed_count": record.assessed_count,
        "passed_count": record.passed_count,
        "pass_rate": None if record.pass_rate is None else f"{record.pass_rate:.4f}",
        "employment_rate": None,
        "employment_rate_note": EMPLOYMENT_RATE_NOTE,
        "complaints": record.complaints,
        "sanctions": record.sanctions,
        "commendations": record.commendations,
        "points": record.points,
        "active_blacklist": record.active_blacklist,
    }


# ---------------------------------------------------------------------------------------------------------------
# Public
# ---------------------------------------------------------------------------------------------------------------


@router.get(
    "/listed", auth=optional_auth, response=list[ListedProviderOut], summary="已认定的培训机构（公开）"
)
@paginate(LimitOffsetPagination)
def listed(
    request: HttpRequest,
    q: Annotated[str | None, Query(description="机构名称（包含）")] = None,
    area: Annotated[str | None, Query(description="经办区域代码")] = None,
) -> QuerySet[Provider]:
    """Approved providers that are not blacklisted today, with their training scope (SPEC C11)."""
    qs = selectors.listed_providers().prefetch_related("scopes__occupation", "scopes__special_item")
    if q and q.strip():
        qs = qs.filter(name__icontains=q.strip())
    if area and area.strip():
        qs = qs.filter(handling_area__code=area.strip())
    return qs


# ---------------------------------------------------------------------------------------------------------------
# Providers
# ---------------------------------------------------------------------------------------------------------------


@router.get("", response={200: list[ProviderOut], 401: ErrorOut}, summary="培训机构列表（按权限范围）")
@paginate(LimitOffsetPagination)
def list_providers(
    request: HttpRequest,
    q: Annotated[str | None, Query(description="名称或统一社会信用代码（包含）")] = None,
    status: Annotated[ProviderStatus | None, Query(description="状态")] = None,
) -> QuerySet[Provider]:
    return selectors.search_providers(current_user(request), q=q or "", status=status or "")


@router.post("", response={201: ProviderOut, **_WRITE_ERRORS}, summary="登记培训机构（区经办/市管理员）")
def register(request: HttpRequest, payload: ProviderRegisterIn) -> Status[Provider]:
    user = current_user(request)
    require_perm(user, "providers.review_provider")
    provider = services.register_provider(
        actor=user, credit_code=payload.credit_code, **_provider_fields(payload)
    )
    return Status(201, _fresh(request, provider))


@router.get("/{provider_id}", response={200: ProviderOut, **_READ_ERRORS}, summary="培训机构")
def get_provider(request: HttpRequest, provider_id: int) -> Provider:
    return _provider(request, provider_id)


@router.put("/{provider_id}", response={200: ProviderOut, **_WRITE_ERRORS}, summary="修改培训机构登记信息")
def update(request: HttpRequest, provider_id: int, payload: ProviderIn) -> Provider:
    """Reviewers change every field; provider staff only the contact person and phone (else 403)."""
    user = current_user(request)
    require_perm(user, "providers.review_provider", "providers.change_provider")
    provider = services.update_provider(
        actor=user, provider=_provider(request, provider_id), **_provider_fields(payload)
    )
    return _fresh(request, provider)


@router.put(
    "/{provider_id}/contact", response={200: ProviderOut, **_WRITE_ERRORS}, summary="修改联系人和联系电话"
)
def update_contact(request: HttpRequest, provider_id: int, payload: ContactIn) -> Provider:
    user = current_user(request)
    require_perm(user, "providers.review_provider", "providers.change_provider")
    provider = services.update_provider_contact(
        actor=user,
        provider=_provider(request, provider_id),
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
    )
    return _fresh(request, provider)


def _transition(request: HttpRequest, provider_id: int, action: str, payload: ReasonIn | None) -> Provider:
    user = current_user(request)
    require_perm(user, "providers.review_provider")
    provider = _provider(request, provider_id)
    reason = payload.reason if payload else ""
    if action == "approve":
        services.approve_provider(actor=user, provider=provider, note=reason)
    elif action == "reject":
        services.reject_provider(actor=user, provider=provider, reason=reason)
    elif action == "suspend":
        services.suspend_provider(actor=user, provider=provider, reason=reason)
    elif action == "reinstate":
        services.reinstate_provider(actor=user, provider=provider, note=reason)
    else:
        services.remove_provider(actor=user, provider=provider, reason=reason)
    return _fresh(request, provider)


@router.post(
    "/{provider_id}/approve", response={200: ProviderOut, **_WRITE_ERRORS}, summary="认定（申请中 → 已认定）"
)
def approve(request: HttpRequest, provider_id: int, payload: ReasonIn | None = None) -> Provider:
    return _transition(request, provider_id, "approve", payload)


@router.post(
    "/{provider_id}/reject", response={200: ProviderOut, **_WRITE_ERRORS}, summary="不予认定（须填原因）"
)
def reject(request: HttpRequest, provider_id: int, payload: ReasonIn | None = None) -> Provider:
    return _transition(request, provider_id, "reject", payload)


@router.post(
    "/{provider_id}/suspend", response={200: ProviderOut, **_WRITE_ERRORS}, summary="暂停（须填原因）"
)
def suspend(request: HttpRequest, provider_id: int, payload: ReasonIn | None = None) -> Provider:
    return _transition(request, provider_id, "suspend", payload)


@router.post(
    "/{provider_id}/reinstate", response={200: ProviderOut, **_WRITE_ERRORS}, summary="恢复（暂停 → 已认定）"
)
def reinstate(request: HttpRequest, provider_id: int, payload: ReasonIn | None = None) -> Provider:
    return _transition(request, provider_id, "reinstate", payload)


@router.post(
    "/{provider_id}/remove", response={200: ProviderOut, **_WRITE_ERRORS}, summary="清退（须填原因）"
)
def remove(request: HttpRequest, provider_id: int, payload: ReasonIn | None = None) -> Provider:
    return _transition(request, provider_id, "remove", payload)


# ---------------------------------------------------------------------------------------------------------------
# Training scope
# ---------------------------------------------------------------------------------------------------------------


@router.get("/{provider_id}/scope", response={200: list[ScopeEntryOut], **_READ_ERRORS}, summary="培训范围")
def get_scope(request: HttpRequest, provider_id: int) -> QuerySet[ProviderScope]:
    return selectors.provider_scopes(_provider(request, provider_id))


@router.put(
    "/{provider_id}/scope",
    response={200: list[ScopeEntryOut], **_WRITE_ERRORS},
    summary="设置培训范围（整体替换）",
)
def put_scope(request: HttpRequest, provider_id: int, payload: ScopeIn) -> QuerySet[ProviderScope]:
    user = current_user(request)
    require_perm(user, "providers.review_provider")
    provider = _provider(request, provider_id)
    errors: list[FieldError] = []
    occupations: list[tuple[Occupation, int]] = []
    found_occ = {
        o.code: o for o in Occupation.objects.filter(code__in=[e.code.strip() for e in payload.occupations])
    }
    for index, entry in enumerate(payload.occupations):
        occupation = found_occ.get(entry.code.strip())
        if occupation is None:
            errors.append(
                FieldError(
                    f"occupations.{index}.code", f"未知的职业编码“{entry.code}”（unknown occupation code）"
                )
            )
        else:
            occupations.append((occupation, entry.highest_level))
    codes = [c.strip() for c in payload.special_items]
    found_special = {s.code: s for s in SpecialItem.objects.filter(code__in=codes)}
    special_items: list[SpecialItem] = []
    for index, code in enumerate(codes):
        item = found_special.get(code)
        if item is None:
            errors.append(
                FieldError(f"special_items.{index}", f"未知的项目编码“{code}”（unknown item code）")
            )
        else:
            special_items.append(item)
    if errors:
        raise DomainError("培训范围有误（invalid training scope）", errors=tuple(errors))
    services.set_scope(actor=user, provider=provider, occupations=occupations, special_items=special_items)
    return selectors.provider_scopes(provider)


# ---------------------------------------------------------------------------------------------------------------
# Teachers
# ---------------------------------------------------------------------------------------------------------------

_TEACHER_WRITERS = ("providers.add_teacher", "providers.change_teacher", "providers.review_provider")


@router.get("/{provider_id}/teachers", response={200: list[TeacherOut], **_READ_ERRORS}, summary="教师")
def list_teachers(
    request: HttpRequest,
    provider_id: int,
    include_inactive: Annotated[bool, Query(description="包括不在职的教师")] = False,
) -> QuerySet[Teacher]:
    return selectors.provider_teachers(_provider(request, provider_id), include_inactive=include_inactive)


@router.post("/{provider_id}/teachers", response={201: TeacherOut, **_WRITE_ERRORS}, summary="添加教师")
def add_teacher(request: HttpRequest, provider_id: int, payload: TeacherIn) -> Status[Teacher]:
    user = current_user(request)
    require_perm(user, *_TEACHER_WRITERS)
    provider = _provider(request, provider_id)
    teacher = services.add_teacher(
        actor=user,
        provider=provider,
        name=payload.name,
        citizen_id=payload.citizen_id or "",
        phone=payload.phone or "",
        occupation=_occupation(payload.occupation_code),
        certificates=payload.certificates,
        is_practical=payload.is_practical,
    )
    return Status(201, teacher)


@router.get(
    "/{provider_id}/teachers/{teacher_id}", response={200: TeacherOut, **_READ_ERRORS}, summary="教师"
)
def get_teacher(request: HttpRequest, provider_id: int, teacher_id: int) -> Teacher:
    provider = _provider(request, provider_id)
    return selectors.get_teacher(current_user(request), teacher_id, provider=provider)


@router.put(
    "/{provider_id}/teachers/{teacher_id}", response={200: TeacherOut, **_WRITE_ERRORS}, summary="修改教师"
)
def update_teacher(request: HttpRequest, provider_id: int, teacher_id: int, payload: TeacherIn) -> Teacher:
    user = current_user(request)
    require_perm(user, *_TEACHER_WRITERS)
    provider = _provider(request, provider_id)
    teacher = selectors.get_teacher(user, teacher_id, provider=provider)
    return services.update_teacher(
        actor=user,
        teacher=teacher,
        name=payload.name,
        citizen_id=payload.citizen_id,
        phone=payload.phone,
        occupation=_occupation(payload.occupation_code),
        certificates=payload.certificates,
        is_practical=payload.is_practical,
        active=payload.active,
    )


@router.delete(
    "/{provider_id}/teachers/{teacher_id}",
    response={200: TeacherOut, **_WRITE_ERRORS},
    summary="教师离职（停用）",
)
def deactivate_teacher(request: HttpRequest, provider_id: int, teacher_id: int) -> Teacher:
    """Teachers are never deleted (classes keep who taught them): the teacher is marked as no longer active."""
    user = current_user(request)
    require_perm(user, *_TEACHER_WRITERS)
    provider = _provider(request, provider_id)
    teacher = selectors.get_teacher(user, teacher_id, provider=provider)
    return services.deactivate_teacher(actor=user, teacher=teacher)


# ---------------------------------------------------------------------------------------------------------------
# Venues
# ---------------------------------------------------------------------------------------------------------------

_VENUE_WRITERS = ("providers.add_venue", "providers.change_venue", "providers.review_provider")


def _venue_out(venue: Venue) -> dict[str, Any]:
    return {
        "id": venue.pk,
        "provider_id": venue.provider_id,
        "name": venue.name,
        "address": venue.address,
        "region": {"code": venue.region.code, "name": venue.region.name} if venue.region else None,
        "capacity": venue.capacity,
        "is_practical": venue.is_practical,
        "active": venue.active,
    }


@router.get("/{provider_id}/venues", response={200: list[VenueOut], **_READ_ERRORS}, summary="培训场地")
def list_venues(
    request: HttpRequest,
    provider_id: int,
    include_inactive: Annotated[bool, Query(description="包括停用的场地")] = False,
) -> list[dict[str, Any]]:
    venues = selectors.provider_venues(_provider(request, provider_id), include_inactive=include_inactive)
    return [_venue_out(v) for v in venues]


@router.post("/{provider_id}/venues", response={201: VenueOut, **_WRITE_ERRORS}, summary="添加培训场地")
def add_venue(request: HttpRequest, provider_id: int, payload: VenueIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    require_perm(user, *_VENUE_WRITERS)
    provider = _provider(request, provider_id)
    venue = services.add_venue(
        actor=user,
        provider=provider,
        name=payload.name,
        address=payload.address,
        capacity=payload.capacity,
        region=_region(payload.region_code),
        is_practical=payload.is_practical,
    )
    return Status(201, _venue_out(venue))


@router.get("/{provider_id}/venues/{venue_id}", response={200: VenueOut, **_READ_ERRORS}, summary="培训场地")
def get_venue(request: HttpRequest, provider_id: int, venue_id: int) -> dict[str, Any]:
    provider = _provider(request, provider_id)
    return _venue_out(selectors.get_venue(current_user(request), venue_id, provider=provider))


@router.put(
    "/{provider_id}/venues/{venue_id}", response={200: VenueOut, **_WRITE_ERRORS}, summary="修改培训场地"
)
def update_venue(request: HttpRequest, provider_id: int, venue_id: int, payload: VenueIn) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, *_VENUE_WRITERS)
    provider = _provider(request, provider_id)
    venue = selectors.get_venue(user, venue_id, provider=provider)
    venue = services.update_venue(
        actor=user,
        venue=venue,
        name=payload.name,
        address=payload.address,
        capacity=payload.capacity,
        region=_region(payload.region_code),
        is_practical=payload.is_practical,
        active=payload.active,
    )
    return _venue_out(venue)


@router.delete(
    "/{provider_id}/venues/{venue_id}", response={200: VenueOut, **_WRITE_ERRORS}, summary="停用培训场地"
)
def deactivate_venue(request: HttpRequest, provider_id: int, venue_id: int) -> dict[str, Any]:
    """Venues are never deleted (classes keep where they were held): the venue is taken out of use."""
    user = current_user(request)
    require_perm(user, *_VENUE_WRITERS)
    provider = _provider(request, provider_id)
    venue = selectors.get_venue(user, venue_id, provider=provider)
    venue = services.update_venue(
        actor=user,
        venue=venue,
        name=venue.name,
        address=venue.address,
        capacity=venue.capacity,
        region=venue.region,
        is_practical=venue.is_practical,
        active=False,
    )
    return _venue_out(venue)


# ---------------------------------------------------------------------------------------------------------------
# Blacklist and credit
# ---------------------------------------------------------------------------------------------------------------


@router.get(
    "/{provider_id}/blacklist", response={200: list[BlacklistOut], **_READ_ERRORS}, summary="黑名单记录"
)
def list_blacklist(request: HttpRequest, provider_id: int) -> QuerySet[BlacklistEntry]:
    return selectors.provider_blacklist(_provider(request, provider_id))


@router.post("/{provider_id}/blacklist", response={201: BlacklistOut, **_WRITE_ERRORS}, summary="列入黑名单")
def add_blacklist(request: HttpRequest, provider_id: int, payload: BlacklistIn) -> Status[BlacklistEntry]:
    user = current_user(request)
    require_perm(user, "providers.blacklist_provider")
    entry = services.blacklist_provider(
        actor=user,
        provider=_provider(request, provider_id),
        reason=payload.reason,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, entry)


@router.post(
    "/{provider_id}/blacklist/{entry_id}/lift",
    response={200: BlacklistOut, **_WRITE_ERRORS},
    summary="解除黑名单（须填原因）",
)
def lift_blacklist(
    request: HttpRequest, provider_id: int, entry_id: int, payload: ReasonIn
) -> BlacklistEntry:
    user = current_user(request)
    require_perm(user, "providers.blacklist_provider")
    provider = _provider(request, provider_id)
    entry = selectors.get_blacklist_entry(user, entry_id, provider=provider)
    return services.lift_blacklist(actor=user, entry=entry, reason=payload.reason)


@router.get(
    "/{provider_id}/credit-events", response={200: list[CreditEventOut], **_READ_ERRORS}, summary="信用记录"
)
def list_credit_events(request: HttpRequest, provider_id: int) -> QuerySet[CreditEvent]:
    return selectors.provider_credit_events(_provider(request, provider_id))


@router.post(
    "/{provider_id}/credit-events",
    response={201: CreditEventOut, **_WRITE_ERRORS},
    summary="登记投诉、处罚或表彰",
)
def add_credit_event(request: HttpRequest, provider_id: int, payload: CreditEventIn) -> Status[CreditEvent]:
    user = current_user(request)
    require_perm(user, "providers.add_creditevent")
    event = services.record_credit_event(
        actor=user,
        provider=_provider(request, provider_id),
        kind=payload.kind,
        occurred_on=payload.occurred_on,
        description=payload.description,
        points=payload.points,
    )
    return Status(201, event)


@router.get(
    "/{provider_id}/credit-record", response={200: CreditRecordOut, **_READ_ERRORS}, summary="信用与绩效"
)
def credit_record(request: HttpRequest, provider_id: int) -> dict[str, Any]:
    """Pass rate from assessment results of the provider's classes, complaints, sanctions, blacklist in force."""
    return _credit_out(_provider(request, provider_id))
