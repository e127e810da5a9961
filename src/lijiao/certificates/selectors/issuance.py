"""Reading certificates for the staff's list and detail, scoped to what the user may see (SPEC C5, C12).

Scope: city-wide roles (and superusers) see every certificate; a district clerk or reviewer those whose evaluating
body, site or class lies in their handling area; a provider's staff those from their own classes; an evaluating
body's staff (an employer's staff for its self-evaluations) those of their body. Everyone needs
``certificates.view_certificate``; anything out of scope answers :class:`NotFound`, exactly like an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.audit.models import AuditEvent
from lijiao.certificates.models import Certificate, EvaluatorMembership, ReportEntry
from lijiao.core.actors import Actor, is_authenticated
from lijiao.core.errors import NotFound
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, mask

__all__ = [
    "VIEW_CERTIFICATE",
    "CertificateDetail",
    "certificate_detail",
    "for_list",
    "get_certificate",
    "require_certificate_reader",
    "visible_certificates",
]

VIEW_CERTIFICATE = "certificates.view_certificate"
HISTORY_ACTIONS = (
    "certificates.certificate.issued",
    "certificates.certificate.imported",
    "certificates.certificate.revoked",
    "certificates.certificate.holder_corrected",
)


def _body_id(user: Any) -> int | None:
    cached = user.__dict__.get("_lijiao_evaluator_body", ...)
    if cached is ...:
        cached = EvaluatorMembership.objects.filter(user_id=user.pk).values_list("body_id", flat=True).first()
        user.__dict__["_lijiao_evaluator_body"] = cached
    return cached  # type: ignore[no-any-return]


def visible_certificates(user: Actor | None) -> QuerySet[Certificate]:
    """The certificates ``user`` may see (see the module), newest issue date first."""
    if user is None or not (is_authenticated(user) and user.has_perm(VIEW_CERTIFICATE)):
        return Certificate.objects.none()
    qs = Certificate.objects.all()
    scope = Scope.for_user(user)
    if scope.all_areas:
        return qs
    condition = Q(pk__in=[])
    if scope.provider_ids:
        condition |= Q(training_class__provider_id__in=scope.provider_ids)
    if scope.area_ids:
        condition |= (
            Q(body__handling_area_id__in=scope.area_ids)
            | Q(site__handling_area_id__in=scope.area_ids)
            | Q(training_class__handling_area_id__in=scope.area_ids)
        )
    body_id = _body_id(user)
    if body_id is not None:
        condition |= Q(body_id=body_id)
    return qs.filter(condition)


def for_list(certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """``certificates`` loaded for a list: the row carries everything a list shows (number, holder name as
    printed, subject, level, issuer, dates, statuses), so no join is needed."""
    return certificates.select_related(None).defer("flags")


def require_certificate_reader(user: Actor | None) -> None:
    """:class:`PermissionDenied` unless the user may read certificates at all."""
    require_perm(user, VIEW_CERTIFICATE)


def get_certificate(user: Actor | None, pk: int) -> Certificate:
    """One visible certificate: PermissionDenied without the permission, NotFound out of scope or unknown."""
    require_certificate_reader(user)
    certificate = (
        visible_certificates(user)
        .select_related(
            "holder",
            "body",
            "site",
            "occupation",
            "work_type",
            "special_item",
            "training_class__provider",
            "assessment",
            "created_by",
        )
        .filter(pk=pk)
        .first()
    )
    if certificate is None:
        raise NotFound(_("证书不存在"))
    return certificate


@dataclass(frozen=True, slots=True)
class CertificateDetail:
    """A certificate with its holder's masked ID, its history (audit) and what the user may do to it."""

    certificate: Certificate
    holder_id_masked: str
    history: list[AuditEvent]
    can_revoke: bool
    can_correct: bool
    report_entry: ReportEntry | None = None  # the latest report upward and its answer


def certificate_detail(user: Actor | None, pk: int) -> CertificateDetail:
    """A visible certificate with everything its detail page and API show."""
    certificate = get_certificate(user, pk)
    history = list(
        AuditEvent.objects.filter(
            object_type="certificates.certificate", object_id=str(certificate.pk), action__in=HISTORY_ACTIONS
        )
        .select_related("actor")
        .order_by("sequence")[:100]
    )
    valid = certificate.status == Certificate.Status.VALID
    return CertificateDetail(
        certificate=certificate,
        holder_id_masked=mask(PIIKind.CITIZEN_ID, certificate.holder.citizen_id),
        history=history,
        can_revoke=valid and bool(user and user.has_perm("certificates.revoke_certificate")),
        can_correct=bool(user and user.has_perm("certificates.issue_certificate")),
        report_entry=ReportEntry.objects.filter(certificate=certificate).order_by("-id").first(),
    )
