"""Roster, attendance-sheet and results screens of a class, and a trainee's page (SPEC C4, C12).

Provider staff see and work on their own provider's classes only; district clerks of the class's area see the
same pages read-only; anything out of scope is a 404. Reads go through the selectors (the one
:func:`~lijiao.training.selectors.classes.get_class`, then :mod:`lijiao.training.selectors.enrollment`); each
write is one service call with Post/Redirect/Get; a refused write shows the service's reasons on the form and
writes nothing. ID numbers and phones are masked.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError, NotFound
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.core.forms import apply_domain_error
from lijiao.core.links import pk_url
from lijiao.people import services as people
from lijiao.people.models import Gender, Person
from lijiao.training import filters
from lijiao.training.checks import age_on
from lijiao.training.forms.enrollment import (
    AttendanceForm,
    EnrollForm,
    GroupForm,
    ResultsHeaderForm,
    WithdrawForm,
)
from lijiao.training.models import ClassSession, ClassStatus, Enrollment, TrainingClass
from lijiao.training.selectors import enrollment as selectors
from lijiao.training.selectors import review as review_selectors
from lijiao.training.services import assessment, attendance
from lijiao.training.services import enrollment as enrollment_services

# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _class_or_404(request: HttpRequest, class_id: int) -> TrainingClass:
    """A class in the user's scope whose trainees they may see: 403 without the permissions to read trainees
    (the same check as the API's, ADR 0005), 404 outside the scope (like an unknown id)."""
    selectors.require_trainee_reader(request.user)
    try:
        return selectors.get_class(request.user, class_id)
    except NotFound:
        raise Http404(_("培训班不存在")) from None


def _can(user: Actor, perm: str, training_class: TrainingClass) -> bool:
    """Whether the user may write ``perm`` on this class (staff of its provider holding the permission)."""
    return enrollment_services.is_class_staff(user, training_class, perm)


def _class_links(training_class: TrainingClass) -> dict[str, str | None]:
    try:
        detail = reverse("training:class_detail", args=[training_class.pk])
    except NoReverseMatch:
        detail = None
    return {
        "class_url": detail,
        "roster_url": reverse("training:roster", args=[training_class.pk]),
        "attendance_url": reverse("training:attendance", args=[training_class.pk]),
        "results_url": reverse("training:results", args=[training_class.pk]),
    }


def _refused(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)
    for error in exc.errors:
        if error.message not in exc.message:
            messages.error(request, error.message)


_EVIDENCE_FORM_FIELDS = {"as_of": "evidence_as_of", "source": "evidence_source"}


def _on_enroll_form(exc: DomainError) -> DomainError:
    """A group's evidence errors (``groups[0].graduation_year``) onto the enroll form's evidence fields."""

    def form_field(field: str) -> str:
        if not field.startswith("groups["):
            return field
        name = field.split(".", 1)[-1]
        return _EVIDENCE_FORM_FIELDS.get(name, name)

    errors = tuple(FieldError(form_field(e.field), e.message) for e in exc.errors)
    return DomainError(exc.message, code=exc.code, errors=errors, status=exc.status)


# ---------------------------------------------------------------------------------------------------------------
# Roster


def _prepare_roster_rows(rows: list[Any]) -> None:
    """What a roster row shows, prepared once per page (ADR 0015, rendering cost): the links reversed once and
    the choices' labels translated once (``get_FOO_display()`` hashes every choice's lazy label on each call)."""
    person_url, withdraw_url = pk_url("training:person"), pk_url("training:withdraw")
    genders = {value: str(label) for value, label in Gender.choices}
    statuses = {value: str(label) for value, label in Enrollment.Status.choices}
    for e in rows:
        e.person_url = person_url(e.person_id)
        e.withdraw_url = withdraw_url(e.pk)
        e.gender_label = genders.get(e.person.gender, e.person.gender)
        e.status_label = statuses.get(e.status, e.status)


def _roster_context(
    request: HttpRequest, training_class: TrainingClass, form: EnrollForm | None
) -> dict[str, Any]:
    user = request.user
    can_enroll = _can(user, "training.add_enrollment", training_class) and training_class.status in (
        enrollment_services.ENROLLABLE_STATUSES
    )
    roster_rows = selectors.class_roster(training_class)
    try:
        rows = list(filters.filtered(filters.EnrollmentFilterSet, request.GET, roster_rows))
    except DomainError as exc:
        _refused(request, exc)
        rows = []
    _prepare_roster_rows(rows)
    return {
        "training_class": training_class,
        "enrollments": rows,
        "active_count": roster_rows.filter(status=Enrollment.Status.ACTIVE).count(),
        "form": form if form is not None else (EnrollForm() if can_enroll else None),
        "can_enroll": can_enroll,
        "enrollment_notice": review_selectors.enrollment_notice(training_class),
        "can_withdraw": _can(user, "training.change_enrollment", training_class)
        and training_class.status in (ClassStatus.APPROVED, ClassStatus.RUNNING),
        "withdraw_form": WithdrawForm(),
        "tab": "roster",
        **_class_links(training_class),
    }


@login_required
@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest, class_id: int) -> HttpResponse:
    """The class's trainees (masked IDs, groups, eligibility decision, attendance, result) and enroll-one."""
    training_class = _class_or_404(request, class_id)
    form: EnrollForm | None = None
    if request.method == "POST":
        if not _can(request.user, "training.add_enrollment", training_class):
            raise DjangoPermissionDenied(_("您没有为本班报名的权限"))
        form = EnrollForm(request.POST)
        if form.is_valid():
            try:
                enrollment = enrollment_services.enroll_person(
                    actor=request.user,
                    training_class=training_class,
                    person=form.to_input(),
                )
            except DomainPermissionDenied:
                raise DjangoPermissionDenied(_("您没有为本班报名的权限")) from None
            except DomainError as exc:  # a refusal for eligibility lists every reason in its message
                apply_domain_error(form, _on_enroll_form(exc), whole_message_codes=("not_eligible",))
            else:
                person = enrollment.person
                for warning in getattr(person, "id_warnings", ()):
                    messages.warning(
                        request, _("%(name)s：%(warning)s") % {"name": person.name, "warning": warning}
                    )
                messages.success(request, _("%(name)s 已报名。") % {"name": person.name})
                return redirect("training:roster", class_id=training_class.pk)
    return render(request, "training/enrollment/roster.html", _roster_context(request, training_class, form))


@login_required
@require_POST
def withdraw(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    try:
        enrollment = selectors.get_enrollment(request.user, enrollment_id)
    except NotFound:
        raise Http404(_("报名记录不存在")) from None
    if not _can(request.user, "training.change_enrollment", enrollment.training_class):
        raise DjangoPermissionDenied(_("您没有办理退出的权限"))  # refused before the form is read (ADR 0005)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写退出原因"))
    else:
        try:
            enrollment_services.withdraw(
                actor=request.user, enrollment=enrollment, reason=form.cleaned_data["reason"]
            )
        except DomainPermissionDenied:
            raise DjangoPermissionDenied(_("您没有办理退出的权限")) from None
        except DomainError as exc:
            _refused(request, exc)
        else:
            messages.success(
                request, _("%(name)s 已退出本班，名额已释放。") % {"name": enrollment.person.name}
            )
    return redirect("training:roster", class_id=enrollment.training_class_id)


# ---------------------------------------------------------------------------------------------------------------
# Attendance sheet


def _open_for_checkin(training_class: TrainingClass, session: ClassSession) -> bool:
    """Whether the sheet offers ticks for a session: it has started and check-ins to it are taken now."""
    return session.starts_at <= timezone.now() and attendance.is_open_for_checkin(session, training_class)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_sheet(request: HttpRequest, class_id: int) -> HttpResponse:
    """Sessions as columns, a tick per trainee and session; method (and reason for manual) for the new ticks."""
    training_class = _class_or_404(request, class_id)
    can_record = _can(request.user, "training.record_attendance", training_class)
    form = AttendanceForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        if not can_record:
            raise DjangoPermissionDenied(_("您没有记录本班考勤的权限"))
        if form.is_valid():
            try:
                created = attendance.record_attendance(
                    actor=request.user, training_class=training_class, sheets=form.sheets()
                )
            except DomainPermissionDenied:
                raise DjangoPermissionDenied(_("您没有记录本班考勤的权限")) from None
            except DomainError as exc:
                apply_domain_error(form, exc)
                errors = [e.message for e in exc.errors if e.field not in form.fields]
            else:
                if created:
                    messages.success(request, _("已保存 %(count)s 条签到。") % {"count": created})
                else:
                    messages.success(request, _("没有新的签到需要保存。"))
                return redirect("training:attendance", class_id=training_class.pk)
    sheet = selectors.attendance_sheet(training_class)
    columns: list[dict[str, Any]] = [
        {"session": s, "open": can_record and _open_for_checkin(training_class, s)} for s in sheet.sessions
    ]
    posted = set(request.POST.getlist("mark")) if request.method == "POST" else set()
    rows = [
        {
            "row": row,
            "cells": [
                {
                    "checkin": cell,
                    "value": f"{col['session'].pk}:{row.enrollment.person_id}",
                    "open": col["open"],
                    "posted": f"{col['session'].pk}:{row.enrollment.person_id}" in posted,
                }
                for cell, col in zip(row.cells, columns, strict=True)
            ],
        }
        for row in sheet.rows
    ]
    context = {
        "training_class": training_class,
        "sheet": sheet,
        "columns": columns,
        "rows": rows,
        "form": form,
        "errors": errors,
        "can_record": can_record and any(c["open"] for c in columns),
        "threshold": training_class.program.attendance_threshold if training_class.program else None,
        "tab": "attendance",
        **_class_links(training_class),
    }
    return render(request, "training/enrollment/attendance.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Results


def _result_inputs(
    request: HttpRequest, rows: list[selectors.ResultRow], header: ResultsHeaderForm
) -> list[assessment.ResultInput]:
    """The rows of the posted results table that carry something (``theory_<id>``, ``practical_<id>``…)."""
    inputs = []
    for row in rows:
        eid = row.enrollment.pk
        theory = request.POST.get(f"theory_{eid}", "").strip()
        practical = request.POST.get(f"practical_{eid}", "").strip()
        passed_raw = request.POST.get(f"passed_{eid}", "")
        if not (theory or practical or passed_raw):
            continue
        inputs.append(
            assessment.ResultInput(
                enrollment_id=eid,
                theory_score=theory or None,
                practical_score=practical or None,
                passed={"1": True, "0": False}.get(passed_raw),
                assessed_on=header.cleaned_data["assessed_on"],
            )
        )
    return inputs


def _results_errors(exc: DomainError, header: ResultsHeaderForm) -> dict[int, list[str]]:
    """A refusal's errors: per row (``results[<enrollment id>].…``) and on the header form."""
    row_errors: dict[int, list[str]] = defaultdict(list)
    for error in exc.errors:
        if error.field.startswith("results["):
            eid_text = error.field[len("results[") :].split("]", 1)[0]
            if eid_text.isdigit():
                row_errors[int(eid_text)].append(error.message)
                continue
        header.add_error(error.field if error.field in header.fields else None, error.message)
    if not exc.errors:
        header.add_error(None, exc.message)
    return row_errors


def _results_table(
    request: HttpRequest, rows: list[selectors.ResultRow], row_errors: dict[int, list[str]]
) -> list[dict[str, Any]]:
    table = []
    for row in rows:
        eid = row.enrollment.pk
        result = row.result
        if request.method == "POST":
            values = {
                "theory": request.POST.get(f"theory_{eid}", ""),
                "practical": request.POST.get(f"practical_{eid}", ""),
                "passed": request.POST.get(f"passed_{eid}", ""),
            }
        else:
            values = {
                "theory": "" if result is None or result.theory_score is None else str(result.theory_score),
                "practical": ""
                if result is None or result.practical_score is None
                else str(result.practical_score),
                "passed": "" if result is None else ("1" if result.passed else "0"),
            }
        table.append({"row": row, "values": values, "errors": row_errors.get(eid, [])})
    return table


@login_required
@require_http_methods(["GET", "POST"])
def results(request: HttpRequest, class_id: int) -> HttpResponse:
    """The completion table (结业考核): theory and practical scores and 培训合格 per trainee; the date once."""
    training_class = _class_or_404(request, class_id)
    assessable = assessment.accepts_results(training_class)
    can_record = _can(request.user, "training.record_assessment", training_class) and assessable
    rows = selectors.class_results(training_class)
    first = next((r.result for r in rows if r.result is not None), None)
    header = ResultsHeaderForm(
        request.POST or None,
        initial={
            "assessed_on": first.assessed_on if first else timezone.localdate(),
        },
    )
    row_errors: dict[int, list[str]] = {}
    if request.method == "POST":
        if not can_record:
            raise DjangoPermissionDenied(_("您没有录入本班结业考核结果的权限"))
        if header.is_valid():
            try:
                saved = assessment.record_results(
                    actor=request.user,
                    training_class=training_class,
                    rows=_result_inputs(request, rows, header),
                )
            except DomainPermissionDenied:
                raise DjangoPermissionDenied(_("您没有录入本班结业考核结果的权限")) from None
            except DomainError as exc:
                row_errors = _results_errors(exc, header)
            else:
                messages.success(
                    request, _("已保存 %(count)s 名学员的结业考核结果。") % {"count": len(saved)}
                )
                return redirect("training:results", class_id=training_class.pk)
    context = {
        "training_class": training_class,
        "table": _results_table(request, rows, row_errors),
        "header": header,
        "can_record": can_record,
        "assessable": assessable,
        "passed_count": sum(1 for r in rows if r.result is not None and r.result.passed),
        "recorded_count": sum(1 for r in rows if r.result is not None),
        "tab": "results",
        **_class_links(training_class),
    }
    return render(request, "training/enrollment/results.html", context)


# ---------------------------------------------------------------------------------------------------------------
# A trainee


@login_required
@require_http_methods(["GET", "POST"])
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """A trainee enrolled in a class in scope: masked identity, groups with evidence, visible enrollments."""
    try:
        person = selectors.get_person(request.user, person_id)
    except NotFound:
        raise Http404(_("人员不存在")) from None
    can_edit = request.user.has_perm("people.change_person") and bool(
        getattr(request.user, "provider_id", None) or request.user.is_superuser
    )
    form = GroupForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise DjangoPermissionDenied(_("您没有修改人员类别的权限"))
        if form.is_valid():
            try:
                people.record_group(actor=request.user, person=person, **form.cleaned_data)
            except DomainPermissionDenied:
                raise DjangoPermissionDenied(_("您没有修改人员类别的权限")) from None
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("人员类别已保存。"))
                return redirect("training:person", person_id=person.pk)
    context = {
        "person": person,
        # the age, never the full birth date beside the masked ID (Usability 5)
        "age": age_on(person.birth_date, timezone.localdate()),
        "groups": list(person.groups.order_by("group")),
        "enrollments": list(selectors.person_enrollments(request.user, person)),
        "form": form,
        "can_edit": can_edit,
    }
    return render(request, "training/enrollment/person.html", context)


@login_required
@require_POST
def person_group_remove(request: HttpRequest, person_id: int, group: str) -> HttpResponse:
    try:
        person: Person = selectors.get_person(request.user, person_id)
    except NotFound:
        raise Http404(_("人员不存在")) from None
    if not getattr(request.user, "provider_id", None) and not request.user.is_superuser:
        raise DjangoPermissionDenied(_("您没有修改人员类别的权限"))
    try:
        people.remove_group(actor=request.user, person=person, group=group)
    except DomainPermissionDenied:
        raise DjangoPermissionDenied(_("您没有修改人员类别的权限")) from None
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("人员类别已删除。"))
    return redirect("training:person", person_id=person.pk)


urlpatterns: list[URLPattern] = [
    path("classes/<int:class_id>/roster/", roster, name="roster"),
    path("classes/<int:class_id>/attendance/", attendance_sheet, name="attendance"),
    path("classes/<int:class_id>/results/", results, name="results"),
    path("enrollments/<int:enrollment_id>/withdraw/", withdraw, name="withdraw"),
    path("people/<int:person_id>/", person_detail, name="person"),
    path(
        "people/<int:person_id>/groups/<str:group>/remove/", person_group_remove, name="person_group_remove"
    ),
]
