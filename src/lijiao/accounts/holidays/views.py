"""Screens of the holiday arrangements: the years and where their days come from, and one year's entry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lijiao.accounts.holidays.forms import ArrangementForm
from lijiao.accounts.holidays.services import (
    MAX_YEAR,
    MIN_YEAR,
    PERMISSION,
    arrangement_days_text,
    default_notice,
    enter_holiday_arrangement,
)
from lijiao.core.calendar import library_knows
from lijiao.core.errors import DomainError, PermissionDenied
from lijiao.core.forms import apply_domain_error
from lijiao.core.holidays import split_line
from lijiao.core.importing.reading import read_rows
from lijiao.core.models import HolidayArrangement


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def holiday_years(request: HttpRequest) -> HttpResponse:
    """The years around today: from the library, entered by the bureau, or unknown (working days refused)."""
    this_year = timezone.localdate().year
    entered = {a.year: a for a in HolidayArrangement.objects.select_related("entered_by", "updated_by")}
    years = sorted({*range(this_year - 1, this_year + 3), *entered}, reverse=True)
    rows = [
        {"year": year, "library": library_knows(year), "arrangement": entered.get(year)} for year in years
    ]
    return render(request, "accounts/holidays/years.html", {"rows": rows})


def _pasted_rows(text: str) -> Iterator[tuple[int, Sequence[Any]]]:
    for number, line in enumerate(text.splitlines(), 1):
        yield number, split_line(line)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def holiday_year(request: HttpRequest, year: int) -> HttpResponse:
    """Enter or correct one year's arrangement (pasted table or uploaded file) through the one service."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404(_("年度超出范围"))
    arrangement = HolidayArrangement.objects.filter(year=year).first()
    initial = (
        {
            "notice": arrangement.notice,
            "document_number": arrangement.document_number,
            "days": arrangement_days_text(arrangement),
        }
        if arrangement
        else {"notice": default_notice(year)}
    )
    form = ArrangementForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        try:
            if upload is not None:
                rows: Any = ((row.number, row.values) for row in read_rows(upload.name, upload.read()))
            else:
                rows = _pasted_rows(form.cleaned_data["days"])
            enter_holiday_arrangement(
                actor=request.user,
                year=year,
                notice=form.cleaned_data["notice"],
                document_number=form.cleaned_data["document_number"],
                rows=rows,
            )
        except PermissionDenied:
            raise DjangoPermissionDenied(_("您没有执行此操作的权限")) from None
        except DomainError as exc:
            apply_domain_error(form, exc)
            if exc.errors:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(year)s年节假日安排已保存。") % {"year": year})
            return redirect("accounts:holiday_years")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/holidays/year.html",
        {"form": form, "year": year, "arrangement": arrangement, "library": library_knows(year)},
        status=status,
    )
