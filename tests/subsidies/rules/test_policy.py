"""The pure decision: each rule R1–R11 and the age rule on its pass and fail side, amounts, overrides."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lijiao.subsidies.policy import FactsError, decide
from tests.subsidies.rules.facts_data import facts, version


def line(decision: Any, rule: str) -> Any:
    return next(x for x in decision.lines if x.rule == rule)


def test_a_clean_training_claim_passes_every_rule_with_a_line_each() -> None:
    decision = decide(facts(), version("training"))
    assert decision.passed, decision.failed_rules
    assert [x.rule for x in decision.lines] == ["AGE", "R1", "R2", "R3", "R4", "R9", "R10", "R5"]
    assert decision.amount == Decimal("1200.00")
    for x in decision.lines:
        assert x.label and x.policy and x.explanation
        assert x.as_dict()["inputs"] is not None


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"person.birth_date": "2010-06-01"}, "training"),  # 15 on the application date
        ({"person.birth_date": "1960-01-01"}, "training"),  # a man past the statutory age (60y+)
        ({"person.birth_date": "1975-01-10", "person.gender": "F", "person.position": "worker"}, "training"),
    ],
)
def test_age_fails_under_16_and_past_the_statutory_retirement_age(changes: dict[str, Any], kind: str) -> None:
    decision = decide(facts(**changes), version(kind))
    assert not decision.passed
    assert line(decision, "AGE").passed is False
    assert decision.amount == 0


def test_age_is_computed_from_the_birth_date_and_sex_not_typed() -> None:
    # a woman worker born 1976-03 retires at 50y+ months in 2026: typed "age": 30 is ignored
    decision = decide(
        facts(
            **{
                "person.birth_date": "1975-06-10",
                "person.gender": "F",
                "person.position": "worker",
                "person.age": 30,
            }
        ),
        version("training"),
    )
    assert line(decision, "AGE").passed is False
    assert "法定退休年龄" in line(decision, "AGE").explanation
    # the same woman in a cadre position (55 → later) is within working age
    ok = decide(
        facts(**{"person.birth_date": "1975-06-10", "person.gender": "F", "person.position": "cadre"}),
        version("training"),
    )
    assert line(ok, "AGE").passed


@pytest.mark.parametrize(
    "changes",
    [
        {"certificate": {}},
        {"certificate.status": "revoked"},
        {"certificate.matches_item": False},
        {"certificate.issued_on": "2026-04-01"},
    ],
)
def test_r1_needs_a_valid_certificate_for_the_class_item(changes: dict[str, Any]) -> None:
    decision = decide(facts(**changes), version("training"))
    assert line(decision, "R1").passed is False
    assert not decision.passed


def test_r2_cap_per_kind_or_in_total_per_calendar_year_or_rolling() -> None:
    three = {"total": 3, "by_kind": {"training": 1, "skill_upgrade": 2}}
    two = {"total": 1, "by_kind": {"training": 1}}
    history = {"history.subsidies": {"calendar_year": three, "rolling_12_months": two}}
    assert line(decide(facts(**history), version("training")), "R2").passed  # per kind: 1 training
    assert not line(decide(facts(**history), version("training", r2_scope="total")), "R2").passed
    rolling = version("training", r2_scope="total", r2_period="rolling_12_months")
    assert line(decide(facts(**history), rolling), "R2").passed
    full = {"history.subsidies": {"calendar_year": {"total": 3, "by_kind": {"training": 3}}}}
    failed = line(decide(facts(**full), version("training")), "R2")
    assert not failed.passed
    assert "3次" in failed.explanation


def test_r3_same_level_once_and_no_lower_level_after_a_higher_one() -> None:
    same = facts(**{"history.subsidised_levels": [{"kind": "training", "level": 4}]})
    higher = facts(**{"history.subsidised_levels": [{"kind": "skill_upgrade", "level": 3}]})
    lower = facts(**{"history.subsidised_levels": [{"kind": "training", "level": 5}]})
    other_kind = facts(**{"history.subsidised_levels": [{"kind": "assessment", "level": 4}]})
    assert not line(decide(same, version("training")), "R3").passed
    failed = line(decide(higher, version("training")), "R3")
    assert not failed.passed
    assert "更高等级" in failed.explanation
    assert line(decide(lower, version("training")), "R3").passed
    assert line(decide(other_kind, version("training")), "R3").passed


def test_r4_a_certificate_is_paid_once_across_kinds() -> None:
    decision = decide(facts(**{"history.certificate_claimed_elsewhere": True}), version("skill_upgrade"))
    assert not line(decision, "R4").passed
    assert line(decide(facts(), version("skill_upgrade")), "R4").passed


def test_r5_the_uplifted_amount_is_capped_by_the_edition_cap() -> None:
    uplifted = facts(**{"catalog_item.uplift": "0.20"})
    assert decide(uplifted, version("training")).amount == Decimal("1440.00")
    capped = facts(**{"catalog_item.uplift": "0.30", "catalog_item.edition_cap": "1500.00"})
    decision = decide(capped, version("training"))
    assert decision.amount == Decimal("1500.00")
    assert "按上限" in line(decision, "R5").explanation
    assert line(decision, "R5").inputs["uplifted"] == "1560.00"


def test_r6_skill_upgrade_amount_by_level_and_its_conditions() -> None:
    ok = decide(facts(), version("skill_upgrade"))
    assert ok.passed, ok.failed_rules
    assert ok.amount == Decimal("1500.00")
    senior = decide(facts(**{"certificate.level": 3}), version("skill_upgrade"))
    assert senior.amount == Decimal("2000.00")
    for changes in (
        {"history.insured_months": 11},
        {"application_date": "2027-01-11"},  # more than 12 months after the certificate date
        {"person.groups": ["student"]},
        {"person.groups": ["public_institution"]},
        {"person.employer_kind": "事业单位"},
    ):
        decision = decide(facts(**changes), version("skill_upgrade"))
        assert not line(decision, "R6").passed, changes
        assert decision.amount == 0


def test_r6_a_parameter_changed_between_versions_decides_differently() -> None:
    insured_20 = facts(**{"history.insured_months": 20})
    assert not decide(insured_20, version("skill_upgrade", 1, r6_min_insured_months=36)).passed
    assert decide(insured_20, version("skill_upgrade", 2, r6_min_insured_months=12)).passed


def test_r7_assessment_subsidy_only_for_the_first_assessment_and_once() -> None:
    ok = decide(facts(), version("assessment"))
    assert ok.passed, ok.failed_rules
    assert ok.amount == Decimal("300.00")
    assert not line(decide(facts(**{"history.first_assessment": False}), version("assessment")), "R7").passed
    assert not line(decide(facts(**{"history.assessment_claims": 1}), version("assessment")), "R7").passed


def test_r8_apprenticeship_new_or_transferred_with_a_contract_of_a_year_advance_and_final() -> None:
    advance = decide(facts(part="advance", certificate={}), version("apprenticeship"))
    assert advance.passed, advance.failed_rules
    assert advance.amount == Decimal("5000.00")  # 24 months × 5000/yr = 10000, 50 % advance
    final = decide(facts(part="final"), version("apprenticeship"))
    assert final.passed and final.amount == Decimal("5000.00")
    assert not decide(facts(part="final", certificate={}), version("apprenticeship")).passed
    for changes in (
        {"apprenticeship.hire_type": "existing"},
        {"apprenticeship.contract_months": 11},
        {"apprenticeship.level": 5},
        {"apprenticeship.training_months": 30},
    ):
        assert not line(decide(facts(**changes), version("apprenticeship")), "R8").passed, changes
    exceptional = facts(**{"apprenticeship.training_months": 30, "apprenticeship.exceptional": True})
    assert line(decide(exceptional, version("apprenticeship")), "R8").passed


def test_r9_attendance_in_lesson_hours() -> None:
    assert line(decide(facts(), version("training")), "R9").passed  # 72/80 = 90 %
    low = decide(facts(**{"attendance.lesson_hours_attended": 63}), version("training"))  # 78.75 %
    assert not line(low, "R9").passed
    assert "78.8%" in line(low, "R9").explanation
    edge = decide(facts(**{"attendance.lesson_hours_attended": 64}), version("training"))
    assert line(edge, "R9").passed


@pytest.mark.parametrize(
    "changes",
    [
        {"training_class.provider_listed": False},
        {"training_class.provider_blacklisted": True},
        {"training_class.approved": False},
        {"training_class.item_in_scope": False},
    ],
)
def test_r10_provider_listed_not_blacklisted_class_approved_item_in_scope(changes: dict[str, Any]) -> None:
    assert not line(decide(facts(**changes), version("training")), "R10").passed


def test_r11_graduate_conversion() -> None:
    ok = decide(facts(), version("graduate_conversion"))
    assert ok.passed, ok.failed_rules
    for changes in (
        {"graduate.graduation_year": 2022},  # 4 years
        {"graduate.employed": True},
        {"graduate.training_months": 2},
        {"graduate.training_months": 7},
        {"history.graduate_conversion_claims": 1},
    ):
        assert not line(decide(facts(**changes), version("graduate_conversion")), "R11").passed, changes
    upcoming = facts(**{"graduate.graduation_year": 2026, "graduate.employed": True})
    assert line(decide(upcoming, version("graduate_conversion")), "R11").passed


def test_living_allowance_for_eligible_groups_per_day() -> None:
    ok = decide(facts(**{"person.groups": ["unemployed"]}), version("living"))
    assert ok.passed, ok.failed_rules
    assert ok.amount == Decimal("1000.00")  # 20 days × 50
    assert not decide(facts(), version("living")).passed


def test_talent_kinds_get_a_placeholder_line() -> None:
    decision = decide(facts(), version("craftsman_award"))
    assert not decision.passed
    assert [x.rule for x in decision.lines] == ["TALENT"]
    assert "逐案审核" in decision.lines[0].explanation


def test_an_override_counts_a_failed_rule_as_passed_and_says_why() -> None:
    spoiled = facts(**{"attendance.lesson_hours_attended": 50})
    assert not decide(spoiled, version("training")).passed
    spoiled["overrides"] = {"R9": "停电两次课，已补课"}
    decision = decide(spoiled, version("training"))
    assert decision.passed and decision.amount == Decimal("1200.00")
    assert "停电两次课" in line(decision, "R9").explanation


def test_extra_rules_as_data_compare_facts() -> None:
    data = version("training")
    rules = {
        **data.rules,
        "extra": [
            {
                "code": "X1",
                "label": "参训课时不少于计划课时",
                "policy": "示例",
                "rule": {
                    "fact": "attendance.lesson_hours_attended",
                    "op": ">=",
                    "fact_ref": "training_class.lesson_hours",
                },
            }
        ],
    }
    from dataclasses import replace

    decision = decide(facts(), replace(data, rules=rules))
    assert not line(decision, "X1").passed


def test_bad_facts_raise_a_clear_error() -> None:
    with pytest.raises(FactsError, match="application_date"):
        decide(facts(application_date="02/03/2026"), version("training"))
    with pytest.raises(FactsError, match="person"):
        decide(facts(person="张三"), version("training"))
