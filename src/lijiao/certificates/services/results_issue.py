"""From results to certificates (SPEC C5): the "颁发证书" action on a body's results.

It picks the body's results that passed, count (a self-evaluation once the bureau confirmed it) and have no
certificate yet — all of them, or those named — and hands them to
:func:`lijiao.certificates.services.issuance.issue_for_assessments`, which numbers, audits and issues them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lijiao.certificates.models import Certificate, EvaluatingBody, LevelAssessment
from lijiao.certificates.services import issuance
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError, PermissionDenied

__all__ = ["ISSUE_PERM", "issuable_results", "issue_results", "may_issue_for"]

ISSUE_PERM = "certificates.issue_certificate"


def may_issue_for(actor: Actor, body: EvaluatingBody) -> bool:
    """Whether the actor may certify the body's results: the bureau, or the body's own recording staff (as
    :func:`lijiao.certificates.services.issuance.may_issue` decides)."""
    return issuance.may_issue(actor, source=Certificate.Source.ASSESSMENT, body=body)


def issuable_results(body: EvaluatingBody) -> QuerySet[LevelAssessment]:
    """The body's results that may be certified now: passed, confirmed, without a certificate."""
    return LevelAssessment.objects.filter(
        body=body, passed=True, status=LevelAssessment.Status.CONFIRMED, certificate__isnull=True
    ).order_by("assessed_on", "id")


@transaction.atomic
def issue_results(
    *,
    actor: Actor,
    body: EvaluatingBody,
    assessment_ids: Sequence[int] = (),
    issued_on: dt.date | None = None,
) -> list[Certificate]:
    """Issue the certificates of the body's issuable results (all, or the ``assessment_ids`` named: each must
    be issuable, else nothing is issued). The bureau (``certificates.issue_certificate``) or the body's own staff
    may (:func:`may_issue_for`)."""
    if not may_issue_for(actor, body):
        raise PermissionDenied(_("您没有颁发证书的权限"))
    queryset = issuable_results(body).select_for_update(of=("self",))
    if assessment_ids:
        wanted = set(assessment_ids)
        chosen = list(queryset.filter(pk__in=wanted))
        missing = sorted(wanted - {a.pk for a in chosen})
        if missing:
            raise DomainError(
                _("所选结果中有不能颁证的"),
                code="not_issuable",
                errors=tuple(
                    FieldError(
                        "assessment_ids",
                        _("结果%(id)s不能颁证：不属于本机构、未合格、未确认或已颁证") % {"id": pk},
                    )
                    for pk in missing[:50]
                ),
            )
    else:
        chosen = list(queryset)
    if not chosen:
        raise DomainError(
            _("没有可颁证的结果"),
            code="not_issuable",
            errors=(FieldError("assessment_ids", _("本机构没有已合格、已确认且未颁证的结果")),),
        )
    return issuance.issue_for_assessments(actor=actor, assessments=chosen, issued_on=issued_on)
