"""Training API: programs, classes, timetables, filing and review (SPEC C4, R10), under ``/api/v1/training``.

Reads go through :mod:`lijiao.training.selectors.classes` (provider staff see their own provider's classes,
district clerks their handling area's; anything else is a 404, exactly like an unknown id). Writes go through
:mod:`lijiao.training.services.classes` / ``programs``, which check permissions (403), states (409) and values
(400 with field errors in Chinese and English). Filing refusals list every failed check as a field error.
"""

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from lijiao.accounts.api_auth import current_user, optional_auth, required_auth
from lijiao.catalog.models import CatalogItem, Level, Occupation, SpecialItem
from lijiao.core.errors import DomainError, FieldError, PermissionDenied
from lijiao.core.models import PersonGroup
from lijiao.core.permissions import require_perm
from lijiao.providers.models import Teacher, Venue
from lijiao.training import workflows
from lijiao.training.models import ClassSession, ClassStatus, Program, TrainingClass
from lijiao.training.selectors import classes as selectors
from lijiao.training.services import classes as services
from lijiao.training.services import programs as program_services

router = Router(auth=required_auth)


def _choices_text(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices if value)


# ---------------------------------------------------------------------------------------------------------------
# Schemas


class FieldErrorOut(Schema):
    field: str = Field(..., description="出错的字段（__all__ 表示整体）")
    message: str = Field(..., description="错误说明（中文，附英文）")


class ErrorOut(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 not_found、permission_denied、filing_refused")
    message: str
    errors: list[FieldErrorOut] = Field(default_factory=list)


_NOT_FOUND = {404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ProgramOut(Schema):
    id: int
    code: str = Field(..., description="项目编码")
    name: str
    kind: str = Field(..., description=f"项目类型：{_choices_text(Program.Kind.choices)}")
    kind_label: str
    year: int
    lead_department: str = Field(..., description="牵头部门")
    target_groups: list[str] = Field(..., description="目标人群（人员类别代码）")
    target_group_labels: list[str]
    eligibility_rule: dict[str, Any] = Field(..., description="参训条件（规则数据，见开发文档）")
    quota: int = Field(..., description="年度计划人次")
    quota_used: int = Field(..., description="本年度已使用人次（报名数，不含退出）")
    attendance_threshold: str = Field(..., description='出勤率要求，如 "0.800"')
    funding_source: str
    active: bool

    @staticmethod
    def resolve_kind_label(obj: Program) -> str:
        return str(Program.Kind(obj.kind).label)

    @staticmethod
    def resolve_target_group_labels(obj: Program) -> list[str]:
        labels = dict(PersonGroup.Group.choices)
        return [str(labels.get(g, g)) for g in obj.target_groups or []]

    @staticmethod
    def resolve_quota_used(obj: Program) -> int:
        return program_services.quota_used(obj)

    @staticmethod
    def resolve_attendance_threshold(obj: Program) -> str:
        return f"{obj.attendance_threshold:.3f}"


class ProgramIn(Schema):
    code: str = Field(..., max_length=30)
    name: str = Field(..., max_length=100)
    kind: Program.Kind = Field(..., description=f"项目类型：{_choices_text(Program.Kind.choices)}")
    year: int
    lead_department: str = Field("市人力资源和社会保障局", max_length=50)
    target_groups: list[str] = Field(
        default_factory=list, description=f"人员类别：{_choices_text(PersonGroup.Group.choices)}"
    )
    eligibility_rule: dict[str, Any] = Field(
        default_factory=dict, description="参训条件规则；空表示只检查基本条件"
    )
    quota: int = Field(0, ge=0)
    attendance_threshold: str = Field("0.800", description="出勤率要求 0–1，字符串，如 0.8")
    funding_source: str = Field("", max_length=100)
    active: bool = True


class Ref(Schema):
    id: int
    name: str


class AreaRef(Schema):
    id: int
    code: str
    name: str


class ItemRef(Schema):
    id: int
    edition_id: int = Field(..., description="目录版本（申请日生效的版本）")
    edition_name: str
    kind: str
    subject_code: str = Field(..., description="职业编码或专项/创业项目编码")
    subject_name: str
    level: int | None = Field(None, description="等级 1–5（一级最高）")
    level_label: str | None = None
    min_lesson_hours: int

    @staticmethod
    def resolve_edition_name(obj: CatalogItem) -> str:
        return obj.edition.name

    @staticmethod
    def resolve_level_label(obj: CatalogItem) -> str | None:
        return str(Level(obj.level).label) if obj.level else None


class ProgramRef(Schema):
    id: int
    code: str
    name: str


class VenueRef(Schema):
    id: int
    name: str
    capacity: int


class ClassOut(Schema):
    id: int
    code: str = Field(..., description="班级编号，如 PX2026ZS000001")
    name: str
    status: str = Field(..., description=f"状态：{_choices_text(ClassStatus.choices)}")
    status_label: str
    status_reason: str = Field(..., description="退回或不予备案的原因")
    provider: Ref
    handling_area: AreaRef
    catalog_item: ItemRef
    program: ProgramRef | None = None
    start_date: dt.date
    end_date: dt.date
    lesson_hours: int = Field(..., description="申报总课时（每课时45分钟）")
    practical_hours: int = Field(..., description="申报实操课时")
    capacity: int
    enrolled_count: int
    venue: VenueRef | None = None
    teachers: list[Ref]
    mode: str = Field(..., description=f"培训方式：{_choices_text(TrainingClass.Mode.choices)}")
    mode_label: str
    filed_on: dt.date | None = Field(None, description="申请日期（决定适用的目录版本）")
    reviewed_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    actions: list[str] = Field(..., description="状态允许的下一步操作（是否有权限另行判断）")

    @staticmethod
    def resolve_status_label(obj: TrainingClass) -> str:
        return str(ClassStatus(obj.status).label)

    @staticmethod
    def resolve_mode_label(obj: TrainingClass) -> str:
        return str(TrainingClass.Mode(obj.mode).label)

    @staticmethod
    def resolve_teachers(obj: TrainingClass) -> list[Teacher]:
        return list(obj.teachers.all())

    @staticmethod
    def resolve_actions(obj: TrainingClass) -> list[str]:
        return workflows.available_actions(obj.status)


class SessionOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    minutes: int
    kind: str = Field(..., description=f"类型：{_choices_text(ClassSession.Kind.choices)}")
    topic: str
    teacher_id: int | None = None

    @staticmethod
    def resolve_minutes(obj: ClassSession) -> int:
        return int((obj.ends_at - obj.starts_at).total_seconds() // 60)


class TimetableOut(Schema):
    sessions: int
    total_minutes: int
    practical_minutes: int
    lesson_hours: int = Field(..., description="课程表总课时（分钟 ÷ 45，取整）")
    practical_hours: int
    practical_share: str = Field(..., description='实操占比，如 "0.6000"')
    min_hours: int | None = Field(None, description="该等级要求的最低课时")
    min_practical_share: str | None = None


class ClassDetailOut(ClassOut):
    sessions: list[SessionOut]
    timetable: TimetableOut
    enrollments: dict[str, int] = Field(..., description="按状态的报名人数")
    assessed: int = Field(..., description="已录入评价结果的人数")
    passed: int = Field(..., description="评价合格人数")

    @staticmethod
    def resolve_sessions(obj: TrainingClass) -> list[ClassSession]:
        return obj.api_detail.sessions  # type: ignore[attr-defined]

    @staticmethod
    def resolve_timetable(obj: TrainingClass) -> dict[str, Any]:
        detail = obj.api_detail  # type: ignore[attr-defined]
        table = detail.timetable
        share = detail.min_practical_share
        return {
            "sessions": table.sessions,
            "total_minutes": table.total_minutes,
            "practical_minutes": table.practical_minutes,
            "lesson_hours": table.lesson_hours,
            "practical_hours": table.practical_hours,
            "practical_share": f"{table.practical_share:.4f}",
            "min_hours": detail.min_hours,
            "min_practical_share": f"{share:.3f}" if share is not None else None,
        }

    @staticmethod
    def resolve_enrollments(obj: TrainingClass) -> dict[str, int]:
        return obj.api_detail.enrollments  # type: ignore[attr-defined]

    @staticmethod
    def resolve_assessed(obj: TrainingClass) -> int:
        return obj.api_detail.assessed  # type: ignore[attr-defined]

    @staticmethod
    def resolve_passed(obj: TrainingClass) -> int:
        return obj.api_detail.passed  # type: ignore[attr-defined]


class ClassIn(Schema):
    name: str = Field(..., max_length=100)
    catalog_item_id: int | None = Field(
        None, description="目录项目 id（任一版本；按现行版本中的同一项目处理）"
    )
    subject_code: str | None = Field(None, description="或：职业编码（配合 level）/ 专项、创业项目编码")
    level: int | None = Field(None, description="职业等级 1–5")
    program_id: int | None = None
    start_date: dt.date
    end_date: dt.date
    capacity: int
    venue_id: int | None = Field(None, description="本机构的培训场地")
    teacher_ids: list[int] = Field(default_factory=list, description="本机构的教师")
    mode: TrainingClass.Mode = TrainingClass.Mode.OFFLINE
    lesson_hours: int | None = Field(None, description="申报总课时；不填则保持不变（设置课程表时自动计算）")
    practical_hours: int | None = Field(None, description="申报实操课时；不填则保持不变")


class SessionIn(Schema):
    starts_at: dt.datetime = Field(..., description="开始时间（不带时区时按北京时间）")
    ends_at: dt.datetime
    kind: ClassSession.Kind = ClassSession.Kind.THEORY
    topic: str = Field("", max_length=200)
    teacher_id: int | None = None


class SessionsIn(Schema):
    sessions: list[SessionIn]
    update_hours: bool = Field(True, description="按课程表重新计算申报课时")


class ReasonIn(Schema):
    reason: str = Field(..., description="原因（必填，最多500字）")


class FilingCheckOut(Schema):
    ok: bool = Field(..., description="当前是否可以提交开班申请")
    catalog_item: ItemRef | None = Field(None, description="按今天生效的目录版本解析出的项目")
    errors: list[FieldErrorOut]


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _program_input(payload: ProgramIn) -> program_services.ProgramInput:
    from decimal import Decimal, InvalidOperation

    try:
        threshold = Decimal(str(payload.attendance_threshold).strip())
    except InvalidOperation:
        raise DomainError.for_fields(
            "培训项目信息有误（invalid program）",
            {"attendance_threshold": "出勤率要求应为0–1之间的数，如0.8（threshold must be a number）"},
        ) from None
    return program_services.ProgramInput(
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        year=payload.year,
        lead_department=payload.lead_department,
        target_groups=payload.target_groups,
        eligibility_rule=payload.eligibility_rule,
        quota=payload.quota,
        attendance_threshold=threshold,
        funding_source=payload.funding_source,
        active=payload.active,
    )


def _class_input(user: Any, payload: ClassIn) -> services.ClassInput:
    """Resolve the ids and codes of a class body (within the caller's provider) to rows; unknown ones are field
    errors."""
    errors: dict[str, str] = {}
    provider_id: int = getattr(user, "provider_id", None) or 0
    item: CatalogItem | None = None
    try:
        if payload.catalog_item_id is not None:
            found = CatalogItem.objects.filter(pk=payload.catalog_item_id).first()
            if found is None:
                errors["catalog_item_id"] = "未知的目录项目（unknown catalog item）"
            else:
                item = services.resolve_subject(catalog_item=found)
        elif payload.subject_code:
            code = payload.subject_code.strip()
            occupation = Occupation.objects.filter(code=code).first()
            special = None if occupation else SpecialItem.objects.filter(code=code).first()
            if occupation is None and special is None:
                errors["subject_code"] = f"未知的职业或项目编码“{code}”（unknown subject code）"
            else:
                item = services.resolve_subject(
                    occupation=occupation, level=payload.level, special_item=special
                )
        else:
            errors["catalog_item_id"] = "请指定目录项目或职业编码（catalog item or subject code required）"
    except DomainError as exc:
        for error in exc.errors:
            errors[{"catalog_item": "catalog_item_id"}.get(error.field, error.field)] = error.message
    program = None
    if payload.program_id is not None:
        program = Program.objects.filter(pk=payload.program_id).first()
        if program is None:
            errors["program_id"] = "未知的培训项目（unknown program）"
    venue = None
    if payload.venue_id is not None:
        venue = Venue.objects.filter(pk=payload.venue_id, provider_id=provider_id).first()
        if venue is None:
            errors["venue_id"] = "未知的培训场地，只能选择本机构的场地（unknown venue）"
    teachers = list(Teacher.objects.filter(pk__in=payload.teacher_ids, provider_id=provider_id))
    missing = sorted(set(payload.teacher_ids) - {t.pk for t in teachers})
    if missing:
        errors["teacher_ids"] = f"未知的教师：{missing}，只能选择本机构的教师（unknown teachers）"
    if errors:
        raise DomainError.for_fields("培训班信息有误（invalid class）", errors, code="invalid_class")
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


@router.get("/programs", auth=optional_auth, response=list[ProgramOut], summary="培训项目列表")
def program_list(
    request: HttpRequest,
    year: Annotated[int | None, Query(description="年度")] = None,
    kind: Annotated[Program.Kind | None, Query(description="项目类型")] = None,
) -> QuerySet[Program]:
    """Active programs for everyone; training staff also see inactive ones."""
    qs = selectors.visible_programs(current_user(request))
    if year:
        qs = qs.filter(year=year)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@router.get(
    "/programs/{program_id}", auth=optional_auth, response={200: ProgramOut, **_NOT_FOUND}, summary="培训项目"
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


@router.get("/classes", response={200: list[ClassOut], 401: ErrorOut}, summary="培训班列表（按权限范围）")
@paginate(LimitOffsetPagination)
def class_list(
    request: HttpRequest,
    status: Annotated[ClassStatus | None, Query(description="状态")] = None,
    provider_id: Annotated[int | None, Query(description="培训机构 id")] = None,
    program_id: Annotated[int | None, Query(description="培训项目 id")] = None,
    start_from: Annotated[dt.date | None, Query(description="开班日期不早于")] = None,
    start_to: Annotated[dt.date | None, Query(description="开班日期不晚于")] = None,
    q: Annotated[str | None, Query(description="班级名称或编号（包含）")] = None,
) -> QuerySet[TrainingClass]:
    """Provider staff: their own classes; district clerks: their handling area's; city-wide roles: all."""
    filters = selectors.ClassFilters(
        status=status or "",
        provider_id=provider_id,
        program_id=program_id,
        start_from=start_from,
        start_to=start_to,
        q=q or "",
    )
    return selectors.filter_classes(current_user(request), filters).prefetch_related("teachers")


@router.get(
    "/classes/review-queue",
    response={200: list[ClassOut], 401: ErrorOut},
    summary="开班审核队列（本经办区域已申请的培训班，先到先审）",
)
@paginate(LimitOffsetPagination)
def class_review_queue(request: HttpRequest) -> QuerySet[TrainingClass]:
    return selectors.review_queue(current_user(request)).prefetch_related("teachers")


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
        raise PermissionDenied("只有培训机构人员可以新建培训班（only provider staff create classes）")
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
            "课程表有误（invalid timetable）",
            {"sessions": f"未知的教师：{missing}，只能选择本机构的教师（unknown teachers）"},
            code="invalid_timetable",
        )
    sessions = [
        services.SessionInput(
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            kind=s.kind,
            topic=s.topic,
            teacher=teachers.get(s.teacher_id) if s.teacher_id is not None else None,
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
    summary="确认评价完成（每名结业学员均有评价结果）",
)
def class_assess(request: HttpRequest, class_id: int) -> TrainingClass:
    return _action(request, class_id, services.mark_assessed)


@router.post(
    "/classes/{class_id}/close", response={200: ClassDetailOut, **_WRITE_ERRORS}, summary="关闭培训班"
)
def class_close(request: HttpRequest, class_id: int) -> TrainingClass:
    return _action(request, class_id, services.close_class)
