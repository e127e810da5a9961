"""A worker's own certificates (issue 11 item 8): ``/certificates/mine/`` — 我的证书.

Each certificate with its status, the download links of its PDF and its verifiable credential (when those
screens exist: ``certificates:certificate_pdf`` and ``certificates:certificate_credential``, by certificate id),
its QR verification link, and a three-step progress (results entered → certificate issued → in the national
database); passed assessments still waiting for their certificate are listed with the same steps. Matching is by
the user's ID number digest (selectors/worker.py): nobody sees anyone else's certificates.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.views.decorators.http import require_GET

from lijiao.catalog.models import Level
from lijiao.certificates.selectors import worker as selectors

DOWNLOADS = (("pdf", "certificates:certificate_pdf"), ("credential", "certificates:certificate_credential"))


def _download_names() -> list[tuple[str, str]]:
    """The download screens that exist in this build (the PDF and the credential come from another module)."""
    names = []
    for key, name in DOWNLOADS:
        try:
            reverse(name, args=[1])
        except NoReverseMatch:
            continue
        names.append((key, name))
    return names


def _level_label(level: int | None) -> str:
    if level is None:
        return ""
    try:
        return str(Level(level).label)
    except ValueError:
        return str(level)


@login_required
@require_GET
def my_certificates(request: HttpRequest) -> HttpResponse:
    """我的证书: the logged-in user's certificates and the pending ones."""
    downloads = _download_names()
    certificates: list[dict[str, Any]] = [
        {
            "certificate": certificate,
            "subject": selectors.subject_of(certificate),
            "level_label": _level_label(certificate.level),
            "steps": selectors.certificate_steps(certificate),
            "downloads": {key: reverse(name, args=[certificate.pk]) for key, name in downloads},
            "verify_url": reverse("certificates:verify_link", args=[certificate.verification_token]),
        }
        for certificate in selectors.my_certificates(request.user)
    ]
    pending: list[dict[str, Any]] = [
        {
            "assessment": assessment,
            "subject": selectors.subject_of(assessment),
            "level_label": _level_label(assessment.level),
            "steps": selectors.assessment_steps(assessment),
        }
        for assessment in selectors.my_pending_assessments(request.user)
    ]
    context = {
        "certificates": certificates,
        "pending": pending,
        "has_identity": bool(getattr(request.user, "citizen_id_digest", "")),
    }
    return render(request, "certificates/mine.html", context)


urlpatterns: list[URLPattern] = [path("mine/", my_certificates, name="mine")]
