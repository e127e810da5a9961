"""A provider's blacklist periods, credit events and credit record."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Status

from lijiao.accounts.api_auth import current_user
from lijiao.core.permissions import require_perm
from lijiao.providers import selectors, services
from lijiao.providers.api.common import _READ_ERRORS, _WRITE_ERRORS, _provider, router
from lijiao.providers.models import BlacklistEntry, CreditEvent, Provider
from lijiao.providers.schemas import (
    BlacklistIn,
    BlacklistOut,
    CreditEventIn,
    CreditEventOut,
    CreditRecordOut,
    ReasonIn,
)

EMPLOYMENT_RATE_NOTE = gettext_lazy("就业率将在就业跟踪功能上线后统计")


def _credit_out(provider: Provider) -> dict[str, Any]:
    record = selectors.credit_record(provider)
    return {
        "provider_id": provider.pk,
        "classes_count": record.classes_count,
        "assessed_count": record.assessed_count,
        "passed_count": record.passed_count,
        "pass_rate": None if record.pass_rate is None else f"{record.pass_rate:.4f}",
        "employment_rate": None,
        "employment_rate_note": str(EMPLOYMENT_RATE_NOTE),
        "complaints": record.complaints,
        "sanctions": record.sanctions,
        "commendations": record.commendations,
        "points": record.points,
        "active_blacklist": record.active_blacklist,
    }


@router.get(
    "/{provider_id}/blacklist", response={200: list[BlacklistOut], **_READ_ERRORS}, summary="黑名单记录"
)
def list_blacklist(request: HttpRequest, provider_id: int) -> QuerySet[BlacklistEntry]:
    return selectors.provider_blacklist(_provider(request, provider_id, selectors.VIEW_BLACKLIST))


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
    return selectors.provider_credit_events(_provider(request, provider_id, selectors.VIEW_CREDIT))


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
    return _credit_out(_provider(request, provider_id, selectors.VIEW_CREDIT))
