"""Finance screens (``subsidies.view_paymentbatch`` … as in ``roles._FINANCE``).

* ``/subsidies/payment/batches/`` — the batches (filters, xlsx) and, for ``add_paymentbatch``, the payable claims
  with the button that creates a batch of all of them (the skipped ones are listed with the reason);
* ``/subsidies/payment/batches/<pk>/`` — its lines (accounts masked), the bank file (xlsx/csv, full numbers,
  logged), "mark paid" with the bank's reference (idempotent);
* ``/subsidies/payment/clawbacks/`` — clawbacks (filters, xlsx); ``…/<pk>/`` — record a recovery, write off;
* ``/subsidies/payment/claims/<pk>/clawback`` — claw a paid claim back;
* ``/subsidies/payment/accounts/`` — set a person's 社会保障卡 account (by ID number).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lijiao.audit.services import record_personal_data_export
from lijiao.core.errors import DomainError
from lijiao.core.forms import apply_domain_error
from lijiao.core.pagination import BoundedPaginator
from lijiao.core.pii import PIIKind, mask, pii_digest
from lijiao.core.xlsx import xlsx_download
from lijiao.people.models import Person
from lijiao.subsidies import exporters_payment as exporters
from lijiao.subsidies.filters_payment import BatchFilterSet, ClawbackFilterSet
from lijiao.subsidies.models import Claim, ClaimStatus, Clawback, PayeeAccount, PaymentBatch
from lijiao.subsidies.selectors import payment as selectors
from lijiao.subsidies.services import clawback as clawbacks
from lijiao.subsidies.services import payment as services
from lijiao.training.filters import filtered
from lijiao.training.views.classes import _filtered_page, staff_view

VIEW_BATCH = "subsidies.view_paymentbatch"
VIEW_CLAWBACK = "subsidies.view_clawback"
PAYABLE_SHOWN = 200


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(_("您没有执行此操作的权限"))


@staff_view(VIEW_BATCH)
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    page, _filterset, querystring = _filtered_page(
        request, BatchFilterSet, selectors.visible_batches(request.user)
    )
    can_create = request.user.has_perm("subsidies.add_paymentbatch")
    payable = list(selectors.payable_claims(request.user)[:PAYABLE_SHOWN]) if can_create else []
    return render(
        request,
        "subsidies/payment/batch_list.html",
        {
            "page": page,
            "querystring": querystring,
            "status": request.GET.get("status", ""),
            "statuses": PaymentBatch.Status.choices,
            "can_create": can_create,
            "payable": payable,
        },
    )


@staff_view(VIEW_BATCH)
@require_GET
def batch_list_export(request: HttpRequest) -> HttpResponse:
    try:
        rows = filtered(BatchFilterSet, request.GET, selectors.visible_batches(request.user))
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    return xlsx_download(exporters.batches_xlsx(rows), f"{_('发放批次')}-{timezone.localdate():%Y%m%d}.xlsx")  # type: ignore[return-value]


@staff_view("subsidies.add_paymentbatch")
@require_POST
def batch_create(request: HttpRequest) -> HttpResponse:
    result = services.create_payment_batch(actor=request.user)
    for claim, reason in result.skipped:
        messages.warning(request, f"{claim.number}：{reason}")
    if result.batch is None:
        messages.error(request, _("没有可发放的补贴申请，未生成批次。"))
        return redirect("subsidies:batch_list")
    messages.success(
        request,
        _("已生成发放批次%(number)s：%(n)s笔，合计%(total)s元。")
        % {"number": result.batch.number, "n": result.batch.line_count, "total": f"{result.batch.total:.2f}"},
    )
    return redirect("subsidies:batch_detail", pk=result.batch.pk)


class PaidForm(forms.Form):
    bank_reference = forms.CharField(label=gettext_lazy("银行回单号"), max_length=100)


BATCH_LINES_PER_PAGE = 100


def _batch_page(request: HttpRequest, batch: PaymentBatch, form: PaidForm, status: int = 200) -> HttpResponse:
    # a city's batch holds thousands of lines: shown a page at a time (the export and the bank file have them all)
    page = BoundedPaginator(selectors.batch_lines(batch), BATCH_LINES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    lines = list(page.object_list)
    for line in lines:
        line.masked_account = mask(PIIKind.BANK_ACCOUNT, line.account_number)
    return render(
        request,
        "subsidies/payment/batch_detail.html",
        {
            "batch": batch,
            "lines": lines,
            "page": page,
            "form": form,
            "can_pay": request.user.has_perm("subsidies.pay_claim"),
        },
        status=status,
    )


@staff_view(VIEW_BATCH)
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_page(request, selectors.get_batch(request.user, pk), PaidForm())


@staff_view(VIEW_BATCH)
@require_GET
def batch_lines_export(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch(request.user, pk)
    export = exporters.batch_lines_xlsx(batch, selectors.batch_lines(batch))
    record_personal_data_export(actor=request.user, what=f"{batch.number}", rows=export.rows, masked=True)
    return xlsx_download(export, f"{batch.number}-{_('明细')}.xlsx")  # type: ignore[return-value]


@staff_view("subsidies.pay_claim")
@require_GET
def bank_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    batch = selectors.get_batch(request.user, pk)
    result = services.export_bank_file(batch=batch, actor=request.user, fmt=fmt)
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=result.filename) or ""
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_view("subsidies.pay_claim")
@require_POST
def batch_mark_paid(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch(request.user, pk)
    form = PaidForm(request.POST)
    if form.is_valid():
        try:
            services.mark_batch_paid(
                batch=batch, actor=request.user, bank_reference=form.cleaned_data["bank_reference"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已确认发放。"))
            return redirect("subsidies:batch_detail", pk=batch.pk)
    return _batch_page(request, batch, form, status=400)


# ------------------------------------------------------------------------------------------------ clawbacks


@staff_view(VIEW_CLAWBACK)
@require_GET
def clawback_list(request: HttpRequest) -> HttpResponse:
    page, _filterset, querystring = _filtered_page(
        request, ClawbackFilterSet, selectors.visible_clawbacks(request.user)
    )
    return render(
        request,
        "subsidies/payment/clawback_list.html",
        {
            "page": page,
            "querystring": querystring,
            "recovery_status": request.GET.get("recovery_status", ""),
            "statuses": Clawback.Recovery.choices,
        },
    )


@staff_view(VIEW_CLAWBACK)
@require_GET
def clawback_list_export(request: HttpRequest) -> HttpResponse:
    try:
        rows = filtered(ClawbackFilterSet, request.GET, selectors.visible_clawbacks(request.user))
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    export = exporters.clawbacks_xlsx(rows)
    record_personal_data_export(actor=request.user, what=_("补贴追回"), rows=export.rows, masked=True)
    return xlsx_download(export, f"{_('补贴追回')}-{timezone.localdate():%Y%m%d}.xlsx")  # type: ignore[return-value]


class RecoveryForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("本次追回金额（元）"), max_digits=12, decimal_places=2, min_value=0
    )


class WriteOffForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("核销原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


@staff_view(VIEW_CLAWBACK)
@require_http_methods(["GET", "POST"])
def clawback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    clawback = selectors.get_clawback(request.user, pk)
    recovery = RecoveryForm(request.POST if request.POST.get("action") == "recover" else None)
    write_off = WriteOffForm(request.POST if request.POST.get("action") == "write_off" else None)
    status = 200
    if request.method == "POST":
        _require(request, "subsidies.change_clawback")
        form: forms.Form = write_off if request.POST.get("action") == "write_off" else recovery
        if form.is_valid():
            try:
                if form is write_off:
                    clawbacks.write_off(
                        clawback=clawback, actor=request.user, reason=form.cleaned_data["reason"]
                    )
                else:
                    clawbacks.record_recovery(
                        clawback=clawback, actor=request.user, amount=form.cleaned_data["amount"]
                    )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("subsidies:clawback_detail", pk=clawback.pk)
        status = 400
    return render(
        request,
        "subsidies/payment/clawback_detail.html",
        {
            "clawback": clawback,
            "recovery": recovery,
            "write_off": write_off,
            "open": clawback.recovery_status in (Clawback.Recovery.PENDING, Clawback.Recovery.PARTIAL),
            "can_change": request.user.has_perm("subsidies.change_clawback"),
            "outstanding": clawback.amount - clawback.recovered_amount,
            "citizen_id": mask(PIIKind.CITIZEN_ID, clawback.claim.person.citizen_id),
        },
        status=status,
    )


class ClawbackForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("应追回金额（元）"), max_digits=12, decimal_places=2, min_value=0
    )
    reason = forms.CharField(
        label=gettext_lazy("追回原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


@staff_view("subsidies.clawback_claim")
@require_http_methods(["GET", "POST"])
def claim_clawback(request: HttpRequest, pk: int) -> HttpResponse:
    claim = (
        Claim.objects.filter(pk=pk, status__in=(ClaimStatus.PAID, ClaimStatus.ARCHIVED))
        .select_related("person")
        .first()
    )
    if claim is None:
        raise Http404(_("对象不存在"))
    form = ClawbackForm(request.POST or None, initial={"amount": claim.amount})
    if request.method == "POST" and form.is_valid():
        try:
            clawback = clawbacks.claw_back(
                claim=claim,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                amount=form.cleaned_data["amount"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已登记追回。"))
            return redirect("subsidies:clawback_detail", pk=clawback.pk)
    return render(
        request,
        "subsidies/payment/claim_clawback.html",
        {"claim": claim, "form": form, "citizen_id": mask(PIIKind.CITIZEN_ID, claim.person.citizen_id)},
        status=400 if form.errors else 200,
    )


class AccountForm(forms.Form):
    citizen_id = forms.CharField(label=gettext_lazy("身份证号"), max_length=18)
    bank_name = forms.CharField(label=gettext_lazy("开户银行"), max_length=100)
    account_number = forms.CharField(label=gettext_lazy("社会保障卡银行账号"), max_length=40)


@staff_view("subsidies.pay_claim")
@require_http_methods(["GET", "POST"])
def payee_account(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        digest = pii_digest(PIIKind.CITIZEN_ID, form.cleaned_data["citizen_id"].strip().upper())
        person = Person.objects.filter(citizen_id_digest=digest).first()
        if person is None:
            form.add_error("citizen_id", _("未找到该人员"))
        else:
            try:
                account = services.set_payee_account(
                    actor=request.user,
                    person=person,
                    bank_name=form.cleaned_data["bank_name"],
                    account_number=form.cleaned_data["account_number"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("已保存%(name)s的发放账户（尾号%(tail)s）。")
                    % {"name": person.name, "tail": account.account_number[-4:]},
                )
                return redirect("subsidies:payee_account")
    return render(
        request, "subsidies/payment/payee_account.html", {"form": form}, status=400 if form.errors else 200
    )


class MyAccountForm(forms.Form):
    bank_name = forms.CharField(label=gettext_lazy("开户银行"), max_length=100)
    account_number = forms.CharField(label=gettext_lazy("社会保障卡银行账号"), max_length=40)


@login_required
@require_http_methods(["GET", "POST"])
def my_account(request: HttpRequest) -> HttpResponse:
    """A worker sets the 社会保障卡 account their own subsidies are paid to (found by their ID number)."""
    digest = str(getattr(request.user, "citizen_id_digest", "") or "")
    person = Person.objects.filter(citizen_id_digest=digest).first() if digest else None
    account = PayeeAccount.objects.filter(person=person).first() if person else None
    form = MyAccountForm(request.POST or None, initial={"bank_name": account.bank_name if account else ""})
    if request.method == "POST" and person is not None and form.is_valid():
        try:
            services.set_payee_account(
                actor=request.user,
                person=person,
                bank_name=form.cleaned_data["bank_name"],
                account_number=form.cleaned_data["account_number"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("发放账户已保存。"))
            return redirect("subsidies:my_account")
    return render(
        request,
        "subsidies/payment/my_account.html",
        {
            "person": person,
            "form": form,
            "masked": mask(PIIKind.BANK_ACCOUNT, account.account_number) if account else "",
            "bank_name": account.bank_name if account else "",
        },
    )


urlpatterns: list[URLPattern] = [
    path("payment/batches/", batch_list, name="batch_list"),
    path("payment/batches/export.xlsx", batch_list_export, name="batch_list_export"),
    path("payment/batches/create", batch_create, name="batch_create"),
    path("payment/batches/<int:pk>/", batch_detail, name="batch_detail"),
    path("payment/batches/<int:pk>/lines.xlsx", batch_lines_export, name="batch_lines_export"),
    path("payment/batches/<int:pk>/bank-file.<str:fmt>", bank_file, name="bank_file"),
    path("payment/batches/<int:pk>/paid", batch_mark_paid, name="batch_mark_paid"),
    path("payment/clawbacks/", clawback_list, name="clawback_list"),
    path("payment/clawbacks/export.xlsx", clawback_list_export, name="clawback_list_export"),
    path("payment/clawbacks/<int:pk>/", clawback_detail, name="clawback_detail"),
    path("payment/claims/<int:pk>/clawback", claim_clawback, name="claim_clawback"),
    path("payment/accounts/", payee_account, name="payee_account"),
    path("payment/my-account/", my_account, name="my_account"),
]
