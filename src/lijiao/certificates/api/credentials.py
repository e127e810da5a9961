"""Certificates API: the printable PDF, a class's batch PDF and the verifiable credential (ADR 0019).

The same rules as the screens (:mod:`lijiao.certificates.selectors.credentials`): a certificate another caller
may not have answers 404 like an unknown id; the class's batch needs ``certificates.view_certificate`` (403) and
the class in scope (404). Every download is audited by its service. The public JWKS and status lists are not API
operations: they live at ``/.well-known/jwks.json`` and ``/credentials/status/<list id>``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.certificates.schemas.credentials import CredentialOut
from lijiao.certificates.selectors import credentials as selectors
from lijiao.certificates.services import credentials as services
from lijiao.certificates.views.credentials import PDF, attachment
from lijiao.core.schemas import ErrorOut

router = Router(auth=required_auth)

_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _pdf_responses(description: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


@router.get(
    "/{certificate_id}/certificate.pdf",
    response={401: ErrorOut, 404: ErrorOut},
    summary="下载证书（PDF，含核验二维码）",
    openapi_extra=_pdf_responses("证书 PDF（A4，一页）"),
)
def certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    user = current_user(request)
    certificate = selectors.get_downloadable(user, certificate_id)
    data = services.print_certificate(actor=user, certificate=certificate)
    return attachment(data, f"证书-{certificate.number}.pdf", PDF)


@router.get(
    "/{certificate_id}/credential",
    response={200: CredentialOut, 401: ErrorOut, 404: ErrorOut},
    summary="导出可验证凭证（Open Badges 3.0，VC-JWT）",
)
def certificate_credential(request: HttpRequest, certificate_id: int) -> dict[str, Any]:
    user = current_user(request)
    certificate = selectors.get_downloadable(user, certificate_id)
    exported = services.export_credential(actor=user, certificate=certificate)
    return {"jwt": exported.jwt, "kid": exported.kid, "credential": exported.credential}


@router.get(
    "/classes/{class_id}/certificates.pdf",
    response=_ERRORS,
    summary="批量打印本班证书（一个 PDF）",
    openapi_extra=_pdf_responses("本班有效证书，每本一页"),
)
def class_certificates_pdf(request: HttpRequest, class_id: int) -> HttpResponse:
    user = current_user(request)
    training_class = selectors.class_for_printing(user, class_id)
    certificates = list(selectors.class_certificates(training_class))
    data = services.print_class_certificates(
        actor=user, training_class=training_class, certificates=certificates
    )
    return attachment(data, f"证书-{training_class.code}.pdf", PDF)
