"""Roster, attendance-sheet and results screens of a class, and a trainee's page (SPEC C4, C12).

Provider staff see and work on their own provider's classes only; district clerks of the class's area see the
same pages read-only; anything out of scope is a 404. Reads go through
:mod:`lijiao.training.selectors.enrollment`, writes through the services with Post/Redirect/Get; a refused
write shows the service's reasons on the form and writes nothing. ID numbers and phones are masked.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lijiao.core.errors import DomainError, NotFound
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.core.forms import apply_domain_error
from lijiao.people import services as people
from lijiao.people.models import Person, PersonGroup
from lijiao.training.forms.enrollment import (
    AttendanceForm,
    EnrollForm,
    GroupForm,
    ResultsHeaderForm,
    WithdrawForm,
)
from lijiao.training.models import ClassSession, ClassStatus, Enrollment, TrainingClass
from lijiao.training.selectors import enrollment as selectors
from lijiao.training.services import assessment, attendance
from lijiao.training.services import enrollment as enrollment_services

GRADUATE_GROUPS = {PersonGroup.Group.GRADUATE, PersonGroup.Group.UPCOMING_GRADUATE}


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _class_or_404(request: HttpRequest, class_id: int) -> TrainingClass:
    try:
        return selectors.get_class(request.user, class_id)
    except NotFound:
        raise Http404("培训班不存在") from None


def _can(user: Any, perm: str, training_class: TrainingClass) -> bool:
    """Whether the user may write ``perm`` on this class (staff of its provider holding the permission)."""
    if not (user.is_authenticated and user.has_perm(perm)):
        return False
    return bool(user.is_superuser or getattr(user, "provider_id", None) == training_class.provider_id)


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


def _evidence_for(group: str, data: dict[str, Any]) -> dict[str, Any]:
    """The evidence fields of the enroll form that belong to ``group``."""
    return {
        "graduation_year": data.get("graduation_year") if group in GRADUATE_GROUPS else None,
        "registration_number": (data.get("registration_number") or "")
        if group == PersonGroup.Group.UNEMPLOYED
        else "",
        "insured_months": data.get("insured_months")
        if group in (PersonGroup.Group.INSURED, PersonGroup.Group.EMPLOYEE)
        else None,
        "employer_name": (data.get("employer_name") or "") if group == PersonGroup.Group.EMPLOYEE else "",
    }


# ---------------------------------------------------------------------------------------------------------------
# Roster


def _roster_context(
    request: HttpRequest, training_class: TrainingClass, form: EnrollForm | None
) -> dict[str, Any]:
    user = request.user
    can_enroll = _can(user, "training.add_enrollment", training_class) and training_class.status in (
        enrollment_services.ENROLLABLE_STATUSES
    )
    rows = list(selectors.class_roster(training_class))
    return {
        "training_class": training_class,
        "enrollments": rows,
        "active_count": sum(1 for e in rows if e.status == Enrollment.Status.ACTIVE),
        "form": form if form is not None else (EnrollForm() if can_enroll else None),
        "can_enroll": can_enroll,
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
            raise DjangoPermissionDenied("您没有为本班报名的权限")
        form = EnrollForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # a refusal leaves no new person or group behind
                    person = people.register_person(
                        actor=request.user,
                        citizen_id=data["citizen_id"],
                        name=data["name"],
                        phone=data["phone"],
                        household=data["household"],
                        education=data["education"],
                        employer_name=data["employer_name"],
                    )
                    for group in data["groups"]:
                        people.record_group(
                            actor=request.user, person=person, group=group, **_evidence_for(group, data)
                        )
                    enrollment = enrollment_services.enroll(
                        actor=request.user,
                        training_class=training_class,
                        person=person,
                        draws_pension=data["draws_pension"],
                    )
            except DomainPermissionDenied:
                raise DjangoPermissionDenied("您没有为本班报名的权限") from None
            except DomainError as exc:  # a refusal for eligibility lists every reason in its message
                apply_domain_error(form, exc, whole_message_codes=("not_eligible",))
            else:
                for warning in getattr(person, "id_warnings", ()):
                    messages.warning(request, f"{person.name}：{warning}")
                messages.success(request, f"{enrollment.person.name} 已报名。")
                return redirect("training:roster", class_id=training_class.pk)
    return render(request, "training/enrollment/roster.html", _roster_context(request, training_class, form))


@login_required
@require_POST
def withdraw(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    try:
        enrollment = selectors.get_enrollment(request.user, enrollment_id)
    except NotFound:
        raise Http404("报名记录不存在") from None
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写退出原因（reason required）")
    else:
        try:
            enrollment_services.withdraw(
                actor=request.user, enrollment=enrollment, reason=form.cleaned_data["reason"]
            )
        except DomainPermissionDenied:
            raise DjangoPermissionDenied("您没有办理退出的权限") from None
        except DomainError as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"{enrollment.person.name} 已退出本班，名额已释放。")
    return redirect("training:roster", class_id=enrollment.training_class_id)


# ---------------------------------------------------------------------------------------------------------------
# Attendance sheet


def _open_for_checkin(training_class: TrainingClass, session: ClassSession) -> bool:
    """Whether the sheet offers ticks for a session: started, and the class running (approved: that day)."""
    if session.starts_at > timezone.now():
        return False
    if training_class.status == ClassStatus.RUNNING:
        return True
    return (
        training_class.status == ClassStatus.APPROVED
        and timezone.localtime(session.starts_at).date() == timezone.localdate()
    )


def _parse_marks(values: list[str]) -> dict[int, set[int]]:
    marks: dict[int, set[int]] = defaultdict(set)
    for value in values:
        session_id, _, person_id = value.partition(":")
        if session_id.isdigit() and person_id.isdigit():
            marks[int(session_id)].add(int(person_id))
    return marks


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
            raise DjangoPermissionDenied("您没有记录本班考勤的权限")
        if form.is_valid():
            marks = _parse_marks(request.POST.getlist("mark"))
            sessions = {s.pk: s for s in training_class.sessions.filter(pk__in=list(marks))}
            try:
                with transaction.atomic():  # all sessions or none
                    created = 0
                    for session_id in sorted(marks):
                        session = sessions.get(session_id)
                        if session is None:
                            continue
                        created += len(
                            attendance.record_attendance_sheet(
                                actor=request.user,
                                session=session,
                                person_ids=marks[session_id],
                                method=form.cleaned_data["method"],
                                reason=form.cleaned_data["reason"],
                            )
                        )
            except DomainPermissionDenied:
                raise DjangoPermissionDenied("您没有记录本班考勤的权限") from None
            except DomainError as exc:
                apply_domain_error(form, exc)
                errors = [e.message for e in exc.errors if e.field not in form.fields]
            else:
                messages.success(
                    request, f"已保存 {created} 条签到。" if created else "没有新的签到需要保存。"
                )
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


def _assessable(training_class: TrainingClass) -> bool:
    status = training_class.status
    return status in assessment.ASSESSABLE_STATUSES or (
        status == ClassStatus.RUNNING and timezone.localdate() >= training_class.end_date
    )


@login_required
@require_http_methods(["GET", "POST"])
def results(request: HttpRequest, class_id: int) -> HttpResponse:
    """The results table: theory and practical scores and pass/fail per trainee; organisation and date once."""
    training_class = _class_or_404(request, class_id)
    can_record = _can(request.user, "training.record_assessment", training_class) and _assessable(
        training_class
    )
    rows = selectors.class_results(training_class)
    first = next((r.result for r in rows if r.result is not None), None)
    header = ResultsHeaderForm(
        request.POST or None,
        initial={
            "evaluating_organisation": first.evaluating_organisation if first else "",
            "assessed_on": first.assessed_on if first else timezone.localdate(),
        },
    )
    row_errors: dict[int, list[str]] = defaultdict(list)
    if request.method == "POST":
        if not can_record:
            raise DjangoPermissionDenied("您没有录入本班评价结果的权限")
        if header.is_valid():
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
                        evaluating_organisation=header.cleaned_data["evaluating_organisation"],
                        assessed_on=header.cleaned_data["assessed_on"],
                    )
                )
            try:
                saved = assessment.record_results(
                    actor=request.user, training_class=training_class, rows=inputs
                )
            except DomainPermissionDenied:
                raise DjangoPermissionDenied("您没有录入本班评价结果的权限") from None
            except DomainError as exc:
                for error in exc.errors:
                    if error.field.startswith("results["):
                        eid_text = error.field[len("results[") :].split("]", 1)[0]
                        if eid_text.isdigit():
                            row_errors[int(eid_text)].append(error.message)
                            continue
                    header.add_error(error.field if error.field in header.fields else None, error.message)
                if not exc.errors:
                    header.add_error(None, exc.message)
            else:
                messages.success(request, f"已保存 {len(saved)} 名学员的评价结果。")
                return redirect("training:results", class_id=training_class.pk)
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
    context = {
        "training_class": training_class,
        "table": table,
        "header": header,
        "can_record": can_record,
        "assessable": _assessable(training_class),
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
        raise Http404("人员不存在") from None
    can_edit = request.user.has_perm("people.change_person") and bool(
        getattr(request.user, "provider_id", None) or request.user.is_superuser
    )
    form = GroupForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise DjangoPermissionDenied("您没有修改人员类别的权限")
        if form.is_valid():
            try:
                people.record_group(actor=request.user, person=person, **form.cleaned_data)
            except DomainPermissionDenied:
                raise DjangoPermissionDenied("您没有修改人员类别的权限") from None
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, "人员类别已保存。")
                return redirect("training:person", person_id=person.pk)
    context = {
        "person": person,
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
        raise Http404("人员不存在") from None
    if not getattr(request.user, "provider_id", None) and not request.user.is_superuser:
        raise DjangoPermissionDenied("您没有修改人员类别的权限")
    try:
        people.remove_group(actor=request.user, person=person, group=group)
    except DomainPermissionDenied:
        raise DjangoPermissionDenied("您没有修改人员类别的权限") from None
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "人员类别已删除。")
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
