"""The policy calculator: ``POST /api/v1/subsidies/evaluate`` decides a claim's facts and writes nothing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.core.permissions import require_perm
from lijiao.core.schemas import ErrorOut, InputSchema, Schema
from lijiao.subsidies.services.evaluation import calculate

router = Router(auth=required_auth)


class SubsidyEvaluateIn(InputSchema):
    kind: str = Field(
        description="补贴类型：training、skill_upgrade、assessment、apprenticeship、living、graduate_conversion…"
    )
    version: int | None = Field(None, ge=1, description="政策版本号；不填则取申请日有效的已发布版本")
    facts: dict[str, Any] = Field(description="申请事实（README“补贴政策计算器”所述的 JSON）")


class SubsidyRuleLineOut(Schema):
    rule: str
    label: str
    inputs: dict[str, Any]
    passed: bool
    policy: str
    explanation: str


class SubsidyEvaluateVersionOut(Schema):
    id: int
    number: int
    status: str
    effective_from: str
    effective_to: str | None
    content_hash: str


class SubsidyEvaluateOut(Schema):
    kind: str
    version: SubsidyEvaluateVersionOut
    passed: bool
    amount: str
    computed_amount: str
    failed_rules: list[str]
    lines: list[SubsidyRuleLineOut]


@router.post(
    "/evaluate",
    response={200: SubsidyEvaluateOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="补贴政策计算器：按政策版本判定申请事实，返回结论和逐条规则（不写入任何数据）",
)
def evaluate_facts(request: HttpRequest, payload: SubsidyEvaluateIn) -> dict[str, Any]:
    require_perm(current_user(request), "subsidies.view_schemeversion")
    version, decision = calculate(kind=payload.kind, facts=payload.facts, number=payload.version)
    return {
        "kind": payload.kind,
        "version": {
            "id": version.pk,
            "number": version.number,
            "status": version.status,
            "effective_from": version.effective_from.isoformat(),
            "effective_to": version.effective_to.isoformat() if version.effective_to else None,
            "content_hash": version.content_hash,
        },
        **decision.as_dict(),
    }
