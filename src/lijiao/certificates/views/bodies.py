"""Evaluating-body registry screens (SPEC C5): the list, the registration and edit forms, a body's page with its
sites and accreditations. The city administration changes the registry; district clerks read their area's; an
evaluating body's staff see their own body (and go from there to its results)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lijiao.catalog.models import Occupation, SpecialItem
from lijiao.certificates.filters import BodyFilterSet
from lijiao.certificates.forms.bodies import AccreditationForm, BodyForm, SiteForm
from lijiao.certificates.models import EvaluatingBody
from lijiao.certificates.selectors import bodies as selectors
from lijiao.certificates.services import bodies as services
from lijiao.certificates.views.common import PAGE_SIZE, certificates_view
from lijiao.core.forms import service_errors_on

VIEW = selectors.VIEW_BODY


def _options() -> dict[str, Any]:
    return {
        "occupation_options": Occupation.objects.filter(active=True).only("code", "name").order_by("code"),
        "special_options": SpecialItem.objects.filter(
            active=True, kind=SpecialItem.Kind.SPECIAL_COMPETENCY
        ).only("code", "name"),
    }


@certificates_view(VIEW)
@require_safe
def body_list(request: HttpRequest) -> HttpResponse:
    """Bodies in the user's scope; an evaluating body's staff go straight to their own body."""
    own = selectors.member_body_id(request.user)
    if own is not None and not request.user.has_perm("certificates.change_evaluatingbody"):
        return redirect("certificates:body_detail", pk=own)
    filterset = BodyFilterSet(request.GET or None, queryset=selectors.visible_bodies(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "certificates/body_list.html",
        {
            "form": filterset.form,
            "page": page,
            "bodies": page.object_list,
            "querystring": params.urlencode(),
            "can_register": request.user.has_perm("certificates.add_evaluatingbody"),
            "can_confirm": request.user.has_perm("certificates.confirm_selfevaluation"),
        },
    )


@certificates_view("certificates.add_evaluatingbody")
@require_http_methods(["GET", "POST"])
def body_create(request: HttpRequest) -> HttpResponse:
    form = BodyForm(request.POST or None, initial={"status": EvaluatingBody.Status.ACTIVE})
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            body = services.register_body(actor=request.user, **form.service_kwargs())
            messages.success(request, _("已登记评价机构“%(name)s”。") % {"name": body.name})
            return redirect("certificates:body_detail", pk=body.pk)
    return render(request, "certificates/body_form.html", {"form": form, "body": None})


def _detail_context(request: HttpRequest, body: EvaluatingBody, **forms: Any) -> dict[str, Any]:
    user = request.user
    return {
        "body": body,
        "sites": selectors.body_sites(body),
        "accreditations": selectors.body_accreditations(body),
        "can_edit": user.has_perm("certificates.change_evaluatingbody"),
        "can_add_site": user.has_perm("certificates.add_evaluationsite"),
        "can_accredit": user.has_perm("certificates.add_accreditation"),
        "can_unaccredit": user.has_perm("certificates.delete_accreditation"),
        "site_form": forms.get("site_form") or SiteForm(initial={"handling_area": body.handling_area_id}),
        "accreditation_form": forms.get("accreditation_form") or AccreditationForm(),
        "can_see_results": user.has_perm("certificates.view_levelassessment"),
        **_options(),
    }


@certificates_view(VIEW)
@require_safe
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    body = selectors.get_body(request.user, pk)
    return render(request, "certificates/body_detail.html", _detail_context(request, body))


@certificates_view("certificates.change_evaluatingbody")
@require_http_methods(["GET", "POST"])
def body_edit(request: HttpRequest, pk: int) -> HttpResponse:
    body = selectors.get_body(request.user, pk)
    initial = {
        "kind": body.kind,
        "code": body.code,
        "name": body.name,
        "credit_code": body.credit_code,
        "province_code": body.province_code,
        "handling_area": body.handling_area_id,
        "provider": body.provider_id,
        "contact_name": body.contact_name,
        "contact_phone": body.contact_phone,
        "status": body.status,
        "registered_on": body.registered_on,
    }
    form = BodyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            services.update_body(actor=request.user, body=body, **form.service_kwargs())
            messages.success(request, _("已保存评价机构信息。"))
            return redirect("certificates:body_detail", pk=body.pk)
    return render(request, "certificates/body_form.html", {"form": form, "body": body})


@certificates_view("certificates.add_evaluationsite")
@require_POST
def site_add(request: HttpRequest, pk: int) -> HttpResponse:
    body = selectors.get_body(request.user, pk)
    form = SiteForm(request.POST)
    if form.is_valid():
        with service_errors_on(form):
            site = services.add_site(
                actor=request.user, body=body, **{k: v for k, v in form.cleaned_data.items() if k != "active"}
            )
            messages.success(request, _("已添加评价站点“%(name)s”。") % {"name": site.name})
            return redirect(reverse("certificates:body_detail", args=[body.pk]) + "#sites")
    return render(
        request, "certificates/body_detail.html", _detail_context(request, body, site_form=form), status=400
    )


@certificates_view("certificates.change_evaluationsite")
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int, site_id: int) -> HttpResponse:
    body = selectors.get_body(request.user, pk)
    site = selectors.body_sites(body).filter(pk=site_id).first()
    if site is None:
        raise Http404(_("评价站点不存在"))
    initial = {
        "code": site.code,
        "name": site.name,
        "address": site.address,
        "handling_area": site.handling_area_id,
        "active": site.active,
    }
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            services.update_site(actor=request.user, site=site, **form.cleaned_data)
            messages.success(request, _("已保存评价站点。"))
            return redirect(reverse("certificates:body_detail", args=[body.pk]) + "#sites")
    return render(request, "certificates/site_form.html", {"form": form, "body": body, "site": site})


@certificates_view("certificates.add_accreditation")
@require_POST
def accreditation_add(request: HttpRequest, pk: int) -> HttpResponse:
    body = selectors.get_body(request.user, pk)
    form = AccreditationForm(request.POST)
    if form.is_valid():
        with service_errors_on(form):
            services.add_accreditation(actor=request.user, body=body, **form.cleaned_data)
            messages.success(request, _("已添加评价范围。"))
            return redirect(reverse("certificates:body_detail", args=[body.pk]) + "#accreditations")
    context = _detail_context(request, body, accreditation_form=form)
    return render(request, "certificates/body_detail.html", context, status=400)


@certificates_view("certificates.delete_accreditation")
@require_POST
def accreditation_remove(request: HttpRequest, pk: int, accreditation_id: int) -> HttpResponse:
    body = selectors.get_body(request.user, pk)
    accreditation = selectors.body_accreditations(body).filter(pk=accreditation_id).first()
    if accreditation is None:
        raise Http404(_("评价范围不存在"))
    if not request.user.has_perm("certificates.delete_accreditation"):
        raise DjangoPermissionDenied()
    services.remove_accreditation(actor=request.user, accreditation=accreditation)
    messages.success(request, _("已撤销该评价范围。"))
    return redirect(reverse("certificates:body_detail", args=[body.pk]) + "#accreditations")


urlpatterns = [
    path("bodies/", body_list, name="body_list"),
    path("bodies/new/", body_create, name="body_create"),
    path("bodies/<int:pk>/", body_detail, name="body_detail"),
    path("bodies/<int:pk>/edit/", body_edit, name="body_edit"),
    path("bodies/<int:pk>/sites/add/", site_add, name="site_add"),
    path("bodies/<int:pk>/sites/<int:site_id>/edit/", site_edit, name="site_edit"),
    path("bodies/<int:pk>/accreditations/add/", accreditation_add, name="accreditation_add"),
    path(
        "bodies/<int:pk>/accreditations/<int:accreditation_id>/remove/",
        accreditation_remove,
        name="accreditation_remove",
    ),
]
