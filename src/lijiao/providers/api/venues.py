"""A provider's training venues."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Status

from lijiao.accounts.api_auth import current_user
from lijiao.core.errors import DomainError
from lijiao.core.filtering import filtered_or_error
from lijiao.core.models import Region
from lijiao.core.permissions import require_perm
from lijiao.providers import selectors, services
from lijiao.providers.api.common import _READ_ERRORS, _WRITE_ERRORS, _provider, router
from lijiao.providers.filters import VenueFilterSet
from lijiao.providers.models import Venue
from lijiao.providers.schemas import ActiveFilters, ErrorOut, VenueIn, VenueOut


def _region(code: str | None) -> Region | None:
    if not code or not code.strip():
        return None
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        raise DomainError.for_fields(
            _("区划代码有误"), {"region_code": _("未知的区划代码“%(code)s”") % {"code": code}}
        )
    return region


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


@router.get(
    "/{provider_id}/venues", response={200: list[VenueOut], **_READ_ERRORS, 422: ErrorOut}, summary="培训场地"
)
def list_venues(
    request: HttpRequest,
    provider_id: int,
    filters: Query[ActiveFilters],
) -> list[dict[str, Any]]:
    queryset = selectors.provider_venues(_provider(request, provider_id, selectors.VIEW_VENUE))
    venues = filtered_or_error(VenueFilterSet(request.GET, queryset=queryset))
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
    provider = _provider(request, provider_id, selectors.VIEW_VENUE)
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
    return _venue_out(services.deactivate_venue(actor=user, venue=venue))
