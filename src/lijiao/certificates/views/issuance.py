"""Certificate screens for staff: the certificate list (filters, xlsx export) and a certificate's detail with the
revoke and correct-holder forms for those allowed.

Reads go through :mod:`lijiao.certificates.selectors.issuance` (out of scope: 404 like an unknown id); writes
through :mod:`lijiao.certificates.services.issuance` with Post/Redirect/Get; a refused write re-renders the detail
with the form's errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lijiao.audit.services import record_event
from lijiao.certificates import exporters
from lijiao.certificates.filters import CertificateFilterSet
from lijiao.certificates.models import Certificate, CertificateType, EvaluatingBody
from lijiao.certificates.selectors import issuance as selectors
from lijiao.certificates.services import issuance as services
from lijiao.certificates.services.numbering import level_label
from lijiao.certificates.views import history_import, reporting
from lijiao.core.errors import DomainError
from lijiao.core.forms import service_errors_on
from lijiao.core.links import pk_url
from lijiao.core.xlsx import xlsx_download
from lijiao.training.filters import filtered
from lijiao.training.views.classes import _filtered_page, staff_view

VIEW = "certificates.view_certificate"


class RevokeForm(forms.Form):
    """Revoke a certificate: the reason and the date (today by default)."""

    reason = forms.CharField(
        label=gettext_lazy("撤销原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    revoked_on = forms.DateField(
        label=gettext_lazy("撤销日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


class CorrectHolderForm(forms.Form):
    """Correct the holder's name printed on a certificate, with the reason."""

    holder_name = forms.CharField(label=gettext_lazy("更正后的姓名"), max_length=50)
    reason = forms.CharField(
        label=gettext_lazy("更正原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


@staff_view(VIEW)
@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    """The certificates the user may see, filtered (bureau: all; clerk: area; provider: its classes; body: own)."""
    page, filterset, querystring = _filtered_page(
        request, CertificateFilterSet, selectors.for_list(selectors.visible_certificates(request.user))
    )
    form = filterset.form
    rows = list(page.object_list)
    # what a row shows, prepared once per page (ADR 0015): the detail link reversed once, the choices' labels
    # translated once (``get_FOO_display()`` hashes every choice's lazy label on each call)
    detail_url = pk_url("certificates:certificate_detail")
    types, statuses, reports = (
        {value: str(label) for value, label in choices}
        for choices in (CertificateType.choices, Certificate.Status.choices, Certificate.Report.choices)
    )
    for row in rows:
        row.url = detail_url(row.pk)
        row.level_text = level_label(row.level) if row.level else ""
        row.type_label = types.get(row.certificate_type, row.certificate_type)
        row.status_label = statuses.get(row.status, row.status)
        row.report_label = reports.get(row.report_status, row.report_status)
    values = {name: (form.data.get(name, "") if form.is_bound else "") for name in filterset.filters}
    return render(
        request,
        "certificates/issuance/list.html",
        {
            "page": page,
            "certificates": rows,
            "querystring": querystring,
            "values": values,
            "types": CertificateType.choices,
            "statuses": Certificate.Status.choices,
            "report_statuses": Certificate.Report.choices,
            "sources": Certificate.Source.choices,
            "levels": [(str(v), label) for v, label in filterset.filters["level"].extra["choices"]],
            "bodies": EvaluatingBody.objects.only("pk", "name", "kind", "code"),
            "filtered": any(values.values()),
        },
    )


@staff_view(VIEW)
@require_GET
def certificate_list_export(request: HttpRequest) -> HttpResponse:
    """The list as xlsx: the same scope and filters as the screen; audited (filters and row count)."""
    try:
        rows = filtered(CertificateFilterSet, request.GET, selectors.visible_certificates(request.user))
    except DomainError as exc:
        return HttpResponseBadRequest("；".join(e.message for e in exc.errors) or exc.message)
    export = exporters.certificates_xlsx(selectors.for_list(rows).order_by("-issued_on", "-id"))
    record_event(
        actor=request.user,
        action="certificates.certificates.exported",
        object_type="certificates.certificate",
        after={
            "rows": export.rows,
            "filters": {k: request.GET.getlist(k) for k in request.GET if k != "page"},
            "format": "xlsx",
        },
    )
    return xlsx_download(export, f"{_('证书')}-{timezone.localdate():%Y%m%d}.xlsx")  # type: ignore[return-value]


def _detail(
    request: HttpRequest,
    pk: int,
    *,
    revoke_form: RevokeForm | None = None,
    correct_form: CorrectHolderForm | None = None,
    status: int = 200,
) -> HttpResponse:
    detail = selectors.certificate_detail(request.user, pk)
    certificate = detail.certificate
    context: dict[str, Any] = {
        "detail": detail,
        "c": certificate,
        "flags": services.flag_labels(certificate.flags),
        "level_text": level_label(certificate.level) if certificate.level else "",
        "revoke_form": revoke_form or RevokeForm(initial={"revoked_on": timezone.localdate()}),
        "correct_form": correct_form or CorrectHolderForm(initial={"holder_name": certificate.holder_name}),
        "open_form": "revoke" if revoke_form else ("correct" if correct_form else ""),
    }
    return render(request, "certificates/issuance/detail.html", context, status=status)


@staff_view(VIEW)
@require_GET
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@staff_view("certificates.revoke_certificate")
@require_POST
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.get_certificate(request.user, pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        with service_errors_on(form):
            services.revoke_certificate(
                actor=request.user,
                certificate=certificate,
                reason=form.cleaned_data["reason"],
                revoked_on=form.cleaned_data["revoked_on"],
            )
            messages.success(request, _("证书%(number)s已撤销。") % {"number": certificate.number})
            return redirect("certificates:certificate_detail", pk=pk)
    return _detail(request, pk, revoke_form=form, status=400)


@staff_view("certificates.issue_certificate")
@require_POST
def certificate_correct(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.get_certificate(request.user, pk)
    form = CorrectHolderForm(request.POST)
    if form.is_valid():
        with service_errors_on(form):
            services.correct_holder(
                actor=request.user,
                certificate=certificate,
                holder_name=form.cleaned_data["holder_name"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("持证人姓名已更正。"))
            return redirect("certificates:certificate_detail", pk=pk)
    return _detail(request, pk, correct_form=form, status=400)


urlpatterns: list[URLPattern] = [
    *history_import.urlpatterns,
    *reporting.urlpatterns,
    path("staff/", certificate_list, name="certificate_list"),
    path("staff/export.xlsx", certificate_list_export, name="certificate_list_export"),
    path("staff/<int:pk>/", certificate_detail, name="certificate_detail"),
    path("staff/<int:pk>/revoke/", certificate_revoke, name="certificate_revoke"),
    path("staff/<int:pk>/correct-holder/", certificate_correct, name="certificate_correct"),
]
