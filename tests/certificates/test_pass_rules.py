"""Pass derivation (SPEC C5): each threshold on each side, 综合评审 for 技师/高级技师, parameters per level."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lijiao.certificates.models import PassRule
from lijiao.certificates.services.pass_rules import (
    RuleFigures,
    Scores,
    derive_pass,
    rule_for_level,
    rules_by_level,
)

D = Decimal
DEFAULT = RuleFigures(policy_text="规程")
REVIEWED = RuleFigures(needs_review=True, level=2)


@pytest.mark.parametrize(
    ("theory", "practical", "passed"),
    [
        (D("60"), D("60"), True),  # both exactly at the minimum
        (D("59.99"), D("60"), False),  # theory one cent below
        (D("60"), D("59.99"), False),  # practical one cent below
        (D("100"), D("100"), True),
        (D("0"), D("95"), False),
        (None, D("90"), False),  # theory not taken
        (D("90"), None, False),  # practical not taken
    ],
)
def test_theory_and_practical_thresholds(theory: D | None, practical: D | None, passed: bool) -> None:
    result, basis = derive_pass(Scores(theory, practical), DEFAULT)
    assert result is passed
    assert basis["passed"] is passed
    assert [c["item"] for c in basis["checks"]] == ["theory", "practical"]
    assert basis["policy"] == "规程"


@pytest.mark.parametrize(
    ("review", "passed"), [(D("60"), True), (D("59.99"), False), (None, False), (D("100"), True)]
)
def test_review_is_needed_for_technician_levels(review: D | None, passed: bool) -> None:
    result, basis = derive_pass(Scores(D("80"), D("80"), review), REVIEWED)
    assert result is passed
    assert basis["checks"][-1] == {
        "item": "review",
        "score": None if review is None else str(review),
        "min": "60",
        "passed": passed,
    }


def test_review_is_ignored_without_the_rule() -> None:
    result, basis = derive_pass(Scores(D("80"), D("80"), D("10")), DEFAULT)
    assert result is True
    assert len(basis["checks"]) == 2


def test_other_thresholds_are_data() -> None:
    rule = RuleFigures(theory_min=D("70"), practical_min=D("75"))
    assert derive_pass(Scores(D("70"), D("75")), rule)[0] is True
    assert derive_pass(Scores(D("69.99"), D("80")), rule)[0] is False
    assert derive_pass(Scores(D("80"), D("74.99")), rule)[0] is False
    basis = derive_pass(Scores(D("70"), D("75")), rule)[1]
    assert basis["rule"]["theory_min"] == "70" and basis["rule"]["practical_min"] == "75"


@pytest.mark.django_db
def test_stored_rules_per_level() -> None:
    """The migration seeds 60/60 by default and 综合评审 for levels 2 and 1; a level's own row wins."""
    assert rule_for_level(5).needs_review is False
    assert rule_for_level(None).needs_review is False
    for level in (2, 1):
        rule = rule_for_level(level)
        assert rule.needs_review is True and rule.level == level and "综合评审" in rule.policy_text
    PassRule.objects.create(level=4, theory_min=D("65"), practical_min=D("70"))
    four = rules_by_level()[4]
    assert (four.theory_min, four.practical_min) == (D("65"), D("70"))
    assert derive_pass(Scores(D("64"), D("90")), rule_for_level(4))[0] is False
    assert derive_pass(Scores(D("64"), D("90")), rule_for_level(3))[0] is True
