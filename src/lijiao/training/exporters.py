"""The training lists as xlsx (issue 9, Usability 1; ADR 0007): classes, a class's roster, its attendance sheet,
its results, the review queue. Each takes the rows the screen shows — the screen's selector, narrowed by the same
filter set (:mod:`lijiao.training.filters`) — and writes them with :func:`lijiao.core.xlsx.list_xlsx` (constant
memory, text as text). Personal data is masked exactly as the screens mask it (``2102**********123X``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.core.pii import PIIKind, mask
from lijiao.core.xlsx import ListExport, list_xlsx
from lijiao.training.models import Enrollment, TrainingClass
from lijiao.training.selectors.enrollment import AttendanceSheet, ResultRow

__all__ = ["attendance_xlsx", "classes_xlsx", "results_xlsx", "review_queue_xlsx", "roster_xlsx"]

CHUNK = 2_000  # rows fetched per query while streaming


def _today() -> str:
    return timezone.localdate().isoformat()


def _class_row(c: TrainingClass) -> list[Any]:
    return [
        c.code,
        c.name,
        c.provider.name,
        c.handling_area.name if c.handling_area else "",
        c.program.name if c.program else "",
        str(c.catalog_item) if c.catalog_item_id else "",
        c.start_date,
        c.end_date,
        c.lesson_hours,
        c.enrolled_count,
        c.capacity,
        c.get_status_display(),
    ]


def _class_header() -> list[str]:
    return [
        _("班级编号"),
        _("班级名称"),
        _("培训机构"),
        _("经办区域"),
        _("培训项目"),
        _("职业（工种）/项目"),
        _("开班日期"),
        _("结业日期"),
        _("课时"),
        _("已报名"),
        _("计划人数"),
        _("状态"),
    ]


def classes_xlsx(classes: QuerySet[TrainingClass]) -> ListExport:
    """The class list as the filters show it (``classes``: :func:`visible_classes` narrowed by
    :class:`ClassFilterSet`)."""
    return list_xlsx(
        sheet_name=_("培训班"),
        title=_("培训班（导出于 %(date)s）") % {"date": _today()},
        header=_class_header(),
        rows=(_class_row(c) for c in classes.iterator(chunk_size=CHUNK)),
    )


def review_queue_xlsx(classes: QuerySet[TrainingClass]) -> ListExport:
    """The review queue as the filters show it, oldest application first, with the date each was filed."""
    return list_xlsx(
        sheet_name=_("开班审核"),
        title=_("开班审核（导出于 %(date)s）") % {"date": _today()},
        header=[*_class_header(), _("申请日期")],
        rows=([*_class_row(c), c.filed_on] for c in classes.iterator(chunk_size=CHUNK)),
    )


def _person_cells(enrollment: Enrollment) -> list[Any]:
    person = enrollment.person
    return [person.name, mask(PIIKind.CITIZEN_ID, person.citizen_id), person.get_gender_display()]


def _class_title(training_class: TrainingClass, what: str) -> str:
    return _("%(code)s %(name)s %(what)s（导出于 %(date)s）") % {
        "code": training_class.code,
        "name": training_class.name,
        "what": what,
        "date": _today(),
    }


def _roster_rows(enrollments: QuerySet[Enrollment]) -> Iterator[list[Any]]:
    for e in enrollments.iterator(chunk_size=CHUNK):
        try:
            passed: bool | None = e.assessment.passed
        except Enrollment.assessment.RelatedObjectDoesNotExist:
            passed = None
        yield [
            *_person_cells(e),
            "、".join(g.get_group_display() for g in e.person.groups.all()),
            e.get_status_display(),
            e.enrolled_at,
            float(e.attendance_rate) if e.attendance_rate is not None else None,
            "" if passed is None else (_("合格") if passed else _("不合格")),
            _eligibility(e),
        ]


def _eligibility(enrollment: Enrollment) -> str:
    """符合, or 不符合 with the reasons, as the roster screen summarises the stored decision."""
    decision = enrollment.eligibility
    if not decision:
        return ""
    if decision.get("passed"):
        return _("符合")
    reasons = "；".join(str(r) for r in decision.get("reasons") or ())
    return _("不符合：%(reasons)s") % {"reasons": reasons} if reasons else _("不符合")


def roster_xlsx(training_class: TrainingClass, enrollments: QuerySet[Enrollment]) -> ListExport:
    """A class's roster as the filters show it (``enrollments``: :func:`class_roster` narrowed by
    :class:`EnrollmentFilterSet`); the attendance rate as a fraction (0.95)."""
    return list_xlsx(
        sheet_name=_("花名册"),
        title=_class_title(training_class, _("花名册")),
        header=[
            _("姓名"),
            _("身份证号"),
            _("性别"),
            _("人员类别"),
            _("状态"),
            _("报名时间"),
            _("出勤率"),
            _("结业考核"),
            _("资格审核"),
        ],
        rows=_roster_rows(enrollments),
    )


def attendance_xlsx(sheet: AttendanceSheet) -> ListExport:
    """The attendance sheet: a row per trainee, a column per session (✓ when checked in), the totals."""
    sessions = [timezone.localtime(s.starts_at).strftime("%Y-%m-%d %H:%M") for s in sheet.sessions]
    return list_xlsx(
        sheet_name=_("考勤表"),
        title=_class_title(sheet.training_class, _("考勤表")),
        header=[_("姓名"), _("身份证号"), _("性别"), *sessions, _("出勤次数"), _("出勤率")],
        rows=(
            [
                *_person_cells(row.enrollment),
                *("✓" if cell is not None else "" for cell in row.cells),
                row.attended,
                float(row.rate),
            ]
            for row in sheet.rows
        ),
    )


def results_xlsx(training_class: TrainingClass, rows: Sequence[ResultRow]) -> ListExport:
    """The completion (结业考核) table: scores and 培训合格 per trainee (blank where nothing is recorded yet)."""

    def cells(row: ResultRow) -> list[Any]:
        result = row.result
        if result is None:
            return [*_person_cells(row.enrollment), None, None, ""]
        return [
            *_person_cells(row.enrollment),
            result.theory_score,
            result.practical_score,
            _("合格") if result.passed else _("不合格"),
        ]

    return list_xlsx(
        sheet_name=_("结业考核结果"),
        title=_class_title(training_class, _("结业考核结果")),
        header=[_("姓名"), _("身份证号"), _("性别"), _("理论成绩"), _("实操成绩"), _("是否培训合格")],
        rows=(cells(row) for row in rows),
    )
