"""Issue 9, Policy 4/5 and Usability 4/5: programs as the departments run them (items and quotas as data, the
year's target, today's funding accounts), evidence with its date and source, common value variants wherever
people data is typed, program names with their year, and no full birth date beside a masked ID."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.audit.models import AuditEvent
from lijiao.core.errors import DomainError
from lijiao.people.models import Person, PersonGroup
from lijiao.people.services import record_group
from lijiao.training.models import Enrollment, Program
from lijiao.training.services.enrollment import enroll
from lijiao.training.services.programs import (
    DEFAULT_ANNUAL_TARGET,
    ProgramInput,
    annual_target,
    create_program,
    default_programs,
    install_default_programs,
    program_input,
    program_item_problems,
    quota_plan,
    update_program,
)
from tests.training.test_enrollment import citizen_id, make_person, years_ago
from tests.training.test_enrollment_api import Api, person_body


def program_data(**changes: Any) -> ProgramInput:
    values: dict[str, Any] = {
        "code": "2026-X",
        "name": "测试项目",
        "kind": Program.Kind.GENERAL,
        "year": 2026,
    }
    values.update(changes)
    return ProgramInput(**values)


# ------------------------------------------------------------------------------------------------ Policy 5


def test_default_programs_add_up_to_the_year_s_target_of_100000() -> None:
    programs = default_programs(2026)
    assert sum(p.quota for p in programs) == DEFAULT_ANNUAL_TARGET == annual_target(2026) == 100_000


def test_industry_plus_is_one_program_per_lead_department_with_its_own_items(
    city_admin, training_ref
) -> None:
    install_default_programs(actor=city_admin, year=2026)
    industry = {p.code: p for p in Program.objects.filter(kind=Program.Kind.INDUSTRY_PLUS)}
    assert set(industry) == {"2026-IND-HEALTH", "2026-IND-CRAFT"}
    health, craft = industry["2026-IND-HEALTH"], industry["2026-IND-CRAFT"]
    assert "卫生健康" in health.lead_department and "医疗保障" in health.lead_department
    assert "住房和城乡建设" in craft.lead_department and "农业农村" in craft.lead_department
    assert health.quota and craft.quota and health.quota + craft.quota < 10_000
    carer = training_ref["items"]["carer5"]  # not a health-care occupation of the 卫健/医保 program
    electrician = training_ref["items"]["electrician5"]
    for program in (health, craft):
        problems = program_item_problems(program, electrician)
        assert len(problems) == 1 and program.name in problems[0]
    assert program_item_problems(health, carer)
    # which items a program covers is data: the bureau widens the craft program without a code change
    rule = {"fact": "occupation_code", "op": "in", "value": [electrician.occupation.code], "label": "电工"}
    update_program(actor=city_admin, program=craft, data=program_input(craft, item_rule=rule))
    craft.refresh_from_db()
    assert program_item_problems(craft, electrician) == []


def test_funding_is_named_as_today_s_accounts(city_admin) -> None:
    assert {p.funding_source for p in default_programs(2026)} == {
        "就业补助资金",
        "失业保险基金（技能提升）",
    }
    for stale in ("职业技能提升行动专账资金", "行业主管部门专项资金"):
        with pytest.raises(DomainError) as exc:
            create_program(actor=city_admin, data=program_data(funding_source=stale))
        message = {e.field: e.message for e in exc.value.errors}["funding_source"]
        assert "就业补助资金" in message
    assert not Program.objects.exists()


def test_quotas_beyond_the_year_s_target_are_refused_and_nothing_written(city_admin) -> None:
    create_program(actor=city_admin, data=program_data(quota=90_000))
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        create_program(actor=city_admin, data=program_data(code="2026-Y", quota=10_001))
    message = {e.field: e.message for e in exc.value.errors}["quota"]
    assert "100000" in message and "100001" in message
    assert Program.objects.count() == 1 and AuditEvent.objects.count() == events
    create_program(actor=city_admin, data=program_data(code="2026-Y", quota=10_000))  # exactly the target
    create_program(
        actor=city_admin, data=program_data(code="2027-Y", year=2027, quota=50_000)
    )  # another year
    plan = quota_plan(2026)
    assert (plan.planned, plan.target, plan.shortfall) == (100_000, 100_000, 0)
    assert quota_plan(2027).shortfall == 50_000


def test_the_target_is_a_setting(city_admin, settings) -> None:
    settings.TRAINING_ANNUAL_TARGETS = {2026: 1_000}
    with pytest.raises(DomainError):
        create_program(actor=city_admin, data=program_data(quota=1_001))
    assert create_program(actor=city_admin, data=program_data(quota=1_000)).pk


def test_a_malformed_item_rule_is_a_field_error(city_admin) -> None:
    with pytest.raises(DomainError) as exc:
        create_program(actor=city_admin, data=program_data(item_rule={"fact": "level", "op": "≈"}))
    assert "适用目录项目规则有误" in {e.field: e.message for e in exc.value.errors}["item_rule"]
    assert not Program.objects.exists()


def test_program_list_shows_the_sum_against_the_target_and_names_with_their_year(
    city_admin, django_assert_max_num_queries
) -> None:
    install_default_programs(actor=city_admin, year=2026)
    client = Client()
    client.force_login(city_admin)
    with django_assert_max_num_queries(30):
        html = client.get(reverse("training:program_list")).content.decode()
    assert "2026 年度各项目计划合计 100000 人次，年度目标 100000 人次" in html
    assert "2026年“行业+培训”健康照护专项培训" in html
    assert "失业保险基金（技能提升）" in html


def test_class_lists_name_the_program_with_its_year(provider_staff, approved_class) -> None:
    client = Client()
    client.force_login(provider_staff)
    html = client.get(reverse("training:class_list")).content.decode()
    assert f"{approved_class.program.year}年{approved_class.program.name}" in html
    body = Api(provider_staff).get(f"/classes/{approved_class.pk}").json()
    assert body["program"]["label"] == f"{approved_class.program.year}年{approved_class.program.name}"


# ------------------------------------------------------------------------------------------------ Policy 4


def test_evidence_records_its_date_and_source(provider_staff) -> None:
    person = make_person()
    row = record_group(actor=provider_staff, person=person, group="unemployed", registration_number="D-1")
    assert row.source == PersonGroup.Source.DECLARED and row.as_of is not None
    row = record_group(
        actor=provider_staff,
        person=person,
        group="unemployed",
        registration_number="D-1",
        as_of=dt.date(2025, 3, 1),
        source="register",
    )
    row.refresh_from_db()
    assert (row.as_of, row.source) == (dt.date(2025, 3, 1), "register")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"as_of": dt.date.today() + dt.timedelta(days=2)}, "as_of"), ({"source": "rumour"}, "source")],
)
def test_bad_evidence_date_or_source_is_refused(provider_staff, changes, field) -> None:
    person = make_person()
    with pytest.raises(DomainError) as exc:
        record_group(
            actor=provider_staff, person=person, group="unemployed", registration_number="D-1", **changes
        )
    assert field in {e.field for e in exc.value.errors}
    assert not PersonGroup.objects.exists()


def test_the_enroll_api_takes_the_position_and_the_evidence_date(provider_staff, approved_class) -> None:
    number = citizen_id(years_ago(53), male=False)
    response = Api(provider_staff).post(
        f"/classes/{approved_class.pk}/enrollments",
        person_body(
            number,
            position="工人",
            groups=[
                {
                    "group": "unemployed",
                    "registration_number": "D-9",
                    "as_of": "2026-01-05",
                    "source": "register",
                }
            ],
        ),
    )
    assert response.status_code == 400 and response.json()["code"] == "not_eligible"  # 53 > 50y… as a worker
    assert not Person.objects.exists()
    response = Api(provider_staff).post(
        f"/classes/{approved_class.pk}/enrollments",
        person_body(
            number,
            position="干部",
            groups=[
                {
                    "group": "unemployed",
                    "registration_number": "D-9",
                    "as_of": "2026-01-05",
                    "source": "register",
                }
            ],
        ),
    )
    assert response.status_code in (200, 201), response.json()
    person = Person.objects.get()
    assert person.position == Person.Position.CADRE
    group = person.groups.get()
    assert (group.as_of, group.source) == (dt.date(2026, 1, 5), "register")
    assert response.json()["person"]["groups"][0]["source"] == "register"


# ------------------------------------------------------------------------------------------------ Usability 4


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("初中及以下", "junior"),
        ("中专", "senior"),
        ("职高", "senior"),
        ("技校", "senior"),
        ("硕士", "postgraduate"),
        ("博士", "postgraduate"),
        ("大学本科", "bachelor"),
        ("专科", "college"),
    ],
)
def test_the_enroll_api_accepts_common_education_variants(
    provider_staff, approved_class, typed, code
) -> None:
    number = citizen_id(years_ago(30))
    response = Api(provider_staff).post(
        f"/classes/{approved_class.pk}/enrollments",
        person_body(number, education=typed, household="农业户口"),
    )
    assert response.status_code in (200, 201), response.json()
    assert Person.objects.get().education == code and Person.objects.get().household == "rural"


def test_an_unknown_education_is_still_a_field_error(provider_staff, approved_class) -> None:
    response = Api(provider_staff).post(
        f"/classes/{approved_class.pk}/enrollments",
        person_body(citizen_id(years_ago(30)), education="博士后"),
    )
    assert response.status_code in (400, 422)
    assert not Person.objects.exists() and not Enrollment.objects.exists()


# ------------------------------------------------------------------------------------------------ Usability 5


def test_person_page_and_api_show_birth_year_and_age_not_the_birth_date(
    provider_staff, approved_class
) -> None:
    birth = dt.date(1991, 7, 23)
    person = make_person("周七", birth=birth)
    enroll(actor=provider_staff, training_class=approved_class, person=person)
    client = Client()
    client.force_login(provider_staff)
    html = client.get(reverse("training:person", args=[person.pk])).content.decode()
    assert "1991 年生" in html
    for shown in ("1991-07-23", "1991年7月23日", "July 23, 1991", "23 July 1991", "19910723"):
        assert shown not in html
    body = Api(provider_staff).get(f"/persons/{person.pk}").json()
    assert "birth_date" not in body and body["birth_year"] == 1991 and body["age"] >= 34
    roster = client.get(reverse("training:roster", args=[approved_class.pk])).content.decode()
    assert "1991-07-23" not in roster
