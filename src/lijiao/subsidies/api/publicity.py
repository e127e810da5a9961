"""公示 API, under ``/api/v1/subsidies``.

Public (no authentication): ``GET /publicity`` (notices running and recent), ``GET /publicity/{number}`` (its
claims, name and ID masked), ``POST /publicity/{number}/objections`` (rate-limited per client address, 429 with
``Retry-After``). Second reviewers: ``GET /objections``, ``POST /objections/{objection_id}/resolve``,
``POST /publicity/claims/{claim_id}/approve`` (after the notice ended, no open objection).
"""

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.accounts.scope import Scope
from lijiao.accounts.throttle import client_ip
from lijiao.certificates.services.verification import RateLimited
from lijiao.core.errors import NotFound
from lijiao.core.filtering import filtered_or_error
from lijiao.core.pagination import LimitOffsetPagination, paginate
from lijiao.core.permissions import require_perm
from lijiao.core.schemas import ErrorOut, InputSchema, Schema
from lijiao.subsidies.filters_payment import ObjectionFilterSet
from lijiao.subsidies.models import Claim, Objection, Publicity
from lijiao.subsidies.selectors import publicity as selectors
from lijiao.subsidies.services import publicity as services

router = Router(tags=["subsidies"])
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PublicityNoticeOut(Schema):
    number: str
    title: str
    starts_on: dt.date
    ends_on: dt.date
    working_days: int
    objection_contact: str
    handling_area: str | None = Field(None, description="经办区域代码")
    claims: int = Field(0, description="公示人数")


class PublicityRowOut(Schema):
    number: str = Field(..., description="申请编号")
    name: str = Field(..., description="姓名（脱敏）")
    citizen_id: str = Field(..., description="身份证号（脱敏）")
    kind: str
    item: str
    amount: Decimal | None


class PublicityDetailOut(PublicityNoticeOut):
    rows: list[PublicityRowOut]


class PublicObjectionIn(InputSchema):
    claim_number: str = Field(..., max_length=20, description="申请编号")
    text: str = Field(..., max_length=services.OBJECTION_TEXT_MAX)
    contact: str = Field("", max_length=services.OBJECTION_CONTACT_MAX)


class PublicityObjectionOut(Schema):
    id: int
    claim_number: str
    source: str
    text: str
    contact: str
    status: str
    resolution: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_claim_number(obj: Any) -> str:
        return obj["claim_number"] if isinstance(obj, dict) else str(obj.claim.number)


class ObjectionResolveIn(InputSchema):
    upheld: bool
    resolution: str = Field(..., max_length=500)


class PublicityObjectionFilters(InputSchema):
    status: str | None = None


class PublicityApprovalOut(Schema):
    number: str
    status: str
    payment_hold: bool


def _notice_out(notice: Publicity, claims: int) -> dict[str, Any]:
    return {
        "number": notice.number,
        "title": notice.title,
        "starts_on": notice.starts_on,
        "ends_on": notice.ends_on,
        "working_days": notice.working_days,
        "objection_contact": notice.objection_contact,
        "handling_area": notice.handling_area.code if notice.handling_area else None,
        "claims": claims,
    }


def _objection_out(objection: Objection) -> dict[str, Any]:
    return {
        "id": objection.pk,
        "claim_number": objection.claim.number,
        "source": objection.source,
        "text": objection.text,
        "contact": objection.contact,
        "status": objection.status,
        "resolution": objection.resolution,
        "created_at": objection.created_at,
        "resolved_at": objection.resolved_at,
    }


@router.get("/publicity", auth=None, response={200: list[PublicityNoticeOut]}, summary="补贴公示列表（公开）")
def list_public_notices(request: HttpRequest) -> list[dict[str, Any]]:
    """Notices running now and those ended in the last 30 days (no authentication)."""
    return [_notice_out(n, n.listed) for n in selectors.public_publicities()[:100]]  # type: ignore[attr-defined]


@router.get(
    "/publicity/{number}",
    auth=None,
    response={200: PublicityDetailOut, 404: ErrorOut},
    summary="补贴公示（公开）",
)
def get_public_notice(request: HttpRequest, number: str) -> dict[str, Any]:
    notice = selectors.get_public_publicity(number)
    rows = selectors.public_rows(notice)
    return {**_notice_out(notice, len(rows)), "rows": [asdict(row) for row in rows]}


@router.post(
    "/publicity/{number}/objections",
    auth=None,
    response={201: dict, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="对公示提出异议（公开，限频）",
)
def raise_public_objection(
    request: HttpRequest, response: HttpResponse, number: str, payload: PublicObjectionIn
) -> Any:
    notice = selectors.get_public_publicity(number)
    services.clean_objection(payload.text, payload.contact)  # bad input: 400 before it counts
    try:
        services.take_public_objection(client_ip=client_ip(request))
    except RateLimited as exc:
        response["Retry-After"] = str(exc.retry_after)
        return Status(429, exc.as_dict())
    claim = Claim.objects.filter(publicity=notice, number=payload.claim_number.strip()).first()
    if claim is None:
        raise NotFound(_("异议对象不存在"))
    services.raise_objection(
        claim=claim,
        source=Objection.Source.PUBLIC,
        text=payload.text,
        contact=payload.contact,
        actor=request.user,
    )
    return Status(201, {"message": _("您的异议已提交，经办机构将在核实后处理。")})


@router.get(
    "/objections",
    auth=required_auth,
    response={200: list[PublicityObjectionOut], **READ_ERRORS, 422: ErrorOut},
    summary="公示异议列表",
)
@paginate(LimitOffsetPagination)
def list_objections(request: HttpRequest, filters: Query[PublicityObjectionFilters]) -> QuerySet[Objection]:
    return filtered_or_error(
        ObjectionFilterSet(request.GET, queryset=selectors.review_objections(current_user(request)))
    )


@router.post(
    "/objections/{objection_id}/resolve",
    auth=required_auth,
    response={200: PublicityObjectionOut, **WRITE_ERRORS},
    summary="处理公示异议",
)
def resolve_objection(request: HttpRequest, objection_id: int, payload: ObjectionResolveIn) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, "subsidies.change_objection")
    objection = selectors.get_review_objection(user, objection_id)
    services.resolve_objection(
        objection=objection, upheld=payload.upheld, resolution=payload.resolution, actor=user
    )
    return _objection_out(selectors.get_review_objection(user, objection_id))


@router.post(
    "/publicity/claims/{claim_id}/approve",
    auth=required_auth,
    response={200: PublicityApprovalOut, **WRITE_ERRORS},
    summary="公示期满，批准发放",
)
def approve_claim(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, "subsidies.review_second_claim")
    claim = Scope.for_user(user).filter_by_area(Claim.objects.filter(pk=claim_id)).first()
    if claim is None:
        raise NotFound()
    claim = services.approve_after_publicity(claim=claim, actor=user)
    return {"number": claim.number, "status": claim.status, "payment_hold": claim.payment_hold}


class PublicityBulkSkippedOut(Schema):
    number: str
    reason: str


class PublicityBulkApprovalOut(Schema):
    approved: list[str] = Field(..., description="已批准的申请编号")
    skipped: list[PublicityBulkSkippedOut]


@router.post(
    "/publicity/claims/approve-ended",
    auth=required_auth,
    response={200: PublicityBulkApprovalOut, **WRITE_ERRORS},
    summary="批准全部公示期满且无异议的申请",
)
def approve_ended(request: HttpRequest) -> dict[str, Any]:
    """Every claim of the caller's area whose notice ended without an open objection; the others with the reason."""
    user = current_user(request)
    result = services.approve_ended_publicities(actor=user)
    return {
        "approved": [claim.number for claim in result.approved],
        "skipped": [{"number": claim.number, "reason": reason} for claim, reason in result.skipped],
    }
