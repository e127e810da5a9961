"""Claims API (under ``/api/v1/subsidies``): the list (the screen's filter set), a claim's detail with its trace
and the actions the caller may take, the review queues, filing, and one operation per workflow action.

Same permissions and scopes as the screens: reads through :mod:`lijiao.subsidies.selectors.claims` (out of scope:
404), writes through the services (403 permission, 409 state, 400 field errors).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router
from pydantic import StrictInt

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.certificates.models import Certificate
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.models import HandlingArea
from lijiao.core.pagination import MAX_LIMIT, paginate
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, pii_digest
from lijiao.core.schemas import ErrorOut, InputSchema, Schema
from lijiao.people.models import Person
from lijiao.subsidies.api.paging import ClaimPagination
from lijiao.subsidies.filters import ClaimFilterSet
from lijiao.subsidies.models import Claim, SchemeKind
from lijiao.subsidies.selectors import claims as selectors
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import review
from lijiao.training.filters import filtered
from lijiao.training.models import Enrollment
from lijiao.training.selectors.classes import get_class

router = Router(auth=required_auth)

_NOT_FOUND = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_LIST_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ClaimOut(Schema):
    """A claim as the lists show it."""

    id: int
    number: str = Field(..., description="申请编号 BT<yyyy><6位>")
    kind: str = Field(..., description="补贴类型")
    kind_label: str
    part: str = Field(..., description="拨付部分：full 全额；advance 预拨；final 清算")
    status: str
    status_label: str
    person_id: int
    person_name: str
    applicant: str = Field(..., description="申请方式：worker/provider/employer/evaluator/bulk")
    applicant_name: str
    provider_id: int | None
    handling_area: str = Field(..., description="经办区域代码")
    application_date: dt.date | None
    amount: Decimal | None = Field(None, description="补贴金额（元），提交后按规则核定")
    decision_passed: bool | None
    payment_hold: bool
    status_reason: str
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Claim) -> str:
        # a page's label set once (selectors.label_claims) or the row's own
        return str(getattr(obj, "kind_label", None) or obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Claim) -> str:
        return str(getattr(obj, "status_label", None) or obj.get_status_display())

    @staticmethod
    def resolve_person_name(obj: Claim) -> str:
        return obj.person.name

    @staticmethod
    def resolve_handling_area(obj: Claim) -> str:
        return obj.handling_area.code


class ClaimQueueOut(ClaimOut):
    waited_working_days: int | None = Field(None, description="在本队列已等待的工作日数")
    overdue: bool = Field(False, description="超过办理时限")


class ClaimTraceLineOut(Schema):
    rule: str
    label: str = ""
    inputs: dict[str, Any] = Field(default_factory=dict)
    passed: bool
    overridden: bool = False
    policy: str = ""
    explanation: str = ""


class ClaimEvaluationOut(Schema):
    id: int
    evaluated_at: dt.datetime
    scheme_version_id: int
    version_hash: str
    passed: bool
    amount: Decimal
    reason: str
    current: bool


class ClaimOverrideOut(Schema):
    rule: str
    reason: str
    created_at: dt.datetime


class ClaimObjectionOut(Schema):
    id: int
    source: str
    status: str
    text: str
    resolution: str
    created_at: dt.datetime


class ClaimHistoryOut(Schema):
    occurred_at: dt.datetime
    action: str
    actor: str
    reason: str


class ClaimPaymentOut(Schema):
    batch: str
    amount: Decimal
    batch_status: str


class ClaimDetailOut(ClaimOut):
    """A claim with its trace: the current decision line by line, the earlier decisions, overrides, objections,
    the audit history, the payment line and the actions the caller may take."""

    certificate_id: int | None
    enrollment_id: int | None
    training_class_id: int | None
    catalog_item_id: int | None
    evaluating_body_id: int | None
    employer_name: str
    facts: dict[str, Any]
    scheme_version_id: int | None
    trace_lines: list[ClaimTraceLineOut] = Field(
        ..., description="当前审核结论逐条：规则、依据数据、是否通过、政策依据"
    )
    evaluation_history: list[ClaimEvaluationOut] = Field(..., description="历次审核（当前在前）")
    rule_overrides: list[ClaimOverrideOut]
    objection_list: list[ClaimObjectionOut]
    history: list[ClaimHistoryOut]
    payment: ClaimPaymentOut | None
    approval_blockers: list[str] = Field(..., description="未调整的未通过规则（为空方可通过）")
    actions: list[str] = Field(..., description="当前用户可执行的操作")


class ClaimFilters(InputSchema):
    """Query parameters, validated by :class:`lijiao.subsidies.filters.ClaimFilterSet` (the screen's)."""

    q: str | None = Field(None, description="申请编号（BT 开头，前缀）或姓名")
    status: str | None = None
    kind: str | None = None
    applicant: str | None = None
    area: str | None = Field(None, description="经办区域代码")
    provider: str | None = Field(None, description="培训机构 id")
    date_from: str | None = Field(None, description="申请日期起 YYYY-MM-DD")
    date_to: str | None = Field(None, description="申请日期止 YYYY-MM-DD")


class ClaimReasonIn(InputSchema):
    reason: str = Field(..., max_length=500, description="理由")


class ClaimOverrideIn(InputSchema):
    rule: str = Field(..., max_length=20, description="未通过的规则，如 R2")
    reason: str = Field(..., max_length=500, description="理由")


class ClaimSubmitIn(InputSchema):
    facts: dict[str, Any] | None = Field(None, description="补正后的申请事实（退回后重新提交时）")
    note: str = Field("", max_length=500)


class ClaimKindIn(InputSchema):
    kind: str = Field(SchemeKind.TRAINING, description="补贴类型，默认 training")


class ClaimSelectionIn(InputSchema):
    claim_ids: list[StrictInt] = Field(..., description="所选申请 id")


class ClaimPublicityOut(Schema):
    number: str
    starts_on: dt.date
    ends_on: dt.date
    claims: list[str]


class ClaimBulkSkippedOut(Schema):
    enrollment_id: int
    person_name: str
    reason: str


class ClaimBulkOut(Schema):
    created: list[ClaimOut]
    skipped: list[ClaimBulkSkippedOut]


class ApprenticeshipClaimIn(InputSchema):
    citizen_id: str = Field(..., description="学徒身份证号")
    part: str = Field(..., description="advance 预拨部分；final 清算部分")
    employer_name: str = Field(..., max_length=100)
    employer_credit_code: str = Field("", max_length=18)
    handling_area: str = Field(..., description="经办区域代码")
    facts: dict[str, Any] = Field(
        ...,
        description="hired_on, contract_start, contract_end (YYYY-MM-DD), hire_type (new / transferred), level, training_months, exceptional, amount",
    )
    certificate_number: str = Field("", max_length=40, description="证书编号（清算部分必填）")


def _detail(user: Any, claim_id: int) -> Claim:
    d = selectors.claim_detail(user, claim_id)
    claim = d.claim
    extra = {
        "trace_lines": d.lines,
        "evaluation_history": ([d.current] if d.current else []) + d.earlier,
        "rule_overrides": d.overrides,
        "objection_list": d.objections,
        "history": [
            {"occurred_at": e.occurred_at, "action": e.action, "actor": e.actor_label, "reason": e.reason}
            for e in d.history
        ],
        "payment": (
            {
                "batch": d.payment.batch.number,
                "amount": d.payment.amount,
                "batch_status": d.payment.batch.status,
            }
            if d.payment
            else None
        ),
        "approval_blockers": review.approval_blockers(claim) if claim.decision_passed is False else [],
        "actions": review.allowed_actions(user, claim),
    }
    for name, value in extra.items():
        setattr(claim, name, value)
    return claim


@router.get("/claims", response={200: list[ClaimOut], **_LIST_ERRORS}, summary="补贴申请列表（按权限范围）")
@paginate(ClaimPagination)
def claim_list(request: HttpRequest, query: Query[ClaimFilters]) -> QuerySet[Claim]:
    user = current_user(request)
    return filtered(ClaimFilterSet, request.GET, selectors.for_list(selectors.visible_claims(user)))


class ClaimQueuePagination(ClaimPagination):
    """A review queue's page (``limit`` default 50): the claims with the working days they have waited, computed
    for the page alone (one calendar read, one count per distinct date, the labels from one dict)."""

    class Input(ClaimPagination.Input):
        limit: int = Field(
            selectors.QUEUE_PAGE_SIZE, ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}）"
        )

    def __init__(self, *, since: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.since = since

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        rows = []
        for row in selectors.queue_rows(page[self.items_attribute], self.since):
            claim = row["claim"]
            claim.waited_working_days = row["waited"]
            claim.overdue = row["overdue"]
            rows.append(claim)
        page[self.items_attribute] = rows
        return page


@router.get("/claims/queues/first", response={200: list[ClaimQueueOut], **_LIST_ERRORS}, summary="初审队列")
@paginate(ClaimQueuePagination, since="submitted_at")
def queue_first(request: HttpRequest) -> QuerySet[Claim]:
    return selectors.first_review_queue(current_user(request))


@router.get("/claims/queues/second", response={200: list[ClaimQueueOut], **_LIST_ERRORS}, summary="复审队列")
@paginate(ClaimQueuePagination, since="first_reviewed_at")
def queue_second(request: HttpRequest) -> QuerySet[Claim]:
    return selectors.second_review_queue(current_user(request))


@router.get(
    "/claims/{claim_id}", response={200: ClaimDetailOut, **_NOT_FOUND}, summary="补贴申请详情（含审核过程）"
)
def claim_get(request: HttpRequest, claim_id: int) -> Claim:
    return _detail(current_user(request), claim_id)


def _claim(request: HttpRequest, claim_id: int, *perms: str) -> tuple[Any, Claim]:
    user = current_user(request)
    require_perm(user, *perms)  # before anything is looked up (ADR 0005)
    return user, selectors.get_claim(user, claim_id)


_VIEW = selectors.VIEW_PERM


@router.post(
    "/claims/{claim_id}/submit",
    response={200: ClaimDetailOut, **_WRITE_ERRORS},
    summary="提交申请（退回后补正重新提交）",
)
def claim_submit(request: HttpRequest, claim_id: int, payload: ClaimSubmitIn) -> Claim:
    user, claim = _claim(request, claim_id, _VIEW)
    review.submit_claim(claim=claim, actor=user, facts=payload.facts, note=payload.note)
    return _detail(user, claim_id)


@router.post(
    "/claims/{claim_id}/withdraw", response={200: ClaimDetailOut, **_WRITE_ERRORS}, summary="撤回申请"
)
def claim_withdraw(request: HttpRequest, claim_id: int) -> Claim:
    user, claim = _claim(request, claim_id, _VIEW)
    review.withdraw_claim(claim=claim, actor=user)
    return _detail(user, claim_id)


@router.post(
    "/claims/{claim_id}/first-approve", response={200: ClaimDetailOut, **_WRITE_ERRORS}, summary="初审通过"
)
def claim_first_approve(request: HttpRequest, claim_id: int) -> Claim:
    user, claim = _claim(request, claim_id, review.FIRST_PERM)
    review.first_approve_claim(claim=claim, actor=user)
    return _detail(user, claim_id)


@router.post(
    "/claims/{claim_id}/second-approve",
    response={200: ClaimPublicityOut, **_WRITE_ERRORS},
    summary="复审通过并公示",
)
def claim_second_approve(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    user, claim = _claim(request, claim_id, review.SECOND_PERM)
    notice = review.second_approve_claims(claims=[claim], actor=user)
    return {
        "number": notice.number,
        "starts_on": notice.starts_on,
        "ends_on": notice.ends_on,
        "claims": [claim.number],
    }


@router.post(
    "/claim-selection/second-approve",
    response={200: ClaimPublicityOut, **_WRITE_ERRORS},
    summary="所选申请复审通过并公示",
)
def claims_second_approve(request: HttpRequest, payload: ClaimSelectionIn) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, review.SECOND_PERM)
    claims = list(selectors.visible_claims(user).filter(pk__in=payload.claim_ids))
    if len(claims) != len(set(payload.claim_ids)):
        raise NotFound()
    notice = review.second_approve_claims(claims=claims, actor=user)
    return {
        "number": notice.number,
        "starts_on": notice.starts_on,
        "ends_on": notice.ends_on,
        "claims": [c.number for c in claims],
    }


@router.post("/claims/{claim_id}/return", response={200: ClaimDetailOut, **_WRITE_ERRORS}, summary="退回补正")
def claim_return(request: HttpRequest, claim_id: int, payload: ClaimReasonIn) -> Claim:
    user, claim = _claim(request, claim_id, review.FIRST_PERM, review.SECOND_PERM)
    review.return_claim(claim=claim, actor=user, reason=payload.reason)
    return _detail(user, claim_id)


@router.post("/claims/{claim_id}/reject", response={200: ClaimDetailOut, **_WRITE_ERRORS}, summary="不予补贴")
def claim_reject(request: HttpRequest, claim_id: int, payload: ClaimReasonIn) -> Claim:
    user, claim = _claim(request, claim_id, review.FIRST_PERM, review.SECOND_PERM)
    review.reject_claim(claim=claim, actor=user, reason=payload.reason)
    return _detail(user, claim_id)


@router.post(
    "/claims/{claim_id}/override",
    response={200: ClaimDetailOut, **_WRITE_ERRORS},
    summary="说明理由后调整规则结论",
)
def claim_override(request: HttpRequest, claim_id: int, payload: ClaimOverrideIn) -> Claim:
    user, claim = _claim(request, claim_id, review.OVERRIDE_PERM)
    review.override_rule(claim=claim, actor=user, rule=payload.rule, reason=payload.reason)
    return _detail(user, claim_id)


@router.post("/claims/{claim_id}/archive", response={200: ClaimDetailOut, **_WRITE_ERRORS}, summary="归档")
def claim_archive(request: HttpRequest, claim_id: int) -> Claim:
    user, claim = _claim(request, claim_id, review.ARCHIVE_PERM)
    review.archive_claim(claim=claim, actor=user)
    return _detail(user, claim_id)


# --- filing -------------------------------------------------------------------------------------------------------


@router.post(
    "/classes/{class_id}/claims",
    response={200: ClaimBulkOut, **_WRITE_ERRORS},
    summary="为已结业培训班的学员批量申请补贴",
)
def class_claims(request: HttpRequest, class_id: int, payload: ClaimKindIn) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, filing.FILE_PERM)
    training_class = get_class(user, class_id)
    result = filing.file_for_class(actor=user, training_class=training_class, kind=payload.kind)
    return {
        "created": result.created,
        "skipped": [
            {"enrollment_id": e.pk, "person_name": e.person.name, "reason": reason}
            for e, reason in result.skipped
        ],
    }


@router.post(
    "/enrollments/{enrollment_id}/claim",
    response={200: ClaimDetailOut, **_WRITE_ERRORS},
    summary="为学员代为申请补贴",
)
def enrollment_claim(request: HttpRequest, enrollment_id: int, payload: ClaimKindIn) -> Claim:
    user = current_user(request)
    require_perm(user, filing.FILE_PERM)
    enrollment = (
        Enrollment.objects.select_related("training_class", "person").filter(pk=enrollment_id).first()
    )
    if enrollment is None:
        raise NotFound()
    claim = filing.file_for_trainee(actor=user, enrollment=enrollment, kind=payload.kind)
    return _detail(user, claim.pk)


@router.post(
    "/apprenticeship-claims",
    response={200: ClaimDetailOut, **_WRITE_ERRORS},
    summary="企业申请新型学徒制补贴",
)
def apprenticeship_claim(request: HttpRequest, payload: ApprenticeshipClaimIn) -> Claim:
    user = current_user(request)
    filing.require_employer_filer(user)
    area = HandlingArea.objects.filter(code=payload.handling_area).first()
    if area is None:
        raise DomainError.for_fields("经办区域无效", {"handling_area": "请填写有效的经办区域代码"})
    try:
        digest = pii_digest(PIIKind.CITIZEN_ID, payload.citizen_id)
    except ValueError:
        raise DomainError.for_fields("身份证号无效", {"citizen_id": "身份证号格式有误"}) from None
    person = Person.objects.filter(citizen_id_digest=digest).first()
    if person is None:
        raise DomainError.for_fields("未找到该人员", {"citizen_id": "未找到该人员，请先办理实名登记"})
    certificate = None
    if payload.certificate_number:
        certificate = Certificate.objects.filter(number=payload.certificate_number.strip().upper()).first()
        if certificate is None:
            raise DomainError.for_fields("证书编号不存在", {"certificate_number": "证书编号不存在"})
    claim = filing.file_apprenticeship(
        actor=user,
        person=person,
        part=payload.part,
        employer_name=payload.employer_name,
        employer_credit_code=payload.employer_credit_code,
        handling_area=area,
        facts=payload.facts,
        certificate=certificate,
    )
    return _detail(user, claim.pk)


@router.post(
    "/certificates/{certificate_id}/claim",
    response={200: ClaimDetailOut, **_WRITE_ERRORS},
    summary="评价机构代为申请职业技能评价补贴",
)
def assessment_claim(request: HttpRequest, certificate_id: int) -> Claim:
    user = current_user(request)
    require_perm(user, filing.FILE_PERM)
    certificate = Certificate.objects.select_related("body", "holder").filter(pk=certificate_id).first()
    if certificate is None:
        raise NotFound()
    claim = filing.file_for_assessment(actor=user, certificate=certificate)
    return _detail(user, claim.pk)
