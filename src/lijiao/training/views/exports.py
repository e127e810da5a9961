"""“导出 Excel” of every training list (issue 9, Usability 1; ADR 0007).

Each export is the list its screen shows: the same scoped selector, the same filter set on the same query
parameters (the button carries the screen's query string), every page at once. Bad filter parameters are a 400
with the filter's messages (the screen shows them above an empty list). Exporting personal data is audited
(``training.<list>.exported``: the filters and the number of rows); the file streams from a temporary file.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lijiao.audit.services import record_event
from lijiao.core.errors import DomainError
from lijiao.core.xlsx import ListExport, xlsx_download
from lijiao.training import exporters, filters
from lijiao.training.models import TrainingClass
from lijiao.training.selectors import classes as class_selectors
from lijiao.training.selectors import enrollment as selectors
from lijiao.training.views.classes import staff_view
from lijiao.training.views.enrollment import _class_or_404


def _filters(request: HttpRequest) -> dict[str, Any]:
    return {key: request.GET.getlist(key) for key in request.GET if key != "page"}


def _download(
    request: HttpRequest, export: ListExport, *, action: str, name: str, obj: TrainingClass | None = None
) -> HttpResponse:
    record_event(
        actor=request.user,
        action=action,
        obj=obj,
        object_type="" if obj is not None else "training.trainingclass",
        after={"rows": export.rows, "filters": _filters(request), "format": "xlsx"},
    )
    filename = f"{name}-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_download(export, filename)  # type: ignore[return-value]


def _bad_filters(exc: DomainError) -> HttpResponse:
    return HttpResponseBadRequest("；".join(e.message for e in exc.errors) or exc.message)


@staff_view("training.view_trainingclass")
@require_GET
def classes_export(request: HttpRequest) -> HttpResponse:
    try:
        rows = filters.filtered(
            filters.ClassFilterSet, request.GET, class_selectors.visible_classes(request.user)
        )
    except DomainError as exc:
        return _bad_filters(exc)
    export = exporters.classes_xlsx(rows)
    return _download(request, export, action="training.classes.exported", name=_("培训班"))


@staff_view("training.review_trainingclass")
@require_GET
def review_queue_export(request: HttpRequest) -> HttpResponse:
    try:
        rows = filters.filtered(
            filters.ReviewQueueFilterSet, request.GET, class_selectors.review_queue(request.user)
        )
    except DomainError as exc:
        return _bad_filters(exc)
    export = exporters.review_queue_xlsx(rows)
    return _download(request, export, action="training.review_queue.exported", name=_("开班审核"))


@login_required
@require_GET
def roster_export(request: HttpRequest, class_id: int) -> HttpResponse:
    training_class = _class_or_404(request, class_id)
    try:
        rows = filters.filtered(
            filters.EnrollmentFilterSet, request.GET, selectors.class_roster(training_class)
        )
    except DomainError as exc:
        return _bad_filters(exc)
    export = exporters.roster_xlsx(training_class, rows)
    return _download(
        request,
        export,
        action="training.roster.exported",
        name=f"{training_class.code}-{_('花名册')}",
        obj=training_class,
    )


@login_required
@require_GET
def attendance_export(request: HttpRequest, class_id: int) -> HttpResponse:
    training_class = _class_or_404(request, class_id)
    export = exporters.attendance_xlsx(selectors.attendance_sheet(training_class))
    return _download(
        request,
        export,
        action="training.attendance.exported",
        name=f"{training_class.code}-{_('考勤表')}",
        obj=training_class,
    )


@login_required
@require_GET
def results_export(request: HttpRequest, class_id: int) -> HttpResponse:
    training_class = _class_or_404(request, class_id)
    if not request.user.has_perm("training.view_assessmentresult"):
        raise DjangoPermissionDenied(_("您没有查看考核结果的权限"))
    export = exporters.results_xlsx(training_class, selectors.class_results(training_class))
    return _download(
        request,
        export,
        action="training.results.exported",
        name=f"{training_class.code}-{_('考核结果')}",
        obj=training_class,
    )


urlpatterns: list[URLPattern] = [
    path("classes/export.xlsx", classes_export, name="class_list_export"),
    path("review/export.xlsx", review_queue_export, name="review_queue_export"),
    path("classes/<int:class_id>/roster/export.xlsx", roster_export, name="roster_export"),
    path("classes/<int:class_id>/attendance/export.xlsx", attendance_export, name="attendance_export"),
    path("classes/<int:class_id>/results/export.xlsx", results_export, name="results_export"),
]
