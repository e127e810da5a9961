"""Audit log search screen for auditors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from lijiao.audit.selectors import AuditFilter, search_events


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def events(request: HttpRequest) -> HttpResponse:
    params = {k: v for k, v in request.GET.items() if k in AuditFilter.model_fields and v}
    error = ""
    try:
        filters = AuditFilter.model_validate(params)
    except PydanticValidationError:
        filters, error = AuditFilter(), _("日期格式应为 YYYY-MM-DD")
    page = Paginator(search_events(request.user, filters), 50).get_page(request.GET.get("page"))
    template = "audit/_rows.html" if request.headers.get("HX-Request") else "audit/events.html"
    return render(request, template, {"page": page, "filters": filters, "error": error, "params": params})
