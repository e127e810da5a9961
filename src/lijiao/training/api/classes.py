"""Training API: programs, classes, timetables, filing and review (SPEC C4, R10), under ``/api/v1/training``.

Reads go through :mod:`lijiao.training.selectors.classes` (provider staff see their own provider's classes,
district clerks their handling area's; anything else is a 404, exactly like an unknown id). Writes go through
:mod:`lijiao.training.services.classes` / ``programs``, which check permissions (403), states (409) and values
(400 with field errors). Filing refusals list every failed check as a field error. Lists are filtered by the
filter sets of :mod:`lijiao.training.filters`, the same as the screens'.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from lijiao.accounts.api_auth import current_user, optional_auth, required_auth
from lijiao.catalog.models import CatalogItem, Occupation, SpecialItem, WorkType
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError, PermissionDenied
from lijiao.core.pagination import CappedLimitOffsetPagination, paginate
from lijiao.core.permissions import require_perm
from lijiao.providers.models import Teacher, Venue
from lijiao.training import filters
from lijiao.training.api.keyset import ClassCursorPagination
from lijiao.training.models import ClassSession, Program, TrainingClass
from lijiao.training.schemas.classes import (
    ClassDetailOut,
    ClassFilters,
    ClassIn,
    ClassOut,
    ErrorOut,
    FilingCheckOut,
    ProgramFilters,
    ProgramIn,
    ProgramOut,
    ReasonIn,
    ReviewQueueFilters,
    SessionOut,
    SessionsIn,
)
from lijiao.training.selectors import classes as selectors
from lijiao.training.services import classes as services
from lijiao.training.services import programs as program_services

router = Router(auth=required_auth)


_NOT_FOUND = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_LIST_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _program_input(payload: ProgramIn) -> program_services.ProgramInput:
    try:
        threshold = Decimal(str(payload.attendance_threshold).strip())
    except InvalidOperation:
        raise DomainError.for_fields(
            _("培训项目信息有误"), {"attendance_threshold": _("出勤率要求应为0–1之间的数，如0.8")}
        ) from None
    return program_services.ProgramInput(
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        year=payload.year,
        lead_department=payload.lead_department,
        target_groups=payload.target_groups,
        eligibility_rule=payload.eligibility_rule,
        item_rule=payload.item_rule,
        quota=payload.quota,
        attendance_threshold=threshold,
        funding_source=payload.funding_source,
        active=payload.active,
    )


def _subject_item(payload: ClassIn, errors: dict[str, str]) -> CatalogItem | None:
    """The catalog item in force for the body's item id, or its occupation (and 工种) and level, or special item."""
    item: CatalogItem | None = None
    try:
        if payload.catalog_item_id is not None:
            found = CatalogItem.objects.filter(pk=payload.catalog_item_id).first()
            if found is None:
                errors["catalog_item_id"] = _("未知的目录项目")
            else:
                item = services.resolve_subject(catalog_item=found)
        elif payload.subject_code:
            code = payload.subject_code.strip()
            occupation = Occupation.objects.filter(code=code).first()
            special = None if occupation else SpecialItem.objects.filter(code=code).first()
            work_type_code = (payload.work_type_code or "").strip()
            work_type = WorkType.objects.filter(code=work_type_code).first() if work_type_code else None
            if occupation is None and special is None:
                errors["subject_code"] = _("未知的职业或项目编码“%(code)s”") % {"code": code}
            elif work_type_code and work_type is None:
                errors["work_type_code"] = _("未知的工种编码“%(code)s”") % {"code": work_type_code}
            else:
                item = services.resolve_subject(
                    occupation=occupation, level=payload.level, special_item=special, work_type=work_type
                )
        else:
            errors["catalog_item_id"] = _("请指定目录项目或职业编码")
    except DomainError as exc:
        for error in exc.errors:
            errors[{"catalog_item": "catalog_item_id"}.get(error.field, error.field)] = error.message
    return item


def _class_input(user: Actor, payload: ClassIn) -> services.ClassInput:
    """Resolve the ids and codes of a class body (within the caller's provider) to rows; unknown ones are field
    errors."""
    errors: dict[str, str] = {}
    provider_id: int = getattr(user, "provider_id", None) or 0
    item = _subject_item(payload, errors)
    program = None
    if payload.program_id is not None:
        program = Program.objects.filter(pk=payload.program_id).first()
        if program is None:
            errors["program_id"] = _("未知的培训项目")
    venue = None
    if payload.venue_id is not None:
        venue = Venue.objects.filter(pk=payload.venue_id, provider_id=provider_id).first()
        if venue is None:
            errors["venue_id"] = _("未知的培训场地，只能选择本机构的场地")
    teachers = list(Teacher.objects.filter(pk__in=payload.teacher_ids, provider_id=provider_id))
    missing = sorted(set(payload.teacher_ids) - {t.pk for t in teachers})
    if missing:
        errors["teacher_ids"] = _("未知的教师：%(ids)s，只能选择本机构的教师") % {
            "ids": "、".join(map(str, missing))
        }
    if errors:
        raise DomainError.for_fields(_("培训班信息有误"), errors, code="invalid_class")
    assert item is not None
    return services.ClassInput(
        name=payload.name,
        catalog_item=item,
        start_date=payload.start_date,
        end_date=payload.end_date,
        capacity=payload.capacity,
        program=program,
        venue=venue,
        teachers=teachers,
        mode=payload.mode,
        lesson_hours=payload.lesson_hours,
        practical_hours=payload.practical_hours,
    )


_API_FIELD = {
    "catalog_item": "catalog_item_id",
    "program": "program_id",
    "venue": "venue_id",
    "teachers": "teacher_ids",
}


def _api_fields(exc: DomainError) -> DomainError:
    errors = tuple(FieldError(_API_FIELD.get(e.field, e.field), e.message) for e in exc.errors)
    return DomainError(message=exc.message, code=exc.code, errors=errors, status=exc.status)


def _class(request: HttpRequest, class_id: int) -> TrainingClass:
    return selectors.get_class(current_user(request), class_id)


def _detail(request: HttpRequest, class_id: int) -> TrainingClass:
    """The class with its :class:`~lijiao.training.selectors.classes.ClassDetail` attached for ClassDetailOut."""
    detail = selectors.class_detail(current_user(request), class_id)
    tc = detail.training_class
    tc.api_detail = detail  # type: ignore[attr-defined]
    return tc


# ---------------------------------------------------------------------------------------------------------------
# Programs


@router.get(
    "/programs", auth=optional_auth, response={200: list[ProgramOut], 422: ErrorOut}, summary="培训项目列表"
)
def program_list(request: HttpRequest, query: Query[ProgramFilters]) -> QuerySet[Program]:
    """Active programs for everyone; training staff also see inactive ones."""
    return filters.filtered(
        filters.ProgramFilterSet,
        request.GET,
        selectors.with_quota_used(selectors.visible_programs(current_user(request))),
    )


@router.get(
    "/programs/{program_id}",
    auth=optional_auth,
    response={200: ProgramOut, 404: ErrorOut},
    summary="培训项目",
)
def program_get(request: HttpRequest, program_id: int) -> Program:
    return selectors.get_program(current_user(request), program_id)


@router.post("/programs", response={201: ProgramOut, **_WRITE_ERRORS}, summary="新建培训项目（市级管理员）")
def program_create(request: HttpRequest, payload: ProgramIn) -> Status[Program]:
    user = current_user(request)
    require_perm(user, "training.add_program")
    program = program_services.create_program(actor=user, data=_program_input(payload))
    return Status(201, program)


@router.put("/programs/{program_id}", response={200: ProgramOut, **_WRITE_ERRORS}, summary="修改培训项目")
def program_update(request: HttpRequest, program_id: int, payload: ProgramIn) -> Program:
    user = current_user(request)
    require_perm(user, "training.change_program")
    program = selectors.get_program(user, program_id)
    return program_services.update_program(actor=user, program=program, data=_program_input(payload))


# ---------------------------------------------------------------------------------------------------------------
# Classes: reading


@router.get("/classes", response={200: list[ClassOut], **_LIST_ERRORS}, summary="培训班列表（按权限范围）")
@paginate(ClassCursorPagination)
def class_list(request: HttpRequest, query: Query[ClassFilters]) -> QuerySet[TrainingClass]:
    """Provider staff: their own classes; district clerks: their handling area's; city-wide roles: all (403
    without ``training.view_trainingclass``)."""
    user = current_user(request)
    selectors.require_class_reader(user)
    qs = selectors.for_list(selectors.visible_classes(user))
    return filters.filtered(filters.ClassFilterSet, request.GET, qs).prefetch_related("teachers")


@router.get(
    "/classes/review-queue",
    response={200: list[ClassOut], **_LIST_ERRORS},
    summary="开班审核队列（本经办区域已申请的培训班，先到先审）",
)
@paginate(CappedLimitOffsetPagination)
def class_review_queue(request: HttpRequest, query: Query[ReviewQueueFilters]) -> QuerySet[TrainingClass]:
    user = current_user(request)
    require_perm(user, "training.review_trainingclass")
    qs = selectors.for_list(selectors.review_queue(user))
    return filters.filtered(filters.ReviewQueueFilterSet, request.GET, qs).prefetch_related("teachers")


@router.get("/classes/{class_id}", response={200: ClassDetailOut, **_NOT_FOUND}, summary="培训班详情")
def class_get(request: HttpRequest, class_id: int) -> TrainingClass:
    return _detail(request, class_id)


@router.get(
    "/classes/{class_id}/sessions", response={200: list[SessionOut], **_NOT_FOUND}, summary="培训班课程表"
)
def class_sessions(request: HttpRequest, class_id: int) -> QuerySet[ClassSession]:
    return ClassSession.objects.filter(training_class=_class(request, class_id)).order_by("starts_at")


@router.get(
    "/classes/{class_id}/filing-check",
    response={200: FilingCheckOut, **_NOT_FOUND},
    summary="开班申请预检（列出今天提交会失败的全部原因）",
)
def class_filing_check(request: HttpRequest, class_id: int) -> dict[str, Any]:
    tc = _class(request, class_id)
    item, errors = services.filing_problems(tc)
    return {
        "ok": not errors,
        "catalog_item": item,
        "errors": [{"field": _API_FIELD.get(e.field, e.field), "message": e.message} for e in errors],
    }


# ---------------------------------------------------------------------------------------------------------------
# Classes: writing (provider staff)


@router.post("/classes", response={201: ClassDetailOut, **_WRITE_ERRORS}, summary="新建培训班（草稿）")
def class_create(request: HttpRequest, payload: ClassIn) -> Status[TrainingClass]:
    user = current_user(request)
    require_perm(user, "training.add_trainingclass")
    if not getattr(user, "provider_id", None):
        raise PermissionDenied(_("只有培训机构人员可以新建培训班"))
    try:
        tc = services.create_class(actor=user, data=_class_input(user, payload))
    except PermissionDenied:
        raise
    except DomainError as exc:
        raise _api_fields(exc) from None
    return Status(201, _detail(request, tc.pk))


@router.put(
    "/classes/{class_id}", response={200: ClassDetailOut, **_WRITE_ERRORS}, summary="修改培训班（草稿或退回）"
)
def class_update(request: HttpRequest, class_id: int, payload: ClassIn) -> TrainingClass:
    user = current_user(request)
    tc = _class(request, class_id)
    require_perm(user, "training.change_trainingclass")
    try:
        services.update_class(actor=user, training_class=tc, data=_class_input(user, payload))
    except PermissionDenied:
        raise
    except DomainError as exc:
        raise _api_fields(exc) from None
    return _detail(request, class_id)


@router.delete(
    "/classes/{class_id}", response={204: None, **_WRITE_ERRORS}, summary="删除培训班（草稿或退回）"
)
def class_delete(request: HttpRequest, class_id: int) -> Status[None]:
    services.delete_class(actor=current_user(request), training_class=_class(request, class_id))
    return Status(204, None)


@router.put(
    "/classes/{class_id}/sessions",
    response={200: ClassDetailOut, **_WRITE_ERRORS},
    summary="设置课程表（整体替换）",
)
def class_set_sessions(request: HttpRequest, class_id: int, payload: SessionsIn) -> TrainingClass:
    user = current_user(request)
    tc = _class(request, class_id)
    require_perm(user, "training.change_classsession")
    teacher_ids = {s.teacher_id for s in payload.sessions if s.teacher_id is not None}
    teachers = {t.pk: t for t in Teacher.objects.filter(pk__in=teacher_ids, provider_id=tc.provider_id)}
    missing = sorted(teacher_ids - set(teachers))
    if missing:
        raise DomainError.for_fields(
            _("课程表有误"),
            {
                "sessions": _("未知的教师：%(ids)s，只能选择本机构的教师")
                % {"ids": "、".join(map(str, missing))}
            },
            code="invalid_timetable",
        )
    venue_ids = {s.venue_id for s in payload.sessions if s.venue_id is not None}
    venues = {v.pk: v for v in Venue.objects.filter(pk__in=venue_ids, provider_id=tc.provider_id)}
    if venue_ids - set(venues):
        raise DomainError.for_fields(
            _("课程表有误"),
            {
                "sessions": _("未知的培训场地：%(ids)s，只能选择本机构的培训场地")
                % {"ids": "、".join(map(str, sorted(venue_ids - set(venues))))}
            },
            code="invalid_timetable",
        )
    sessions = [
        services.SessionInput(
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            kind=s.kind,
            topic=s.topic,
            teacher=teachers.get(s.teacher_id) if s.teacher_id is not None else None,
            lesson_hours=s.lesson_hours,
            venue=venues.get(s.venue_id) if s.venue_id is not None else None,
        )
        for s in payload.sessions
    ]
    services.set_sessions(actor=user, training_class=tc, sessions=sessions, update_hours=payload.update_hours)
    return _detail(request, class_id)


def _action(request: HttpRequest, class_id: int, service: Any, **kwargs: Any) -> TrainingClass:
    tc = _class(request, class_id)
    try:
        service(actor=current_user(request), training_class=tc, **kwargs)
    except PermissionDenied:
        raise
    except DomainError as exc:
        raise _api_fields(exc) from None
    return _detail(request, class_id)


@router.post(
    "/classes/{class_id}/file",
    response={200: ClassDetailOut, **_WRITE_ERRORS},
    summary="提交开班申请（全部检查通过才提交；按申请日生效的目录版本）",
)
def class_file(request: HttpRequest, class_id: int) -> TrainingClass:
    return _action(request, class_id, services.file_class)


@router.post(
    "/classes/{class_id}/withdraw",
    response={200: ClassDetailOut, **_WRITE_ERRORS},
    summary="撤回开班申请（经办机构审核前；回到草稿）",
)
def class_withdraw(request: HttpRequest, class_id: int) -> TrainingClass:
    return _action(request, class_id, services.withdraw_class)


@router.post(
    "/classes/{class_id}/approve",
    response={200: ClassDetailOut, **_WRITE_ERRORS},
    summary="同意备案（本经办区域人员）",
)
def class_approve(request: HttpRequest, class_id: int) -> TrainingClass:
    return _action(request, class_id, services.approve_class)


@router.post(
    "/classes/{class_id}/return",
    response={200: ClassDetailOut, **_WRITE_ERRORS},
    summary="退回修改（须填原因）",
)
def class_return(request: HttpRequest, class_id: int, payload: ReasonIn) -> TrainingClass:
    return _action(request, class_id, services.return_class, reason=payload.reason)


@router.post(
    "/classes/{class_id}/reject",
    response={200: ClassDetailOut, **_WRITE_ERRORS},
    summary="不予备案（须填原因）",
)
def class_reject(request: HttpRequest, class_id: int, payload: ReasonIn) -> TrainingClass:
    return _action(request, class_id, services.reject_class, reason=payload.reason)


@router.post("/classes/{class_id}/start", response={200: ClassDetailOut, **_WRITE_ERRORS}, summary="开班")
def class_start(request: HttpRequest, class_id: int) -> TrainingClass:
    return _action(request, class_id, services.start_class)


@router.post(
    "/classes/{class_id}/finish",
    response={200: ClassDetailOut, **_WRITE_ERRORS},
    summary="结业（计算出勤率，在读学员转为结业）",
)
def class_finish(request: HttpRequest, class_id: int) -> TrainingClass:
    return _action(request, class_id, services.finish_class)


@router.post(
    "/classes/{class_id}/assess",
    response={200: ClassDetailOut, **_WRITE_ERRORS},
    summary="确认结业考核完成（每名结业学员均有结业考核结果）",
)
def class_assess(request: HttpRequest, class_id: int) -> TrainingClass:
    return _action(request, class_id, services.mark_assessed)


@router.post(
    "/classes/{class_id}/close", response={200: ClassDetailOut, **_WRITE_ERRORS}, summary="关闭培训班"
)
def class_close(request: HttpRequest, class_id: int) -> TrainingClass:
    return _action(request, class_id, services.close_class)
