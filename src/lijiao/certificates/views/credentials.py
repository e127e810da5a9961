"""Certificate downloads (ADR 0019): the printable PDF, a class's batch PDF, the verifiable credential; and the
public documents a verifier needs: the JWKS, the revocation status lists and the issuer's profile.

Downloads are for those :mod:`lijiao.certificates.selectors.credentials` allows (the holder, the issuing body,
the bureau, the class's provider); anyone else gets the same 404 as for an unknown id. The public documents need
no login: ``/.well-known/jwks.json`` and ``/credentials/issuer`` (cached an hour) and
``/credentials/status/<list id>`` (one query, a weak ETag answered 304, ``max-age`` of
``CREDENTIAL_STATUS_LIST_MAX_AGE`` seconds) — ``public_urlpatterns``, included at the site's root.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from lijiao.certificates import signing, vc
from lijiao.certificates.selectors import credentials as selectors
from lijiao.certificates.services import credentials as services

PDF = "application/pdf"


def attachment(data: bytes | str, filename: str, content_type: str) -> HttpResponse:
    """A download that no cache keeps (it holds personal data)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    certificate = selectors.get_downloadable(request.user, certificate_id)
    data = services.print_certificate(actor=request.user, certificate=certificate)
    return attachment(data, f"证书-{certificate.number}.pdf", PDF)


@login_required
@require_safe
def class_certificates_pdf(request: HttpRequest, class_id: int) -> HttpResponse:
    training_class = selectors.class_for_printing(request.user, class_id)
    certificates = list(selectors.class_certificates(training_class))
    data = services.print_class_certificates(
        actor=request.user, training_class=training_class, certificates=certificates
    )
    return attachment(data, f"证书-{training_class.code}.pdf", PDF)


@login_required
@require_safe
def certificate_credential(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """The credential as a ``.jwt`` file; ``?format=json`` the credential it carries, for reading."""
    certificate = selectors.get_downloadable(request.user, certificate_id)
    exported = services.export_credential(actor=request.user, certificate=certificate)
    if request.GET.get("format") == "json":
        text = json.dumps(exported.credential, ensure_ascii=False, indent=2)
        return attachment(text, f"证书-{certificate.number}.json", "application/json; charset=utf-8")
    return attachment(exported.jwt, f"证书-{certificate.number}.jwt", vc.MEDIA_TYPE)


def _public_json(
    data: dict[str, Any], content_type: str = "application/json", max_age: int = 3600
) -> HttpResponse:
    response = JsonResponse(data, content_type=content_type, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"  # verifiers' web pages read it (no credentials sent)
    return response


@require_safe
def jwks(request: HttpRequest) -> HttpResponse:
    """The bureau's credential keys, current and retired (RFC 7517 JWK Set)."""
    return _public_json(signing.jwks(), "application/jwk-set+json", max_age=600)


@require_safe
def issuer_profile(request: HttpRequest) -> HttpResponse:
    """The issuer of every credential: the bureau as an Open Badges ``Profile``."""
    profile = services.issuer().profile()
    return _public_json({"@context": [vc.VC_CONTEXT, vc.OB_CONTEXT], **profile})


@require_safe
def status_list(request: HttpRequest, list_id: int) -> HttpResponse:
    """A revocation status list (``BitstringStatusListCredential``) as a VC-JWT."""
    signed = services.status_list(list_id)
    cache_control = f"public, max-age={settings.CREDENTIAL_STATUS_LIST_MAX_AGE}"
    if signed.etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(signed.jwt, content_type=vc.MEDIA_TYPE)
    response["ETag"] = signed.etag
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"
    return response


urlpatterns: list[URLPattern] = [
    path("<int:certificate_id>/certificate.pdf", certificate_pdf, name="certificate_pdf"),
    path("<int:certificate_id>/credential.jwt", certificate_credential, name="certificate_credential"),
    path("classes/<int:class_id>/certificates.pdf", class_certificates_pdf, name="class_certificates_pdf"),
]

# At the site's root (lijiao/urls.py), namespace "credentials".
public_urlpatterns: list[URLPattern] = [
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("credentials/issuer", issuer_profile, name="issuer"),
    path("credentials/status/<int:list_id>", status_list, name="status_list"),
]
