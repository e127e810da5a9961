"""Schemas of the enrollment API (:mod:`lijiao.training.api.enrollment`): people, enrollment, attendance, results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field

from lijiao.core.schemas import InputSchema, Schema
from lijiao.people.models import Person, PersonGroup
from lijiao.training.models import CheckIn, Enrollment


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 not_eligible、class_full、overlapping_class")
    message: str = Field(..., description="给人看的错误说明（按 Accept-Language 的语言）")
    errors: list[FieldErrorOut] = Field(default_factory=list, description="逐字段的错误")


class GroupIn(InputSchema):
    group: str = Field(
        ..., description="人员类别代码：" + "、".join(f"{k} {v}" for k, v in PersonGroup.Group.choices)
    )
    graduation_year: int | None = Field(None, description="毕业年份（高校毕业生必填）")
    registration_number: str = Field("", max_length=50, description="失业登记证号等（城镇登记失业人员必填）")
    insured_months: int | None = Field(None, description="参保月数（参保职工必填）")
    employer_name: str = Field("", max_length=100, description="单位（企业职工必填）")
    as_of: dt.date | None = Field(None, description="证据截至日期（空：今天）")
    source: str = Field(
        "",
        description="证据来源："
        + "、".join(f"{k} {v}" for k, v in PersonGroup.Source.choices)
        + "（空：本人申报）",
    )
    note: str = Field("", max_length=200)


class EvidenceIn(InputSchema):
    graduation_year: int | None = None
    registration_number: str = Field("", max_length=50)
    insured_months: int | None = None
    employer_name: str = Field("", max_length=100)
    as_of: dt.date | None = Field(None, description="证据截至日期（空：今天）")
    source: str = Field("", description="证据来源：register / document / declared（空：本人申报）")
    note: str = Field("", max_length=200)


class GroupOut(Schema):
    group: str
    group_label: str
    graduation_year: int | None
    registration_number: str
    insured_months: int | None
    employer_name: str
    as_of: dt.date | None = Field(None, description="证据截至日期")
    source: str = Field("", description="证据来源")
    note: str


class PersonIn(InputSchema):
    citizen_id: str = Field(
        ..., max_length=40, description="身份证号（18位或15位旧号；小写 x、全角、空格可）"
    )
    name: str = Field(..., max_length=50, description="姓名（须与身份证一致）")
    phone: str = Field("", max_length=20)
    household: str = Field("", description="户籍类型：urban 城镇 / rural 农村")
    education: str = Field(
        "", description="学历代码：" + "、".join(f"{k} {v}" for k, v in Person.Education.choices)
    )
    employer_name: str = Field("", max_length=100)
    position: str = Field(
        "",
        description="岗位类别（女职工的原法定退休年龄）：worker 工人岗位 / cadre 管理或专业技术岗位；"
        "也可填“工人”“干部”等；空：按管理或专业技术岗位计算",
    )
    groups: list[GroupIn] = Field(default_factory=list, description="人员类别及证明信息")


class LookupIn(InputSchema):
    citizen_id: str = Field(..., max_length=40, description="身份证号（精确查找）")
    name: str = Field(..., max_length=50, description="姓名（与身份证号一并核对）")


class PersonOut(Schema):
    id: int
    name: str
    citizen_id_masked: str = Field(..., description="脱敏身份证号，如 2102**********123X")
    phone_masked: str
    gender: str
    birth_year: int = Field(..., description="出生年份（完整出生日期不与脱敏身份证号一同提供）")
    age: int = Field(..., description="今天的周岁年龄")
    position: str = Field(
        "", description="岗位类别：worker 工人岗位 / cadre 管理或专业技术岗位（女职工退休年龄）"
    )
    household: str
    education: str
    employer_name: str
    groups: list[GroupOut]
    warnings: list[str] = Field(
        default_factory=list, description="身份证号提示（如地址码已撤销），不影响登记"
    )


class LookupOut(Schema):
    match: bool = Field(
        ..., description="身份证号与姓名是否属于同一已登记人员（未登记与姓名不符同样为 false）"
    )
    person: PersonOut | None = Field(
        None, description="人员信息：仅本机构学员（经办人员按权限范围）可见，否则为空"
    )


class EnrollIn(PersonIn):
    employed: bool | None = Field(None, description="是否就业（空：按人员类别和单位判断）")
    labour_contract_months: int | None = Field(None, description="劳动合同期限（月），学徒制项目用")


class WithdrawIn(InputSchema):
    reason: str = Field(..., max_length=500)


class EnrollmentOut(Schema):
    id: int
    class_id: int
    class_code: str
    person: PersonOut
    status: str
    status_label: str
    enrolled_at: dt.datetime
    attendance_rate: Decimal | None
    eligibility: dict[str, Any] = Field(
        ..., description="资格审核结果：passed、reasons、trace（每条规则及实际值）"
    )


class CheckInIn(InputSchema):
    enrollment_id: int | None = Field(None, description="报名编号（与 person_id 二选一）")
    person_id: int | None = Field(None, description="人员编号（与 enrollment_id 二选一）")
    checked_at: dt.datetime = Field(..., description="签到时间（课前30分钟至下课）")
    method: str = Field(
        CheckIn.Method.MANUAL,
        description="方式：工作人员只能 manual 手工补录（须填原因）；人脸识别、刷卡、扫码、线上签到由考勤设备"
        "通过 /device/… 接口上传",
    )
    reason: str = Field("", max_length=200, description="手工补录的原因（必填）")


class CheckInOut(Schema):
    id: int
    session_id: int
    enrollment_id: int
    person_id: int
    checked_at: dt.datetime
    method: str
    reason: str


class SheetIn(InputSchema):
    session_id: int
    person_ids: list[int]
    method: str = Field(CheckIn.Method.MANUAL, description="工作人员只能 manual 手工补录（须填原因）")
    reason: str = Field("", max_length=200)
    checked_at: dt.datetime | None = Field(None, description="签到时间；空为上课开始时间")


class SheetCreatedOut(Schema):
    created: int


class SheetSessionOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    lesson_hours: int
    kind: str
    topic: str


class SheetRowOut(Schema):
    enrollment_id: int
    person_id: int
    name: str
    citizen_id_masked: str
    attended: int = Field(..., description="出勤节数")
    attended_hours: int = Field(..., description="出勤课时")
    rate: Decimal = Field(..., description="出勤率：出勤课时 ÷ 课程表总课时")
    checked_in_sessions: list[int]


class SheetOut(Schema):
    class_id: int
    required_hours: int = Field(..., description="课程表总课时")
    sessions: list[SheetSessionOut]
    rows: list[SheetRowOut]


class ResultRowIn(InputSchema):
    enrollment_id: int
    theory_score: str | int | float | None = Field(None, description="理论成绩 0–100，最多两位小数")
    practical_score: str | int | float | None = Field(None, description="实操成绩 0–100，最多两位小数")
    passed: bool | None = Field(None, description="是否培训合格（结业考核，不是职业技能等级认定）")
    assessed_on: dt.date | None = Field(None, description="空则用请求中的考核日期")


class ResultsIn(InputSchema):
    """培训结业考核 results: completion only; skill-level results come from evaluating bodies."""

    assessed_on: dt.date | None = None
    rows: list[ResultRowIn]


class ResultOut(Schema):
    enrollment_id: int
    name: str
    citizen_id_masked: str
    theory_score: Decimal | None
    practical_score: Decimal | None
    passed: bool | None = Field(None, description="是否培训合格（结业考核）")
    assessed_on: dt.date | None


class EnrollmentFilters(InputSchema):
    """Query parameters of a class's roster (:class:`lijiao.training.filters.EnrollmentFilterSet`, as the screen)."""

    status: str | None = Field(
        None, description="状态：" + "；".join(f"{k}={v}" for k, v in Enrollment.Status.choices)
    )
    q: str | None = Field(None, description="姓名（包含）")
