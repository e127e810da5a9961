"""The timetable screen: the sessions edited as rows, the hour requirement stated once, every error at once.

Adding and removing a row posts the rows on the page and answers the page with the rows renumbered (htmx swaps
only the editor; without JavaScript the whole page reloads); saving calls the one timetable service,
:func:`lijiao.training.services.classes.set_sessions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lijiao.core.errors import DomainError, FieldError
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.training import workflows
from lijiao.training.forms.timetable import (
    PREFIX,
    RowOptions,
    SessionRowForm,
    TimetableFormSet,
    next_row,
    posted_rows,
    saved_rows,
)
from lijiao.training.models import ClassSession, TrainingClass
from lijiao.training.services import classes as services
from lijiao.training.services.classes import SessionInput
from lijiao.training.views.classes import _editable_class, staff_view


def _place_errors(formset: Any, errors: Sequence[FieldError]) -> list[str]:
    """Row errors (``sessions.<index>``) onto their rows; returns every message for the overall list."""
    for error in errors:
        head, _sep, tail = error.field.partition(".")
        if head == "sessions" and tail.isdigit() and int(tail) < len(formset.forms):
            formset.forms[int(tail)].add_error(None, error.message)
    return [error.message for error in errors]


def _rows_after_edit(request: HttpRequest) -> list[dict[str, Any]]:
    rows = posted_rows(request.POST)
    if "add" in request.POST:
        rows.append(next_row(rows))
    remove = str(request.POST.get("remove", ""))
    if remove.isdigit() and int(remove) < len(rows):
        del rows[int(remove)]
    return rows


def _save(
    request: HttpRequest, tc: TrainingClass, formset: Any
) -> tuple[bool, list[str], list[SessionInput]]:
    """Check the posted rows and save them when all are right: (saved, every error message, parsed rows)."""
    formset_valid = formset.is_valid()
    parsed = [(index, form.to_input()) for index, form in enumerate(formset.forms) if not form.errors]
    sessions = [session for _index, session in parsed]
    if not formset_valid:
        problems = services.check_timetable(
            training_class=tc, sessions=sessions, indexes=[index for index, _session in parsed]
        )
        messages_ = [
            _("第%(number)s节：%(problem)s")
            % {"number": index + 1, "problem": " ".join(str(e) for e in errors)}
            for index, form in enumerate(formset.forms)
            for errors in form.errors.values()
        ]
        messages_.extend(str(e) for e in formset.non_form_errors())
        return False, [*messages_, *_place_errors(formset, problems)], sessions
    try:
        services.set_sessions(actor=request.user, training_class=tc, sessions=sessions)
    except DomainPermissionDenied:
        raise DjangoPermissionDenied(_("只能修改本机构的培训班")) from None
    except DomainError as exc:
        return False, _place_errors(formset, exc.errors) or [exc.message], sessions
    return True, [], sessions


@staff_view("training.change_classsession")
@require_http_methods(["GET", "POST"])
def class_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    """The timetable editor: one row per session."""
    tc = _editable_class(request, pk)
    if tc.status not in workflows.EDITABLE:
        messages.error(
            request, _("培训班当前为“%(status)s”，不能修改课程表。") % {"status": tc.get_status_display()}
        )
        return redirect("training:class_detail", pk=tc.pk)
    requirement = services.hour_requirement(tc.catalog_item)
    options = RowOptions.of(tc.provider, tc.pk)
    kwargs: dict[str, Any] = {"prefix": PREFIX, "form_kwargs": {"options": options}}
    errors: list[str] = []
    sessions: list[SessionInput]
    if request.method == "POST" and ("add" in request.POST or "remove" in request.POST):
        rows = _rows_after_edit(request)
        formset = TimetableFormSet(initial=rows, **kwargs)
        sessions = _parse_rows(rows, options)
    elif request.method == "POST":
        formset = TimetableFormSet(request.POST, **kwargs)
        saved, errors, sessions = _save(request, tc, formset)
        if saved:
            tc.refresh_from_db()
            messages.success(
                request,
                _("课程表已保存：共%(sessions)s节，%(hours)s课时，其中实操%(practical)s课时。")
                % {"sessions": len(sessions), "hours": tc.lesson_hours, "practical": tc.practical_hours},
            )
            for warning in services.class_timetable_warnings(tc):
                messages.warning(request, warning)
            return redirect("training:class_detail", pk=tc.pk)
    else:
        rows = saved_rows(ClassSession.objects.filter(training_class=tc).order_by("starts_at", "id"))
        formset = TimetableFormSet(initial=rows, **kwargs)
        sessions = _parse_rows(rows, options)
    planned = services.planned_timetable(sessions, requirement.lesson_minutes)
    context = {
        "tc": tc,
        "formset": formset,
        "errors": errors,
        "requirement": requirement.statement(planned),
        "warnings": services.timetable_warnings(timezone.localtime(s.starts_at).date() for s in sessions),
    }
    return render(request, "training/classes/sessions.html", context)


def _parse_rows(rows: Sequence[dict[str, Any]], options: RowOptions) -> list[SessionInput]:
    """The rows that parse, as service inputs (for the hours planned and the holiday warnings)."""
    parsed = []
    for row in rows:
        form = SessionRowForm(row, options=options)
        if form.is_valid():
            parsed.append(form.to_input())
    return parsed


urlpatterns: list[URLPattern] = [
    path("classes/<int:pk>/sessions/", class_sessions, name="class_sessions"),
]
