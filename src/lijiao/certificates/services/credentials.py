"""Printing certificates and exporting them as verifiable credentials (ADR 0019).

Each download is one service, called by the screen and the API alike, and audited like any export of personal
data (``certificates.certificate.printed``, ``certificates.class.printed``,
``certificates.certificate.credential_exported``). The file is made *before* the short audit transaction: a
500-page batch never holds the audit chain's lock (nor, on SQLite, the database's write lock) while it renders.
The caller has already checked who may have the certificate (:mod:`lijiao.certificates.selectors.credentials`).

:func:`status_list` builds the signed status list a verifier fetches (a read: nothing is written);
:func:`rotate_credential_key` replaces the signing key and keeps the old public key verifiable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.certificates import signing, vc
from lijiao.certificates.models import Certificate
from lijiao.certificates.printing import PrintedCertificate, certificates_pdf
from lijiao.certificates.selectors.credentials import facts, revoked_indexes
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, mask
from lijiao.training.models import TrainingClass

BATCH_LIMIT = 2000  # pages in one class's file (a class is at most a few hundred trainees)


def issuer() -> vc.Issuer:
    """The bureau that signs credentials, at the site's public address."""
    return vc.Issuer(base_url=settings.PUBLIC_BASE_URL, name=settings.CREDENTIAL_ISSUER_NAME)


def _printed(certificate: Certificate) -> PrintedCertificate:
    return PrintedCertificate(
        facts=facts(certificate),
        masked_citizen_id=mask(PIIKind.CITIZEN_ID, certificate.holder.citizen_id),
        revoked_on=certificate.revoked_on if certificate.status == Certificate.Status.REVOKED else None,
    )


def _now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def _audit(*, actor: Any, action: str, obj: Any, after: dict[str, Any]) -> None:
    record_event(actor=actor, action=action, obj=obj, after=after)


def print_certificate(*, actor: Actor, certificate: Certificate) -> bytes:
    """The certificate's PDF (one A4 page; a revoked one stamped “已撤销”), audited."""
    data = certificates_pdf(
        [_printed(certificate)], issuer(), title=f"{certificate.number}", printed_at=_now_text()
    )
    _audit(
        actor=actor,
        action="certificates.certificate.printed",
        obj=certificate,
        after={"format": "pdf", "status": certificate.status},
    )
    return data


def print_class_certificates(
    *, actor: Actor, training_class: TrainingClass, certificates: Sequence[Certificate]
) -> bytes:
    """The valid certificates of a class in one PDF (one page each), audited with their number."""
    if len(certificates) > BATCH_LIMIT:
        raise DomainError(
            message=_("一次最多打印 %(limit)s 本证书，本班有 %(count)s 本")
            % {"limit": BATCH_LIMIT, "count": len(certificates)},
            code="too_many",
        )
    data = certificates_pdf(
        (_printed(c) for c in certificates),
        issuer(),
        title=f"{training_class.code} 证书",
        printed_at=_now_text(),
    )
    _audit(
        actor=actor,
        action="certificates.class.printed",
        obj=training_class,
        after={"format": "pdf", "certificates": len(certificates)},
    )
    return data


@dataclass(frozen=True, slots=True)
class ExportedCredential:
    """A signed credential: the VC-JWT to keep and the credential it carries, for reading."""

    jwt: str
    credential: dict[str, Any]
    kid: str


def export_credential(*, actor: Actor, certificate: Certificate) -> ExportedCredential:
    """The certificate as an Open Badges 3.0 credential signed as VC-JWT with the bureau's key, audited."""
    key = signing.signing_key()
    payload = vc.credential(facts(certificate), issuer())
    token = vc.sign(payload, key=key.key, kid=key.kid)
    _audit(
        actor=actor,
        action="certificates.certificate.credential_exported",
        obj=certificate,
        after={"format": "vc+jwt", "kid": key.kid},
    )
    return ExportedCredential(jwt=token, credential=payload, kid=key.kid)


@dataclass(frozen=True, slots=True)
class StatusList:
    """A signed status list and its (weak) ETag: the same revoked set under the same key, the same tag."""

    jwt: str
    etag: str


def status_list_etag(list_id: int, indexes: Sequence[int], kid: str) -> str:
    digest = hashlib.sha256(f"{kid}:{list_id}:{','.join(map(str, sorted(indexes)))}".encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def status_list(list_id: int, *, now: dt.datetime | None = None) -> StatusList:
    """The ``BitstringStatusListCredential`` of list ``list_id`` as a VC-JWT: one query for its revoked bits.

    A read (nothing is written): a verifier fetches it anonymously, often; lists no certificate has reached yet
    are all zeros, like the tail of any list."""
    if list_id < 0 or list_id > 2**31 // vc.STATUS_LIST_SIZE:
        raise NotFound(_("状态列表不存在"))
    indexes = revoked_indexes(list_id)
    key = signing.signing_key()
    payload = vc.status_list_credential(
        issuer(),
        list_id,
        indexes,
        now=now or timezone.now(),
        ttl_seconds=settings.CREDENTIAL_STATUS_LIST_MAX_AGE,
    )
    return StatusList(
        jwt=vc.sign(payload, key=key.key, kid=key.kid), etag=status_list_etag(list_id, indexes, key.kid)
    )


def rotate_credential_key(*, actor: Actor | None) -> tuple[str, str]:
    """Replace the credential signing key; the old public key stays in the JWKS. ``(old kid, new kid)``."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        require_perm(actor, "certificates.issue_certificate")
    old, new = signing.rotate_signing_key()
    _audit(
        actor=actor or "system",
        action="certificates.credential_key.rotated",
        obj=None,
        after={"old_kid": old, "new_kid": new},
    )
    return old, new
