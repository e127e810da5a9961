"""The worker's own claims (issue 12 item 11): ``/subsidies/mine/`` — 我的补贴 — and 我的消息.

Every claim in the user's name (matched by the ID number's digest, nobody sees anyone else's): who filed it, for
what, how much, its status and its payment; "我对此有异议" records an objection through
:func:`lijiao.subsidies.services.publicity.raise_objection`. 我的消息 lists the in-app messages, each can be
marked read.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lijiao.certificates.models import Certificate
from lijiao.core.errors import DomainError
from lijiao.subsidies.forms import OwnClaimForm
from lijiao.subsidies.models import Objection
from lijiao.subsidies.selectors import claims as selectors
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import publicity, review
from lijiao.subsidies.views.claims import correction_form
from lijiao.training.views.classes import domain_errors_as_http as handled


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("异议内容"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": gettext_lazy("例如：我没有参加这个培训；到账金额与通知不符")}
        ),
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """我的补贴: every claim in the user's name, with who filed it, what, how much, status and payment."""
    claims = list(selectors.my_claims(request.user))
    for claim in claims:
        claim.correction = correction_form(request.user, claim)  # type: ignore[attr-defined]
    unread = selectors.my_notifications(request.user).filter(read_at__isnull=True).count()
    return render(
        request,
        "subsidies/worker/mine.html",
        {
            "claims": claims,
            "form": ObjectionForm(),
            "unread": unread,
            "has_identity": bool(getattr(request.user, "citizen_id_digest", "")),
        },
    )


@login_required
@require_POST
@handled
def mine_objection(request: HttpRequest, claim_id: int) -> HttpResponse:
    """我对此有异议: record an objection by the person concerned."""
    claim = selectors.my_claim(request.user, claim_id)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写异议内容"))
        return redirect("subsidies:mine")
    try:
        publicity.raise_objection(
            claim=claim, source=Objection.Source.PERSON, text=form.cleaned_data["text"], actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("异议已提交，经办机构将核实处理。"))
    return redirect("subsidies:mine")


@login_required
@require_POST
@handled
def mine_submit(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Submit (or, after a return, resubmit) a claim the worker filed for themself."""
    claim = selectors.my_claim(request.user, claim_id)
    try:
        review.submit_claim(claim=claim, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("补贴申请%(number)s已提交。") % {"number": claim.number})
    return redirect("subsidies:mine")


@login_required
@require_POST
@handled
def mine_correct(request: HttpRequest, claim_id: int) -> HttpResponse:
    """补正并提交 a claim the worker filed for themself (draft or returned, kinds with stated facts)."""
    claim = selectors.my_claim(request.user, claim_id)
    if not review.is_filer(request.user, claim):
        raise DjangoPermissionDenied(_("您没有执行此操作的权限"))
    form = correction_form(request.user, claim, request.POST)
    if form is None:
        messages.error(request, _("只有草稿或退回补正的申请可以补正，且该类补贴没有需要申请人填写的信息"))
        return redirect("subsidies:mine")
    if not form.is_valid():
        errors = "；".join(
            f"{form.fields[f].label if f in form.fields else ''}{e}"
            for f, es in form.errors.items()
            for e in es
        )
        messages.error(request, _("补正信息有误：%(errors)s") % {"errors": errors})
        return redirect("subsidies:mine")
    try:
        review.submit_claim(
            claim=claim, actor=request.user, facts=form.facts(), note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已补正并提交补贴申请%(number)s。") % {"number": claim.number})
    return redirect("subsidies:mine")


@login_required
@require_http_methods(["GET", "POST"])
@handled
def mine_file(request: HttpRequest) -> HttpResponse:
    """本人申请补贴: pick a certificate the user holds (R1: no certificate, no claim) and the kind."""
    person = filing.person_of_user(request.user)
    certificates = list(
        Certificate.objects.filter(holder=person, status=Certificate.Status.VALID).order_by(
            "-issued_on", "-id"
        )
        if person
        else []
    )
    form = OwnClaimForm(request.POST or None, certificates=certificates)
    if request.method == "POST" and form.is_valid() and person is not None:
        certificate = next((c for c in certificates if c.pk == form.cleaned_data["certificate"]), None)
        if certificate is None:
            form.add_error("certificate", _("请选择您本人持有的证书"))
        else:
            try:
                claim = filing.file_own_claim(
                    actor=request.user, kind=form.cleaned_data["kind"], certificate=certificate
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("已生成补贴申请草稿%(number)s，请提交。") % {"number": claim.number}
                )
                return redirect("subsidies:mine")
    return render(
        request,
        "subsidies/worker/file.html",
        {"form": form, "has_identity": person is not None, "certificates": certificates},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def my_messages(request: HttpRequest) -> HttpResponse:
    """我的消息: the user's in-app messages, newest first."""
    notes = list(selectors.my_notifications(request.user)[:200])
    return render(request, "subsidies/worker/messages.html", {"notes": notes})


@login_required
@require_POST
def message_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    selectors.my_notifications(request.user).filter(pk=notification_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("subsidies:mine_messages")


urlpatterns: list[URLPattern] = [
    path("mine/", mine, name="mine"),
    path("mine/<int:claim_id>/objection/", mine_objection, name="mine_objection"),
    path("mine/file/", mine_file, name="mine_file"),
    path("mine/<int:claim_id>/submit/", mine_submit, name="mine_submit"),
    path("mine/<int:claim_id>/correct/", mine_correct, name="mine_correct"),
    path("mine/messages/", my_messages, name="mine_messages"),
    path("mine/messages/<int:notification_id>/read/", message_read, name="mine_message_read"),
]
