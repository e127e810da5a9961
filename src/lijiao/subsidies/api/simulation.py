"""Policy simulation: a year's claims re-priced under a draft scheme version or a draft catalog edition."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.catalog.models import Edition
from lijiao.core.errors import NotFound
from lijiao.core.schemas import ErrorOut, InputSchema, Schema
from lijiao.subsidies.models import SchemeVersion
from lijiao.subsidies.services import simulation

router = Router(auth=required_auth)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SimulationQuery(InputSchema):
    year: int | None = Field(None, ge=2000, le=2100, description="重新测算哪一年的申请（默认上一年）")


class SimulationGroupOut(Schema):
    label: str
    claims: int
    changed: int
    before: str
    after: str
    delta: str


class SimulationClaimOut(Schema):
    claim_id: int
    number: str
    before: str
    after: str
    failed_rules: list[str]


class SimulationOut(Schema):
    subject: str
    year: int
    claims: int
    skipped: int
    before: str
    after: str
    delta: str
    by_category: list[SimulationGroupOut]
    by_district: list[SimulationGroupOut]
    by_program: list[SimulationGroupOut]
    changed: list[SimulationClaimOut]


@router.get(
    "/schemes/versions/{version_id}/simulation",
    response={200: SimulationOut, **ERRORS},
    summary="政策模拟：按该版本重新测算一年的补贴申请，按行业类别、经办区域、培训项目汇总资金影响",
)
def simulate_version(
    request: HttpRequest, version_id: int, filters: Query[SimulationQuery]
) -> dict[str, Any]:
    version = SchemeVersion.objects.select_related("scheme").filter(pk=version_id).first()
    user = current_user(request)
    if version is None:
        raise NotFound()
    return simulation.simulate_version(actor=user, version=version, year=filters.year).as_dict()


@router.get(
    "/simulation/editions/{edition_id}",
    response={200: SimulationOut, **ERRORS},
    summary="政策模拟：按草稿目录版本的标准重新测算一年的补贴申请，汇总资金影响",
)
def simulate_edition(
    request: HttpRequest, edition_id: int, filters: Query[SimulationQuery]
) -> dict[str, Any]:
    edition = Edition.objects.filter(pk=edition_id).first()
    user = current_user(request)
    if edition is None:
        raise NotFound()
    return simulation.simulate_edition(actor=user, edition=edition, year=filters.year).as_dict()
