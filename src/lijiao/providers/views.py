"""Provider screens (SPEC C3, C11): the list and detail pages for bureau staff and provider staff, the registration
form, and the public page of listed providers.

Reads go through :mod:`lijiao.providers.selectors` (another provider's page is a 404), writes through
:mod:`lijiao.providers.services` with Post/Redirect/Get; a refused write is a 403, and a domain error lands on the
form that caused it, re-shown on the detail page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from html import escape
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from lijiao.accounts.scope import Scope
from lijiao.audit.services import record_event
from lijiao.catalog.models import Occupation, SpecialItem
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.core.forms import apply_domain_error, service_errors_on
from lijiao.core.models import HandlingArea
from lijiao.core.xlsx import xlsx_download
from lijiao.providers import selectors, services
from lijiao.providers.exporters import providers_xlsx
from lijiao.providers.filters import ListedProviderFilterSet, ProviderFilterSet
from lijiao.providers.forms import (
    BlacklistForm,
    CreditEventForm,
    ProviderForm,
    ReasonForm,
    ScopeEntryForm,
    TeacherForm,
    VenueForm,
)
from lijiao.providers.models import Provider, ProviderScope, ProviderStatus

PAGE_SIZE = 50
ACTION_LABELS = {
    "approve": pgettext_lazy("provider action", "认定通过"),
    "reject": pgettext_lazy("provider action", "不予认定"),
    "suspend": pgettext_lazy("provider action", "暂停"),
    "reinstate": pgettext_lazy("provider action", "恢复"),
    "remove": pgettext_lazy("provider action", "清退"),
}
REASON_REQUIRED = {"reject", "suspend", "remove"}


def staff_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Login (else redirect) and ``providers.view_provider`` (else 403); refused writes are 403, unknown ids 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm("providers.view_provider"):
            raise DjangoPermissionDenied(_("您没有查看培训机构的权限"))
        try:
            return view(request, *args, **kwargs)
        except DomainPermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from None
        except NotFound as exc:
            raise Http404(exc.message) from None

    return login_required(wrapper)


def _areas_for(user: Actor) -> Any:
    scope = Scope.for_user(user)
    areas = HandlingArea.objects.filter(active=True)
    return areas if scope.all_areas else areas.filter(pk__in=scope.area_ids)


def _detail_url(provider: Provider, anchor: str = "") -> str:
    url = reverse("providers:detail", args=[provider.pk])
    return f"{url}#{anchor}" if anchor else url


def _subject_options() -> dict[str, Any]:
    """The ``<option>``s of the scope and teacher forms' datalists (every active occupation, ~1,600, and special
    item), escaped and joined here from ``(code, name)`` pairs: rendered one by one through the template from
    model instances (or through ``format_html`` per option) they cost more than the rest of the provider page
    (ADR 0014). Both values are escaped (``html.escape`` quotes ``"`` and ``'`` too) before ``mark_safe``."""

    def options(pairs: Any) -> str:
        return mark_safe(  # noqa: S308 — every value is escaped just above
            "".join(f'<option value="{escape(code)} {escape(name)}"></option>' for code, name in pairs)
        )

    return {
        "occupation_options": options(Occupation.objects.filter(active=True).values_list("code", "name")),
        "special_options": options(SpecialItem.objects.filter(active=True).values_list("code", "name")),
    }


# ---------------------------------------------------------------------------------------------------------------
# Public


@require_safe
def listed(request: HttpRequest) -> HttpResponse:
    """Listed providers (approved, not blacklisted today) and what they may train — no personal data."""
    filterset = ListedProviderFilterSet(request.GET or None, queryset=selectors.listed_providers_with_scope())
    providers = filterset.qs
    q = (request.GET.get("q") or "").strip()[:100]
    area = (request.GET.get("area") or "").strip()[:20]
    page = Paginator(providers, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "providers/listed.html",
        {
            "querystring": params.urlencode(),
            "page": page,
            "providers": page.object_list,
            "q": q,
            "area": area,
            "areas": HandlingArea.objects.filter(active=True),
        },
    )


# ---------------------------------------------------------------------------------------------------------------
# Staff: list, register, detail, edit


@staff_view
@require_GET
def provider_list(request: HttpRequest) -> HttpResponse:
    """Providers in the user's scope; provider staff go straight to their own institution."""
    scope = Scope.for_user(request.user)
    own_provider = getattr(request.user, "provider_id", None)
    if not scope.all_areas and not scope.area_ids and own_provider:
        return redirect("providers:detail", pk=own_provider)
    filterset = ProviderFilterSet(request.GET or None, queryset=selectors.visible_providers(request.user))
    form = filterset.form
    providers = filterset.qs
    page = Paginator(providers, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "providers/list.html",
        {
            "form": form,
            "page": page,
            "providers": page.object_list,
            "querystring": params.urlencode(),
            "can_register": request.user.has_perm("providers.review_provider")
            and _areas_for(request.user).exists(),
        },
    )


@staff_view
@require_GET
def provider_list_export(request: HttpRequest) -> HttpResponseBase:
    """The list as shown (same scope, same filters, every page) as xlsx; audited (ADR 0007)."""
    filterset = ProviderFilterSet(request.GET or None, queryset=selectors.visible_providers(request.user))
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest(_("筛选条件有误"))
    export = providers_xlsx(filterset.qs)
    record_event(
        actor=request.user,
        action="providers.list.exported",
        object_type="providers.provider",
        after={
            "rows": export.rows,
            "filters": {key: request.GET.getlist(key) for key in request.GET if key != "page"},
            "format": "xlsx",
        },
    )
    return xlsx_download(export, f"{_('培训机构')}-{timezone.localdate():%Y%m%d}.xlsx")


@staff_view
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("providers.review_provider"):
        raise DjangoPermissionDenied(_("您没有登记培训机构的权限"))
    areas = _areas_for(request.user)
    form = ProviderForm(request.POST or None, register=True, areas=areas)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            provider = services.register_provider(
                actor=request.user, credit_code=form.cleaned_data["credit_code"], **form.service_kwargs()
            )
            messages.success(
                request, _("已登记培训机构“%(name)s”，状态为申请中，请审核认定。") % {"name": provider.name}
            )
            return redirect("providers:detail", pk=provider.pk)
    return render(request, "providers/register.html", {"form": form})


def _detail_context(request: HttpRequest, provider: Provider, **forms: Any) -> dict[str, Any]:
    user = request.user
    reviewer = services.is_reviewer(user, provider)
    editable = provider.status not in (ProviderStatus.REJECTED, ProviderStatus.REMOVED)
    manage_teachers = editable and services.can_manage(user, provider, "providers.add_teacher")
    manage_venues = editable and services.can_manage(user, provider, "providers.add_venue")
    can_blacklist = services.is_reviewer(user, provider, "providers.blacklist_provider")
    can_credit = services.is_reviewer(user, provider, "providers.add_creditevent")
    actions = []
    for action in services.allowed_actions(user, provider):
        actions.append(
            {
                "name": action,
                "label": ACTION_LABELS[action],
                "form": forms.get(f"action_{action}")
                or ReasonForm(
                    prefix=action,
                    required=action in REASON_REQUIRED,
                    label=_("原因") if action in REASON_REQUIRED else _("说明（可不填）"),
                ),
                "danger": action in {"reject", "suspend", "remove"},
            }
        )
    blacklist = list(selectors.provider_blacklist(provider))
    context: dict[str, Any] = {
        "provider": provider,
        "is_reviewer": reviewer,
        "is_own": getattr(user, "provider_id", None) == provider.pk,
        "can_edit": editable
        and (reviewer or services.can_manage(user, provider, "providers.change_provider")),
        "actions": actions,
        "scopes": list(selectors.provider_scopes(provider)),
        "can_edit_scope": reviewer and editable,
        "teachers": list(selectors.provider_teachers(provider)),
        "manage_teachers": manage_teachers,
        "venues": list(selectors.provider_venues(provider)),
        "manage_venues": manage_venues,
        "blacklist": blacklist,
        "can_blacklist": can_blacklist,
        "credit": selectors.credit_record(provider),
        "credit_events": list(selectors.provider_credit_events(provider)),
        "can_credit": can_credit,
        "listing_problems": selectors.listing_problems(provider, start=_today(), end=_today()),
    }
    if context["can_edit_scope"]:
        context["scope_form"] = forms.get("scope_form") or ScopeEntryForm(prefix="scope")
    if manage_teachers:
        context["teacher_form"] = forms.get("teacher_form") or TeacherForm(prefix="teacher")
    if manage_venues:
        context["venue_form"] = forms.get("venue_form") or VenueForm(prefix="venue")
    today = _today()
    rows = []
    for entry in blacklist:
        lift_form = None
        if can_blacklist and entry.lifted_at is None:
            if forms.get("lift_entry_id") == entry.pk:
                lift_form = forms["lift_form"]
            else:
                lift_form = ReasonForm(prefix=f"lift{entry.pk}", label=_("解除原因"))
        in_force = (
            entry.lifted_at is None
            and entry.starts_on <= today
            and (entry.ends_on is None or entry.ends_on >= today)
        )
        rows.append({"entry": entry, "lift_form": lift_form, "in_force": in_force})
    context["blacklist_rows"] = rows
    if can_blacklist:
        context["blacklist_form"] = forms.get("blacklist_form") or BlacklistForm(prefix="blacklist")
    if can_credit:
        context["credit_form"] = forms.get("credit_form") or CreditEventForm(
            prefix="credit", initial={"occurred_on": _today()}
        )
    if context["can_edit_scope"] or manage_teachers:
        context.update(_subject_options())
    return context


def _today() -> dt.date:
    return timezone.localdate()


def _render_detail(request: HttpRequest, provider: Provider, **forms: Any) -> HttpResponse:
    return render(request, "providers/detail.html", _detail_context(request, provider, **forms))


@staff_view
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.get_provider(request.user, pk))


@staff_view
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Reviewers edit the registration; the provider's own staff only the contact person and phone."""
    provider = selectors.get_provider(request.user, pk)
    reviewer = services.is_reviewer(request.user, provider)
    if not reviewer and not services.can_manage(request.user, provider, "providers.change_provider"):
        raise DjangoPermissionDenied(_("您没有修改该机构信息的权限"))
    areas = (
        _areas_for(request.user) if reviewer else HandlingArea.objects.filter(pk=provider.handling_area_id)
    )
    form = ProviderForm(
        request.POST or None,
        areas=areas,
        contact_only=not reviewer,
        initial=ProviderForm.initial_for(provider),
    )
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            services.update_provider(actor=request.user, provider=provider, **form.service_kwargs())
            messages.success(request, _("机构信息已保存。"))
            return redirect("providers:detail", pk=provider.pk)
    return render(
        request, "providers/edit.html", {"provider": provider, "form": form, "contact_only": not reviewer}
    )


# ---------------------------------------------------------------------------------------------------------------
# Staff: workflow


@staff_view
@require_POST
def change_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_LABELS:
        raise Http404(_("未知的操作"))
    provider = selectors.get_provider(request.user, pk)
    form = ReasonForm(
        request.POST,
        prefix=action,
        required=action in REASON_REQUIRED,
        label=_("原因") if action in REASON_REQUIRED else _("说明（可不填）"),
    )
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            provider = services.change_provider_status(
                actor=request.user, provider=provider, action=action, reason=reason
            )
        except DomainPermissionDenied:
            raise
        except DomainError as exc:
            if exc.status == 409:
                messages.error(request, exc.message)
                return redirect("providers:detail", pk=provider.pk)
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("培训机构“%(name)s”已%(action)s，当前状态：%(status)s。")
                % {
                    "name": provider.name,
                    "action": ACTION_LABELS[action],
                    "status": provider.get_status_display(),
                },
            )
            return redirect("providers:detail", pk=provider.pk)
    if not services.is_reviewer(request.user, provider):
        raise DjangoPermissionDenied(_("您没有审核该机构的权限"))
    return _render_detail(request, provider, **{f"action_{action}": form})


# ---------------------------------------------------------------------------------------------------------------
# Staff: scope


@staff_view
@require_POST
def scope_add(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    form = ScopeEntryForm(request.POST, prefix="scope")
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.add_scope_entry(
                actor=request.user,
                provider=provider,
                occupation=data.get("occupation"),
                highest_level=data.get("highest_level") if data.get("occupation") else None,
                special_item=data.get("special_item") if not data.get("occupation") else None,
            )
        except DomainPermissionDenied:
            raise
        except DomainError as exc:
            if exc.status == 409:
                messages.error(request, exc.message)
                return redirect(_detail_url(provider, "scope"))
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("已将“%(subject)s”加入培训范围。") % {"subject": entry.occupation or entry.special_item},
            )
            return redirect(_detail_url(provider, "scope"))
    return _render_detail(request, provider, scope_form=form)


@staff_view
@require_POST
def scope_remove(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    entry = (
        ProviderScope.objects.select_related("occupation", "special_item", "provider")
        .filter(pk=entry_id, provider=provider)
        .first()
    )
    if entry is None:
        raise Http404(_("培训范围条目不存在"))
    label = str(entry.occupation or entry.special_item)
    try:
        services.remove_scope_entry(actor=request.user, entry=entry)
    except DomainPermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已将“%(subject)s”移出培训范围。") % {"subject": label})
    return redirect(_detail_url(provider, "scope"))


# ---------------------------------------------------------------------------------------------------------------
# Staff and provider staff: teachers and venues


@staff_view
@require_POST
def teacher_add(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    form = TeacherForm(request.POST, prefix="teacher")
    if form.is_valid():
        try:
            teacher = services.add_teacher(actor=request.user, provider=provider, **form.service_kwargs())
        except DomainPermissionDenied:
            raise
        except DomainError as exc:
            if exc.status == 409:
                messages.error(request, exc.message)
                return redirect(_detail_url(provider, "teachers"))
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已添加教师“%(name)s”。") % {"name": teacher.name})
            return redirect(_detail_url(provider, "teachers"))
    if not services.can_manage(request.user, provider, "providers.add_teacher"):
        raise DjangoPermissionDenied()
    return _render_detail(request, provider, teacher_form=form)


@staff_view
@require_http_methods(["GET", "POST"])
def teacher_edit(request: HttpRequest, pk: int, teacher_id: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    teacher = selectors.get_teacher(request.user, teacher_id, provider=provider)
    if not services.can_manage(request.user, provider, "providers.change_teacher"):
        raise DjangoPermissionDenied(_("您没有修改教师信息的权限"))
    form = TeacherForm(
        request.POST or None,
        prefix="teacher",
        editing=True,
        initial={
            "name": teacher.name,
            "occupation": f"{teacher.occupation.code} {teacher.occupation.name}"
            if teacher.occupation
            else "",
            "certificates": teacher.certificates,
            "is_practical": teacher.is_practical,
            "active": teacher.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            services.update_teacher(actor=request.user, teacher=teacher, **form.service_kwargs())
            messages.success(request, _("教师“%(name)s”的信息已保存。") % {"name": form.cleaned_data["name"]})
            return redirect(_detail_url(provider, "teachers"))
    return render(
        request,
        "providers/teacher_form.html",
        {"provider": provider, "teacher": teacher, "form": form, **_subject_options()},
    )


@staff_view
@require_POST
def teacher_deactivate(request: HttpRequest, pk: int, teacher_id: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    teacher = selectors.get_teacher(request.user, teacher_id, provider=provider)
    try:
        services.deactivate_teacher(actor=request.user, teacher=teacher)
    except DomainPermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("教师“%(name)s”已标记为离职。") % {"name": teacher.name})
    return redirect(_detail_url(provider, "teachers"))


@staff_view
@require_POST
def venue_add(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    form = VenueForm(request.POST, prefix="venue")
    if form.is_valid():
        try:
            venue = services.add_venue(actor=request.user, provider=provider, **form.cleaned_data)
        except DomainPermissionDenied:
            raise
        except DomainError as exc:
            if exc.status == 409:
                messages.error(request, exc.message)
                return redirect(_detail_url(provider, "venues"))
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已添加培训场地“%(name)s”。") % {"name": venue.name})
            return redirect(_detail_url(provider, "venues"))
    if not services.can_manage(request.user, provider, "providers.add_venue"):
        raise DjangoPermissionDenied()
    return _render_detail(request, provider, venue_form=form)


@staff_view
@require_http_methods(["GET", "POST"])
def venue_edit(request: HttpRequest, pk: int, venue_id: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    venue = selectors.get_venue(request.user, venue_id, provider=provider)
    if not services.can_manage(request.user, provider, "providers.change_venue"):
        raise DjangoPermissionDenied(_("您没有修改场地信息的权限"))
    form = VenueForm(
        request.POST or None,
        prefix="venue",
        editing=True,
        initial={
            "name": venue.name,
            "address": venue.address,
            "region": venue.region_id,
            "capacity": venue.capacity,
            "is_practical": venue.is_practical,
            "active": venue.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            services.update_venue(actor=request.user, venue=venue, **form.cleaned_data)
            messages.success(request, _("培训场地“%(name)s”已保存。") % {"name": form.cleaned_data["name"]})
            return redirect(_detail_url(provider, "venues"))
    return render(request, "providers/venue_form.html", {"provider": provider, "venue": venue, "form": form})


# ---------------------------------------------------------------------------------------------------------------
# Staff: blacklist and credit


@staff_view
@require_POST
def blacklist_add(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    if not services.is_reviewer(request.user, provider, "providers.blacklist_provider"):
        raise DjangoPermissionDenied(_("您没有登记黑名单的权限"))
    form = BlacklistForm(request.POST, prefix="blacklist")
    if form.is_valid():
        with service_errors_on(form):
            services.blacklist_provider(actor=request.user, provider=provider, **form.cleaned_data)
            messages.success(request, _("已将“%(name)s”列入黑名单。") % {"name": provider.name})
            return redirect(_detail_url(provider, "blacklist"))
    return _render_detail(request, provider, blacklist_form=form)


@staff_view
@require_POST
def blacklist_lift(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    entry = selectors.get_blacklist_entry(request.user, entry_id, provider=provider)
    if not services.is_reviewer(request.user, provider, "providers.blacklist_provider"):
        raise DjangoPermissionDenied(_("您没有解除黑名单的权限"))
    form = ReasonForm(request.POST, prefix=f"lift{entry.pk}", label=_("解除原因"))
    if form.is_valid():
        try:
            services.lift_blacklist(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
        except DomainPermissionDenied:
            raise
        except DomainError as exc:
            if exc.status == 409:
                messages.error(request, exc.message)
                return redirect(_detail_url(provider, "blacklist"))
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("黑名单记录已解除。"))
            return redirect(_detail_url(provider, "blacklist"))
    return _render_detail(request, provider, lift_form=form, lift_entry_id=entry.pk)


@staff_view
@require_POST
def credit_add(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.get_provider(request.user, pk)
    if not services.is_reviewer(request.user, provider, "providers.add_creditevent"):
        raise DjangoPermissionDenied(_("您没有登记信用记录的权限"))
    form = CreditEventForm(request.POST, prefix="credit")
    if form.is_valid():
        with service_errors_on(form):
            event = services.record_credit_event(actor=request.user, provider=provider, **form.cleaned_data)
            messages.success(request, _("已登记%(kind)s记录。") % {"kind": event.get_kind_display()})
            return redirect(_detail_url(provider, "credit"))
    return _render_detail(request, provider, credit_form=form)
