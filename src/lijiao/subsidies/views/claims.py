"""Claim screens for staff: the list (filters, xlsx export), a claim's detail with its trace and the action forms
the user may use (:func:`lijiao.subsidies.services.review.allowed_actions`, the API's list), and filing: a
provider's 申请补贴 for a finished class (bulk) or one trainee, an employer's apprenticeship claim, an evaluating
body's assessment claim.

Reads go through :mod:`lijiao.subsidies.selectors.claims` (out of scope: 404 like an unknown id); writes through
the services with Post/Redirect/Get; a refused write shows its reason as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lijiao.audit.services import record_event
from lijiao.certificates.models import Certificate
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.core.models import HandlingArea
from lijiao.core.pii import PIIKind, pii_digest
from lijiao.core.xlsx import xlsx_download
from lijiao.people.models import Person
from lijiao.subsidies import exporters
from lijiao.subsidies.filters import ClaimFilterSet
from lijiao.subsidies.forms import ApprenticeshipForm, CorrectionForm, KindForm, ReasonForm
from lijiao.subsidies.models import Claim, ClaimStatus, SchemeKind
from lijiao.subsidies.selectors import claims as selectors
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import review
from lijiao.training.filters import filtered
from lijiao.training.models import Enrollment
from lijiao.training.selectors.classes import get_class
from lijiao.training.views.classes import _filtered_page, staff_view
from lijiao.training.views.classes import domain_errors_as_http as handled

VIEW = selectors.VIEW_PERM
FILE = filing.FILE_PERM


def action_buttons(user: Any, claim: Claim) -> list[dict[str, str]]:
    return [{"action": a, "label": review.action_label(a)} for a in review.allowed_actions(user, claim)]


@staff_view(VIEW)
@require_GET
def claim_list(request: HttpRequest) -> HttpResponse:
    page, filterset, querystring = _filtered_page(
        request, ClaimFilterSet, selectors.for_list(selectors.visible_claims(request.user))
    )
    form = filterset.form
    values = {name: (form.data.get(name, "") if form.is_bound else "") for name in filterset.filters}
    return render(
        request,
        "subsidies/claims/list.html",
        {
            "page": page,
            "claims": list(page.object_list),
            "querystring": querystring,
            "values": values,
            "statuses": ClaimStatus.choices,
            "kinds": SchemeKind.choices,
            "areas": HandlingArea.objects.filter(active=True),
            "filtered": any(values.values()),
            "classes_to_claim": list(selectors.finished_classes_to_claim(request.user)[:10]),
        },
    )


@staff_view(VIEW)
@require_GET
def claim_list_export(request: HttpRequest) -> HttpResponse:
    """The list as xlsx: the same scope and filters as the screen; audited (filters and row count)."""
    try:
        rows = filtered(ClaimFilterSet, request.GET, selectors.visible_claims(request.user))
    except DomainError as exc:
        return HttpResponseBadRequest("；".join(e.message for e in exc.errors) or exc.message)
    export = exporters.claims_xlsx(selectors.for_list(rows))
    record_event(
        actor=request.user,
        action="subsidies.claims.exported",
        object_type="subsidies.claim",
        after={
            "rows": export.rows,
            "filters": {k: request.GET.getlist(k) for k in request.GET if k != "page"},
            "format": "xlsx",
        },
    )
    return xlsx_download(export, f"{_('补贴申请')}-{timezone.localdate():%Y%m%d}.xlsx")  # type: ignore[return-value]


CORRECTABLE = frozenset({ClaimStatus.DRAFT, ClaimStatus.RETURNED})


def correction_form(user: Any, claim: Claim, data: Any = None) -> CorrectionForm | None:
    """The 补正 form of a draft or returned claim whose kind has stated facts, for its filer only (else None)."""
    if claim.status not in CORRECTABLE or not review.is_filer(user, claim):
        return None
    form = CorrectionForm(data, claim=claim)
    return form if form.has_facts else None


@staff_view(VIEW)
@require_GET
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _detail(request, claim_id)


def _detail(
    request: HttpRequest, claim_id: int, correction: CorrectionForm | None = None, status: int = 200
) -> HttpResponse:
    detail = selectors.claim_detail(request.user, claim_id)
    claim = detail.claim
    return render(
        request,
        "subsidies/claims/detail.html",
        {
            "d": detail,
            "c": claim,
            "correction": correction or correction_form(request.user, claim),
            "actions": action_buttons(request.user, claim),
            "blockers": review.approval_blockers(claim) if claim.decision_passed is False else [],
            "waiting": review.waiting_days(claim.submitted_at)
            if claim.status in (ClaimStatus.SUBMITTED, ClaimStatus.FIRST_APPROVED)
            else None,
            "target": review.review_target_days(),
        },
        status=status,
    )


@staff_view(VIEW)
@require_POST
def claim_correct(request: HttpRequest, claim_id: int) -> HttpResponse:
    """补正并提交: the filer corrects the stated facts of a draft or returned claim and (re)submits it; the rules
    run again on the corrected facts. Invalid input shows the form again with its errors (nothing written)."""
    claim = selectors.get_claim(request.user, claim_id)
    if not review.is_filer(request.user, claim):
        raise DjangoPermissionDenied(_("您没有执行此操作的权限"))
    form = correction_form(request.user, claim, request.POST)
    if form is None:
        messages.error(request, _("只有草稿或退回补正的申请可以补正，且该类补贴没有需要申请人填写的信息"))
        return redirect("subsidies:claim_detail", claim_id=claim_id)
    if not form.is_valid():
        messages.error(request, _("补正信息有误，请按提示修改"))
        return _detail(request, claim_id, correction=form, status=400)
    try:
        review.submit_claim(
            claim=claim, actor=request.user, facts=form.facts(), note=form.cleaned_data["note"]
        )
    except (DomainPermissionDenied, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("subsidies:claim_detail", claim_id=claim_id)
    messages.success(request, _("已补正并提交补贴申请%(number)s。") % {"number": claim.number})
    return redirect("subsidies:claim_detail", claim_id=claim_id)


def _run_action(request: HttpRequest, claim: Claim, action: str) -> None:
    user = request.user
    if action == "submit":
        review.submit_claim(claim=claim, actor=user, note=request.POST.get("note", ""))
    elif action == "withdraw":
        review.withdraw_claim(claim=claim, actor=user)
    elif action == "first_approve":
        review.first_approve_claim(claim=claim, actor=user)
    elif action == "second_approve":
        review.second_approve_claims(claims=[claim], actor=user)
    elif action in ("return", "reject"):
        form = ReasonForm(request.POST)
        reason = form.data.get("reason", "")
        service = review.return_claim if action == "return" else review.reject_claim
        service(claim=claim, actor=user, reason=str(reason))
    elif action == "override":
        review.override_rule(
            claim=claim, actor=user, rule=request.POST.get("rule", ""), reason=request.POST.get("reason", "")
        )
    elif action == "archive":
        review.archive_claim(claim=claim, actor=user)


_ACTION_PERMS: dict[str, tuple[str, ...]] = {
    "submit": (VIEW,),
    "withdraw": (VIEW,),
    "first_approve": (review.FIRST_PERM,),
    "second_approve": (review.SECOND_PERM,),
    "return": (review.FIRST_PERM, review.SECOND_PERM),
    "reject": (review.FIRST_PERM, review.SECOND_PERM),
    "override": (review.OVERRIDE_PERM,),
    "archive": (review.ARCHIVE_PERM,),
}


def _action_view(action: str) -> Callable[..., HttpResponseBase]:
    perms = _ACTION_PERMS[action]

    @login_required
    @require_POST
    @handled
    def view(request: HttpRequest, claim_id: int) -> HttpResponse:
        if not any(request.user.has_perm(p) for p in perms):
            raise DjangoPermissionDenied(_("您没有执行此操作的权限"))
        claim = selectors.get_claim(request.user, claim_id)
        try:
            _run_action(request, claim, action)
        except (DomainPermissionDenied, NotFound):
            raise
        except DomainError as exc:
            detail = "；".join(e.message for e in exc.errors)
            messages.error(request, f"{exc.message}{'：' + detail if detail else ''}")
            return redirect("subsidies:claim_detail", claim_id=claim_id)
        messages.success(request, _("已办理：%(action)s") % {"action": review.action_label(action)})
        return redirect("subsidies:claim_detail", claim_id=claim_id)

    view.__name__ = f"claim_{action}"
    return view


# --- filing -------------------------------------------------------------------------------------------------------


@staff_view(FILE)
@require_http_methods(["GET", "POST"])
def class_claims(request: HttpRequest, class_id: int) -> HttpResponse:
    """申请补贴 for a finished class: every trainee with their certificate and claim; POST files them all."""
    training_class = get_class(request.user, class_id)
    if getattr(request.user, "provider_id", None) != training_class.provider_id:
        raise Http404(_("对象不存在"))
    form = KindForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = filing.file_for_class(
                actor=request.user, training_class=training_class, kind=form.cleaned_data["kind"]
            )
        except (DomainPermissionDenied, NotFound):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已为%(created)d名学员生成补贴申请草稿，跳过%(skipped)d名。")
                % {"created": len(result.created), "skipped": len(result.skipped)},
            )
    enrollments = list(
        Enrollment.objects.filter(training_class=training_class).select_related("person").order_by("pk")
    )
    claims: dict[int, Claim] = {
        c.enrollment_id: c
        for c in Claim.objects.filter(training_class=training_class).exclude(status=ClaimStatus.REJECTED)
        if c.enrollment_id
    }
    rows = [{"enrollment": e, "claim": claims.get(e.pk)} for e in enrollments]
    return render(
        request,
        "subsidies/claims/class.html",
        {"training_class": training_class, "rows": rows, "form": form, "result": result},
    )


@staff_view(FILE)
@require_POST
def enrollment_claim(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """申请补贴 for one trainee (the provider's own)."""
    enrollment = (
        Enrollment.objects.select_related("training_class", "person").filter(pk=enrollment_id).first()
    )
    if enrollment is None:
        raise Http404(_("对象不存在"))
    form = KindForm(request.POST)
    kind = form.cleaned_data["kind"] if form.is_valid() else SchemeKind.TRAINING
    try:
        claim = filing.file_for_trainee(actor=request.user, enrollment=enrollment, kind=kind)
    except (DomainPermissionDenied, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("subsidies:class_claims", class_id=enrollment.training_class_id)
    messages.success(request, _("已生成补贴申请草稿%(number)s。") % {"number": claim.number})
    return redirect("subsidies:claim_detail", claim_id=claim.pk)


@staff_view(FILE)
@require_http_methods(["GET", "POST"])
def apprenticeship_claim(request: HttpRequest) -> HttpResponse:
    """An employer's 企业新型学徒制 claim (advance or final part) with the labour contract's facts."""
    filing.require_employer_filer(request.user)
    form = ApprenticeshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = Person.objects.filter(
            citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, data["citizen_id"])
        ).first()
        certificate = None
        if data["certificate_number"]:
            certificate = Certificate.objects.filter(
                number=data["certificate_number"].strip().upper()
            ).first()
        if person is None:
            form.add_error("citizen_id", _("未找到该人员，请先办理实名登记"))
        elif data["certificate_number"] and certificate is None:
            form.add_error("certificate_number", _("证书编号不存在"))
        else:
            facts = {
                "hired_on": data["hired_on"].isoformat(),
                "contract_start": data["contract_start"].isoformat(),
                "contract_end": data["contract_end"].isoformat(),
                "hire_type": data["hire_type"],
                "level": data["level"],
                "training_months": data["training_months"],
                "exceptional": data["exceptional"],
                "amount": str(data["amount"]),
            }
            try:
                claim = filing.file_apprenticeship(
                    actor=request.user,
                    person=person,
                    part=data["part"],
                    employer_name=data["employer_name"],
                    employer_credit_code=data["employer_credit_code"],
                    handling_area=data["handling_area"],
                    facts=facts,
                    certificate=certificate,
                )
            except (DomainPermissionDenied, NotFound):
                raise
            except DomainError as exc:
                form.add_error(None, exc.message)
                for error in exc.errors:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("已生成补贴申请草稿%(number)s。") % {"number": claim.number})
                return redirect("subsidies:claim_detail", claim_id=claim.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "subsidies/claims/apprenticeship.html", {"form": form}, status=status)


@staff_view(FILE)
@require_POST
def assessment_claim(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """An evaluating body's 评价补贴 claim on the certificate holder's behalf."""
    certificate = get_object_or_404(Certificate.objects.select_related("body", "holder"), pk=certificate_id)
    try:
        claim = filing.file_for_assessment(actor=request.user, certificate=certificate)
    except (DomainPermissionDenied, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("subsidies:claim_list")
    messages.success(request, _("已生成补贴申请草稿%(number)s。") % {"number": claim.number})
    return redirect("subsidies:claim_detail", claim_id=claim.pk)


urlpatterns: list[URLPattern] = [
    path("claims/", claim_list, name="claim_list"),
    path("claims/export.xlsx", claim_list_export, name="claim_list_export"),
    path("claims/<int:claim_id>/", claim_detail, name="claim_detail"),
    path("claims/<int:claim_id>/correct/", claim_correct, name="claim_correct"),
    *[
        path(
            f"claims/<int:claim_id>/{action.replace('_', '-')}/", _action_view(action), name=f"claim_{action}"
        )
        for action in review.ACTIONS
    ],
    path("classes/<int:class_id>/claims/", class_claims, name="class_claims"),
    path("enrollments/<int:enrollment_id>/claim/", enrollment_claim, name="enrollment_claim"),
    path("apprenticeship/new/", apprenticeship_claim, name="apprenticeship_claim"),
    path("certificates/<int:certificate_id>/claim/", assessment_claim, name="assessment_claim"),
]
