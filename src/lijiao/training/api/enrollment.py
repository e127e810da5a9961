"""Training API: people and their groups, enrollment, attendance and assessment results (SPEC C4).

Same permissions as the screens: provider staff write for their own provider's classes; district clerks of the
area read; a role without the read permissions gets 403 (ADR 0005). Reads go through
:mod:`lijiao.training.selectors.enrollment`, so a class, session, enrollment or person outside the caller's scope
answers 404 exactly like an unknown id. Each write is one service call, the same the screens make: 403
(permission), 409 (state: full, duplicate, overlapping…), 400 (values, with field errors). ID numbers and phones
are always masked in responses. ``/persons/lookup`` confirms that an ID number and a name belong to one registered
person (match / no match, both in the body, never in a URL); it shows the person only to those who may see them
(a provider: its own trainees).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.core.actors import Actor
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, mask
from lijiao.people import services as people
from lijiao.people.models import Person, PersonGroup
from lijiao.training import filters
from lijiao.training.checks import age_on
from lijiao.training.models import CheckIn, Enrollment, TrainingClass
from lijiao.training.schemas.enrollment import (
    CheckInIn,
    CheckInOut,
    EnrollIn,
    EnrollmentFilters,
    EnrollmentOut,
    ErrorOut,
    EvidenceIn,
    LookupIn,
    LookupOut,
    PersonIn,
    PersonOut,
    ResultOut,
    ResultsIn,
    SheetCreatedOut,
    SheetIn,
    SheetOut,
    WithdrawIn,
)
from lijiao.training.selectors import enrollment as selectors
from lijiao.training.services import assessment, attendance, people_lookup
from lijiao.training.services import enrollment as enrollment_services

router = Router(auth=required_auth)


_READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def _person_out(person: Person, groups: list[PersonGroup] | None = None) -> dict[str, Any]:
    rows = groups if groups is not None else list(person.groups.all())
    return {
        "id": person.pk,
        "name": person.name,
        "citizen_id_masked": mask(PIIKind.CITIZEN_ID, person.citizen_id),
        "phone_masked": mask(PIIKind.PHONE, person.phone),
        "gender": person.gender,
        # birth year and age, never the full birth date beside the masked ID (Usability 5)
        "birth_year": person.birth_date.year,
        "age": age_on(person.birth_date, timezone.localdate()),
        "position": person.position,
        "household": person.household,
        "education": person.education,
        "employer_name": person.employer_name,
        "groups": [
            {
                "group": g.group,
                "group_label": g.get_group_display(),
                "graduation_year": g.graduation_year,
                "registration_number": g.registration_number,
                "insured_months": g.insured_months,
                "employer_name": g.employer_name,
                "as_of": g.as_of,
                "source": g.source,
                "note": g.note,
            }
            for g in sorted(rows, key=lambda g: g.group)
        ],
        "warnings": list(getattr(person, "id_warnings", ())),
    }


def _sent_person_out(person: Person, sent: PersonIn) -> dict[str, Any]:
    """``person`` showing only what the caller sent: the fields it filled in and the groups it recorded (gender
    and birth date come from the ID number it typed)."""
    sent_groups = {g.group for g in sent.groups}
    out = _person_out(person, [g for g in person.groups.all() if g.group in sent_groups])
    for field in ("household", "education", "employer_name"):
        if not (getattr(sent, field) or "").strip():
            out[field] = ""
    if not (sent.phone or "").strip():
        out["phone_masked"] = ""
    return out


def _enrollment_out(enrollment: Enrollment) -> dict[str, Any]:
    return {
        "id": enrollment.pk,
        "class_id": enrollment.training_class_id,
        "class_code": enrollment.training_class.code,
        "person": _person_out(enrollment.person),
        "status": enrollment.status,
        "status_label": enrollment.get_status_display(),
        "enrolled_at": enrollment.enrolled_at,
        "attendance_rate": enrollment.attendance_rate,
        "eligibility": enrollment.eligibility,  # the shared decision record ({} when none)
    }


def _person_input(payload: PersonIn) -> enrollment_services.PersonInput:
    return enrollment_services.PersonInput(
        citizen_id=payload.citizen_id,
        name=payload.name,
        phone=payload.phone,
        household=payload.household,
        education=payload.education,
        employer_name=payload.employer_name,
        position=payload.position,
        groups=tuple(enrollment_services.GroupInput(**group.model_dump()) for group in payload.groups),
    )


def _trainees_class(user: Actor, class_id: int) -> TrainingClass:
    """A class in the caller's scope whose trainees they may read: 403 without the permissions to read trainees,
    404 outside the caller's scope (like an unknown id)."""
    selectors.require_trainee_reader(user)
    return selectors.get_class(user, class_id)


# ---------------------------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------------------------


@router.post(
    "/persons", response={200: PersonOut, **_WRITE_ERRORS}, summary="登记人员（按身份证号查重，已有则更新）"
)
def register_person(request: HttpRequest, payload: PersonIn) -> dict[str, Any]:
    """The person as registered; for someone who is not (yet) the caller's trainee, only what the caller sent
    (the data others recorded stays hidden, ADR 0005)."""
    user = current_user(request)
    require_perm(user, "people.add_person")
    person = enrollment_services.register_with_groups(actor=user, person=_person_input(payload))
    if people_lookup.may_see_person(user, person):
        return _person_out(person)
    return _sent_person_out(person, payload)


@router.post(
    "/persons/lookup",
    response={200: LookupOut, **_WRITE_ERRORS},
    summary="核对身份证号与姓名（本机构学员可见人员信息）",
)
def lookup_person(request: HttpRequest, payload: LookupIn) -> dict[str, Any]:
    """Match or no match for the ID number and name typed; the person's data only for the caller's own trainees
    (bureau staff: people in their scope). An unknown number and a wrong name answer alike (ADR 0005)."""
    found = people_lookup.confirm_person(
        actor=current_user(request), citizen_id=payload.citizen_id, name=payload.name
    )
    return {"match": found.match, "person": _person_out(found.person) if found.person else None}


@router.get(
    "/persons/{person_id}", response={200: PersonOut, **_READ_ERRORS}, summary="人员（本机构/本区学员）"
)
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _person_out(selectors.get_person(current_user(request), person_id))


@router.get(
    "/persons/{person_id}/enrollments",
    response={200: list[EnrollmentOut], **_READ_ERRORS},
    summary="人员的报名记录（仅本机构/本区可见部分）",
)
def person_enrollments(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    user = current_user(request)
    person = selectors.get_person(user, person_id)
    return [_enrollment_out(e) for e in selectors.person_enrollments(user, person)]


@router.put(
    "/persons/{person_id}/groups/{group}",
    response={200: PersonOut, **_WRITE_ERRORS},
    summary="登记或更正人员类别及证明信息",
)
def put_group(request: HttpRequest, person_id: int, group: str, payload: EvidenceIn) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, "people.change_person")
    person = selectors.get_person(user, person_id)
    people.record_group(actor=user, person=person, group=group, **payload.model_dump())
    return _person_out(person)


@router.delete(
    "/persons/{person_id}/groups/{group}", response={204: None, **_WRITE_ERRORS}, summary="删除人员类别"
)
def delete_group(request: HttpRequest, person_id: int, group: str) -> Status[None]:
    user = current_user(request)
    require_perm(user, "people.change_person")
    person = selectors.get_person(user, person_id)
    people.remove_group(actor=user, person=person, group=group)
    return Status(204, None)


# ---------------------------------------------------------------------------------------------------------------
# Enrollment
# ---------------------------------------------------------------------------------------------------------------


@router.get(
    "/classes/{class_id}/enrollments",
    response={200: list[EnrollmentOut], **_READ_ERRORS, 422: ErrorOut},
    summary="培训班花名册（可按状态、姓名筛选）",
)
def roster(request: HttpRequest, class_id: int, query: Query[EnrollmentFilters]) -> list[dict[str, Any]]:
    training_class = _trainees_class(current_user(request), class_id)
    rows = filters.filtered(filters.EnrollmentFilterSet, request.GET, selectors.class_roster(training_class))
    out = []
    for enrollment in rows:
        enrollment.training_class = training_class  # the class read once, not once per trainee (ADR 0014)
        out.append(_enrollment_out(enrollment))
    return out


@router.post(
    "/classes/{class_id}/enrollments",
    response={201: EnrollmentOut, **_WRITE_ERRORS},
    summary="报名：登记（或找到）人员并报名，检查参训资格、时间冲突和名额",
)
def enroll(request: HttpRequest, class_id: int, payload: EnrollIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    require_perm(user, "training.add_enrollment")
    enrollment = enrollment_services.enroll_person(
        actor=user,
        training_class=selectors.get_class(user, class_id),
        person=_person_input(payload),
        employed=payload.employed,
        labour_contract_months=payload.labour_contract_months,
    )
    return Status(201, _enrollment_out(selectors.get_enrollment(user, enrollment.pk)))


@router.get(
    "/enrollments/{enrollment_id}",
    response={200: EnrollmentOut, **_READ_ERRORS},
    summary="报名记录（含资格审核）",
)
def get_enrollment(request: HttpRequest, enrollment_id: int) -> dict[str, Any]:
    return _enrollment_out(selectors.get_enrollment(current_user(request), enrollment_id))


@router.post(
    "/enrollments/{enrollment_id}/withdraw",
    response={200: EnrollmentOut, **_WRITE_ERRORS},
    summary="退出培训班（释放名额）",
)
def withdraw(request: HttpRequest, enrollment_id: int, payload: WithdrawIn) -> dict[str, Any]:
    user = current_user(request)
    require_perm(user, "training.change_enrollment")
    enrollment = selectors.get_enrollment(user, enrollment_id)
    enrollment_services.withdraw(actor=user, enrollment=enrollment, reason=payload.reason)
    return _enrollment_out(selectors.get_enrollment(user, enrollment_id))


# ---------------------------------------------------------------------------------------------------------------
# Attendance
# ---------------------------------------------------------------------------------------------------------------


@router.post(
    "/sessions/{session_id}/checkins",
    response={201: CheckInOut, **_WRITE_ERRORS},
    summary="工作人员手工补录签到（须填原因；设备签到见 /device/…）",
)
def check_in(request: HttpRequest, session_id: int, payload: CheckInIn) -> Status[CheckIn]:
    user = current_user(request)
    require_perm(user, "training.record_attendance")
    checkin = attendance.check_in(
        actor=user,
        session=selectors.get_session(user, session_id),
        enrollment_id=payload.enrollment_id,
        person_id=payload.person_id,
        checked_at=payload.checked_at,
        method=payload.method,
        reason=payload.reason,
    )
    return Status(201, checkin)


@router.get(
    "/classes/{class_id}/attendance",
    response={200: SheetOut, **_READ_ERRORS},
    summary="考勤表（课程 × 学员）",
)
def get_attendance(request: HttpRequest, class_id: int) -> dict[str, Any]:
    training_class = _trainees_class(current_user(request), class_id)
    sheet = selectors.attendance_sheet(training_class)
    return {
        "class_id": training_class.pk,
        "required_hours": sheet.required_hours,
        "sessions": sheet.sessions,
        "rows": [
            {
                "enrollment_id": row.enrollment.pk,
                "person_id": row.enrollment.person_id,
                "name": row.enrollment.person.name,
                "citizen_id_masked": mask(PIIKind.CITIZEN_ID, row.enrollment.person.citizen_id),
                "attended": row.attended,
                "attended_hours": row.attended_hours,
                "rate": row.rate,
                "checked_in_sessions": [c.session_id for c in row.cells if c is not None],
            }
            for row in sheet.rows
        ],
    }


@router.post(
    "/classes/{class_id}/attendance",
    response={200: SheetCreatedOut, **_WRITE_ERRORS},
    summary="考勤表批量签到（全部成功或全部不保存）",
)
def post_attendance(request: HttpRequest, class_id: int, payload: SheetIn) -> dict[str, int]:
    user = current_user(request)
    require_perm(user, "training.record_attendance")
    sheet = attendance.AttendanceSheet(
        payload.session_id, payload.person_ids, payload.method, payload.reason, payload.checked_at
    )
    created = attendance.record_attendance(
        actor=user, training_class=selectors.get_class(user, class_id), sheets=[sheet]
    )
    return {"created": created}


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------


def _results_out(training_class: TrainingClass) -> list[dict[str, Any]]:
    rows = []
    for row in selectors.class_results(training_class):
        result = row.result
        rows.append(
            {
                "enrollment_id": row.enrollment.pk,
                "name": row.enrollment.person.name,
                "citizen_id_masked": mask(PIIKind.CITIZEN_ID, row.enrollment.person.citizen_id),
                "theory_score": result.theory_score if result else None,
                "practical_score": result.practical_score if result else None,
                "passed": result.passed if result else None,
                "assessed_on": result.assessed_on if result else None,
            }
        )
    return rows


@router.get(
    "/classes/{class_id}/results",
    response={200: list[ResultOut], **_READ_ERRORS},
    summary="结业考核结果（培训合格，非等级认定）",
)
def get_results(request: HttpRequest, class_id: int) -> list[dict[str, Any]]:
    return _results_out(_trainees_class(current_user(request), class_id))


@router.post(
    "/classes/{class_id}/results",
    response={200: list[ResultOut], **_WRITE_ERRORS},
    summary="录入或更正结业考核结果（全部成功或全部不保存；等级认定结果由评价机构录入）",
)
def post_results(request: HttpRequest, class_id: int, payload: ResultsIn) -> list[dict[str, Any]]:
    user = current_user(request)
    require_perm(user, "training.record_assessment")
    training_class = selectors.get_class(user, class_id)
    rows = [
        assessment.ResultInput(
            enrollment_id=row.enrollment_id,
            theory_score=row.theory_score,
            practical_score=row.practical_score,
            passed=row.passed,
            assessed_on=row.assessed_on or payload.assessed_on,
        )
        for row in payload.rows
    ]
    assessment.record_results(actor=user, training_class=training_class, rows=rows)
    return _results_out(training_class)
