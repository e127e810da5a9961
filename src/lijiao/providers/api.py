"""Providers API (SPEC C3): registration, workflow, training scope, teachers, venues, blacklist and credit record.

Reads go through :mod:`lijiao.providers.selectors` and are scoped: provider staff see their own institution, district
clerks the providers of their handling area, city-wide roles all; anything else answers 404 exactly like an unknown
id. ``GET /providers/listed`` is public (approved, not blacklisted providers and their scope, no personal data).
Writes go through :mod:`lijiao.providers.services`, which check permissions (403), states (409) and values (400 with
bilingual field errors). Personal data (teachers' ID numbers and phones, contact phones) is always masked here.
"""

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from lijiao.accounts.api_auth import current_user, optional_auth, required_auth
from lijiao.catalog.models import Occupation, SpecialItem
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.models import HandlingArea, Region
from lijiao.core.permissions import require_perm
from lijiao.providers import selectors, services
from lijiao.providers.models import (
    BlacklistEntry,
    CreditEvent,
    Provider,
    ProviderScope,
    ProviderStatus,
    Teacher,
    Venue,
)
from lijiao.providers.schemas import (
    BlacklistIn,
    BlacklistOut,
    ContactIn,
    CreditEventIn,
    CreditEventOut,
    CreditRecordOut,
    ErrorOut,
    ListedProviderOut,
    ProviderIn,
    ProviderOut,
    ProviderRegisterIn,
    ReasonIn,
    ScopeEntryOut,
    ScopeIn,
    TeacherIn,
    TeacherOut,
    VenueIn,
    VenueOut,
)

router = Router(auth=required_auth)

EMPLOYMENT_RATE_NOTE = "就业率将在就业跟踪功能上线后统计（measured once employment follow-up is available）"


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
