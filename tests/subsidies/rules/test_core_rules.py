"""The rule evaluator's growth for subsidies: comparisons between facts, dotted fact paths, month arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from lijiao.core.rules import (
    RuleError,
    add_months,
    evaluate,
    facts_read,
    months_between,
    validate_rule,
    within_months,
)


def test_a_fact_compared_with_another_fact() -> None:
    rule = {"fact": "attended", "op": ">=", "fact_ref": "required", "label": "课时达标"}
    assert evaluate(rule, {"attended": 64, "required": 64}).passed
    decision = evaluate(rule, {"attended": 63, "required": 64})
    assert not decision.passed and decision.reasons == ("课时达标",)
    assert decision.trace[0].expected == 64 and decision.trace[0].actual == 63
    assert facts_read(rule) == {"attended", "required"}
    assert not evaluate(rule, {"attended": 63}).passed  # a missing fact fails


def test_dotted_paths_read_nested_facts_and_top_level_names_win() -> None:
    facts = {"person": {"age": 30}, "person.age": 12}
    assert not evaluate({"fact": "person.age", "op": ">=", "value": 16}, facts).passed
    assert evaluate({"fact": "history.first", "op": "==", "value": True}, {"history": {"first": True}}).passed
    assert not evaluate({"fact": "a.b.c", "op": "exists"}, {"a": {"b": 1}}).passed


def test_malformed_comparisons_are_refused() -> None:
    with pytest.raises(RuleError, match="fact_ref"):
        validate_rule({"fact": "a", "op": "<=", "fact_ref": ""})
    with pytest.raises(RuleError):
        validate_rule({"fact": "a", "op": "<=", "fact_ref": "b", "value": 1})


def test_month_arithmetic() -> None:
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 3, 15), -15) == dt.date(2023, 12, 15)
    assert months_between(dt.date(2025, 1, 31), dt.date(2025, 2, 28)) == 1
    assert months_between(dt.date(2025, 1, 15), dt.date(2025, 2, 14)) == 0
    assert months_between(dt.date(2025, 1, 15), dt.date(2026, 1, 15)) == 12
    assert months_between(dt.date(2026, 1, 15), dt.date(2025, 1, 15)) == -12
    assert within_months(dt.date(2025, 1, 10), dt.date(2026, 1, 10), 12)
    assert not within_months(dt.date(2025, 1, 10), dt.date(2026, 1, 11), 12)
