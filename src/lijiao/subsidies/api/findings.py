"""Subsidies API: the anti-fraud findings queue (list with filters, detail with the evidence, resolve) and the
audit runs (under ``/api/v1/subsidies``). Reads through :mod:`lijiao.subsidies.selectors.findings` (scope: a
finding outside the reviewer's area is a 404), writes through :mod:`lijiao.subsidies.services.audit`."""

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.core.pagination import LimitOffsetPagination, paginate
from lijiao.core.permissions import require_perm
from lijiao.core.schemas import ErrorOut, InputSchema, Schema
from lijiao.subsidies.audit_checks import check_labels
from lijiao.subsidies.models import AuditRun, Finding
from lijiao.subsidies.selectors import findings as selectors
from lijiao.subsidies.services.audit import resolve_finding
from lijiao.training.filters import filtered

router = Router(auth=required_auth)

_NOT_FOUND = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_LIST_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class FraudFindingFilters(InputSchema):
    """Query parameters of the findings queue (validated by the screen's filter set, hence text here)."""

    check_code: str | None = Field(None, description="核查项代码，如 r2_cap、register_pension")
    status: str | None = Field(None, description="状态：open 待核查、confirmed 查实、dismissed 排除")
    severity: str | None = Field(None, description="风险等级：1 高、2 中、3 低")
    area: str | None = Field(None, description="经办区域代码，如 ZS")
    claim_number: str | None = Field(None, description="申请编号")


class FraudFindingOut(Schema):
    id: int
    check_code: str
    check_label: str
    severity: int
    summary: str
    status: str
    status_label: str
    claim_id: int | None
    claim_number: str | None
    handling_area: str | None
    found_at: dt.datetime
    last_seen_at: dt.datetime | None

    @staticmethod
    def resolve_check_label(obj: Finding) -> str:
        return check_labels().get(obj.check_code, obj.check_code)

    @staticmethod
    def resolve_status_label(obj: Finding) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_claim_number(obj: Finding) -> str | None:
        return obj.claim.number if obj.claim_id and obj.claim else None

    @staticmethod
    def resolve_handling_area(obj: Finding) -> str | None:
        return obj.handling_area.name if obj.handling_area_id and obj.handling_area else None


class FraudFindingDetailOut(FraudFindingOut):
    evidence: dict[str, Any]
    resolution: str
    resolved_at: dt.datetime | None
    resolved_by: str | None
    payment_hold: bool | None

    @staticmethod
    def resolve_resolved_by(obj: Finding) -> str | None:
        return obj.resolved_by.get_username() if obj.resolved_by_id and obj.resolved_by else None

    @staticmethod
    def resolve_payment_hold(obj: Finding) -> bool | None:
        return obj.claim.payment_hold if obj.claim_id and obj.claim else None


class FraudResolveIn(InputSchema):
    status: Literal["confirmed", "dismissed"] = Field(description="confirmed 查实 / dismissed 排除")
    reason: str = Field(description="核查意见（必填）", max_length=2000)


class FraudAuditRunOut(Schema):
    id: int
    year: int | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    timings: dict[str, float]
    counts: dict[str, Any]


@router.get(
    "/findings", response={200: list[FraudFindingOut], **_LIST_ERRORS}, summary="监管发现列表（按权限范围）"
)
@paginate(LimitOffsetPagination)
def finding_list(request: HttpRequest, query: Query[FraudFindingFilters]) -> QuerySet[Finding]:
    qs = selectors.visible_findings(current_user(request))
    return filtered(selectors.FindingFilterSet, request.GET, qs)


@router.get(
    "/findings/{finding_id}",
    response={200: FraudFindingDetailOut, **_NOT_FOUND},
    summary="监管发现详情及证据",
)
def finding_get(request: HttpRequest, finding_id: int) -> Finding:
    return selectors.get_finding(current_user(request), finding_id)


@router.post(
    "/findings/{finding_id}/resolve",
    response={200: FraudFindingDetailOut, **_WRITE_ERRORS},
    summary="核查监管发现（查实或排除，须填写意见；排除后无其他待核查发现的申请解除暂停发放）",
)
def finding_resolve(request: HttpRequest, finding_id: int, payload: FraudResolveIn) -> Finding:
    user = current_user(request)
    require_perm(user, "subsidies.resolve_finding")  # before anything is looked up (ADR 0005)
    finding = selectors.get_finding(user, finding_id)
    resolve_finding(actor=user, finding=finding, status=payload.status, reason=payload.reason)
    return selectors.get_finding(user, finding_id)


@router.get("/audit-runs", response={200: list[FraudAuditRunOut], **_LIST_ERRORS}, summary="资金监管核查记录")
@paginate(LimitOffsetPagination)
def audit_run_list(request: HttpRequest) -> QuerySet[AuditRun]:
    return selectors.audit_runs(current_user(request))
