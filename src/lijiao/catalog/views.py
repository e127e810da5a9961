"""Catalog screens (SPEC C2): the public catalog, editions, diffs and downloads; the catalog officer's manage screens.

Reads go through :mod:`lijiao.catalog.selectors` (a draft is a 404 for whoever may not see drafts), writes through
:mod:`lijiao.catalog.services` with Post/Redirect/Get. Domain errors are shown on the form that caused them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from lijiao.catalog import services
from lijiao.catalog.diff import EditionDiff, diff_editions
from lijiao.catalog.filters import CatalogItemFilterSet
from lijiao.catalog.forms import (
    EditionForm,
    ImportForm,
    ItemForm,
    PublishForm,
    StartFromForm,
    default_publish_date,
)
from lijiao.catalog.models import (
    CatalogItem,
    Edition,
    EditionStatus,
    Level,
    Occupation,
    ShortageTier,
    SpecialItem,
    WorkType,
)
from lijiao.catalog.selectors import (
    can_see_drafts,
    current_edition,
    edition_items,
    get_edition,
    latest_published,
    replaced_base,
    visible_editions,
)
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.core.forms import service_errors_on

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 100
IMPORT_ERRORS_SHOWN = 50


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _edition_or_404(request: HttpRequest, edition_id: int) -> Edition:
    try:
        return get_edition(request.user, edition_id)
    except NotFound:
        raise Http404(_("目录版本不存在")) from None


def _is_htmx_partial(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore wants the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


def _querystring_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _previous_edition(edition: Edition, candidates: list[Edition]) -> Edition | None:
    """The edition a published one followed (by start date), or the one a draft is based on / will supersede."""
    if edition.is_draft:
        if edition.based_on_id:
            based_on = next((e for e in candidates if e.pk == edition.based_on_id), None)
            if based_on is not None:
                return based_on
        return next((e for e in candidates if e.status == EditionStatus.PUBLISHED), None)
    earlier = [
        e
        for e in candidates
        if not e.is_draft
        and e.pk != edition.pk
        and e.effective_from is not None
        and edition.effective_from is not None
        and e.effective_from < edition.effective_from
    ]
    return max(earlier, key=lambda e: e.effective_from or dt.date.min, default=None)


def _filterset(request: HttpRequest, edition: Edition | None) -> CatalogItemFilterSet:
    queryset = edition_items(edition) if edition is not None else CatalogItem.objects.none()
    filterset = CatalogItemFilterSet(request.GET or None, queryset=queryset)
    form = filterset.form
    form.fields["category"].empty_label = _("全部")
    for name in ("level", "kind", "shortage_tier"):
        field = form.fields[name]
        options = [choice for choice in field.choices if choice[0] not in ("", None)]
        if hasattr(field, "empty_label"):
            field.empty_label = None
        field.choices = [("", _("全部")), *options]
    form.fields["flag"].widget = forms.CheckboxSelectMultiple(choices=form.fields["flag"].choices)
    form.fields["q"].widget = forms.TextInput(
        attrs={
            "type": "search",
            "placeholder": _("职业/项目名称或编码，如 电工、6-31"),
            "autocomplete": "off",
        }
    )
    return filterset


def _item_rows(items: Any) -> list[CatalogItem]:
    """The page's items with their choices' labels translated once per page (ADR 0015, rendering cost):
    ``get_FOO_display()`` hashes every choice's lazy label on each call, three times a row."""
    rows: list[Any] = list(items)
    kinds, levels, tiers = (
        {value: str(label) for value, label in choices}
        for choices in (CatalogItem.Kind.choices, Level.choices, ShortageTier.choices)
    )
    for item in rows:
        item.kind_label = kinds.get(item.kind, item.kind)
        item.level_label = levels.get(item.level, item.level)
        item.tier_label = tiers.get(item.shortage_tier, item.shortage_tier)
    return rows


def _items_screen(
    request: HttpRequest, edition: Edition | None, template: str, context: dict[str, Any], action: str
) -> HttpResponse:
    """The item list with the shared filter UI; htmx gets only the results fragment."""
    filterset = _filterset(request, edition)
    items = filterset.qs if edition is not None else CatalogItem.objects.none()
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **context,
        "edition": edition,
        "filterset": filterset,
        "filter_form": filterset.form,
        "page": page,
        "items": _item_rows(page.object_list),
        "total": page.paginator.count,
        "filtered": bool(request.GET and _querystring_without(request, "page")),
        "querystring": _querystring_without(request, "page"),
        "action": action,
    }
    response = render(request, "catalog/_results.html" if _is_htmx_partial(request) else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _category_chart_data(edition: Edition) -> list[dict[str, Any]]:
    rows = (
        CatalogItem.objects.filter(edition=edition)
        .values("category__name", "category__sort_order", "category__code")
        .annotate(items=Count("id"), average=Avg("subsidy_standard"))
        .order_by("category__sort_order", "category__code")
    )
    return [
        {
            "category": row["category__name"],
            "items": row["items"],
            # Display only: the average as a 2-place decimal string (money is never a float in Python).
            "average": str(Decimal(row["average"] or 0).quantize(Decimal("0.01"))),
        }
        for row in rows
    ]


def _edition_counts(edition: Edition) -> dict[str, int]:
    return CatalogItem.objects.filter(edition=edition).aggregate(
        items=Count("id"),
        categories=Count("category", distinct=True),
        shortage=Count("id", filter=~Q(shortage_tier="")),
        occupations=Count("id", filter=Q(kind=CatalogItem.Kind.OCCUPATION)),
        specials=Count("id", filter=~Q(kind=CatalogItem.Kind.OCCUPATION)),
    )


def manage_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Login (else redirect) and ``catalog.change_edition`` (else 403); service refusals become 403 too."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DomainPermissionDenied:
            raise DjangoPermissionDenied(_("您没有执行此操作的权限")) from None

    return login_required(permission_required("catalog.change_edition", raise_exception=True)(wrapper))


def _draft_or_redirect(request: HttpRequest, edition: Edition) -> HttpResponse | None:
    if edition.is_draft:
        return None
    messages.error(
        request,
        _("目录版本“%(name)s”已%(status)s，不能修改。")
        % {"name": edition.name, "status": edition.get_status_display()},
    )
    return redirect("catalog:manage_edition", edition_id=edition.pk)


# ---------------------------------------------------------------------------------------------------------------
# Public screens


@require_safe
def public_list(request: HttpRequest) -> HttpResponse:
    """The catalog in force today, with search and filters."""
    edition = current_edition()
    context: dict[str, Any] = {"counts": _edition_counts(edition) if edition else None}
    return _items_screen(
        request, edition, "catalog/public_list.html", context, reverse("catalog:public_list")
    )


@require_safe
def public_editions(request: HttpRequest) -> HttpResponse:
    editions = list(visible_editions(request.user).select_related("based_on"))
    today = timezone.localdate()
    rows = []
    for edition in editions:
        in_force = (
            not edition.is_draft
            and edition.effective_from is not None
            and edition.effective_from <= today
            and (edition.effective_to is None or edition.effective_to > today)
        )
        rows.append(
            {"edition": edition, "previous": _previous_edition(edition, editions), "in_force": in_force}
        )
    return render(
        request, "catalog/editions.html", {"rows": rows, "can_manage": can_see_drafts(request.user)}
    )


@require_safe
def edition_detail(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition_or_404(request, edition_id)
    context: dict[str, Any] = {}
    if not _is_htmx_partial(request):
        editions = list(visible_editions(request.user))
        context = {
            "counts": _edition_counts(edition),
            "chart_data": _category_chart_data(edition),
            "previous": _previous_edition(edition, editions),
            "can_manage": can_see_drafts(request.user),
        }
    action = reverse("catalog:edition_detail", args=[edition.pk])
    return _items_screen(request, edition, "catalog/edition_detail.html", context, action)


@require_safe
def edition_diff(request: HttpRequest, old_id: int, new_id: int) -> HttpResponse:
    old = _edition_or_404(request, old_id)
    new = _edition_or_404(request, new_id)
    diff = diff_editions(old, new)
    return render(request, "catalog/diff.html", {"diff": diff, "old": old, "new": new})


@require_safe
def edition_export_xlsx(request: HttpRequest, edition_id: int) -> HttpResponse:
    from lijiao.catalog import exporters

    edition = _edition_or_404(request, edition_id)
    return _download(exporters.edition_xlsx(edition), f"补贴性职业技能培训目录-{edition.name}.xlsx", XLSX)


@require_safe
def edition_export_pdf(request: HttpRequest, edition_id: int) -> HttpResponse:
    from lijiao.catalog import exporters

    edition = _edition_or_404(request, edition_id)
    return _download(
        exporters.edition_pdf(edition), f"补贴性职业技能培训目录-{edition.name}.pdf", "application/pdf"
    )


@require_safe
def diff_export_xlsx(request: HttpRequest, old_id: int, new_id: int) -> HttpResponse:
    from lijiao.catalog import exporters

    old = _edition_or_404(request, old_id)
    new = _edition_or_404(request, new_id)
    diff = diff_editions(old, new)
    return _download(exporters.diff_xlsx(diff), f"目录变化对照-{old.name}-{new.name}.xlsx", XLSX)


# ---------------------------------------------------------------------------------------------------------------
# Manage screens (catalog officers)


def _manage_list_context(
    request: HttpRequest, create_form: EditionForm | None = None, start_form: StartFromForm | None = None
) -> dict[str, Any]:
    editions = list(
        Edition.objects.annotate(item_count=Count("items")).select_related("based_on", "published_by")
    )
    source = latest_published()
    year = timezone.localdate().year + 1
    if start_form is None and source is not None:
        start_form = StartFromForm(
            prefix="start", initial={"name": _("%(year)s年版") % {"year": year}, "year": year}
        )
    return {
        "editions": editions,
        "source": source,
        "create_form": create_form
        or EditionForm(prefix="new", initial={"name": _("%(year)s年版") % {"year": year}}),
        "start_form": start_form,
    }


@manage_required
@require_GET
def manage_editions(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/manage/editions.html", _manage_list_context(request))


@manage_required
@require_POST
def manage_create(request: HttpRequest) -> HttpResponse:
    form = EditionForm(request.POST, prefix="new")
    if form.is_valid():
        with service_errors_on(form):
            edition = services.create_edition(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已新建目录版本“%(name)s”（草稿）。") % {"name": edition.name})
            return redirect("catalog:manage_edition", edition_id=edition.pk)
    return render(request, "catalog/manage/editions.html", _manage_list_context(request, create_form=form))


@manage_required
@require_POST
def manage_start_from(request: HttpRequest) -> HttpResponse:
    source = latest_published()
    if source is None:
        messages.error(request, _("还没有已发布的目录版本，无法以现行版本为基础新建。"))
        return redirect("catalog:manage_editions")
    form = StartFromForm(request.POST, prefix="start")
    if form.is_valid():
        with service_errors_on(form):
            edition = services.start_edition_from(actor=request.user, source=source, **form.cleaned_data)
            messages.success(
                request,
                _("已以“%(source)s”为基础新建“%(name)s”（草稿），复制了全部项目。")
                % {"source": source.name, "name": edition.name},
            )
            return redirect("catalog:manage_edition", edition_id=edition.pk)
    return render(request, "catalog/manage/editions.html", _manage_list_context(request, start_form=form))


def _subject_options() -> dict[str, Any]:
    return {
        "occupation_options": Occupation.objects.filter(active=True).only("code", "name"),
        "special_options": SpecialItem.objects.filter(active=True).only("code", "name", "kind"),
        "work_type_options": WorkType.objects.filter(active=True).only("code", "name"),
    }


def _manage_edition_context(
    request: HttpRequest,
    edition: Edition,
    *,
    header_form: EditionForm | None = None,
    item_form: ItemForm | None = None,
    import_form: ImportForm | None = None,
    import_result: Any = None,
) -> dict[str, Any]:
    items = list(edition_items(edition))
    context: dict[str, Any] = {
        "edition": edition,
        "items": items,
        "counts": _edition_counts(edition),
        "can_publish": request.user.has_perm("catalog.publish_edition"),
        "can_delete": request.user.has_perm("catalog.delete_edition"),
        "supersedes": latest_published(exclude=edition) if edition.is_draft else None,
        "replaced_base": replaced_base(edition),
    }
    if edition.is_draft:
        context.update(
            {
                "header_form": header_form
                or EditionForm(
                    prefix="edition",
                    initial={
                        "name": edition.name,
                        "year": edition.year,
                        "effective_from": edition.effective_from,
                        "document_number": edition.document_number,
                        "notes": edition.notes,
                    },
                ),
                "item_form": item_form or ItemForm(prefix="item"),
                "import_form": import_form or ImportForm(),
                "import_result": import_result,
                "import_errors": list(import_result.errors[:IMPORT_ERRORS_SHOWN]) if import_result else [],
                **_subject_options(),
            }
        )
    return context


@manage_required
@require_GET
def manage_edition(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition, pk=edition_id)
    return render(request, "catalog/manage/edition.html", _manage_edition_context(request, edition))


@manage_required
@require_POST
def manage_update(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition, pk=edition_id)
    if (response := _draft_or_redirect(request, edition)) is not None:
        return response
    form = EditionForm(request.POST, prefix="edition")
    if form.is_valid():
        with service_errors_on(form):
            services.update_edition(actor=request.user, edition=edition, **form.cleaned_data)
            messages.success(request, _("版本信息已保存。"))
            return redirect("catalog:manage_edition", edition_id=edition.pk)
    context = _manage_edition_context(request, edition, header_form=form)
    return render(request, "catalog/manage/edition.html", context)


@manage_required
@require_POST
def manage_delete(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition, pk=edition_id)
    if (response := _draft_or_redirect(request, edition)) is not None:
        return response
    name = edition.name
    try:
        services.delete_draft_edition(actor=request.user, edition=edition)
    except DomainPermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:manage_edition", edition_id=edition.pk)
    messages.success(request, _("草稿“%(name)s”已删除。") % {"name": name})
    return redirect("catalog:manage_editions")


@manage_required
@require_http_methods(["GET", "POST"])
def manage_item_add(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition, pk=edition_id)
    if (response := _draft_or_redirect(request, edition)) is not None:
        return response
    form = ItemForm(request.POST or None, prefix="item")
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            item = services.add_item(actor=request.user, edition=edition, data=form.to_input())
            messages.success(request, _("已添加项目“%(item)s”。") % {"item": item})
            return redirect(reverse("catalog:manage_edition", args=[edition.pk]) + "#items")
    context = {"edition": edition, "form": form, "mode": "add", **_subject_options()}
    return render(request, "catalog/manage/item_form.html", context)


def _draft_item(edition_id: int, item_id: int) -> CatalogItem:
    return get_object_or_404(
        CatalogItem.objects.select_related("edition", "occupation", "work_type", "special_item", "category"),
        pk=item_id,
        edition_id=edition_id,
    )


@manage_required
@require_http_methods(["GET", "POST"])
def manage_item_edit(request: HttpRequest, edition_id: int, item_id: int) -> HttpResponse:
    item = _draft_item(edition_id, item_id)
    edition = item.edition
    if (response := _draft_or_redirect(request, edition)) is not None:
        return response
    form = ItemForm(request.POST or None, prefix="item", initial=ItemForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            item = services.update_item(actor=request.user, item=item, data=form.to_input())
            messages.success(request, _("项目“%(item)s”已保存。") % {"item": item})
            return redirect(reverse("catalog:manage_edition", args=[edition.pk]) + "#items")
    context = {"edition": edition, "form": form, "mode": "edit", "item": item, **_subject_options()}
    return render(request, "catalog/manage/item_form.html", context)


@manage_required
@require_POST
def manage_item_remove(request: HttpRequest, edition_id: int, item_id: int) -> HttpResponse:
    item = _draft_item(edition_id, item_id)
    if (response := _draft_or_redirect(request, item.edition)) is not None:
        return response
    label = str(item)
    try:
        services.remove_item(actor=request.user, item=item)
    except DomainPermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除项目“%(item)s”。") % {"item": label})
    return redirect(reverse("catalog:manage_edition", args=[edition_id]) + "#items")


@manage_required
@require_POST
def manage_import(request: HttpRequest, edition_id: int) -> HttpResponse:
    """Replace a draft's items from an xlsx file; nothing is written when any row is wrong."""
    from lijiao.catalog import importers

    edition = get_object_or_404(Edition, pk=edition_id)
    if (response := _draft_or_redirect(request, edition)) is not None:
        return response
    form = ImportForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        with service_errors_on(form):
            result = importers.import_edition_file(
                actor=request.user, edition=edition, file_name=upload.name, data=upload.read()
            )
            if not result.errors:
                messages.success(
                    request,
                    _("导入完成：共 %(rows)s 行，导入 %(items)s 个项目。")
                    % {"rows": result.total_rows, "items": result.imported_rows},
                )
                return redirect(reverse("catalog:manage_edition", args=[edition.pk]) + "#items")
    context = _manage_edition_context(request, edition, import_form=form, import_result=result)
    return render(request, "catalog/manage/edition.html", context)


@manage_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    from lijiao.catalog import importers

    return _download(importers.edition_template_xlsx(), "补贴性职业技能培训目录-导入模板.xlsx", XLSX)


@manage_required
@require_GET
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    from lijiao.catalog.importers import IMPORT_KIND
    from lijiao.core.models import ImportJob

    job = get_object_or_404(ImportJob, pk=job_id, kind=IMPORT_KIND)
    if job.created_by_id != request.user.pk and not request.user.has_perm("catalog.publish_edition"):
        raise Http404(_("导入任务不存在"))
    if not job.report:
        raise Http404(_("该导入任务没有错误报告"))
    with job.report.open("rb") as handle:
        data = handle.read()
    return _download(data, f"导入错误报告-{job.pk}.xlsx", XLSX)


@manage_required
@require_http_methods(["GET", "POST"])
def manage_publish(request: HttpRequest, edition_id: int) -> HttpResponse:
    """Confirmation step: what the draft changes against the edition it supersedes, and from when."""
    if not request.user.has_perm("catalog.publish_edition"):
        raise DjangoPermissionDenied(_("您没有发布目录版本的权限"))
    edition = get_object_or_404(Edition, pk=edition_id)
    if (response := _draft_or_redirect(request, edition)) is not None:
        return response
    previous = latest_published(exclude=edition)
    form = PublishForm(
        request.POST or None, initial={"effective_from": default_publish_date(edition.effective_from)}
    )
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            services.publish_edition(
                actor=request.user, edition=edition, effective_from=form.cleaned_data["effective_from"]
            )
            start = form.cleaned_data["effective_from"]
            messages.success(
                request,
                _("目录版本“%(name)s”已发布，自 %(day)s 起生效。")
                % {"name": edition.name, "day": f"{start:%Y-%m-%d}"},
            )
            return redirect("catalog:edition_detail", edition_id=edition.pk)
    diff: EditionDiff | None = diff_editions(previous, edition) if previous is not None else None
    context = {
        "edition": edition,
        "previous": previous,
        "diff": diff,
        "form": form,
        "counts": _edition_counts(edition),
        "replaced_base": replaced_base(edition),
    }
    return render(request, "catalog/manage/publish.html", context)
