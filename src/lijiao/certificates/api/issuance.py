"""Certificates API: the staff's certificate list and detail, revocation and holder correction, and issuing the
培训合格证 of a finished class (under ``/api/v1/certificates``).

Reads go through :mod:`lijiao.certificates.selectors.issuance` (scope: 404 like an unknown id); writes through
:mod:`lijiao.certificates.services.issuance` (403 permission, 409 state, 400 field errors). The list is filtered by
:class:`lijiao.certificates.filters.CertificateFilterSet`, the screen's.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.certificates.api import history_import, reporting
from lijiao.certificates.filters import CertificateFilterSet
from lijiao.certificates.models import Certificate
from lijiao.certificates.schemas.issuance import (
    CertificateDetailOut,
    CertificateFilters,
    CertificateOut,
    CorrectHolderIn,
    RevokeIn,
)
from lijiao.certificates.selectors import issuance as selectors
from lijiao.certificates.services import issuance as services
from lijiao.core.pagination import CappedLimitOffsetPagination, paginate
from lijiao.core.permissions import require_perm
from lijiao.core.schemas import ErrorOut
from lijiao.training.filters import filtered
from lijiao.training.selectors.classes import get_class

router = Router(auth=required_auth)
router.add_router("", history_import.router)
router.add_router("", reporting.router)

_NOT_FOUND = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_LIST_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _detail(request: HttpRequest, certificate_id: int) -> Certificate:
    detail = selectors.certificate_detail(current_user(request), certificate_id)
    certificate = detail.certificate
    certificate.holder_id_masked = detail.holder_id_masked  # type: ignore[attr-defined]
    certificate.history = detail.history  # type: ignore[attr-defined]
    return certificate


@router.get(
    "/certificates", response={200: list[CertificateOut], **_LIST_ERRORS}, summary="证书列表（按权限范围）"
)
@paginate(CappedLimitOffsetPagination)
def certificate_list(request: HttpRequest, query: Query[CertificateFilters]) -> QuerySet[Certificate]:
    """The bureau: all; a district clerk: bodies, sites or classes of the handling area; a provider: its classes';
    an evaluating body: its own (403 without ``certificates.view_certificate``). ``count`` stops at 10,001
    (``count_capped``), ``offset`` at 10,000 (ADR 0015)."""
    user = current_user(request)
    selectors.require_certificate_reader(user)
    qs = selectors.for_list(selectors.visible_certificates(user))
    return filtered(CertificateFilterSet, request.GET, qs)


@router.get(
    "/certificates/{certificate_id}", response={200: CertificateDetailOut, **_NOT_FOUND}, summary="证书详情"
)
def certificate_get(request: HttpRequest, certificate_id: int) -> Certificate:
    return _detail(request, certificate_id)


@router.post(
    "/certificates/{certificate_id}/revoke",
    response={200: CertificateDetailOut, **_WRITE_ERRORS},
    summary="撤销证书（须填写原因和日期；撤销后查询显示为已撤销）",
)
def certificate_revoke(request: HttpRequest, certificate_id: int, payload: RevokeIn) -> Certificate:
    user = current_user(request)
    require_perm(user, "certificates.revoke_certificate")  # before anything is looked up (ADR 0005)
    certificate = selectors.get_certificate(user, certificate_id)
    services.revoke_certificate(
        actor=user, certificate=certificate, reason=payload.reason, revoked_on=payload.revoked_on
    )
    return _detail(request, certificate_id)


@router.post(
    "/certificates/{certificate_id}/correct-holder",
    response={200: CertificateDetailOut, **_WRITE_ERRORS},
    summary="更正持证人姓名（留痕）",
)
def certificate_correct_holder(
    request: HttpRequest, certificate_id: int, payload: CorrectHolderIn
) -> Certificate:
    user = current_user(request)
    require_perm(user, "certificates.issue_certificate")  # before anything is looked up (ADR 0005)
    certificate = selectors.get_certificate(user, certificate_id)
    services.correct_holder(
        actor=user, certificate=certificate, holder_name=payload.holder_name, reason=payload.reason
    )
    return _detail(request, certificate_id)


@router.post(
    "/classes/{class_id}/completion-certificates",
    response={200: list[CertificateOut], **_WRITE_ERRORS},
    summary="为已结业培训班中评价合格的学员颁发培训合格证",
)
def completion_certificates(request: HttpRequest, class_id: int) -> list[Certificate]:
    user = current_user(request)
    training_class = get_class(user, class_id)
    return services.issue_completion_certificates(actor=user, training_class=training_class)
