"""Issuing certificates (SPEC C5): one service per way a certificate comes to be, all through
:func:`issue_certificate`, which numbers it, gives it its place in the status list and audits it.

The signatures below are the contract the results, verification and credential work build on; the bodies are
filled in by the issuance work (branch h11-issuance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lijiao.core.actors import Actor

if TYPE_CHECKING:
    from lijiao.catalog.models import Occupation, SpecialItem, WorkType
    from lijiao.certificates.models import Certificate, EvaluatingBody, EvaluationSite, LevelAssessment
    from lijiao.people.models import Person
    from lijiao.training.models import Enrollment, TrainingClass


def issue_certificate(
    *,
    actor: Actor,
    certificate_type: str,
    source: str,
    holder: Person,
    issued_on: dt.date,
    occupation: Occupation | None = None,
    work_type: WorkType | None = None,
    special_item: SpecialItem | None = None,
    level: int | None = None,
    body: EvaluatingBody | None = None,
    site: EvaluationSite | None = None,
    assessment: LevelAssessment | None = None,
    enrollment: Enrollment | None = None,
    training_class: TrainingClass | None = None,
    number: str | None = None,
    issuer_name: str = "",
    imported_from: str = "",
) -> Certificate:
    """Issue one certificate; ``number`` is given only for imports (validated), otherwise generated."""
    raise NotImplementedError


def issue_for_assessments(
    *, actor: Actor, assessments: Iterable[LevelAssessment], issued_on: dt.date | None = None
) -> list[Certificate]:
    """Issue the certificates of passed (and, for self-evaluations, confirmed) assessments that have none yet."""
    raise NotImplementedError


def issue_completion_certificates(
    *, actor: Actor, training_class: TrainingClass, issued_on: dt.date | None = None
) -> list[Certificate]:
    """Issue 培训合格证 to the trainees of a finished class whose completion result passed."""
    raise NotImplementedError


def revoke_certificate(
    *, actor: Actor, certificate: Certificate, reason: str, revoked_on: dt.date
) -> Certificate:
    """Revoke a certificate with its reason and date; it still verifies, as revoked."""
    raise NotImplementedError


def correct_holder(*, actor: Actor, certificate: Certificate, holder_name: str, reason: str) -> Certificate:
    """Correct the holder's name printed on a certificate (audited with before and after)."""
    raise NotImplementedError
