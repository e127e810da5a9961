"""Class and program screens (SPEC C4): provider staff's "我的培训班" with the application form, the timetable
editor and the workflow buttons; the district clerk's "开班审核" queue and class review; programs for staff.

Reads go through :mod:`lijiao.training.selectors.classes` (a class out of scope is a 404, like an unknown id);
writes through the services with Post/Redirect/Get. A refused filing re-renders the class page with every failed
check; other domain errors land on the form field that caused them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_filters import FilterSet

from lijiao.core.errors import DomainError, NotFound
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.core.forms import apply_domain_error, service_errors_on
from lijiao.core.links import pk_url
from lijiao.core.pagination import MAX_DEPTH, BoundedPaginator
from lijiao.people.models import PersonGroup
from lijiao.providers.models import Provider
from lijiao.training import filters, workflows
from lijiao.training.forms.classes import (
    ClassForm,
    ProgramForm,
    ReasonForm,
)
from lijiao.training.models import ClassStatus, Program, TrainingClass
from lijiao.training.selectors import classes as selectors
from lijiao.training.selectors import review as review_selectors
from lijiao.training.services import classes as services
from lijiao.training.services import programs as program_services

PAGE_SIZE = 50
MAX_PAGES = MAX_DEPTH // PAGE_SIZE  # 200 pages: beyond them a filter narrows the list (ADR 0014)


ACTION_SERVICES: dict[str, Callable[..., TrainingClass]] = {
    "file": services.file_class,
    "withdraw": services.withdraw_class,
    "approve": services.approve_class,
    "return": services.return_class,
    "reject": services.reject_class,
    "start": services.start_class,
    "finish": services.finish_class,
    "assess": services.mark_assessed,
    "close": services.close_class,
}
ACTION_DONE = {
    "file": gettext_lazy("开班申请已提交，等待经办机构审核。"),
    "withdraw": gettext_lazy("开班申请已撤回，培训班回到草稿状态，可修改后重新提交。"),
    "approve": gettext_lazy("已同意备案。"),
    "return": gettext_lazy("已退回修改。"),
    "reject": gettext_lazy("已作出不予备案决定。"),
    "start": gettext_lazy("已开班。"),
    "finish": gettext_lazy("已结业，出勤率已计算。"),
    "assess": gettext_lazy("已确认评价完成。"),
    "close": gettext_lazy("培训班已关闭。"),
}


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def domain_errors_as_http(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Service refusals of permission become 403, out-of-scope objects 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DomainPermissionDenied:
            raise DjangoPermissionDenied(_("您没有执行此操作的权限")) from None
        except NotFound:
            raise Http404(_("对象不存在")) from None

    return wrapper


def staff_view(perm: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Login (else redirect to login), ``perm`` (else 403), domain refusals as 403/404."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        return login_required(permission_required(perm, raise_exception=True)(domain_errors_as_http(view)))

    return decorator


def _own_provider(request: HttpRequest) -> Provider:
    provider: Provider | None = getattr(request.user, "provider", None)
    if provider is None:
        raise DjangoPermissionDenied(_("只有培训机构人员可以新建和修改培训班"))
    return provider


def _is_own(request: HttpRequest, training_class: TrainingClass) -> bool:
    provider_id = getattr(request.user, "provider_id", None)
    return bool(provider_id) and provider_id == training_class.provider_id


def _roster_url(training_class: TrainingClass) -> str | None:
    try:
        return reverse("training:roster", args=[training_class.pk])
    except NoReverseMatch:
        return None


def _user_actions(request: HttpRequest, training_class: TrainingClass) -> list[dict[str, Any]]:
    """The workflow buttons this user may press on this class now (as the services decide)."""
    return [
        {
            "name": action,
            "label": workflows.ACTION_LABELS[action],
            "url": reverse(f"training:class_{action}", args=[training_class.pk]),
            "reason": action in workflows.REASON_REQUIRED,
            "confirm": action == "file",
            "danger": action in ("reject", "withdraw"),
        }
        for action in services.allowed_actions(request.user, training_class)
    ]


def _detail_context(request: HttpRequest, pk: int, **extra: Any) -> dict[str, Any]:
    detail = selectors.class_detail(request.user, pk)
    tc = detail.training_class
    own = _is_own(request, tc)
    editable = own and tc.status in workflows.EDITABLE
    precheck = None
    if editable and "action_error" not in extra:
        _item, precheck = services.filing_problems(tc)
    reviewing = tc.status == ClassStatus.FILED and request.user.has_perm("training.review_trainingclass")
    return {
        "review": review_selectors.review_panel(tc) if reviewing else None,
        "history": review_selectors.review_history(tc),
        "review_deadline": review_selectors.review_deadline(),
        "detail": detail,
        "tc": tc,
        "own": own,
        "editable": editable,
        "precheck": precheck,
        "actions": _user_actions(request, tc),
        "reason_form": extra.pop("reason_form", None) or ReasonForm(),
        "roster_url": _roster_url(tc),
        **extra,
    }


# ---------------------------------------------------------------------------------------------------------------
# Classes


def _filtered_page(
    request: HttpRequest, filterset_class: type[FilterSet], queryset: QuerySet[Any]
) -> tuple[Page[Any], FilterSet, str]:
    """One page of ``queryset`` filtered by the list's filter set (the API's), the filter set (its form), and
    the query string without the page. Bad parameters show as messages above an empty list, as the API refuses
    them."""
    filterset = filterset_class(request.GET, queryset=queryset)
    try:
        rows: QuerySet[Any] = filters.checked_qs(filterset)
    except DomainError as exc:
        for error in exc.errors:
            messages.error(request, error.message)
        rows = queryset.none()
    page = BoundedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, filterset, params.urlencode()


def _class_rows(classes: Any) -> list[TrainingClass]:
    """The page's classes with what a list row shows prepared once per page (ADR 0015, rendering cost): the
    detail link (``url``, reversed once), the status's label, the catalog item's text and the period
    ("2026-01-05 至 2026-01-30", the template's former ``blocktranslate``) — the same text as before."""
    rows: list[Any] = list(classes)
    detail_url = pk_url("training:class_detail")
    status_labels = {value: str(label) for value, label in ClassStatus.choices}
    period = _("%(start_date)s 至 %(end_date)s")
    for c in rows:
        c.url = detail_url(c.pk)
        c.status_label = status_labels.get(c.status, c.status)
        c.item_label = str(c.catalog_item)
        c.period = period % {"start_date": f"{c.start_date:%Y-%m-%d}", "end_date": f"{c.end_date:%Y-%m-%d}"}
    return rows


@staff_view("training.view_trainingclass")
@require_GET
def class_list(request: HttpRequest) -> HttpResponse:
    """My classes (provider staff) / the classes of my area (clerks) / all (city-wide roles)."""
    page, filterset, querystring = _filtered_page(
        request, filters.ClassFilterSet, selectors.for_list(selectors.visible_classes(request.user))
    )
    form = filterset.form
    return render(
        request,
        "training/classes/list.html",
        {
            "page": page,
            "classes": _class_rows(page.object_list),
            "filter_form": form,
            "status": form.data.get("status", "") if form.is_bound else "",
            "q": form.data.get("q", "") if form.is_bound else "",
            "statuses": filterset.filters["status"].extra["choices"],
            "querystring": querystring,
            "is_provider": bool(getattr(request.user, "provider_id", None)),
            "can_create": bool(getattr(request.user, "provider_id", None))
            and request.user.has_perm("training.add_trainingclass"),
        },
    )


@staff_view("training.add_trainingclass")
@require_http_methods(["GET", "POST"])
def class_create(request: HttpRequest) -> HttpResponse:
    provider = _own_provider(request)
    form = ClassForm(request.POST or None, provider=provider, initial={"capacity": 30, "mode": "offline"})
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            tc = services.create_class(actor=request.user, data=form.to_input())
            messages.success(
                request,
                _("已新建培训班“%(name)s”，编号%(code)s，请编排课程表。")
                % {"name": tc.name, "code": tc.code},
            )
            return redirect("training:class_sessions", pk=tc.pk)
    return render(request, "training/classes/form.html", {"form": form, "mode": "create"})


@staff_view("training.view_trainingclass")
@require_GET
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "training/classes/detail.html", _detail_context(request, pk))


def _editable_class(request: HttpRequest, pk: int) -> TrainingClass:
    tc = selectors.get_class(request.user, pk)
    if not _is_own(request, tc):
        raise DjangoPermissionDenied(_("只能修改本机构的培训班"))
    return tc


@staff_view("training.change_trainingclass")
@require_http_methods(["GET", "POST"])
def class_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tc = _editable_class(request, pk)
    if tc.status not in workflows.EDITABLE:
        messages.error(
            request, _("培训班当前为“%(status)s”，不能修改。") % {"status": tc.get_status_display()}
        )
        return redirect("training:class_detail", pk=tc.pk)
    form = ClassForm(request.POST or None, provider=tc.provider, initial=ClassForm.initial_for(tc))
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            services.update_class(actor=request.user, training_class=tc, data=form.to_input())
            messages.success(request, _("培训班信息已保存。"))
            return redirect("training:class_detail", pk=tc.pk)
    return render(request, "training/classes/form.html", {"form": form, "mode": "edit", "tc": tc})


@staff_view("training.change_trainingclass")
@require_POST
def class_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tc = _editable_class(request, pk)
    name = tc.name
    try:
        services.delete_class(actor=request.user, training_class=tc)
    except DomainPermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("training:class_detail", pk=pk)
    messages.success(request, _("培训班“%(name)s”已删除。") % {"name": name})
    return redirect("training:class_list")


@login_required
@domain_errors_as_http
@require_POST
def class_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One workflow step (file, approve, return, reject, start, finish, assess, close) by POST."""
    tc = selectors.get_class(request.user, pk)
    if not services.may_act(request.user, tc, action):  # refused before the form is read (ADR 0005)
        raise DjangoPermissionDenied(_("您没有执行此操作的权限"))
    service = ACTION_SERVICES[action]
    kwargs: dict[str, Any] = {}
    reason_form = None
    if action == "file" and request.POST.get("confirm") != "1":
        context = _detail_context(request, pk, confirm_error=True)
        return render(request, "training/classes/detail.html", context, status=400)
    if action in workflows.REASON_REQUIRED:
        reason_form = ReasonForm(request.POST)
        if not reason_form.is_valid():
            context = _detail_context(request, pk, reason_form=reason_form, open_action=action)
            return render(request, "training/classes/detail.html", context, status=400)
        kwargs["reason"] = reason_form.cleaned_data["reason"]
    try:
        service(actor=request.user, training_class=tc, **kwargs)
    except (DomainPermissionDenied, NotFound):
        raise
    except DomainError as exc:
        if reason_form is not None and exc.errors:
            apply_domain_error(reason_form, exc)
        context = _detail_context(
            request,
            pk,
            action_error=exc,
            failed_action=workflows.ACTION_LABELS[action],
            reason_form=reason_form,
            open_action=action if reason_form is not None else None,
        )
        return render(
            request, "training/classes/detail.html", context, status=400 if exc.status == 400 else 409
        )
    messages.success(request, str(ACTION_DONE[action]))
    if action in ("approve", "return", "reject") and request.user.has_perm("training.review_trainingclass"):
        return redirect("training:review_queue")
    return redirect("training:class_detail", pk=pk)


@staff_view("training.review_trainingclass")
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Filed classes of the clerk's handling area, oldest first, each with the working days it has waited."""
    page, filterset, querystring = _filtered_page(
        request, filters.ReviewQueueFilterSet, selectors.for_list(selectors.review_queue(request.user))
    )
    classes = _class_rows(page.object_list)
    waiting = review_selectors.waiting_times(classes)
    return render(
        request,
        "training/classes/review_queue.html",
        {
            "page": page,
            "classes": page.object_list,
            "rows": [(c, waiting[c.pk]) for c in classes],
            "deadline": review_selectors.review_deadline(),
            "filter_form": filterset.form,
            "querystring": querystring,
        },
    )


# ---------------------------------------------------------------------------------------------------------------
# Programs


@staff_view("training.view_program")
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    """Every program (a few a year, so one page), filtered like ``GET /api/v1/training/programs``."""
    filterset = filters.ProgramFilterSet(
        request.GET, queryset=selectors.with_quota_used(selectors.visible_programs(request.user))
    )
    try:
        programs: list[Program] = list(filters.checked_qs(filterset))
    except DomainError as exc:
        for error in exc.errors:
            messages.error(request, error.message)
        programs = []
    return render(
        request,
        "training/programs/list.html",
        {
            "rows": [{"program": p, "used": p.quota_used_count} for p in programs],  # type: ignore[attr-defined]
            "plans": [
                program_services.quota_plan(year) for year in sorted({p.year for p in programs}, reverse=True)
            ],
            "filter_form": filterset.form,
            "can_add": request.user.has_perm("training.add_program"),
        },
    )


@staff_view("training.view_program")
@require_GET
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.get_program(request.user, pk)
    labels = dict(PersonGroup.Group.choices)
    return render(
        request,
        "training/programs/detail.html",
        {
            "program": program,
            "usage": selectors.program_usage(program),
            "groups": [labels.get(g, g) for g in program.target_groups or []],
            "rule_json": json.dumps(program.eligibility_rule, ensure_ascii=False, indent=2)
            if program.eligibility_rule
            else "",
            "item_rule_json": json.dumps(program.item_rule, ensure_ascii=False, indent=2)
            if program.item_rule
            else "",
            "can_change": request.user.has_perm("training.change_program"),
            "classes": selectors.visible_classes(request.user).filter(program=program)[:20],
        },
    )


@staff_view("training.add_program")
@require_http_methods(["GET", "POST"])
def program_create(request: HttpRequest) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            program = program_services.create_program(actor=request.user, data=form.to_input())
            messages.success(request, _("已新建培训项目“%(name)s”。") % {"name": program.name})
            return redirect("training:program_detail", pk=program.pk)
    return render(request, "training/programs/form.html", {"form": form, "mode": "create"})


@staff_view("training.change_program")
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.get_program(request.user, pk)
    form = ProgramForm(request.POST or None, initial=ProgramForm.initial_for(program))
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            program_services.update_program(actor=request.user, program=program, data=form.to_input())
            messages.success(request, _("培训项目已保存。"))
            return redirect("training:program_detail", pk=program.pk)
    return render(request, "training/programs/form.html", {"form": form, "mode": "edit", "program": program})


urlpatterns: list[URLPattern] = [
    path("classes/", class_list, name="class_list"),
    path("classes/new/", class_create, name="class_create"),
    path("classes/<int:pk>/", class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", class_edit, name="class_edit"),
    path("classes/<int:pk>/delete/", class_delete, name="class_delete"),
    *(
        path(f"classes/<int:pk>/{action}/", class_transition, {"action": action}, name=f"class_{action}")
        for action in ACTION_SERVICES
    ),
    path("review/", review_queue, name="review_queue"),
    path("programs/", program_list, name="program_list"),
    path("programs/new/", program_create, name="program_create"),
    path("programs/<int:pk>/", program_detail, name="program_detail"),
    path("programs/<int:pk>/edit/", program_edit, name="program_edit"),
]
