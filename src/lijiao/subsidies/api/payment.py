"""Finance API, under ``/api/v1/subsidies/payment`` (permissions as ``roles._FINANCE``; the audit role reads).

Batches: list, create (``{"claim_ids": [...]}`` or all payable; answers the batch and the skipped claims with
the reason), detail with lines (accounts masked), the bank file (``?fmt=xlsx|csv``; full numbers, logged), mark
paid (idempotent). Clawbacks: list, create, detail, record a recovery, write off. A person's payee account.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status
from pydantic import StrictInt

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.filtering import filtered_or_error
from lijiao.core.pagination import (
    MAX_DEPTH,
    MAX_LIMIT,
    MAX_OFFSET,
    LimitOffsetPagination,
    deferred_page,
    offset_beyond_depth,
    paginate,
)
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, mask
from lijiao.core.schemas import ErrorOut, InputSchema, Schema
from lijiao.people.models import Person
from lijiao.subsidies.filters_payment import BatchFilterSet, ClawbackFilterSet
from lijiao.subsidies.models import Claim, Clawback, PaymentBatch
from lijiao.subsidies.selectors import payment as selectors
from lijiao.subsidies.services import clawback as clawbacks
from lijiao.subsidies.services import payment as services

router = Router(auth=required_auth, tags=["subsidies"])
BATCH_LINES_LIMIT = 100
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PaymentBatchOut(Schema):
    id: int
    number: str
    status: str
    line_count: int
    total: Decimal
    bank_reference: str
    created_at: dt.datetime
    exported_at: dt.datetime | None
    paid_at: dt.datetime | None


class PaymentLineOut(Schema):
    claim_number: str
    payee_name: str
    bank_name: str
    account_number: str = Field(..., description="银行账号（脱敏）")
    amount: Decimal
    claim_status: str


class PaymentBatchDetailOut(PaymentBatchOut):
    lines: list[PaymentLineOut] = Field(
        ..., description="本页的发放明细（按 limit/offset 分页，默认前 100 条；共 line_count 条）"
    )


class PaymentBatchLinesPage(LimitOffsetPagination.Input):
    """Which of a batch's lines the detail answers: a batch holds up to thousands (city benchmark: 1,000)."""

    limit: int = Field(BATCH_LINES_LIMIT, ge=1, le=MAX_LIMIT, description=f"明细每页条数（1–{MAX_LIMIT}）")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"明细起始位置（从 0 起，最大 {MAX_DEPTH}）")


class PaymentSkippedOut(Schema):
    claim_number: str
    reason: str


class PaymentBatchCreatedOut(Schema):
    batch: PaymentBatchOut | None
    skipped: list[PaymentSkippedOut]


class PaymentBatchIn(InputSchema):
    claim_ids: list[StrictInt] | None = Field(None, description="要发放的申请；不填则为全部待发放申请")


class PaymentPaidIn(InputSchema):
    bank_reference: str = Field(..., max_length=100)


class PaymentBatchFilters(InputSchema):
    status: str | None = None
    number: str | None = None


class BankFileQuery(InputSchema):
    fmt: str = Field("xlsx", description="xlsx 或 csv")


class ClawbackOut(Schema):
    id: int
    claim_number: str
    reason: str
    amount: Decimal
    recovered_amount: Decimal
    recovery_status: str
    created_at: dt.datetime

    @staticmethod
    def resolve_claim_number(obj: Any) -> str:
        return str(obj.claim.number)


class ClawbackIn(InputSchema):
    claim_id: int
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    reason: str = Field(..., max_length=1000)


class ClawbackRecoveryIn(InputSchema):
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)


class ClawbackWriteOffIn(InputSchema):
    reason: str = Field(..., max_length=1000)


class ClawbackFilters(InputSchema):
    recovery_status: str | None = None
    claim_number: str | None = None


class PayeeAccountIn(InputSchema):
    bank_name: str = Field(..., max_length=100)
    account_number: str = Field(..., max_length=40)


class PayeeAccountOut(Schema):
    person_id: int
    bank_name: str
    account_number: str = Field(..., description="银行账号（脱敏）")


def _batch_detail(batch: PaymentBatch, *, limit: int = BATCH_LINES_LIMIT, offset: int = 0) -> dict[str, Any]:
    if offset > MAX_DEPTH:
        raise offset_beyond_depth()
    rows = selectors.batch_lines(batch)
    page = list(rows[:limit]) if offset == 0 else deferred_page(rows, offset, offset + limit)
    lines = [
        {
            "claim_number": line.claim.number,
            "payee_name": line.payee_name,
            "bank_name": line.bank_name,
            "account_number": mask(PIIKind.BANK_ACCOUNT, line.account_number),
            "amount": line.amount,
            "claim_status": line.claim.status,
        }
        for line in page
    ]
    return {**PaymentBatchOut.from_orm(batch).dict(), "lines": lines}


@router.get(
    "/payment/batches",
    response={200: list[PaymentBatchOut], **READ_ERRORS, 422: ErrorOut},
    summary="发放批次列表",
)
@paginate(LimitOffsetPagination)
def list_batches(request: HttpRequest, filters: Query[PaymentBatchFilters]) -> QuerySet[PaymentBatch]:
    return filtered_or_error(
        BatchFilterSet(request.GET, queryset=selectors.visible_batches(current_user(request)))
    )


@router.post(
    "/payment/batches",
    response={201: PaymentBatchCreatedOut, 200: PaymentBatchCreatedOut, **WRITE_ERRORS},
    summary="生成发放批次",
)
def create_batch(request: HttpRequest, payload: PaymentBatchIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    require_perm(user, "subsidies.add_paymentbatch")
    claims = list(Claim.objects.filter(pk__in=payload.claim_ids)) if payload.claim_ids is not None else None
    result = services.create_payment_batch(actor=user, claims=claims)
    body = {
        "batch": result.batch,
        "skipped": [{"claim_number": c.number, "reason": reason} for c, reason in result.skipped],
    }
    return Status(201 if result.batch else 200, body)


@router.get(
    "/payment/batches/{payment_batch_id}",
    response={200: PaymentBatchDetailOut, **READ_ERRORS, 422: ErrorOut},
    summary="发放批次",
)
def get_batch(
    request: HttpRequest, payment_batch_id: int, page: Query[PaymentBatchLinesPage]
) -> dict[str, Any]:
    batch = selectors.get_batch(current_user(request), payment_batch_id)
    return _batch_detail(batch, limit=page.limit, offset=page.offset)


@router.get(
    "/payment/batches/{payment_batch_id}/bank-file",
    response={200: None, **WRITE_ERRORS},
    summary="下载银行文件",
)
def bank_file(request: HttpRequest, payment_batch_id: int, query: Query[BankFileQuery]) -> HttpResponse:
    user = current_user(request)
    require_perm(user, "subsidies.pay_claim")
    result = services.export_bank_file(
        batch=selectors.get_batch(user, payment_batch_id), actor=user, fmt=query.fmt
    )
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=result.filename) or ""
    )
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/payment/batches/{payment_batch_id}/paid",
    response={200: PaymentBatchOut, **WRITE_ERRORS},
    summary="确认发放（幂等）",
)
def mark_paid(request: HttpRequest, payment_batch_id: int, payload: PaymentPaidIn) -> PaymentBatch:
    user = current_user(request)
    require_perm(user, "subsidies.pay_claim")
    return services.mark_batch_paid(
        batch=selectors.get_batch(user, payment_batch_id), actor=user, bank_reference=payload.bank_reference
    )


@router.get(
    "/payment/clawbacks",
    response={200: list[ClawbackOut], **READ_ERRORS, 422: ErrorOut},
    summary="补贴追回列表",
)
@paginate(LimitOffsetPagination)
def list_clawbacks(request: HttpRequest, filters: Query[ClawbackFilters]) -> QuerySet[Clawback]:
    return filtered_or_error(
        ClawbackFilterSet(request.GET, queryset=selectors.visible_clawbacks(current_user(request)))
    )


@router.post("/payment/clawbacks", response={201: ClawbackOut, **WRITE_ERRORS}, summary="登记补贴追回")
def create_clawback(request: HttpRequest, payload: ClawbackIn) -> Status[Clawback]:
    user = current_user(request)
    require_perm(user, "subsidies.clawback_claim")
    claim = Claim.objects.filter(pk=payload.claim_id).first()
    if claim is None:
        raise DomainError.for_fields(_("补贴申请不存在"), {"claim_id": _("补贴申请不存在")})
    return Status(
        201, clawbacks.claw_back(claim=claim, actor=user, reason=payload.reason, amount=payload.amount)
    )


@router.get(
    "/payment/clawbacks/{clawback_id}", response={200: ClawbackOut, **READ_ERRORS}, summary="补贴追回"
)
def get_clawback(request: HttpRequest, clawback_id: int) -> Clawback:
    return selectors.get_clawback(current_user(request), clawback_id)


@router.post(
    "/payment/clawbacks/{clawback_id}/recoveries",
    response={200: ClawbackOut, **WRITE_ERRORS},
    summary="登记追回款",
)
def record_recovery(request: HttpRequest, clawback_id: int, payload: ClawbackRecoveryIn) -> Clawback:
    user = current_user(request)
    require_perm(user, "subsidies.change_clawback")
    clawback = clawbacks.record_recovery(
        clawback=selectors.get_clawback(user, clawback_id), actor=user, amount=payload.amount
    )
    return selectors.get_clawback(user, clawback.pk)


@router.post(
    "/payment/clawbacks/{clawback_id}/write-off",
    response={200: ClawbackOut, **WRITE_ERRORS},
    summary="核销追回",
)
def write_off(request: HttpRequest, clawback_id: int, payload: ClawbackWriteOffIn) -> Clawback:
    user = current_user(request)
    require_perm(user, "subsidies.change_clawback")
    clawbacks.write_off(clawback=selectors.get_clawback(user, clawback_id), actor=user, reason=payload.reason)
    return selectors.get_clawback(user, clawback_id)


@router.put(
    "/payment/payee-accounts/{person_id}",
    response={200: PayeeAccountOut, **WRITE_ERRORS},
    summary="设置发放账户（财务）",
)
def set_payee_account(request: HttpRequest, person_id: int, payload: PayeeAccountIn) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, "subsidies.pay_claim")
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("人员不存在"))
    account = services.set_payee_account(
        actor=user, person=person, bank_name=payload.bank_name, account_number=payload.account_number
    )
    return {
        "person_id": person.pk,
        "bank_name": account.bank_name,
        "account_number": mask(PIIKind.BANK_ACCOUNT, account.account_number),
    }
