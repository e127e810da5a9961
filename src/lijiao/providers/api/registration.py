"""Providers: the scoped list, registration and its changes, the contact, the workflow transitions."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Status

from lijiao.accounts.api_auth import current_user
from lijiao.core.errors import DomainError
from lijiao.core.filtering import filtered_or_error
from lijiao.core.models import HandlingArea
from lijiao.core.pagination import LimitOffsetPagination, paginate
from lijiao.core.permissions import require_perm
from lijiao.providers import selectors, services
from lijiao.providers.api.common import _READ_ERRORS, _WRITE_ERRORS, _provider, router
from lijiao.providers.filters import ProviderFilterSet
from lijiao.providers.models import Provider
from lijiao.providers.schemas import (
    ContactIn,
    ErrorOut,
    ProviderFilters,
    ProviderIn,
    ProviderOut,
    ProviderRegisterIn,
    ReasonIn,
)


def _resolve_area(code: str) -> HandlingArea:
    area = HandlingArea.objects.filter(code__iexact=code.strip()).first() if code.strip() else None
    if area is None:
        raise DomainError.for_fields(
            _("培训机构信息有误"),
            {"handling_area": _("未知的经办区域代码“%(code)s”") % {"code": code}},
        )
    return area


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


@router.get(
    "",
    response={200: list[ProviderOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="培训机构列表（按权限范围）",
)
@paginate(LimitOffsetPagination)
def list_providers(request: HttpRequest, filters: Query[ProviderFilters]) -> QuerySet[Provider]:
    """Providers in the caller's scope (403 without ``providers.view_provider``), filtered with the same filter
    set as the staff screen."""
    user = current_user(request)
    selectors.require_reader(user)
    queryset = selectors.visible_providers(user)
    return filtered_or_error(ProviderFilterSet(request.GET, queryset=queryset))


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
    services.change_provider_status(actor=user, provider=provider, action=action, reason=reason)
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
