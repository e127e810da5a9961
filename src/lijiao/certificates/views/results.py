"""Results screens (SPEC C5, 培评分离): a body's results list with the entry form for one person, the batch sheet
for a class's trainees, the import of a results sheet, the "颁发证书" action; the bureau's queue of employer
self-evaluations to confirm or reject. Reads through the scoped selectors, writes through the services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lijiao.catalog.models import Occupation, SpecialItem
from lijiao.certificates.filters import ResultFilterSet
from lijiao.certificates.forms.results import DecisionForm, ImportForm, ResultForm, SubjectForm
from lijiao.certificates.models import EvaluatingBody
from lijiao.certificates.selectors import bodies as body_selectors
from lijiao.certificates.selectors import results as selectors
from lijiao.certificates.services import results as services
from lijiao.certificates.services import results_import, results_issue, selfevaluation
from lijiao.certificates.views.common import PAGE_SIZE, certificates_view
from lijiao.core.errors import DomainError
from lijiao.core.forms import apply_domain_error, service_errors_on
from lijiao.core.pii import PIIKind, mask

VIEW = selectors.VIEW_RESULT


def _is_member(request: HttpRequest, body: EvaluatingBody) -> bool:
    return (
        request.user.has_perm(services.RECORD_PERM) and body_selectors.member_body_id(request.user) == body.pk
    )


def _require_member(request: HttpRequest, body: EvaluatingBody) -> None:
    if not _is_member(request, body):
        raise DjangoPermissionDenied(_("您不是该评价机构的人员，不能录入其评价结果"))


def _options() -> dict[str, Any]:
    return {
        "occupation_options": Occupation.objects.filter(active=True).only("code", "name").order_by("code"),
        "special_options": SpecialItem.objects.filter(
            active=True, kind=SpecialItem.Kind.SPECIAL_COMPETENCY
        ).only("code", "name"),
    }


def _subject(form: SubjectForm) -> services.Subject:
    data = form.cleaned_data
    return services.Subject(
        data["site"],
        data["assessed_on"],
        data["occupation"],
        data["work_type"],
        data["special_item"],
        data["level"],
    )


@certificates_view(VIEW)
@require_http_methods(["GET", "POST"])
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """The body's results (filters, newest first) and, for its staff, the form recording one person's result."""
    body = body_selectors.get_body(request.user, pk)
    can_record = _is_member(request, body)
    form = ResultForm(request.POST or None, body=body, initial={"assessed_on": timezone.localdate()})
    if request.method == "POST":
        _require_member(request, body)
        if form.is_valid():
            with service_errors_on(form):
                saved = services.record_result(
                    actor=request.user,
                    body=body,
                    site=form.cleaned_data["site"],
                    assessed_on=form.cleaned_data["assessed_on"],
                    occupation=form.cleaned_data["occupation"],
                    work_type=form.cleaned_data["work_type"],
                    special_item=form.cleaned_data["special_item"],
                    level=form.cleaned_data["level"],
                    citizen_id=form.cleaned_data["citizen_id"],
                    name=form.cleaned_data["name"],
                    theory_score=form.cleaned_data["theory_score"],
                    practical_score=form.cleaned_data["practical_score"],
                    review_score=form.cleaned_data["review_score"],
                )
                verdict = _("合格") if saved.passed else _("不合格")
                messages.success(
                    request,
                    _("已录入%(name)s的结果：%(verdict)s。")
                    % {"name": saved.person.name, "verdict": verdict},
                )
                return redirect("certificates:results", pk=body.pk)
    queryset = selectors.visible_assessments(request.user).filter(body=body)
    filterset = ResultFilterSet(request.GET or None, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    rows = [(a, mask(PIIKind.CITIZEN_ID, a.person.citizen_id)) for a in page.object_list]
    can_issue = results_issue.may_issue_for(request.user, body)
    context = {
        "body": body,
        "filter_form": filterset.form,
        "page": page,
        "rows": rows,
        "querystring": params.urlencode(),
        "form": form,
        "can_record": can_record and body.status == EvaluatingBody.Status.ACTIVE,
        "can_issue": can_issue,
        "issuable": results_issue.issuable_results(body).count() if can_issue else 0,
        **_options(),
    }
    return render(request, "certificates/results.html", context, status=400 if form.errors else 200)


def _sheet_rows(
    request: HttpRequest, enrollments: list[Any], errors: dict[int, list[str]]
) -> list[dict[str, Any]]:
    post = request.POST
    return [
        {
            "enrollment": e,
            "masked": mask(PIIKind.CITIZEN_ID, e.person.citizen_id),
            "theory": post.get(f"theory_{e.pk}", ""),
            "practical": post.get(f"practical_{e.pk}", ""),
            "review": post.get(f"review_{e.pk}", ""),
            "errors": errors.get(index, []),
        }
        for index, e in enumerate(enrollments)
    ]


@certificates_view(services.RECORD_PERM)
@require_http_methods(["GET", "POST"])
def class_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch sheet: a class (by its code) and one row of scores per trainee, saved all or nothing. A class
    of the body's own provider is refused (培评分离)."""
    body = body_selectors.get_body(request.user, pk)
    _require_member(request, body)
    code = (request.GET.get("code") or request.POST.get("code") or "").strip()[:30]
    training_class, enrollments = (
        selectors.class_for_assessment(request.user, body, code) if code else (None, [])
    )
    form = SubjectForm(request.POST or None, body=body, initial={"assessed_on": timezone.localdate()})
    if training_class is not None and request.method == "GET" and training_class.catalog_item.occupation_id:
        form.initial.update(
            occupation=training_class.catalog_item.occupation.code
            if training_class.catalog_item.occupation
            else "",
            level=training_class.catalog_item.level,
        )
    row_errors: dict[int, list[str]] = {}
    if request.method == "POST" and training_class is not None and form.is_valid():
        typed = [
            e
            for e in enrollments
            if any(request.POST.get(f"{k}_{e.pk}", "").strip() for k in ("theory", "practical", "review"))
        ]
        rows = [
            services.ResultInput(
                enrollment_id=e.pk,
                theory_score=request.POST.get(f"theory_{e.pk}", ""),
                practical_score=request.POST.get(f"practical_{e.pk}", ""),
                review_score=request.POST.get(f"review_{e.pk}", ""),
            )
            for e in typed
        ]
        try:
            saved = services.record_results(
                actor=request.user, body=body, subject=_subject(form), rows=rows, source="class"
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            positions = {e.pk: enrollments.index(e) for e in typed}
            for error in exc.errors:
                if error.field.startswith("results["):
                    index = int(error.field[len("results[") :].split("]", 1)[0])
                    row_errors.setdefault(positions[typed[index].pk], []).append(error.message)
                else:
                    apply_domain_error(form, DomainError(exc.message, errors=(error,)))
            if not exc.errors:
                form.add_error(None, exc.message)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存 %(count)s 名考生的评价结果。") % {"count": len(saved)})
            return redirect(reverse("certificates:results", args=[body.pk]))
    context = {
        "body": body,
        "code": code,
        "training_class": training_class,
        "form": form,
        "rows": _sheet_rows(request, enrollments, row_errors),
        **_options(),
    }
    return render(
        request, "certificates/class_sheet.html", context, status=400 if row_errors or form.errors else 200
    )


@certificates_view(services.RECORD_PERM)
@require_http_methods(["GET", "POST"])
def import_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a results sheet (all rows or none); the errors are listed by row and kept as an error report."""
    body = body_selectors.get_body(request.user, pk)
    _require_member(request, body)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        temporary = getattr(upload, "temporary_file_path", None)
        data: bytes | Path = Path(temporary()) if temporary is not None else upload.read()
        with service_errors_on(form):
            result = results_import.import_results(
                actor=request.user, body=body, file_name=upload.name, data=data
            )
            if result.ok:
                messages.success(
                    request, _("已导入 %(count)s 条评价结果。") % {"count": result.imported_rows}
                )
                return redirect("certificates:results", pk=body.pk)
    context = {
        "body": body,
        "form": form,
        "result": result,
        "columns": [s.label for s in results_import.COLUMNS],
    }
    return render(request, "certificates/import.html", context, status=400 if result or form.errors else 200)


@certificates_view(VIEW)
@require_POST
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    """颁发证书 for every passed, confirmed result of the body that has none yet."""
    body = body_selectors.get_body(request.user, pk)
    if not results_issue.may_issue_for(request.user, body):
        raise DjangoPermissionDenied(_("您没有颁发证书的权限"))
    try:
        issued = results_issue.issue_results(actor=request.user, body=body)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已颁发 %(count)s 本证书。") % {"count": len(issued)})
    return redirect("certificates:results", pk=body.pk)


@certificates_view(selfevaluation.CONFIRM_PERM)
@require_safe
def selfevaluation_queue(request: HttpRequest) -> HttpResponse:
    """Employer self-evaluations awaiting confirmation in the user's scope, oldest first."""
    queryset = selectors.confirmation_queue(request.user)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(a, mask(PIIKind.CITIZEN_ID, a.person.citizen_id)) for a in page.object_list]
    return render(
        request,
        "certificates/selfevaluation_queue.html",
        {"page": page, "rows": rows, "form": DecisionForm()},
    )


@certificates_view(selfevaluation.CONFIRM_PERM)
@require_POST
def selfevaluation_decide(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Confirm (``decision=confirm``) or reject with a reason (``decision=reject``) one self-evaluation."""
    assessment = selectors.get_assessment(request.user, assessment_id)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        if request.POST.get("decision") == "reject":
            selfevaluation.reject_self_evaluation(
                actor=request.user, assessment=assessment, reason=form.cleaned_data.get("reason", "")
            )
            messages.success(request, _("已不予确认%(name)s的结果。") % {"name": assessment.person.name})
        else:
            selfevaluation.confirm_self_evaluation(actor=request.user, assessment=assessment)
            messages.success(request, _("已确认%(name)s的结果。") % {"name": assessment.person.name})
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, " ".join([exc.message, *(e.message for e in exc.errors)]))
    return redirect("certificates:selfevaluation_queue")


urlpatterns = [
    path("bodies/<int:pk>/results/", results, name="results"),
    path("bodies/<int:pk>/results/class/", class_sheet, name="results_class"),
    path("bodies/<int:pk>/results/import/", import_sheet, name="results_import"),
    path("bodies/<int:pk>/results/issue/", issue, name="results_issue"),
    path("self-evaluations/", selfevaluation_queue, name="selfevaluation_queue"),
    path("results/<int:assessment_id>/decide/", selfevaluation_decide, name="selfevaluation_decide"),
]
