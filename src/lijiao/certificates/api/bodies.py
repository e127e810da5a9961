"""Evaluating bodies API (SPEC C5): the scoped registry with sites and accreditations; the city administration
registers and changes them (``certificates.add_/change_evaluatingbody`` …), district clerks read their area's."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.certificates.filters import BodyFilterSet
from lijiao.certificates.models import Accreditation, EvaluatingBody, EvaluationSite
from lijiao.certificates.schemas.bodies import (
    AccreditationIn,
    AccreditationOut,
    BodyFilters,
    BodyIn,
    BodyOut,
    ErrorOut,
    SiteIn,
    SiteOut,
)
from lijiao.certificates.selectors import bodies as selectors
from lijiao.certificates.services import bodies as services
from lijiao.certificates.services.lookups import resolve_area, resolve_subject
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.filtering import filtered_or_error
from lijiao.core.pagination import LimitOffsetPagination, paginate
from lijiao.core.permissions import require_perm
from lijiao.providers.models import Provider

router = Router(auth=required_auth)

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def site_out(site: EvaluationSite) -> dict[str, Any]:
    return {
        "id": site.pk,
        "code": site.code,
        "name": site.name,
        "address": site.address,
        "handling_area": site.handling_area.code,
        "active": site.active,
    }


def _code_name(row: Any) -> dict[str, str] | None:
    return {"code": row.code, "name": row.name} if row is not None else None


def accreditation_out(accreditation: Accreditation) -> dict[str, Any]:
    return {
        "id": accreditation.pk,
        "occupation": _code_name(accreditation.occupation),
        "work_type": _code_name(accreditation.work_type),
        "special_item": _code_name(accreditation.special_item),
        "levels": list(accreditation.levels or []),
        "valid_from": accreditation.valid_from,
        "valid_to": accreditation.valid_to,
    }


def _fields(payload: BodyIn) -> dict[str, Any]:
    message = _("评价机构信息有误")
    provider = None
    if payload.provider_id is not None:
        provider = Provider.objects.filter(pk=payload.provider_id).first()
        if provider is None:
            raise DomainError.for_fields(message, {"provider_id": _("培训机构不存在")})
    return {
        "kind": payload.kind,
        "code": payload.code,
        "name": payload.name,
        "handling_area": resolve_area(payload.handling_area, message=message),
        "credit_code": payload.credit_code,
        "province_code": payload.province_code,
        "provider": provider,
        "contact_name": payload.contact_name,
        "contact_phone": payload.contact_phone,
        "status": payload.status,
        "registered_on": payload.registered_on,
    }


def _body(request: HttpRequest, body_id: int) -> EvaluatingBody:
    return selectors.get_body(current_user(request), body_id)


def _fresh(request: HttpRequest, body_id: int) -> EvaluatingBody:
    return selectors.bodies_with_children(current_user(request)).get(pk=body_id)


@router.get(
    "/bodies",
    response={200: list[BodyOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="评价机构列表",
)
@paginate(LimitOffsetPagination)
def list_bodies(request: HttpRequest, filters: Query[BodyFilters]) -> QuerySet[EvaluatingBody]:
    """Bodies in the caller's scope with their sites and accreditations (403 without the view permission)."""
    user = current_user(request)
    selectors.require_body_reader(user)
    return filtered_or_error(BodyFilterSet(request.GET, queryset=selectors.bodies_with_children(user)))


@router.post("/bodies", response={201: BodyOut, **WRITE_ERRORS}, summary="登记评价机构（市级管理员）")
def register_body(request: HttpRequest, payload: BodyIn) -> Status[EvaluatingBody]:
    user = current_user(request)
    require_perm(user, "certificates.add_evaluatingbody")
    body = services.register_body(actor=user, **_fields(payload))
    return Status(201, _fresh(request, body.pk))


@router.get("/bodies/{body_id}", response={200: BodyOut, **READ_ERRORS}, summary="评价机构")
def get_body(request: HttpRequest, body_id: int) -> EvaluatingBody:
    _body(request, body_id)
    return _fresh(request, body_id)


@router.put("/bodies/{body_id}", response={200: BodyOut, **WRITE_ERRORS}, summary="修改评价机构（含状态）")
def update_body(request: HttpRequest, body_id: int, payload: BodyIn) -> EvaluatingBody:
    user = current_user(request)
    require_perm(user, "certificates.change_evaluatingbody")
    services.update_body(actor=user, body=_body(request, body_id), **_fields(payload))
    return _fresh(request, body_id)


@router.post("/bodies/{body_id}/sites", response={201: SiteOut, **WRITE_ERRORS}, summary="添加评价站点")
def add_site(request: HttpRequest, body_id: int, payload: SiteIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    require_perm(user, "certificates.add_evaluationsite")
    site = services.add_site(
        actor=user,
        body=_body(request, body_id),
        code=payload.code,
        name=payload.name,
        address=payload.address,
        handling_area=resolve_area(payload.handling_area, message=_("评价站点信息有误")),
    )
    return Status(201, site_out(site))


@router.put(
    "/bodies/{body_id}/sites/{site_id}", response={200: SiteOut, **WRITE_ERRORS}, summary="修改评价站点"
)
def update_site(request: HttpRequest, body_id: int, site_id: int, payload: SiteIn) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, "certificates.change_evaluationsite")
    site = selectors.body_sites(_body(request, body_id)).filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("评价站点不存在"))
    site = services.update_site(
        actor=user,
        site=site,
        code=payload.code,
        name=payload.name,
        address=payload.address,
        handling_area=resolve_area(payload.handling_area, message=_("评价站点信息有误")),
        active=payload.active,
    )
    return site_out(site)


@router.post(
    "/bodies/{body_id}/accreditations",
    response={201: AccreditationOut, **WRITE_ERRORS},
    summary="添加评价范围",
)
def add_accreditation(request: HttpRequest, body_id: int, payload: AccreditationIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    require_perm(user, "certificates.add_accreditation")
    body = _body(request, body_id)
    occupation, work_type, special_item = resolve_subject(
        payload.occupation_code, payload.work_type_code, payload.special_item_code, message=_("评价范围有误")
    )
    accreditation = services.add_accreditation(
        actor=user,
        body=body,
        occupation=occupation,
        work_type=work_type,
        special_item=special_item,
        levels=payload.levels,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
    )
    return Status(201, accreditation_out(accreditation))


@router.delete(
    "/bodies/{body_id}/accreditations/{accreditation_id}",
    response={204: None, **WRITE_ERRORS},
    summary="撤销评价范围",
)
def remove_accreditation(request: HttpRequest, body_id: int, accreditation_id: int) -> Status[None]:
    user = current_user(request)
    require_perm(user, "certificates.delete_accreditation")
    accreditation = selectors.body_accreditations(_body(request, body_id)).filter(pk=accreditation_id).first()
    if accreditation is None:
        raise NotFound(_("评价范围不存在"))
    services.remove_accreditation(actor=user, accreditation=accreditation)
    return Status(204, None)
