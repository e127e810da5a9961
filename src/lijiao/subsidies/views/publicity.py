"""公示 screens.

Public (no login), on the portal:

* ``/subsidies/publicity/`` — notices running now and ended in the last 30 days;
* ``/subsidies/publicity/<number>/`` — a notice's claims (name and ID masked), how to object, and the objection
  form (POST; rate-limited per client address like certificate verification: 429 past the limit);
* ``/subsidies/publicity/<number>/export.xlsx`` and ``.pdf`` — the same list, masked.

Second reviewers (``subsidies.view_publicity``; area roles see their area's):

* ``/subsidies/review/publicity/`` — the notices; ``…/<pk>/`` — its claims, approve one or all whose notice
  ended; ``/subsidies/review/objections/`` — objections, resolve (upheld / dismissed); ``…/export.xlsx``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lijiao.accounts.throttle import client_ip
from lijiao.audit.services import record_personal_data_export
from lijiao.certificates.services.verification import RateLimited
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.forms import apply_domain_error
from lijiao.core.pagination import BoundedPaginator
from lijiao.core.xlsx import xlsx_download
from lijiao.subsidies import exporters_payment as exporters
from lijiao.subsidies.filters_payment import ObjectionFilterSet
from lijiao.subsidies.models import Claim, ClaimStatus, Objection, Publicity
from lijiao.subsidies.selectors import publicity as selectors
from lijiao.subsidies.services import publicity as services
from lijiao.training.views.classes import _filtered_page, staff_view

PAGE_SIZE = 50


PUBLIC_PAGE_SIZE = 100


class PublicObjectionForm(forms.Form):
    # the number typed (or taken from the row's link), not a <select> of every claim on notice: a notice lists
    # hundreds, shown 100 a page; the view checks the number is on this notice ("异议对象不存在" otherwise)
    claim_number = forms.CharField(
        label=gettext_lazy("异议对象"),
        max_length=20,
        help_text=gettext_lazy("请填写上表中的申请编号"),
    )
    text = forms.CharField(
        label=gettext_lazy("异议内容"),
        max_length=services.OBJECTION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("请说明具体事实，例如该人员是否实际参加培训、补贴金额是否有误等。"),
    )
    contact = forms.CharField(
        label=gettext_lazy("联系方式（选填）"), max_length=services.OBJECTION_CONTACT_MAX, required=False
    )

    def clean_claim_number(self) -> str:
        return str(self.cleaned_data["claim_number"]).strip().upper()


def _notice(number: str) -> Publicity:
    try:
        return selectors.get_public_publicity(number)
    except NotFound:
        raise Http404(_("公示不存在或已结束")) from None


@never_cache
@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    """The notices running now and the recent ones (no login)."""
    today = timezone.localdate()
    notices = list(selectors.public_publicities(today)[:100])
    return render(request, "subsidies/publicity/public_list.html", {"notices": notices, "today": today})


@never_cache
@require_http_methods(["GET", "POST"])
def public_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A notice's claims (masked), how to object, and the public objection form."""
    notice = _notice(number)
    page = BoundedPaginator(selectors.listed_claims(notice), PUBLIC_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [selectors.public_row(claim) for claim in page.object_list]
    initial = {"claim_number": request.GET.get("claim", "")[:20]}
    form = PublicObjectionForm(request.POST or None, initial=initial)
    status = 200
    today = timezone.localdate()
    running = notice.starts_on <= today <= notice.ends_on
    if request.method == "POST" and form.is_valid():
        try:
            services.take_public_objection(client_ip=client_ip(request))
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            claim = Claim.objects.filter(publicity=notice, number=form.cleaned_data["claim_number"]).first()
            try:
                if claim is None:
                    raise DomainError(_("异议对象不存在"))
                services.raise_objection(
                    claim=claim,
                    source=Objection.Source.PUBLIC,
                    text=form.cleaned_data["text"],
                    contact=form.cleaned_data["contact"],
                    actor=request.user,
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("您的异议已提交，经办机构将在核实后处理。感谢您的监督。"))
                return redirect("subsidies:publicity_public_detail", number=notice.number)
    response = render(
        request,
        "subsidies/publicity/public_detail.html",
        {
            "notice": notice,
            "rows": rows,
            "page": page,
            "first_index": page.start_index(),
            "form": form,
            "running": running,
            **selectors.listed_totals(notice),
        },
        status=status,
    )
    if status == 429:
        response["Retry-After"] = "60"
    return response


@require_GET
def public_export_xlsx(request: HttpRequest, number: str) -> HttpResponse:
    notice = _notice(number)
    export = exporters.publicity_xlsx(notice, selectors.public_rows(notice))
    return xlsx_download(export, f"{notice.number}.xlsx")  # type: ignore[return-value]


@require_GET
def public_export_pdf(request: HttpRequest, number: str) -> HttpResponse:
    notice = _notice(number)
    content = exporters.publicity_pdf(notice, selectors.public_rows(notice))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=False, filename=f"{notice.number}.pdf") or ""
    )
    return response


# ------------------------------------------------------------------------------------------- second reviewers


@staff_view("subsidies.view_publicity")
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    page = BoundedPaginator(selectors.review_publicities(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "subsidies/publicity/review_list.html", {"page": page, "today": timezone.localdate()}
    )


@staff_view("subsidies.view_publicity")
@require_GET
def review_list_export(request: HttpRequest) -> HttpResponse:
    export = exporters.notices_xlsx(selectors.review_publicities(request.user))
    return xlsx_download(export, f"{_('补贴公示')}-{timezone.localdate():%Y%m%d}.xlsx")  # type: ignore[return-value]


@staff_view("subsidies.view_publicity")
@require_GET
def review_detail_export(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.get_review_publicity(request.user, pk)
    claims = list(selectors.review_claims(request.user, notice))
    for claim in claims:
        claim.item_text = selectors.item_of(claim)  # type: ignore[attr-defined]
    export = exporters.notice_claims_xlsx(notice, claims)
    record_personal_data_export(actor=request.user, what=notice.number, rows=export.rows, masked=True)
    return xlsx_download(export, f"{notice.number}.xlsx")  # type: ignore[return-value]


@staff_view("subsidies.view_publicity")
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.get_review_publicity(request.user, pk)
    claims = list(selectors.review_claims(request.user, notice))
    for claim in claims:
        claim.item_text = selectors.item_of(claim)  # type: ignore[attr-defined]
    today = timezone.localdate()
    return render(
        request,
        "subsidies/publicity/review_detail.html",
        {
            "notice": notice,
            "claims": claims,
            "ended": notice.ends_on < today,
            "can_approve": request.user.has_perm("subsidies.review_second_claim"),
            "on_notice": ClaimStatus.PUBLICITY,
        },
    )


@staff_view("subsidies.review_second_claim")
@require_POST
def review_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve one claim (``claim`` in the form) or, without one, every claim of the notice whose notice ended."""
    notice = selectors.get_review_publicity(request.user, pk)
    claim_id = request.POST.get("claim")
    if claim_id:
        claim = (
            selectors.review_claims(request.user, notice)
            .filter(pk=claim_id if claim_id.isdigit() else 0)
            .first()
        )
        if claim is None:
            raise Http404(_("对象不存在"))
        try:
            services.approve_after_publicity(claim=claim, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("补贴申请%(number)s已批准发放。") % {"number": claim.number})
    else:
        result = services.approve_ended_publicities(actor=request.user, publicity=notice)
        messages.success(request, _("已批准%(n)s件。") % {"n": len(result.approved)})
        for claim, reason in result.skipped:
            messages.warning(request, f"{claim.number}：{reason}")
    return redirect("subsidies:publicity_review_detail", pk=notice.pk)


@staff_view("subsidies.review_second_claim")
@require_POST
def review_approve_ended(request: HttpRequest) -> HttpResponse:
    """Approve every claim of the reviewer's area whose notice ended without an open objection."""
    result = services.approve_ended_publicities(actor=request.user)
    messages.success(request, _("已批准%(n)s件。") % {"n": len(result.approved)})
    for claim, reason in result.skipped:
        messages.warning(request, f"{claim.number}：{reason}")
    return redirect("subsidies:publicity_review_list")


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=gettext_lazy("处理结果"),
        choices=[("1", gettext_lazy("异议成立（退回补正）")), ("0", gettext_lazy("异议不成立"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label=gettext_lazy("处理意见"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


@staff_view("subsidies.view_objection")
@require_GET
def objection_list(request: HttpRequest) -> HttpResponse:
    page, _filterset, querystring = _filtered_page(
        request, ObjectionFilterSet, selectors.review_objections(request.user)
    )
    return render(
        request,
        "subsidies/publicity/objection_list.html",
        {
            "page": page,
            "querystring": querystring,
            "status": request.GET.get("status", ""),
            "statuses": Objection.Status.choices,
            "can_resolve": request.user.has_perm("subsidies.change_objection"),
        },
    )


@staff_view("subsidies.view_objection")
@require_GET
def objection_export(request: HttpRequest) -> HttpResponse:
    from lijiao.training.filters import filtered

    try:
        rows = filtered(ObjectionFilterSet, request.GET, selectors.review_objections(request.user))
    except DomainError as exc:
        return HttpResponse(exc.message, status=400)
    export = exporters.objections_xlsx(rows)
    record_personal_data_export(actor=request.user, what=_("公示异议"), rows=export.rows, masked=False)
    return xlsx_download(export, f"{_('公示异议')}-{timezone.localdate():%Y%m%d}.xlsx")  # type: ignore[return-value]


@staff_view("subsidies.view_objection")
@require_http_methods(["GET", "POST"])
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objection = selectors.get_review_objection(request.user, pk)
    form = ResolveForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("subsidies.change_objection"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("您没有执行此操作的权限"))
        if form.is_valid():
            try:
                services.resolve_objection(
                    objection=objection,
                    upheld=form.cleaned_data["upheld"],
                    resolution=form.cleaned_data["resolution"],
                    actor=request.user,
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("异议已处理。"))
                return redirect("subsidies:objection_detail", pk=objection.pk)
    return render(
        request,
        "subsidies/publicity/objection_detail.html",
        {
            "objection": objection,
            "form": form,
            "can_resolve": request.user.has_perm("subsidies.change_objection")
            and objection.status == Objection.Status.OPEN,
            "person": selectors.masked_person(objection.claim),
        },
    )


urlpatterns: list[URLPattern] = [
    path("publicity/", public_list, name="publicity_public_list"),
    path("publicity/<str:number>/", public_detail, name="publicity_public_detail"),
    path("publicity/<str:number>/export.xlsx", public_export_xlsx, name="publicity_public_xlsx"),
    path("publicity/<str:number>/export.pdf", public_export_pdf, name="publicity_public_pdf"),
    path("review/publicity/", review_list, name="publicity_review_list"),
    path("review/publicity/approve-ended", review_approve_ended, name="publicity_review_approve_ended"),
    path("review/publicity/export.xlsx", review_list_export, name="publicity_review_list_export"),
    path("review/publicity/<int:pk>/", review_detail, name="publicity_review_detail"),
    path(
        "review/publicity/<int:pk>/export.xlsx", review_detail_export, name="publicity_review_detail_export"
    ),
    path("review/publicity/<int:pk>/approve", review_approve, name="publicity_review_approve"),
    path("review/objections/", objection_list, name="objection_list"),
    path("review/objections/export.xlsx", objection_export, name="objection_export"),
    path("review/objections/<int:pk>/", objection_detail, name="objection_detail"),
]
