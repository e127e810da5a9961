"""Audit log search screen for auditors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lijiao.audit.filters import AuditEventFilterSet
from lijiao.audit.pagination import page_of_events
from lijiao.audit.selectors import chain_status, visible_events

PAGE_SIZE = 50


def _position(request: HttpRequest, name: str) -> int | None:
    """``?after=`` / ``?before=`` of the "下一页" / "上一页" links (a sequence); anything else: the first page."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) < 19 else None


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def events(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilterSet(request.GET or None, queryset=visible_events(request.user))
    filters = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    if filterset.is_bound and not filterset.is_valid():
        # Show what was typed; an invalid value is ignored by the search and explained above the results.
        filters = {name: request.GET.get(name, "") for name in filterset.filters}
        filters.update({name: None for name in filterset.errors if name in ("since", "until")})
    error = " ".join(
        f"{filterset.form.fields[name].label}：{' '.join(str(m) for m in messages)}"
        for name, messages in (filterset.errors.items() if filterset.is_bound else ())
    )
    page = page_of_events(
        filterset.qs, limit=PAGE_SIZE, after=_position(request, "after"), before=_position(request, "before")
    )
    params = {
        name: request.GET[name] for name in filterset.filters if request.GET.get(name)
    }  # kept by paging
    template = "audit/_rows.html" if request.headers.get("HX-Request") else "audit/events.html"
    return render(request, template, {"page": page, "filters": filters, "error": error, "params": params})


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def chain(request: HttpRequest) -> HttpResponse:
    """The chain's state: every event's keyed hash and every signed checkpoint checked (as ``verify-audit``)."""
    return render(request, "audit/chain.html", {"report": chain_status(request.user)})
