"""Scheme screens: the schemes and their versions, a version's parameters with their policy text, a new draft
from a version (changed values and their policy text), publish."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lijiao.catalog.models import Edition
from lijiao.core.errors import Conflict, DomainError
from lijiao.subsidies.models import Scheme, SchemeVersion
from lijiao.subsidies.rules_data import PARAMETER_LABELS
from lijiao.subsidies.services import schemes as services
from lijiao.subsidies.services import simulation
from lijiao.training.views.classes import staff_view

READ_PERM = "subsidies.view_schemeversion"


def _version(version_id: int) -> SchemeVersion:
    version = (
        SchemeVersion.objects.select_related("scheme", "created_by", "published_by")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise Http404(_("政策版本不存在"))
    return version


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _parameters(version: SchemeVersion) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "label": PARAMETER_LABELS.get(name, _("其他参数")),
            "value": entry.get("value"),
            "shown": _shown(entry.get("value")),
            "policy": entry.get("policy", ""),
            "is_bool": isinstance(entry.get("value"), bool),
        }
        for name, entry in version.parameters.items()
    ]


@staff_view(READ_PERM)
@require_GET
def scheme_list(request: HttpRequest) -> HttpResponse:
    schemes = list(Scheme.objects.prefetch_related("versions").order_by("kind"))
    rows = [(s, sorted(s.versions.all(), key=lambda v: -v.number)) for s in schemes]
    return render(request, "subsidies/schemes/list.html", {"rows": rows})


@staff_view(READ_PERM)
@require_GET
def version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(version_id)
    return render(
        request,
        "subsidies/schemes/detail.html",
        {
            "version": version,
            "parameters": _parameters(version),
            "rule_codes": version.rules.get("apply", []),
            "amount_rule": version.rules.get("amount", ""),
            "can_edit": request.user.has_perm("subsidies.add_schemeversion"),
            "can_publish": request.user.has_perm("subsidies.publish_schemeversion")
            and version.status == SchemeVersion.Status.DRAFT,
        },
    )


def _parse(raw: str, old: Any) -> Any:
    text = raw.strip()
    if isinstance(old, bool):
        return text in {"1", "true", "on", "yes"}
    if isinstance(old, int):
        return int(text)
    if isinstance(old, list | dict):
        return json.loads(text)
    return text


def _date(raw: str) -> dt.date | None:
    return dt.date.fromisoformat(raw) if raw.strip() else None


@staff_view("subsidies.add_schemeversion")
@require_http_methods(["GET", "POST"])
def version_new(request: HttpRequest, version_id: int) -> HttpResponse:
    base = _version(version_id)
    parameters = _parameters(base)
    errors: dict[str, str] = {}
    values = {"effective_from": "", "effective_to": "", "document_number": base.document_number}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        changes: dict[str, Any] = {}
        policies: dict[str, str] = {}
        for p in parameters:
            raw = request.POST.get(f"param__{p['name']}")
            if raw is None and not p["is_bool"]:
                continue
            try:
                value = _parse(raw or "", p["value"])
            except (ValueError, json.JSONDecodeError):
                errors[p["name"]] = _("取值格式不正确")
                continue
            if value != p["value"]:
                changes[p["name"]] = value
            policy = request.POST.get(f"policy__{p['name']}", p["policy"])
            if policy.strip() != p["policy"]:
                policies[p["name"]] = policy
            p["shown"] = raw if raw is not None else p["shown"]
            p["policy"] = policy
        try:
            start = _date(values["effective_from"])
            end = _date(values["effective_to"])
        except ValueError:
            start = end = None
            errors["effective_from"] = _("日期格式应为 YYYY-MM-DD")
        if start is None and "effective_from" not in errors:
            errors["effective_from"] = _("请填写生效日期")
        if not errors and start is not None:
            try:
                version = services.create_draft_version(
                    actor=request.user,
                    base=base,
                    effective_from=start,
                    effective_to=end,
                    changes=changes,
                    policies=policies,
                    document_number=values["document_number"],
                )
            except DomainError as exc:
                errors.update({e.field: e.message for e in exc.errors} or {"__all__": exc.message})
            else:
                messages.success(request, _("已新建第%(number)s版草稿。") % {"number": version.number})
                return redirect("subsidies:scheme_version_detail", version_id=version.pk)
    for p in parameters:
        p["error"] = errors.get(p["name"], "")
    return render(
        request,
        "subsidies/schemes/new_version.html",
        {"base": base, "parameters": parameters, "values": values, "errors": errors},
        status=400 if errors else 200,
    )


@staff_view("subsidies.publish_schemeversion")
@require_POST
def version_publish(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(version_id)
    try:
        services.publish_version(actor=request.user, version=version)
    except (Conflict, DomainError) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("第%(number)s版已发布。") % {"number": version.number})
    return redirect("subsidies:scheme_version_detail", version_id=version.pk)


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None


@staff_view("subsidies.add_schemeversion")
@require_GET
def version_simulation(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(version_id)
    result = simulation.simulate_version(actor=request.user, version=version, year=_year(request))
    back = reverse("subsidies:scheme_version_detail", args=[version.pk])
    return render(request, "subsidies/schemes/simulation.html", {"result": result, "back": back})


@staff_view("catalog.change_edition")
@require_GET
def edition_simulation(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        raise Http404(_("目录版本不存在"))
    result = simulation.simulate_edition(actor=request.user, edition=edition, year=_year(request))
    return render(request, "subsidies/schemes/simulation.html", {"result": result, "back": ""})


urlpatterns: list[URLPattern] = [
    path(
        "schemes/versions/<int:version_id>/simulation/", version_simulation, name="scheme_version_simulation"
    ),
    path("simulation/editions/<int:edition_id>/", edition_simulation, name="edition_simulation"),
    path("schemes/", scheme_list, name="scheme_list"),
    path("schemes/versions/<int:version_id>/", version_detail, name="scheme_version_detail"),
    path("schemes/versions/<int:version_id>/new/", version_new, name="scheme_version_new"),
    path("schemes/versions/<int:version_id>/publish/", version_publish, name="scheme_version_publish"),
]
