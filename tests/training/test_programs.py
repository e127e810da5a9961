"""Programs as data: validation with field errors (nothing written), permissions, audit, quota use, and the
default SPEC programs whose rules decide as the policies say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.errors import DomainError, PermissionDenied
from lijiao.core.rules import evaluate
from lijiao.training.checks import eligibility_rule_for, evaluate_eligibility, person_facts
from lijiao.training.models import ClassStatus, Enrollment, Program
from lijiao.training.services.programs import (
    ProgramInput,
    create_program,
    default_programs,
    install_default_programs,
    program_input,
    quota_used,
    update_program,
    validate_program,
)
from tests.training.conftest import make_class, next_monday, today
from tests.translations import CHINESE


def data(**changes: Any) -> ProgramInput:
    values: dict[str, Any] = {
        "code": "2026-X",
        "name": "测试项目",
        "kind": Program.Kind.GENERAL,
        "year": 2026,
        "target_groups": ["unemployed"],
        "eligibility_rule": {"fact": "age", "op": "<=", "value": 60, "label": "不超过60周岁"},
        "quota": 100,
    }
    values.update(changes)
    return ProgramInput(**values)


def test_create_and_update_are_audited(city_admin) -> None:
    program = create_program(actor=city_admin, data=data())
    assert program.pk and program.target_groups == ["unemployed"]
    assert program.attendance_threshold == Decimal("0.800")
    update_program(actor=city_admin, program=program, data=program_input(program, quota=250, name=" 改名 "))
    program.refresh_from_db()
    assert (program.quota, program.name) == (250, "改名")
    events = AuditEvent.objects.filter(object_id=str(program.pk), action__startswith="training.program.")
    assert [e.action for e in events.order_by("sequence")] == [
        "training.program.created",
        "training.program.updated",
    ]
    assert events.get(action="training.program.updated").before["quota"] == 100


@pytest.mark.parametrize("role", [Role.DISTRICT_CLERK, Role.PROVIDER_STAFF, Role.CATALOG_OFFICER])
def test_only_the_city_admin_writes_programs(role, make_user, program) -> None:
    actor = make_user(role)
    with pytest.raises(PermissionDenied):
        create_program(actor=actor, data=data())
    with pytest.raises(PermissionDenied):
        update_program(actor=actor, program=program, data=program_input(program, quota=1))
    assert Program.objects.count() == 1 and Program.objects.get().quota == 1000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": " "}, "code"),
        ({"code": "x" * 31}, "code"),
        ({"name": ""}, "name"),
        ({"kind": "party"}, "kind"),
        ({"year": 1999}, "year"),
        ({"lead_department": " "}, "lead_department"),
        ({"target_groups": ["graduate", "martians"]}, "target_groups"),
        ({"eligibility_rule": {"fact": "age", "op": "≈", "value": 1}}, "eligibility_rule"),
        ({"eligibility_rule": {"all": []}}, "eligibility_rule"),
        ({"quota": -1}, "quota"),
        ({"attendance_threshold": Decimal("1.2")}, "attendance_threshold"),
        ({"attendance_threshold": Decimal("-0.1")}, "attendance_threshold"),
        ({"attendance_threshold": Decimal("0.8001")}, "attendance_threshold"),
        ({"attendance_threshold": Decimal("NaN")}, "attendance_threshold"),
    ],
)
def test_invalid_programs_are_field_errors(changes, field, city_admin) -> None:
    with pytest.raises(DomainError) as exc:
        create_program(actor=city_admin, data=data(**changes))
    messages = {e.field: e.message for e in exc.value.errors}
    assert field in messages and CHINESE.search(messages[field])
    assert not Program.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="training.program.").exists()


def test_duplicate_code_refused_but_own_code_kept(city_admin, program) -> None:
    assert [e.field for e in validate_program(data(code="T-GEN"))] == ["code"]
    assert validate_program(program_input(program), exclude=program) == []


def test_empty_rule_means_base_rule_only(city_admin) -> None:
    program = create_program(actor=city_admin, data=data(eligibility_rule={}))
    facts = person_facts(birth_date=dt.date(1990, 1, 1), gender="M", groups=[], on=today())
    assert evaluate_eligibility(program, facts).passed
    old = person_facts(birth_date=dt.date(1950, 1, 1), gender="M", groups=[], on=today())
    assert "未达到法定退休年龄" in evaluate_eligibility(program, old).reasons


def test_quota_used_counts_enrollments_of_the_year(
    program, provider_staff, approved_class, provider, training_ref
):
    """Enrollments that are not withdrawn, in the program's classes of the year: read from the classes' place
    counter, which enrolling and withdrawing keep equal to that count (ADR 0014)."""
    from lijiao.training.services.enrollment import enroll, withdraw
    from tests.training.test_enrollment import make_person

    tc = approved_class
    enrollments = [
        enroll(actor=provider_staff, training_class=tc, person=make_person(f"学员{i}")) for i in range(3)
    ]
    withdraw(actor=provider_staff, enrollment=enrollments[0], reason="个人原因")
    counted = Enrollment.objects.filter(training_class__program=program).exclude(
        status=Enrollment.Status.WITHDRAWN
    )
    assert quota_used(program, tc.start_date.year) == counted.count() == 2
    assert quota_used(program, tc.start_date.year + 1) == 0
    # the list's annotation agrees with the service
    from lijiao.training.selectors.classes import visible_programs, with_quota_used

    listed = with_quota_used(visible_programs(None)).get(pk=program.pk)
    assert listed.quota_used_count == 2
    other = make_class(
        provider, training_ref["items"]["electrician5"], start=next_monday(2), status=ClassStatus.APPROVED
    )
    enroll(actor=provider_staff, training_class=other, person=make_person("学员9"))
    assert quota_used(program, tc.start_date.year) == 2


# ---------------------------------------------------------------------------------------------------------------
# The SPEC programs


def test_default_programs_are_valid_and_installed_once(city_admin) -> None:
    inputs = default_programs(2026)
    kinds = {d.kind for d in inputs}
    assert kinds == set(Program.Kind.values)  # the six SPEC programs plus general skills training
    for item in inputs:
        assert validate_program(item) == [], item.code
    first = install_default_programs(actor=city_admin, year=2026)
    again = install_default_programs(actor=None, year=2026)
    assert len(first) == 8 and [p.pk for p in first] == [p.pk for p in again]
    assert Program.objects.count() == 8
    assert AuditEvent.objects.filter(action="training.program.created").count() == 8


def test_install_as_the_system(db) -> None:
    programs = install_default_programs(actor=None, year=2027)
    assert {p.code for p in programs} >= {"2027-GRAD", "2027-APPR", "2027-ELDER"}


def _rule(kind: str) -> dict[str, Any]:
    return next(d.eligibility_rule for d in default_programs(2026) if d.kind == kind)


def _base_and(kind: str) -> dict[str, Any]:
    """What an enrollment is checked against: the base rule and the program's rule."""
    return eligibility_rule_for(Program(eligibility_rule=_rule(kind)))


@pytest.mark.parametrize(
    ("groups", "employed", "passed"),
    [
        ({"graduate": 2024}, False, True),
        ({"graduate": 2024}, True, False),
        ({"graduate": 2020}, False, False),  # more than 3 years after graduation
        ({"upcoming_graduate": 2027}, None, True),
        ({"unemployed": None}, None, False),
    ],
)
def test_graduate_conversion_rule(groups, employed, passed) -> None:
    from lijiao.training.checks import PersonGroupEvidence

    evidence = {code: PersonGroupEvidence(code, graduation_year=year) for code, year in groups.items()}
    facts = person_facts(
        birth_date=dt.date(2002, 5, 1), gender="F", groups=evidence, on=dt.date(2026, 3, 2), employed=employed
    )
    decision = evaluate(_rule(Program.Kind.GRADUATE_CONVERSION), facts)
    assert decision.passed is passed
    if not passed:
        assert decision.reasons


@pytest.mark.parametrize(
    ("groups", "months", "passed"), [(["employee"], 12, True), (["employee"], 6, False), ([], 24, False)]
)
def test_apprenticeship_rule(groups, months, passed) -> None:
    facts = person_facts(
        birth_date=dt.date(1998, 1, 1),
        gender="M",
        groups=groups,
        on=dt.date(2026, 3, 2),
        labour_contract_months=months,
    )
    assert evaluate(_rule(Program.Kind.APPRENTICESHIP), facts).passed is passed


@pytest.mark.parametrize(
    ("birth", "gender", "position", "passed"),
    [
        (dt.date(1966, 1, 1), "M", "", True),  # 60y2m: retires at 60y4m in 2026-05 (was refused at "≤ 60")
        (dt.date(1965, 9, 1), "M", "", False),  # 60y6m: retired at 60y3m in 2025-12
        (dt.date(1964, 1, 1), "M", "", False),  # retired at 60 in 2024, before the reform
        (dt.date(1975, 6, 1), "F", "worker", False),  # 50y9m: retired at 50y3m in 2025-09
        (dt.date(1975, 6, 1), "F", "cadre", True),  # retires at 55y… in 2030
        (dt.date(1970, 1, 1), "F", "", False),  # not recorded → 原55: retired at 55y1m in 2025-02
        (dt.date(1972, 1, 1), "F", "", True),  # 54y2m
        (dt.date(2012, 1, 1), "F", "", False),  # 14
    ],
)
def test_elder_child_program_uses_the_statutory_retirement_age_not_60(
    birth, gender, position, passed
) -> None:
    """The invented "≤ 60 for everyone" is gone: 16 to the statutory retirement age (by sex, birth and position)."""
    assert _rule(Program.Kind.ELDER_CHILD) == {}
    facts = person_facts(
        birth_date=birth, gender=gender, groups=[], on=dt.date(2026, 3, 2), position=position
    )
    assert evaluate(_base_and(Program.Kind.ELDER_CHILD), facts).passed is passed
