"""Subsidy schemes and their versions: list, detail, a new draft, publish, retire."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.core.errors import NotFound
from lijiao.core.permissions import require_perm
from lijiao.core.schemas import ErrorOut, InputSchema, Schema
from lijiao.subsidies.models import Scheme, SchemeVersion
from lijiao.subsidies.services import schemes as services

router = Router(auth=required_auth)
READ_PERM = "subsidies.view_schemeversion"
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class SchemeVersionSummaryOut(Schema):
    id: int
    number: int
    status: str
    effective_from: dt.date
    effective_to: dt.date | None
    document_number: str
    content_hash: str


class SchemeOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    description: str
    versions: list[SchemeVersionSummaryOut]


class SchemeListOut(Schema):
    items: list[SchemeOut]
    count: int


class SchemeParameterOut(Schema):
    name: str
    value: Any
    policy: str


class SchemeVersionOut(SchemeVersionSummaryOut):
    kind: str
    scheme_name: str
    policy_text: str
    parameters: list[SchemeParameterOut]
    rules: dict[str, Any]
    published_at: dt.datetime | None


class SchemeVersionIn(InputSchema):
    effective_from: dt.date
    effective_to: dt.date | None = None
    document_number: str = Field("", max_length=100)
    changes: dict[str, Any] = Field(default_factory=dict, description="参数名 → 新取值")
    policies: dict[str, str] = Field(default_factory=dict, description="参数名 → 新取值的政策依据")


class SchemeVersionRetireIn(InputSchema):
    reason: str = Field(max_length=500)


def _summary(version: SchemeVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "number": version.number,
        "status": version.status,
        "effective_from": version.effective_from,
        "effective_to": version.effective_to,
        "document_number": version.document_number,
        "content_hash": version.content_hash,
    }


def version_out(version: SchemeVersion) -> dict[str, Any]:
    return {
        **_summary(version),
        "kind": version.scheme.kind,
        "scheme_name": version.scheme.name,
        "policy_text": version.policy_text,
        "parameters": [
            {"name": name, "value": entry.get("value"), "policy": entry.get("policy", "")}
            for name, entry in version.parameters.items()
        ],
        "rules": version.rules,
        "published_at": version.published_at,
    }


def _version(pk: int) -> SchemeVersion:
    version = SchemeVersion.objects.select_related("scheme").filter(pk=pk).first()
    if version is None:
        raise NotFound()
    return version


@router.get("/schemes", response={200: SchemeListOut, **READ_ERRORS}, summary="补贴项目及其政策版本")
def list_schemes(request: HttpRequest) -> dict[str, Any]:
    require_perm(current_user(request), READ_PERM)
    schemes = list(Scheme.objects.prefetch_related("versions").order_by("kind"))
    items = [
        {
            "id": s.pk,
            "kind": s.kind,
            "kind_label": s.get_kind_display(),
            "name": s.name,
            "description": s.description,
            "versions": [_summary(v) for v in sorted(s.versions.all(), key=lambda v: -v.number)],
        }
        for s in schemes
    ]
    return {"items": items, "count": len(items)}


@router.get(
    "/schemes/versions/{version_id}", response={200: SchemeVersionOut, **READ_ERRORS}, summary="政策版本详情"
)
def get_version(request: HttpRequest, version_id: int) -> dict[str, Any]:
    require_perm(current_user(request), READ_PERM)
    return version_out(_version(version_id))


@router.post(
    "/schemes/versions/{version_id}/drafts",
    response={201: SchemeVersionOut, **WRITE_ERRORS},
    summary="以该版本为基础新建政策版本草稿（复制参数和规则，可修改参数取值和政策依据）",
)
def create_version(request: HttpRequest, version_id: int, payload: SchemeVersionIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    require_perm(user, "subsidies.add_schemeversion")
    version = services.create_draft_version(
        actor=user,
        base=_version(version_id),
        effective_from=payload.effective_from,
        effective_to=payload.effective_to,
        changes=payload.changes,
        policies=payload.policies,
        document_number=payload.document_number,
    )
    return Status(201, version_out(_version(version.pk)))


@router.post(
    "/schemes/versions/{version_id}/publish",
    response={200: SchemeVersionOut, **WRITE_ERRORS},
    summary="发布政策版本草稿（生效期间不得与其他已发布版本重叠）",
)
def publish_version(request: HttpRequest, version_id: int) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, "subsidies.publish_schemeversion")
    version = services.publish_version(actor=user, version=_version(version_id))
    return version_out(version)


@router.post(
    "/schemes/versions/{version_id}/retire",
    response={200: SchemeVersionOut, **WRITE_ERRORS},
    summary="停用已发布的政策版本（说明理由）",
)
def retire_version(request: HttpRequest, version_id: int, payload: SchemeVersionRetireIn) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, "subsidies.publish_schemeversion")
    version = services.retire_version(actor=user, version=_version(version_id), reason=payload.reason)
    return version_out(_version(version.pk))
