"""Reference data API: regions, handling areas, working-day calendar, identity-number checks.

Open to the public: ``lijiao.api`` mounts this router with the optional authentication.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router

from lijiao.core.calendar import get_calendar
from lijiao.core.errors import DomainError
from lijiao.core.identity import InvalidCitizenId, InvalidCreditCode, parse_citizen_id, parse_credit_code
from lijiao.core.models import HandlingArea, Region
from lijiao.core.schemas import (
    CheckIn,
    CitizenIdCheckOut,
    CreditCodeCheckOut,
    ErrorOut,
    HandlingAreaOut,
    RegionOut,
    WorkingDayOut,
)

router = Router()


@router.get("/regions", response=list[RegionOut])
def regions(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent.code if r.parent else None}
        for r in Region.objects.select_related("parent")
    ]


@router.get("/handling-areas", response=list[HandlingAreaOut])
def handling_areas(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {"code": a.code, "name": a.name, "region_codes": [r.code for r in a.regions.all()]}
        for a in HandlingArea.objects.filter(active=True).prefetch_related("regions")
    ]


@router.get("/calendar/add-working-days", response={200: WorkingDayOut, 400: ErrorOut, 409: ErrorOut})
def add_working_days(
    request: HttpRequest,
    start: Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2199, 12, 31))],
    days: Annotated[int, Field(ge=-3660, le=3660)],
) -> dict[str, object]:
    """The working day ``days`` working days after (or, negative, before) ``start``.

    409 ``calendar_unknown``: a year on the way whose holiday arrangement neither the library nor the bureau has.
    """
    calendar = get_calendar()
    result = calendar.add_working_days(start, days)
    return {"start": start, "working_days": days, "result": result, "official": calendar.is_known(result)}


@router.post("/identity/citizen-id", response=CitizenIdCheckOut)
def check_citizen_id(request: HttpRequest, payload: CheckIn) -> dict[str, object]:
    """Validate a citizen ID number (GB 11643) without storing it; the answer is masked."""
    from lijiao.core.pii import PIIKind, mask

    try:
        parsed = parse_citizen_id(payload.value)
    except InvalidCitizenId as exc:
        raise DomainError.for_fields(str(exc), {"value": str(exc)}, code=exc.code) from None
    return {
        "valid": True,
        "birth_date": parsed.birth_date,
        "gender": parsed.gender,
        "address_code": parsed.address_code,
        "kind": parsed.kind,
        "upgraded_from_15": parsed.upgraded_from_15,
        "warnings": list(parsed.warnings),
        "masked": mask(PIIKind.CITIZEN_ID, parsed.number),
    }


@router.post("/identity/credit-code", response=CreditCodeCheckOut)
def check_credit_code(request: HttpRequest, payload: CheckIn) -> dict[str, object]:
    """Validate a unified social credit code (GB 32100)."""
    try:
        code = parse_credit_code(payload.value)
    except InvalidCreditCode as exc:
        raise DomainError.for_fields(str(exc), {"value": str(exc)}, code=exc.code) from None
    return {"valid": True, "code": code}
