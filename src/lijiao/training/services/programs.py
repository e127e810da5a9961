"""Training programs (培训项目, SPEC C4) as data: lead department, target groups, eligibility rule, quota.

Writes are for the city administrator (``training.add_program`` / ``training.change_program``); every write is
keyword-only, atomic and audited. A program's ``eligibility_rule`` is data evaluated by the pure evaluator
:func:`lijiao.core.rules.evaluate` (the subsidy rules reuse it). An empty rule means "the base rule only": every
enrollment is also checked against "aged 16 or over and not drawing a pension"
(:data:`lijiao.training.checks.BASE_ELIGIBILITY_RULE`), so a program rule only says what the program adds.

Facts a rule can use (built per person by :func:`lijiao.training.checks.person_facts`, on the class start date):

=========================  =============  ===========================================================
fact                       type           meaning
=========================  =============  ===========================================================
``age``                    int            full years of age on the class's start date
``gender``                 str            ``"M"`` / ``"F"`` (from the citizen ID)
``groups``                 list[str]      codes of :class:`lijiao.people.models.PersonGroup.Group`
``graduation_year``        int | None     from the ``graduate`` / ``upcoming_graduate`` evidence
``years_since_graduation`` int | None     class start year − graduation year
``insured_months``         int | None     months insured (``insured``, else ``employee`` evidence)
``household``              str            ``"urban"`` / ``"rural"`` / ``""``
``education``              str            :class:`lijiao.people.models.Person.Education` code or ``""``
``employed``               bool           employed (employee/insured/public institution, an employer)
``draws_pension``          bool           draws a basic pension
``labour_contract_months`` int | None     length of the labour contract (apprenticeships, SPEC R8)
``is_student``             bool           in the ``student`` group
=========================  =============  ===========================================================

Operators: ``== != < <= > >= in not_in contains contains_any exists``; combine with ``all`` / ``any`` / ``not``;
give every node a ``label`` (what a clerk and the trainee read when it fails).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.permissions import require_perm
from lijiao.core.rules import RuleError, validate_rule
from lijiao.people.models import PersonGroup
from lijiao.training.models import Enrollment, Program

__all__ = [
    "PROGRAM_FIELDS",
    "ProgramInput",
    "create_program",
    "default_programs",
    "install_default_programs",
    "program_input",
    "quota_used",
    "update_program",
    "validate_program",
]

PROGRAM_FIELDS = (
    "code",
    "name",
    "kind",
    "year",
    "lead_department",
    "target_groups",
    "eligibility_rule",
    "quota",
    "attendance_threshold",
    "funding_source",
    "active",
)


@dataclass(frozen=True, slots=True)
class ProgramInput:
    """What a program says, as the form, the API and the demo hand it to the services."""

    code: str
    name: str
    kind: str
    year: int
    lead_department: str = "市人力资源和社会保障局"
    target_groups: Sequence[str] = ()
    eligibility_rule: dict[str, Any] = field(default_factory=dict)
    quota: int = 0
    attendance_threshold: Decimal = Decimal("0.800")
    funding_source: str = ""
    active: bool = True


def validate_program(data: ProgramInput, *, exclude: Program | None = None) -> list[FieldError]:
    """Field errors of a program (code unique, groups known, rule well-formed, threshold 0–1…); empty if valid."""
    errors = _code_errors(data.code, exclude)
    if not data.name.strip():
        errors.append(FieldError("name", _("请填写项目名称")))
    elif len(data.name.strip()) > 100:
        errors.append(FieldError("name", _("项目名称最多100个字符")))
    if data.kind not in Program.Kind.values:
        errors.append(FieldError("kind", _("未知的项目类型“%(kind)s”") % {"kind": data.kind}))
    if not 2000 <= int(data.year) <= 2100:
        errors.append(FieldError("year", _("年度应在2000–2100之间")))
    if not data.lead_department.strip():
        errors.append(FieldError("lead_department", _("请填写牵头部门")))
    elif len(data.lead_department.strip()) > 50:
        errors.append(FieldError("lead_department", _("牵头部门最多50个字符")))
    unknown = [g for g in data.target_groups if g not in PersonGroup.Group.values]
    if unknown:
        errors.append(
            FieldError(
                "target_groups", _("未知的人员类别：%(groups)s") % {"groups": "、".join(map(str, unknown))}
            )
        )
    errors += _rule_quota_threshold_errors(data)
    if len(data.funding_source.strip()) > 100:
        errors.append(FieldError("funding_source", _("资金来源最多100个字符")))
    return errors


def _code_errors(raw_code: str, exclude: Program | None) -> list[FieldError]:
    """The program code is given, short enough and not used by another program."""
    errors: list[FieldError] = []
    code = raw_code.strip()
    if not code:
        errors.append(FieldError("code", _("请填写项目编码")))
    elif len(code) > 30:
        errors.append(FieldError("code", _("项目编码最多30个字符")))
    else:
        duplicates = Program.objects.filter(code=code)
        if exclude is not None:
            duplicates = duplicates.exclude(pk=exclude.pk)
        if duplicates.exists():
            errors.append(FieldError("code", _code_in_use(code)))
    return errors


def _rule_quota_threshold_errors(data: ProgramInput) -> list[FieldError]:
    """The eligibility rule is well formed, the quota not negative, the attendance threshold 0–1."""
    errors: list[FieldError] = []
    if data.eligibility_rule:
        try:
            validate_rule(data.eligibility_rule)
        except RuleError as exc:
            errors.append(
                FieldError("eligibility_rule", _("参训条件规则有误：%(problem)s") % {"problem": exc})
            )
    elif not isinstance(data.eligibility_rule, dict):
        errors.append(FieldError("eligibility_rule", _("参训条件规则必须是对象")))
    if data.quota < 0:
        errors.append(FieldError("quota", _("年度计划人次不能为负数")))
    try:
        threshold = Decimal(data.attendance_threshold)
    except (InvalidOperation, TypeError, ValueError):
        threshold = Decimal(-1)
    if (
        not threshold.is_finite()
        or not Decimal(0) <= threshold <= Decimal(1)
        or threshold != threshold.quantize(Decimal("0.001"))
    ):
        errors.append(
            FieldError(
                "attendance_threshold",
                _("出勤率要求应为0–1之间、最多三位小数，如0.8"),
            )
        )
    return errors


def _code_in_use(code: str) -> str:
    return _("项目编码“%(code)s”已被使用") % {"code": code}


def _check(data: ProgramInput, *, exclude: Program | None = None) -> None:
    errors = validate_program(data, exclude=exclude)
    if errors:
        raise DomainError(_("培训项目信息有误"), code="invalid_program", errors=tuple(errors))


def _apply(program: Program, data: ProgramInput) -> None:
    program.code = data.code.strip()
    program.name = data.name.strip()
    program.kind = data.kind
    program.year = data.year
    program.lead_department = data.lead_department.strip()
    program.target_groups = list(dict.fromkeys(data.target_groups))
    program.eligibility_rule = dict(data.eligibility_rule or {})
    program.quota = data.quota
    program.attendance_threshold = Decimal(data.attendance_threshold)
    program.funding_source = data.funding_source.strip()
    program.active = data.active


def _save(program: Program) -> None:
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError:  # a concurrent writer took the code between the check and the insert
        raise DomainError.for_fields(
            _("培训项目信息有误"), {"code": _code_in_use(program.code)}, code="invalid_program"
        ) from None


@transaction.atomic
def create_program(*, actor: Actor, data: ProgramInput) -> Program:
    """A new program (city administrator)."""
    require_perm(actor, "training.add_program")
    _check(data)
    program = Program()
    _apply(program, data)
    _save(program)
    record_event(
        actor=actor, action="training.program.created", obj=program, after=snapshot(program, PROGRAM_FIELDS)
    )
    return program


@transaction.atomic
def update_program(*, actor: Actor, program: Program, data: ProgramInput) -> Program:
    """Change a program; its rule applies to enrollments from now on (earlier decisions keep their trace)."""
    require_perm(actor, "training.change_program")
    program = Program.objects.select_for_update().get(pk=program.pk)
    _check(data, exclude=program)
    before = snapshot(program, PROGRAM_FIELDS)
    _apply(program, data)
    _save(program)
    record_event(
        actor=actor,
        action="training.program.updated",
        obj=program,
        before=before,
        after=snapshot(program, PROGRAM_FIELDS),
    )
    return program


def quota_used(program: Program, year: int | None = None) -> int:
    """Person-times used against the program's yearly quota: enrollments (not withdrawn) in its classes that
    start in ``year`` (default: the program's year)."""
    year = year or program.year
    return (
        Enrollment.objects.filter(training_class__program=program, training_class__start_date__year=year)
        .exclude(status=Enrollment.Status.WITHDRAWN)
        .count()
    )


# ---------------------------------------------------------------------------------------------------------------
# The SPEC's programs, as data (used by the demo and by a fresh installation)

_EMPLOYEES = {
    "fact": "groups",
    "op": "contains_any",
    "value": ["employee", "insured"],
    "label": "企业在职职工或参保职工",
}
GRADUATE_CONVERSION_RULE: dict[str, Any] = {
    "any": [
        {
            "all": [
                {"fact": "groups", "op": "contains", "value": "graduate", "label": "高校毕业生"},
                {
                    "fact": "years_since_graduation",
                    "op": "<=",
                    "value": 3,
                    "label": "离校3年内",
                },
                {"fact": "employed", "op": "==", "value": False, "label": "未就业"},
            ],
            "label": "离校3年内未就业高校毕业生",
        },
        {
            "fact": "groups",
            "op": "contains",
            "value": "upcoming_graduate",
            "label": "毕业年度高校毕业生",
        },
    ],
    "label": "毕业年度或离校3年内未就业高校毕业生",
}
APPRENTICESHIP_RULE: dict[str, Any] = {
    "all": [
        {"fact": "groups", "op": "contains", "value": "employee", "label": "企业职工"},
        {
            "fact": "labour_contract_months",
            "op": ">=",
            "value": 12,
            "label": "签订1年以上劳动合同",
        },
    ]
}
AGE_16_TO_60_RULE: dict[str, Any] = {
    "all": [
        {"fact": "age", "op": ">=", "value": 16, "label": "年满16周岁"},
        {"fact": "age", "op": "<=", "value": 60, "label": "不超过60周岁"},
    ]
}


def default_programs(year: int) -> list[ProgramInput]:
    """The SPEC C4 programs of one year (plus general skills training), with sensible rules and quotas."""
    return [
        ProgramInput(
            code=f"{year}-GEN",
            name="职业技能培训",
            kind=Program.Kind.GENERAL,
            year=year,
            target_groups=["unemployed", "rural_migrant", "low_income", "veteran", "disabled", "employee"],
            quota=60000,
            funding_source="就业补助资金",
        ),
        ProgramInput(
            code=f"{year}-GRAD",
            name="高校毕业生专业转换及技能提升培训",
            kind=Program.Kind.GRADUATE_CONVERSION,
            year=year,
            target_groups=["graduate", "upcoming_graduate"],
            eligibility_rule=GRADUATE_CONVERSION_RULE,
            quota=8000,
            funding_source="就业补助资金",
        ),
        ProgramInput(
            code=f"{year}-IND",
            name="“行业+培训”专项培训（医疗护理、乡村工匠）",
            kind=Program.Kind.INDUSTRY_PLUS,
            year=year,
            lead_department="市卫生健康委员会",
            target_groups=["employee", "rural_migrant", "unemployed"],
            quota=5000,
            funding_source="行业主管部门专项资金",
        ),
        ProgramInput(
            code=f"{year}-MASTER",
            name="大师工匠培育提升计划",
            kind=Program.Kind.MASTER_CRAFTSMAN,
            year=year,
            lead_department="市人力资源和社会保障局",
            target_groups=["employee", "insured"],
            eligibility_rule={"all": [_EMPLOYEES]},
            quota=2000,
            attendance_threshold=Decimal("0.900"),
            funding_source="职业技能提升行动专账资金",
        ),
        ProgramInput(
            code=f"{year}-APPR",
            name="企业新型学徒制",
            kind=Program.Kind.APPRENTICESHIP,
            year=year,
            target_groups=["employee"],
            eligibility_rule=APPRENTICESHIP_RULE,
            quota=3000,
            funding_source="职业技能提升行动专账资金",
        ),
        ProgramInput(
            code=f"{year}-TRANS",
            name="转岗培训",
            kind=Program.Kind.JOB_TRANSFER,
            year=year,
            target_groups=["employee", "insured"],
            eligibility_rule={"all": [_EMPLOYEES]},
            quota=4000,
            funding_source="失业保险基金",
        ),
        ProgramInput(
            code=f"{year}-ELDER",
            name="一老一小培训",
            kind=Program.Kind.ELDER_CHILD,
            year=year,
            lead_department="市民政局",
            target_groups=["unemployed", "rural_migrant", "low_income", "employee"],
            eligibility_rule=AGE_16_TO_60_RULE,
            quota=10000,
            funding_source="就业补助资金",
        ),
    ]


@transaction.atomic
def install_default_programs(*, actor: Actor | None, year: int | None = None) -> list[Program]:
    """Create the programs of :func:`default_programs` that do not exist yet (by code); returns all of them."""
    year = year or timezone.localdate().year
    programs = []
    for data in default_programs(year):
        existing = Program.objects.filter(code=data.code).first()
        if existing is not None:
            programs.append(existing)
            continue
        if actor is None:  # the demo and installation scripts act as the system
            _check(data)
            program = Program()
            _apply(program, data)
            program.save()
            record_event(
                actor=None,
                action="training.program.created",
                obj=program,
                after=snapshot(program, PROGRAM_FIELDS),
            )
            programs.append(program)
        else:
            programs.append(create_program(actor=actor, data=data))
    return programs


def program_input(program: Program, **changes: Any) -> ProgramInput:
    """The input that reproduces ``program`` (handy for an update that changes a few fields)."""
    data = ProgramInput(
        code=program.code,
        name=program.name,
        kind=program.kind,
        year=program.year,
        lead_department=program.lead_department,
        target_groups=list(program.target_groups or []),
        eligibility_rule=dict(program.eligibility_rule or {}),
        quota=program.quota,
        attendance_threshold=program.attendance_threshold,
        funding_source=program.funding_source,
        active=program.active,
    )
    return replace(data, **changes)
