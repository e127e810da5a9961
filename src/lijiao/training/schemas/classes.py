"""Schemas of the classes API (:mod:`lijiao.training.api.classes`): programs, classes, timetables, filing and review."""

import datetime as dt
from typing import Any

from ninja import Field

from lijiao.catalog.models import CatalogItem, Level
from lijiao.core.schemas import InputSchema, Schema
from lijiao.people.models import PersonGroup
from lijiao.providers.models import Teacher
from lijiao.training.models import ClassSession, ClassStatus, Program, TrainingClass
from lijiao.training.services import classes as class_services
from lijiao.training.services import programs as program_services


def _choices_text(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices if value)


class FieldErrorOut(Schema):
    field: str = Field(..., description="出错的字段（__all__ 表示整体）")
    message: str = Field(..., description="错误说明（按 Accept-Language 的语言）")


class ErrorOut(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 not_found、permission_denied、filing_refused")
    message: str
    errors: list[FieldErrorOut] = Field(default_factory=list)


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
    item_rule: dict[str, Any] = Field(..., description="适用目录项目（规则数据）；空表示不限")
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
        annotated: int | None = getattr(obj, "quota_used_count", None)  # lists: selectors.with_quota_used
        return annotated if annotated is not None else program_services.quota_used(obj)

    @staticmethod
    def resolve_attendance_threshold(obj: Program) -> str:
        return f"{obj.attendance_threshold:.3f}"


class ProgramIn(InputSchema):
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
    item_rule: dict[str, Any] = Field(
        default_factory=dict,
        description="适用目录项目规则，可用事实：occupation_code、special_item_code、level、is_elder_child_care；空表示不限",
    )
    quota: int = Field(0, ge=0)
    attendance_threshold: str = Field("0.800", description="出勤率要求 0–1，字符串，如 0.8")
    funding_source: str = Field(
        "", max_length=100, description=f"资金来源：{_choices_text(Program.Funding.choices)}"
    )
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
    subject_name: str = Field(..., description="职业（工种）或项目名称，如“焊工（电焊工）”")
    work_type_name: str = Field("", description="工种名称（不分工种为空）")
    level: int | None = Field(None, description="等级：5–1 技能等级，13/12/11 专业技术等级（初级/中级/高级）")
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
    year: int
    label: str = Field(..., description="带年度的项目名称，如“2026年转岗培训”")

    @staticmethod
    def resolve_label(obj: Program) -> str:
        return str(obj)


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
    actions: list[str] = Field(..., description="调用者当前可执行的下一步操作（状态允许且有权限）")

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
    def resolve_actions(obj: TrainingClass, context: dict[str, Any]) -> list[str]:
        """Only what the caller may do (ADR 0005), as the screen's buttons; remembered per request for the
        rows of a list that share status, provider and area (ADR 0015)."""
        request = context["request"]
        memo = request.__dict__.setdefault("_lijiao_class_actions", {})
        return class_services.allowed_actions_in_list(request.user, obj, memo)


class SessionOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    minutes: int
    lesson_hours: int = Field(..., description="本节课时")
    kind: str = Field(..., description=f"类型：{_choices_text(ClassSession.Kind.choices)}")
    topic: str
    teacher_id: int | None = None
    venue_id: int | None = None

    @staticmethod
    def resolve_minutes(obj: ClassSession) -> int:
        return int((obj.ends_at - obj.starts_at).total_seconds() // 60)


class TimetableOut(Schema):
    sessions: int
    total_minutes: int
    practical_minutes: int
    lesson_hours: int = Field(..., description="课程表总课时（各节课时之和）")
    practical_hours: int
    practical_share: str = Field(..., description='实操课时占比，如 "0.6000"')
    min_hours: int | None = Field(None, description="该等级要求的最低课时")
    min_practical_share: str | None = None
    requirement: str = Field("", description="课时要求及已安排课时")
    warnings: list[str] = Field(default_factory=list, description="提醒，如课程安排在法定节假日")


class ClassDetailOut(ClassOut):
    sessions: list[SessionOut]
    timetable: TimetableOut
    enrollments: dict[str, int] = Field(..., description="按状态的报名人数")
    assessed: int = Field(..., description="已录入结业考核结果的人数")
    passed: int = Field(..., description="评价合格人数")

    @staticmethod
    def resolve_sessions(obj: TrainingClass) -> list[ClassSession]:
        return obj.api_detail.sessions  # type: ignore[attr-defined,no-any-return]

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
            "requirement": detail.requirement,
            "warnings": detail.warnings,
        }

    @staticmethod
    def resolve_enrollments(obj: TrainingClass) -> dict[str, int]:
        return obj.api_detail.enrollments  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_assessed(obj: TrainingClass) -> int:
        return obj.api_detail.assessed  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_passed(obj: TrainingClass) -> int:
        return obj.api_detail.passed  # type: ignore[attr-defined,no-any-return]


class ClassIn(InputSchema):
    name: str = Field(..., max_length=100)
    catalog_item_id: int | None = Field(
        None, description="目录项目 id（任一版本；按现行版本中的同一项目处理）"
    )
    subject_code: str | None = Field(None, description="或：职业编码（配合 level）/ 专项、创业项目编码")
    work_type_code: str | None = Field(
        None, max_length=16, description="工种编码（配合职业编码，如 6-18-02-04-01）"
    )
    level: int | None = Field(None, description="职业等级：5–1 技能等级，13/12/11 专业技术等级")
    program_id: int | None = None
    start_date: dt.date
    end_date: dt.date
    capacity: int
    venue_id: int | None = Field(None, description="本机构的培训场地")
    teacher_ids: list[int] = Field(default_factory=list, description="本机构的教师")
    mode: TrainingClass.Mode = TrainingClass.Mode.OFFLINE
    lesson_hours: int | None = Field(None, description="申报总课时；不填则保持不变（设置课程表时自动计算）")
    practical_hours: int | None = Field(None, description="申报实操课时；不填则保持不变")


class SessionIn(InputSchema):
    starts_at: dt.datetime = Field(..., description="开始时间（不带时区时按北京时间）")
    ends_at: dt.datetime
    lesson_hours: int | None = Field(
        None, ge=1, le=32, description="本节课时；不填按时长折算（每课时45分钟）"
    )
    kind: ClassSession.Kind = ClassSession.Kind.THEORY
    topic: str = Field("", max_length=200)
    teacher_id: int | None = None
    venue_id: int | None = None


class SessionsIn(InputSchema):
    sessions: list[SessionIn] = Field(..., max_length=1000)
    update_hours: bool = Field(True, description="按课程表重新计算申报课时")


class ReasonIn(InputSchema):
    reason: str = Field(..., description="原因（必填，最多500字）")


class FilingCheckOut(Schema):
    ok: bool = Field(..., description="当前是否可以提交开班申请")
    catalog_item: ItemRef | None = Field(None, description="按今天生效的目录版本解析出的项目")
    errors: list[FieldErrorOut]


class ClassFilters(InputSchema):
    """Query parameters of the class list; validated by :class:`lijiao.training.filters.ClassFilterSet`, the
    same filter set as the screen ``/training/classes/`` (hence every parameter is read as text here: the filter
    set alone decides what is valid, with the same messages on both)."""

    status: str | None = Field(None, description=f"状态：{_choices_text(ClassStatus.choices)}")
    provider_id: str | None = Field(None, description="培训机构 id（整数）")
    program_id: str | None = Field(None, description="培训项目 id（整数）")
    start_from: str | None = Field(None, description="开班日期不早于（YYYY-MM-DD）")
    start_to: str | None = Field(None, description="开班日期不晚于（YYYY-MM-DD）")
    q: str | None = Field(None, description="班级名称或编号（包含，最多100字）")


class ReviewQueueFilters(InputSchema):
    """Query parameters of the review queue (:class:`lijiao.training.filters.ReviewQueueFilterSet`)."""

    provider_id: str | None = Field(None, description="培训机构 id（整数）")
    start_from: str | None = Field(None, description="开班日期不早于（YYYY-MM-DD）")
    start_to: str | None = Field(None, description="开班日期不晚于（YYYY-MM-DD）")
    q: str | None = Field(None, description="班级名称、编号或培训机构名称（包含）")


class ProgramFilters(InputSchema):
    """Query parameters of the program list (:class:`lijiao.training.filters.ProgramFilterSet`)."""

    year: str | None = Field(None, description="年度（整数）")
    kind: str | None = Field(None, description=f"项目类型：{_choices_text(Program.Kind.choices)}")
    q: str | None = Field(None, description="项目名称或编码（包含）")
