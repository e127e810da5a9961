"""A worker's own certificates and the pipeline of the pending ones (issue 11 item 8, the worker's view).

A logged-in user is matched to their :class:`~lijiao.people.models.Person` through the ID number's keyed digest
(``User.citizen_id_digest == Person.citizen_id_digest``); a user without an ID number on file has no
certificates here. Nobody sees anyone else's: every query is filtered by the user's own digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lijiao.certificates.models import Certificate, LevelAssessment

DONE, CURRENT, WAITING, FAILED, SKIPPED = "done", "current", "waiting", "failed", "skipped"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the pipeline (results entered → certificate issued → in the national database)."""

    label: str | Promise
    state: str  # done, current, waiting, failed, skipped
    note: str | Promise = ""


def _digest(user: Any) -> str:
    return (
        str(getattr(user, "citizen_id_digest", "") or "") if getattr(user, "is_authenticated", False) else ""
    )


def my_certificates(user: Any) -> QuerySet[Certificate]:
    """The user's own certificates, newest first (none without an ID number on file)."""
    digest = _digest(user)
    if not digest:
        return Certificate.objects.none()
    return (
        Certificate.objects.filter(holder__citizen_id_digest=digest)
        .select_related("body", "occupation", "work_type", "special_item")
        .order_by("-issued_on", "-id")
    )


def my_pending_assessments(user: Any) -> QuerySet[LevelAssessment]:
    """The user's passed assessments that have no certificate yet (a self-evaluation also while unconfirmed)."""
    digest = _digest(user)
    if not digest:
        return LevelAssessment.objects.none()
    return (
        LevelAssessment.objects.filter(
            person__citizen_id_digest=digest, passed=True, certificate__isnull=True
        )
        .exclude(status=LevelAssessment.Status.REJECTED)
        .select_related("body", "occupation", "work_type", "special_item")
        .order_by("-assessed_on", "-id")
    )


_RESULTS = _("结果已录入")
_ISSUED = _("证书已颁发")
_REPORTED = _("全国证书库收录")


def certificate_steps(certificate: Certificate) -> list[Step]:
    """The three steps of an issued certificate: its report to the national database decides the last."""
    report = certificate.report_status
    steps: dict[str, Step] = {
        Certificate.Report.ACCEPTED: Step(_REPORTED, DONE, _("可在全国证书查询系统查到")),
        Certificate.Report.PENDING: Step(_REPORTED, CURRENT, _("待上报")),
        Certificate.Report.EXPORTED: Step(_REPORTED, CURRENT, _("已上报，等待回执")),
        Certificate.Report.FAILED: Step(_REPORTED, FAILED, _("上报未成功，经办机构正在处理")),
    }
    last = steps.get(str(report), Step(_REPORTED, SKIPPED, _("此类证书无需上报")))
    return [Step(_RESULTS, DONE), Step(_ISSUED, DONE, certificate.issued_on.isoformat()), last]


def assessment_steps(assessment: LevelAssessment) -> list[Step]:
    """The steps of a passed assessment still waiting for its certificate."""
    if assessment.status == LevelAssessment.Status.RECORDED and (
        assessment.kind == LevelAssessment.Kind.SELF_EVALUATION
    ):
        first = Step(_RESULTS, CURRENT, _("企业自主评价结果待人社部门确认"))
        second = Step(_ISSUED, WAITING)
    else:
        first = Step(_RESULTS, DONE, assessment.assessed_on.isoformat())
        second = Step(_ISSUED, CURRENT, _("等待发证"))
    return [first, second, Step(_REPORTED, WAITING)]


def subject_of(item: Certificate | LevelAssessment) -> str:
    """职业（工种）or 专项 item of a certificate or assessment, from the rows already joined."""
    if isinstance(item, Certificate) and item.subject_name:
        return item.subject_name
    names = [
        getattr(related, "name", "")
        for related in (item.occupation, item.work_type, item.special_item)
        if related is not None
    ]
    return " ".join(name for name in names if name)
