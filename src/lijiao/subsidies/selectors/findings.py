"""Reading the anti-fraud findings, audit runs and register snapshots, scoped to the user (issue 12 items 9, 10).

The bureau-wide roles (city admin, auditor, leadership…) see every finding; first and second reviewers see those
of their handling area (a finding outside it is a 404, like an unknown id). Register snapshots are metadata only
(kind, date, source, row count) — the entries are digests and never listed.
:class:`FindingFilterSet` is the one filter set of the findings screen and the API.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from lijiao.accounts.scope import Scope
from lijiao.core.errors import NotFound
from lijiao.core.models import HandlingArea
from lijiao.core.permissions import require_perm
from lijiao.subsidies.audit_checks import check_labels
from lijiao.subsidies.models import AuditRun, Finding, RegisterKind, RegisterSnapshot

__all__ = [
    "VIEW_FINDING",
    "FindingFilterSet",
    "audit_runs",
    "check_choices",
    "get_finding",
    "snapshots",
    "visible_findings",
]

VIEW_FINDING = "subsidies.view_finding"
VIEW_SNAPSHOT = "subsidies.view_registersnapshot"


def check_choices() -> list[tuple[str, str]]:
    return list(check_labels().items())


def visible_findings(user: Any) -> QuerySet[Finding]:
    """The findings ``user`` may read (403 without ``subsidies.view_finding``), newest open first."""
    require_perm(user, VIEW_FINDING)
    qs = Finding.objects.select_related("claim", "handling_area", "provider", "training_class", "person")
    return Scope.for_user(user).filter_by_area(qs, "handling_area")


def get_finding(user: Any, finding_id: int) -> Finding:
    finding = visible_findings(user).select_related("resolved_by").filter(pk=finding_id).first()
    if finding is None:
        raise NotFound()
    return finding


def snapshots(user: Any) -> QuerySet[RegisterSnapshot]:
    """The register snapshots, newest first (403 without ``subsidies.view_registersnapshot``)."""
    require_perm(user, VIEW_SNAPSHOT)
    return RegisterSnapshot.objects.select_related("imported_by").order_by("-imported_at", "-id")


def audit_runs(user: Any) -> QuerySet[AuditRun]:
    require_perm(user, "subsidies.view_auditrun")
    return AuditRun.objects.order_by("-started_at", "-id")


class FindingFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    """The findings queue (``/subsidies/findings/`` and ``GET /api/v1/subsidies/findings``)."""

    check_code = django_filters.ChoiceFilter(choices=check_choices, label=gettext_lazy("核查项"))
    status = django_filters.ChoiceFilter(choices=Finding.Status.choices, label=gettext_lazy("状态"))
    severity = django_filters.TypedChoiceFilter(
        choices=[(1, gettext_lazy("高")), (2, gettext_lazy("中")), (3, gettext_lazy("低"))],
        coerce=int,
        label=gettext_lazy("风险等级"),
    )
    area = django_filters.ModelChoiceFilter(
        field_name="handling_area",
        queryset=HandlingArea.objects.all(),
        to_field_name="code",
        label=gettext_lazy("经办区域"),
    )
    claim_number = django_filters.CharFilter(
        field_name="claim__number", lookup_expr="exact", max_length=20, label=gettext_lazy("申请编号")
    )

    class Meta:
        model = Finding
        fields = ["check_code", "status", "severity", "area", "claim_number"]


REGISTER_KINDS = RegisterKind.choices
