"""Reading certificates for printing and for credentials, scoped to who may have them (ADR 0019).

Who may download a certificate's PDF or credential (:func:`downloadable_certificates`):

* its holder: a logged-in user whose ``citizen_id_digest`` is the holder's (a worker; no permission needed);
* with ``certificates.view_certificate``: city-wide roles (the bureau) every certificate; a district clerk or
  reviewer those whose evaluating body or class is in their handling area; evaluating-body staff (and an
  employer's self-evaluation staff) those of their body; provider staff those from their provider's classes.

Anyone else gets :class:`~lijiao.core.errors.NotFound`, exactly like an unknown id (a worker learns nothing about
other people's certificates). A whole class's certificates (:func:`class_for_printing`) are for the class's
provider and the bureau staff who may read the class (``training.view_trainingclass`` with its scope) and hold
``certificates.view_certificate``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import override

from lijiao.accounts.roles import AREA_SCOPED_ROLES
from lijiao.accounts.scope import Scope
from lijiao.catalog.models import Level
from lijiao.certificates.models import Certificate, CertificateType, EvaluatorMembership
from lijiao.certificates.vc import STATUS_LIST_SIZE, CertificateFacts
from lijiao.core.actors import Actor, is_authenticated
from lijiao.core.errors import NotFound
from lijiao.core.permissions import require_perm
from lijiao.training.models import TrainingClass
from lijiao.training.selectors.classes import get_class

VIEW_CERTIFICATE = "certificates.view_certificate"


def _base() -> QuerySet[Certificate]:
    return Certificate.objects.select_related(
        "holder", "occupation", "work_type", "special_item", "body", "site"
    ).order_by("holder_name", "number")


def downloadable_certificates(user: Actor | None) -> QuerySet[Certificate]:
    """Certificates whose PDF and credential the user may download (see the module's rules)."""
    if user is None or not is_authenticated(user):
        return Certificate.objects.none()
    condition = Q(pk__in=[])
    digest = getattr(user, "citizen_id_digest", "") or ""
    if digest:
        condition |= Q(holder__citizen_id_digest=digest)
    if user.has_perm(VIEW_CERTIFICATE):
        scope = Scope.for_user(user)
        if scope.all_areas:
            return _base()
        condition |= Q(body__in=EvaluatorMembership.objects.filter(user_id=user.pk).values("body"))
        if scope.provider_ids:
            condition |= Q(training_class__provider__in=scope.provider_ids)
            condition |= Q(enrollment__training_class__provider__in=scope.provider_ids)
        if scope.area_ids and scope.roles & AREA_SCOPED_ROLES:
            condition |= Q(body__handling_area__in=scope.area_ids)
            condition |= Q(training_class__handling_area__in=scope.area_ids)
    return _base().filter(condition)


def get_downloadable(user: Actor | None, pk: int) -> Certificate:
    """One certificate the user may download; :class:`NotFound` otherwise (unknown or not theirs alike)."""
    certificate = downloadable_certificates(user).filter(pk=pk).first()
    if certificate is None:
        raise NotFound(_("证书不存在"))
    return certificate


def class_for_printing(user: Actor | None, class_id: int) -> TrainingClass:
    """A class whose certificates the user may print together (403 without the permissions, 404 out of scope)."""
    require_perm(user, VIEW_CERTIFICATE)
    return get_class(user, class_id)


def class_certificates(training_class: TrainingClass) -> QuerySet[Certificate]:
    """The valid certificates of a class's trainees (培训合格证 of the class and level certificates of its
    enrollments), by name then number; revoked ones are not printed in a batch."""
    return _base().filter(
        Q(training_class=training_class) | Q(enrollment__training_class=training_class),
        status=Certificate.Status.VALID,
    )


def revoked_indexes(list_id: int) -> list[int]:
    """Indexes within status list ``list_id`` of the revoked certificates: one query on ``status_index``."""
    start = list_id * STATUS_LIST_SIZE
    rows = Certificate.objects.filter(
        status=Certificate.Status.REVOKED, status_index__gte=start, status_index__lt=start + STATUS_LIST_SIZE
    ).values_list("status_index", flat=True)
    return [index - start for index in rows.order_by()]


def level_name(level: int | None) -> str:
    if level is None:
        return ""
    try:
        return str(Level(level).label)
    except ValueError:
        return str(level)


def facts(certificate: Certificate) -> CertificateFacts:
    """What a printed certificate and its credential state, in Chinese whatever the reader's language."""
    with override("zh-hans"):
        occupation = certificate.occupation.name if certificate.occupation else ""
        work_type = certificate.work_type.name if certificate.work_type else ""
        special = certificate.special_item
        subject = certificate.subject_name or (special.name if special else "") or work_type or occupation
        code = (special.code if special else "") or (
            certificate.occupation.code if certificate.occupation else ""
        )
        body = certificate.body.name if certificate.body else ""
        return CertificateFacts(
            number=certificate.number,
            certificate_type=certificate.certificate_type,
            type_name=str(CertificateType(certificate.certificate_type).label),
            holder_name=certificate.holder_name,
            subject_name=subject,
            subject_code=code,
            occupation=occupation,
            work_type=work_type,
            level=certificate.level,
            level_name=level_name(certificate.level),
            evaluating_body=body,
            issuer_name=certificate.issuer_name or body,
            issued_on=certificate.issued_on,
            status_index=certificate.status_index,
            verification_token=certificate.verification_token,
        )
