"""Training programs (培训项目, SPEC C4) as data: lead department, target groups, eligibility rule, quota.

Writes are for the city administrator (``training.add_program`` / ``training.change_program``); every write is
keyword-only, atomic and audited. A program's ``eligibility_rule`` is data evaluated by the pure evaluator
:func:`lijiao.core.rules.evaluate` (the subsidy rules reuse it). An empty rule means "the base rule only": every
enrollment is also checked against "aged 16 or over and not drawing a pension"
(:data:`lijiao.training.checks.BASE_ELIGIBILITY_RULE`: 16 to the statutory retirement age, computed from the ID),
so a program rule only says what the program adds.

Which catalog items a program covers is data too: ``item_rule``, evaluated by the same evaluator against the
item's facts (:func:`item_facts`: ``occupation_code``, ``special_item_code``, ``level``, ``is_elder_child_care``,
``allows_graduate_conversion``, ``is_digital``, ``is_new_business_form``); an empty rule covers every item.
A year's program quotas add up to the year's target (:func:`annual_target`, the setting
``TRAINING_ANNUAL_TARGETS`` {year: person-times}, default 100,000): a quota that would exceed it is refused, and
the program list shows the sum against the target.

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
``retirement_age_reached`` bool           the statutory retirement age (2025 reform) is reached
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
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.permissions import require_perm
from lijiao.core.rules import RuleError, evaluate, validate_rule
from lijiao.people.models import PersonGroup
from lijiao.training.models import Program, TrainingClass

if TYPE_CHECKING:
    from lijiao.catalog.models import CatalogItem

__all__ = [
    "PROGRAM_FIELDS",
    "ProgramInput",
    "QuotaPlan",
    "annual_target",
    "create_program",
    "default_programs",
    "install_default_programs",
    "item_facts",
    "program_input",
    "program_item_problems",
    "quota_plan",
    "quota_used",
    "update_program",
    "validate_program",
]

DEFAULT_ANNUAL_TARGET = 100_000  # SPEC C10: 100,000 training person-times a year

PROGRAM_FIELDS = (
    "code",
    "name",
    "kind",
    "year",
    "lead_department",
    "target_groups",
    "eligibility_rule",
    "item_rule",
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
    item_rule: dict[str, Any] = field(default_factory=dict)
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
    if data.funding_source.strip() and data.funding_source.strip() not in Program.Funding.values:
        errors.append(
            FieldError(
                "funding_source",
                _("资金来源应为：%(allowed)s") % {"allowed": "、".join(map(str, Program.Funding.labels))},
            )
        )
    errors += _quota_target_errors(data, exclude)
    return errors


def annual_target(year: int) -> int:
    """The year's target of training person-times (setting ``TRAINING_ANNUAL_TARGETS``, default 100,000)."""
    targets = getattr(settings, "TRAINING_ANNUAL_TARGETS", {}) or {}
    return int(targets.get(year, targets.get(str(year), DEFAULT_ANNUAL_TARGET)))


@dataclass(frozen=True, slots=True)
class QuotaPlan:
    """A year's program quotas against its target."""

    year: int
    target: int
    planned: int

    @property
    def difference(self) -> int:
        """Planned minus target: negative while quotas are still to be assigned."""
        return self.planned - self.target

    @property
    def shortfall(self) -> int:
        """Person-times of the target not yet given to any program."""
        return max(0, self.target - self.planned)


def quota_plan(year: int) -> QuotaPlan:
    """The sum of the active programs' quotas of ``year`` against the year's target."""
    planned = Program.objects.filter(year=year, active=True).aggregate(total=Sum("quota"))["total"] or 0
    return QuotaPlan(year=year, target=annual_target(year), planned=int(planned))


def _quota_target_errors(data: ProgramInput, exclude: Program | None) -> list[FieldError]:
    """The year's active quotas, with this one, must not exceed the year's target."""
    if not data.active or data.quota <= 0 or not 2000 <= int(data.year) <= 2100:
        return []
    others = Program.objects.filter(year=data.year, active=True)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    planned = (others.aggregate(total=Sum("quota"))["total"] or 0) + data.quota
    target = annual_target(int(data.year))
    if planned <= target:
        return []
    return [
        FieldError(
            "quota",
            _("%(year)s年各培训项目计划人次合计 %(planned)s，超过年度目标 %(target)s 人次")
            % {"year": data.year, "planned": planned, "target": target},
        )
    ]


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
    if data.item_rule:
        try:
            validate_rule(data.item_rule)
        except RuleError as exc:
            errors.append(FieldError("item_rule", _("适用目录项目规则有误：%(problem)s") % {"problem": exc}))
    elif not isinstance(data.item_rule, dict):
        errors.append(FieldError("item_rule", _("适用目录项目规则必须是对象")))
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
    program.item_rule = dict(data.item_rule or {})
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
    start in ``year`` (default: the program's year).

    Read from the classes' place counter ``enrolled_count``, which the enrollment services keep equal to the
    class's enrollments that are not withdrawn (a race-safe conditional UPDATE on enrolling, importing a roster
    and withdrawing: :func:`lijiao.training.checks.reserve_seats` / ``release_seats``), so the sum runs over the
    year's classes of the program, not over their enrollments (ADR 0014)."""
    year = year or program.year
    used = TrainingClass.objects.filter(program=program, start_date__year=year).aggregate(
        n=Sum("enrolled_count")
    )
    return int(used["n"] or 0)


def item_facts(item: CatalogItem) -> dict[str, Any]:
    """The facts a program's ``item_rule`` is evaluated against (the item's occupation or special item loaded)."""
    occupation = getattr(item, "occupation", None)
    special = getattr(item, "special_item", None)
    return {
        "occupation_code": getattr(occupation, "code", None),
        "special_item_code": getattr(special, "code", None),
        "level": item.level,
        "is_elder_child_care": item.is_elder_child_care,
        "allows_graduate_conversion": item.allows_graduate_conversion,
        "is_digital": item.is_digital,
        "is_new_business_form": item.is_new_business_form,
    }


def program_item_problems(program: Program, item: CatalogItem) -> list[str]:
    """Why ``item`` does not fit ``program`` (empty when it does): the program is inactive, or its ``item_rule``
    does not cover the item (the failed rule labels, e.g. "乡村工匠相关职业")."""
    problems: list[str] = []
    if not program.active:
        problems.append(_("培训项目“%(name)s”已停用") % {"name": program.name})
    if program.item_rule:
        decision = evaluate(program.item_rule, item_facts(item))
        if not decision.passed:
            problems.append(
                _("“%(item)s”不在培训项目“%(name)s”的适用范围：%(reasons)s")
                % {"item": item, "name": program.name, "reasons": "；".join(decision.reasons)}
            )
    return problems


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
HEALTH_CARE_OCCUPATIONS = ("4-14-01-02", "4-14-01-03")  # 医疗护理员, 健康照护师
RURAL_CRAFT_OCCUPATIONS = (  # 乡村建设工匠, 砌筑工, 钢筋工, 手工木工, 农艺工
    "6-29-01-07",
    "6-29-01-01",
    "6-29-01-04",
    "6-06-03-01",
    "5-01-02-01",
)
GRADUATE_CONVERSION_ITEMS: dict[str, Any] = {
    "fact": "allows_graduate_conversion",
    "op": "==",
    "value": True,
    "label": "目录中列为可用于高校毕业生专业转换培训的项目",
}
ELDER_CHILD_ITEMS: dict[str, Any] = {
    "fact": "is_elder_child_care",
    "op": "==",
    "value": True,
    "label": "“一老一小”项目",
}
MASTER_CRAFTSMAN_ITEMS: dict[str, Any] = {
    "fact": "level",
    "op": "in",
    "value": [1, 2],
    "label": "技师（二级）或高级技师（一级）",
}
APPRENTICESHIP_ITEMS: dict[str, Any] = {
    "fact": "level",
    "op": "in",
    "value": [1, 2, 3, 4],
    "label": "中级工至高级技师（四级至一级）",
}
HEALTH_CARE_ITEMS: dict[str, Any] = {
    "fact": "occupation_code",
    "op": "in",
    "value": list(HEALTH_CARE_OCCUPATIONS),
    "label": "健康照护相关职业（医疗护理员、健康照护师）",
}
RURAL_CRAFT_ITEMS: dict[str, Any] = {
    "fact": "occupation_code",
    "op": "in",
    "value": list(RURAL_CRAFT_OCCUPATIONS),
    "label": "乡村工匠相关职业（乡村建设工匠、砌筑工、钢筋工、手工木工、农艺工）",
}
_EMPLOYMENT_SUBSIDY = Program.Funding.EMPLOYMENT_SUBSIDY.value
_UNEMPLOYMENT_INSURANCE = Program.Funding.UNEMPLOYMENT_INSURANCE.value


def default_programs(year: int) -> list[ProgramInput]:
    """The SPEC C4 programs of one year (plus general skills training): each "行业+培训" program under its lead
    department with its own items and quota, quotas adding up to the year's target of 100,000 person-times, and
    the funding accounts as they are named today."""
    return [
        ProgramInput(
            code=f"{year}-GEN",
            name="职业技能培训",
            kind=Program.Kind.GENERAL,
            year=year,
            target_groups=["unemployed", "rural_migrant", "low_income", "veteran", "disabled", "employee"],
            quota=68000,
            funding_source=_EMPLOYMENT_SUBSIDY,
        ),
        ProgramInput(
            code=f"{year}-GRAD",
            name="高校毕业生专业转换及技能提升培训",
            kind=Program.Kind.GRADUATE_CONVERSION,
            year=year,
            target_groups=["graduate", "upcoming_graduate"],
            eligibility_rule=GRADUATE_CONVERSION_RULE,
            item_rule=GRADUATE_CONVERSION_ITEMS,
            quota=8000,
            funding_source=_EMPLOYMENT_SUBSIDY,
        ),
        ProgramInput(
            code=f"{year}-IND-HEALTH",
            name="“行业+培训”健康照护专项培训",
            kind=Program.Kind.INDUSTRY_PLUS,
            year=year,
            lead_department="市卫生健康委员会、市医疗保障局",
            target_groups=["employee", "rural_migrant", "unemployed"],
            item_rule=HEALTH_CARE_ITEMS,
            quota=3000,
            funding_source=_EMPLOYMENT_SUBSIDY,
        ),
        ProgramInput(
            code=f"{year}-IND-CRAFT",
            name="“行业+培训”乡村工匠专项培训",
            kind=Program.Kind.INDUSTRY_PLUS,
            year=year,
            lead_department="市住房和城乡建设局、市农业农村局",
            target_groups=["rural_migrant", "employee", "unemployed"],
            item_rule=RURAL_CRAFT_ITEMS,
            quota=2000,
            funding_source=_EMPLOYMENT_SUBSIDY,
        ),
        ProgramInput(
            code=f"{year}-MASTER",
            name="大师工匠培育提升计划",
            kind=Program.Kind.MASTER_CRAFTSMAN,
            year=year,
            lead_department="市人力资源和社会保障局",
            target_groups=["employee", "insured"],
            eligibility_rule={"all": [_EMPLOYEES]},
            item_rule=MASTER_CRAFTSMAN_ITEMS,
            quota=2000,
            attendance_threshold=Decimal("0.900"),
            funding_source=_UNEMPLOYMENT_INSURANCE,
        ),
        ProgramInput(
            code=f"{year}-APPR",
            name="企业新型学徒制",
            kind=Program.Kind.APPRENTICESHIP,
            year=year,
            target_groups=["employee"],
            eligibility_rule=APPRENTICESHIP_RULE,
            item_rule=APPRENTICESHIP_ITEMS,
            quota=3000,
            funding_source=_UNEMPLOYMENT_INSURANCE,
        ),
        ProgramInput(
            code=f"{year}-TRANS",
            name="转岗培训",
            kind=Program.Kind.JOB_TRANSFER,
            year=year,
            target_groups=["employee", "insured"],
            eligibility_rule={"all": [_EMPLOYEES]},
            quota=4000,
            funding_source=_UNEMPLOYMENT_INSURANCE,
        ),
        ProgramInput(
            code=f"{year}-ELDER",
            name="一老一小培训",
            kind=Program.Kind.ELDER_CHILD,
            year=year,
            lead_department="市民政局",
            target_groups=["unemployed", "rural_migrant", "low_income", "employee"],
            item_rule=ELDER_CHILD_ITEMS,
            quota=10000,
            funding_source=_EMPLOYMENT_SUBSIDY,
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
        item_rule=dict(program.item_rule or {}),
        quota=program.quota,
        attendance_threshold=program.attendance_threshold,
        funding_source=program.funding_source,
        active=program.active,
    )
    return replace(data, **changes)
