"""The anti-fraud findings queue screens (issue 12 item 10): the list (filter by check, status, risk, area), a
finding's page with its evidence, and resolving it (confirm or dismiss with a reason). Auditors and the city
administration see all; first and second reviewers their handling area's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from lijiao.certificates.views.common import certificates_view
from lijiao.core.errors import DomainError
from lijiao.core.xlsx import list_xlsx, xlsx_download
from lijiao.subsidies.audit_checks import check_labels
from lijiao.subsidies.models import AuditRun, Finding
from lijiao.subsidies.selectors import findings as selectors
from lijiao.subsidies.services.audit import request_audit_run, resolve_finding
from lijiao.training.filters import checked_qs

PAGE_SIZE = 50

# Login (else the login page) and the permission (else 403); a finding outside the user's scope is a 404.
fraud_view = certificates_view


@fraud_view(selectors.VIEW_FINDING)
@require_safe
def finding_list(request: HttpRequest) -> HttpResponse:
    filterset = selectors.FindingFilterSet(
        request.GET or None, queryset=selectors.visible_findings(request.user)
    )
    error = ""
    qs: QuerySet[Finding]
    try:
        qs = checked_qs(filterset)
    except DomainError as exc:
        error = exc.message
        qs = Finding.objects.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    labels = check_labels()
    for finding in page.object_list:
        finding.check_label = labels.get(finding.check_code, finding.check_code)  # type: ignore[attr-defined]
    return render(
        request,
        "subsidies/findings/list.html",
        {
            "form": filterset.form,
            "page": page,
            "findings": page.object_list,
            "querystring": params.urlencode(),
            "filter_error": error,
            "last_run": AuditRun.objects.order_by("-started_at", "-id").first()
            if request.user.has_perm("subsidies.view_auditrun")
            else None,
            "can_run": request.user.has_perm("subsidies.run_auditrun"),
        },
    )


def _evidence_rows(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """The evidence as (label, text) rows for people: nested keys flattened, lists joined."""
    names = {
        "register": _("名册"),
        "entries": _("名册记录"),
        "claim": _("申请"),
        "claims": _("相关申请"),
        "contributions": _("同期缴费"),
        "class": _("培训班"),
        "class_a": _("培训班甲"),
        "class_b": _("培训班乙"),
        "other_class": _("另一培训班"),
        "overlaps": _("重叠的课程"),
        "blacklist": _("黑名单记录"),
        "persons": _("人员"),
        "body": _("评价机构"),
        "window_from": _("12个月期间起"),
        "window_to": _("12个月期间止"),
    }
    rows: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            label = f"{prefix}{names.get(key, key)}"
            if isinstance(item, dict | list) and item:
                rows += _evidence_rows(item, f"{label} · ")
            else:
                rows.append((label, "" if item is None else str(item)))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            if isinstance(item, dict):
                rows.append(
                    (
                        f"{prefix}{index}",
                        "；".join(f"{k}：{v}" for k, v in item.items() if v not in (None, "")),
                    )
                )
            else:
                rows.append((f"{prefix}{index}", str(item)))
    return rows


EXPORT_MAX_ROWS = 100_000


@fraud_view(selectors.VIEW_FINDING)
@require_safe
def finding_export(request: HttpRequest) -> HttpResponseBase:
    """The findings queue as xlsx, with the list's filters (at most 100,000 rows)."""
    filterset = selectors.FindingFilterSet(
        request.GET or None, queryset=selectors.visible_findings(request.user)
    )
    try:
        qs: QuerySet[Finding] = checked_qs(filterset)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("subsidies:finding_list")
    labels = check_labels()
    severity = {1: _("高"), 2: _("中"), 3: _("低")}
    rows = (
        (
            severity.get(f.severity, ""),
            labels.get(f.check_code, f.check_code),
            f.summary,
            f.claim.number if f.claim else "",
            f.handling_area.name if f.handling_area else "",
            f.get_status_display(),
            f.resolution,
            f.found_at,
            f.last_seen_at,
        )
        for f in qs[:EXPORT_MAX_ROWS].iterator(chunk_size=2000)
    )
    export = list_xlsx(
        sheet_name=_("监管发现"),
        title=_("监管发现（导出时间 %(now)s）") % {"now": f"{timezone.localtime():%Y-%m-%d %H:%M}"},
        header=[
            _("风险"),
            _("核查项"),
            _("摘要"),
            _("申请编号"),
            _("经办区域"),
            _("状态"),
            _("核查结论"),
            _("发现时间"),
            _("最近一次发现"),
        ],
        rows=rows,
    )
    return xlsx_download(export, "findings.xlsx")


@fraud_view(selectors.VIEW_FINDING)
@require_safe
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.get_finding(request.user, pk)
    return render(
        request,
        "subsidies/findings/detail.html",
        {
            "finding": finding,
            "check_label": check_labels().get(finding.check_code, finding.check_code),
            "evidence": _evidence_rows(finding.evidence),
            "can_resolve": request.user.has_perm("subsidies.resolve_finding")
            and finding.status == Finding.Status.OPEN,
        },
    )


@fraud_view("subsidies.resolve_finding")
@require_POST
def finding_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.get_finding(request.user, pk)
    try:
        resolve_finding(
            actor=request.user,
            finding=finding,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        detail = "；".join(e.message for e in exc.errors or ()) or exc.message
        messages.error(request, detail)
    else:
        messages.success(request, _("已记录核查结论。"))
    return redirect("subsidies:finding_detail", pk=pk)


@fraud_view("subsidies.run_auditrun")
@require_POST
def audit_run(request: HttpRequest) -> HttpResponse:
    """Queue a full audit now (it also runs nightly); its findings join the queue when it finishes."""
    with transaction.atomic():
        request_audit_run(actor=request.user)
    messages.success(request, _("已开始资金监管核查，完成后新的发现会出现在列表中。"))
    return redirect("subsidies:finding_list")


urlpatterns = [
    path("findings/run/", audit_run, name="audit_run"),
    path("findings/", finding_list, name="finding_list"),
    path("findings/export.xlsx", finding_export, name="finding_export"),
    path("findings/<int:pk>/", finding_detail, name="finding_detail"),
    path("findings/<int:pk>/resolve/", finding_resolve, name="finding_resolve"),
]
