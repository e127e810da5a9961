"""The pure rule evaluator: every operator, all/any/not, missing facts, malformed rules named by path, and what
the trace and reasons say (a reviewer and the person concerned read them)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from lijiao.core.rules import OPERATORS, Decision, RuleError, evaluate, validate_rule
from tests.translations import chinese_only


def leaf(fact: str, op: str, value: object = None, label: str | None = None) -> dict[str, object]:
    rule: dict[str, object] = {"fact": fact, "op": op, "value": value}
    if label:
        rule["label"] = label
    return rule


@pytest.mark.parametrize(
    ("op", "actual", "value", "expected"),
    [
        ("==", 5, 5, True),
        ("==", 5, 6, False),
        ("==", "rural", "rural", True),
        ("!=", 5, 6, True),
        ("!=", 5, 5, False),
        ("<", 15, 16, True),
        ("<", 16, 16, False),
        ("<=", 16, 16, True),
        ("<=", 17, 16, False),
        (">", 17, 16, True),
        (">", 16, 16, False),
        (">=", 16, 16, True),
        (">=", 15, 16, False),
        (">=", Decimal("12.5"), 12, True),
        ("<", dt.date(2024, 1, 1), dt.date(2025, 1, 1), True),
        ("in", "bachelor", ["bachelor", "postgraduate"], True),
        ("in", "junior", ["bachelor", "postgraduate"], False),
        ("not_in", "junior", ["bachelor"], True),
        ("not_in", "bachelor", ["bachelor"], False),
        ("contains", ["graduate", "veteran"], "graduate", True),
        ("contains", ["veteran"], "graduate", False),
        ("contains_any", ["veteran"], ["graduate", "veteran"], True),
        ("contains_any", ["disabled"], ["graduate", "veteran"], False),
        ("contains_any", [], ["graduate"], False),
        ("exists", 2020, True, True),
        ("exists", "", True, False),
        ("exists", None, False, True),
        ("exists", 2020, False, False),
    ],
)
def test_every_operator(op, actual, value, expected):
    decision = evaluate(leaf("x", op, value), {"x": actual})
    assert decision.passed is expected
    assert decision.trace[0].actual == actual and decision.trace[0].passed is expected


def test_every_operator_is_covered():
    assert set(OPERATORS) == {
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "in",
        "not_in",
        "contains",
        "contains_any",
        "exists",
    }


def test_exists_without_a_value_means_exists():
    assert evaluate({"fact": "graduation_year", "op": "exists"}, {"graduation_year": 2024}).passed
    assert not evaluate({"fact": "graduation_year", "op": "exists"}, {}).passed


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "contains", "contains_any", "==", "exists", "in"])
def test_a_missing_fact_fails(op):
    value = ["a"] if op in ("contains_any", "in") else (True if op == "exists" else 1)
    decision = evaluate(leaf("absent", op, value, "条件"), {})
    assert not decision.passed
    assert decision.reasons == ("条件",)
    assert decision.trace[0].actual is None


def test_a_missing_fact_satisfies_the_negative_operators():
    """``!=`` and ``not_in`` hold for a missing fact (None is not the value): write ``exists`` next to them when
    the fact must be known."""
    assert evaluate(leaf("absent", "!=", True), {}).passed
    assert evaluate(leaf("absent", "not_in", ["a"]), {}).passed
    strict = {"all": [leaf("absent", "exists", True), leaf("absent", "!=", True)]}
    assert not evaluate(strict, {}).passed


@pytest.mark.parametrize(
    ("op", "actual", "value"),
    [("<", "abc", 5), (">=", dt.date(2025, 1, 1), "2025-01-01"), ("in", 1, 5), ("contains_any", ["a"], None)],
)
def test_incomparable_values_fail_instead_of_crashing(op, actual, value):
    assert not evaluate(leaf("x", op, value), {"x": actual}).passed


def test_all_reports_every_failed_child_and_traces_all():
    rule = {
        "all": [
            leaf("age", ">=", 16, "年满16周岁"),
            leaf("age", "<=", 60, "不超过60周岁"),
            leaf("draws_pension", "!=", True, "未领取养老金"),
        ]
    }
    decision = evaluate(rule, {"age": 70, "draws_pension": True})
    assert not decision.passed
    assert decision.reasons == ("不超过60周岁", "未领取养老金")
    assert [c.path for c in decision.trace] == ["$.all[0]", "$.all[1]", "$.all[2]"]
    assert [c.passed for c in decision.trace] == [True, False, False]
    assert evaluate(rule, {"age": 30, "draws_pension": False}) == Decision(
        True, (), evaluate(rule, {"age": 30, "draws_pension": False}).trace
    )


def test_any_with_and_without_label():
    children = [
        leaf("groups", "contains", "graduate", "高校毕业生"),
        leaf("groups", "contains", "veteran", "退役军人"),
    ]
    labelled = {"any": children, "label": "重点群体"}
    assert evaluate(labelled, {"groups": ["veteran"]}).passed
    assert evaluate(labelled, {"groups": ["veteran"]}).reasons == ()
    refused = evaluate(labelled, {"groups": []})
    assert refused.reasons == ("重点群体",)
    assert len(refused.trace) == 2
    assert evaluate({"any": children}, {"groups": []}).reasons == ("高校毕业生；退役军人",)


def test_not_with_and_without_label():
    inner = leaf("employed", "==", True, "已就业")
    assert evaluate({"not": inner, "label": "未就业"}, {"employed": False}).passed
    assert evaluate({"not": inner, "label": "未就业"}, {"employed": True}).reasons == ("不满足：未就业",)
    assert evaluate({"not": inner}, {"employed": True}).reasons == ("不应满足：已就业",)
    decision = evaluate({"not": inner}, {"employed": True})
    assert decision.trace[0].path == "$.not" and decision.trace[0].passed is True  # the inner leaf held


def test_nested_graduate_rule():
    rule = {
        "any": [
            {
                "all": [
                    leaf("groups", "contains", "graduate", "高校毕业生"),
                    leaf("years_since_graduation", "<=", 3, "离校3年内"),
                    {"not": leaf("employed", "==", True), "label": "未就业"},
                ]
            },
            leaf("groups", "contains", "upcoming_graduate", "毕业年度高校毕业生"),
        ],
        "label": "毕业年度或离校3年内未就业高校毕业生",
    }
    ok = {"groups": ["graduate"], "years_since_graduation": 2, "employed": False}
    assert evaluate(rule, ok).passed
    assert evaluate(rule, {"groups": ["upcoming_graduate"]}).passed
    old = evaluate(rule, {**ok, "years_since_graduation": 4})
    assert not old.passed and old.reasons == ("毕业年度或离校3年内未就业高校毕业生",)
    paths = [c.path for c in old.trace]
    assert paths == ["$.any[0].all[0]", "$.any[0].all[1]", "$.any[0].all[2].not", "$.any[1]"]


def test_unlabelled_leaf_describes_itself():
    decision = evaluate(leaf("age", ">=", 16), {"age": 10})
    assert decision.reasons == ("age >= 16",)
    assert decision.trace[0].label == "age >= 16"


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ([], "$"),
        ("age >= 16", "$"),
        ({}, "$"),
        ({"all": []}, "$.all"),
        ({"all": {"fact": "age"}}, "$.all"),
        ({"any": "abc"}, "$.any"),
        ({"all": [{"fact": "age", "op": "~", "value": 1}]}, "$.all[0].op"),
        (
            {"all": [leaf("age", ">=", 1), {"any": [{"fact": "", "op": "==", "value": 1}]}]},
            "$.all[1].any[0].fact",
        ),
        ({"not": {"fact": "age"}}, "$.not"),
        ({"fact": "age", "op": ["=="], "value": 1}, "$.op"),
        ({"fact": "age", "op": "==", "value": 1, "extra": 2}, "$"),
        ({"all": [leaf("a", "==", 1)], "any": [leaf("a", "==", 1)]}, "$"),
    ],
)
def test_malformed_rules_name_the_place(rule, path):
    with pytest.raises(RuleError) as exc:
        validate_rule(rule)
    message = str(exc.value)
    assert message.split("：")[0] == path
    assert chinese_only(message)
    with pytest.raises(RuleError):
        evaluate(rule, {})


def test_decision_as_dict_is_json_ready():
    rule = {
        "all": [
            leaf("score", ">=", Decimal("60"), "及格"),
            leaf("day", "<", dt.date(2025, 1, 1), "日期"),
            leaf("tags", "contains_any", ("b", "a"), "标签"),
            leaf("mixed", "in", {1, "a"}, "混合"),
        ]
    }
    decision = evaluate(
        rule, {"score": Decimal("59.5"), "day": dt.date(2024, 6, 1), "tags": {"a"}, "mixed": 1}
    )
    data = decision.as_dict()
    json.dumps(data)
    assert data["passed"] is False and data["reasons"] == ["及格"]
    first = data["trace"][0]
    assert first == {
        "path": "$.all[0]",
        "label": "及格",
        "fact": "score",
        "op": ">=",
        "expected": "60",
        "actual": "59.5",
        "passed": False,
    }
    assert data["trace"][1]["expected"] == "2025-01-01"
    assert data["trace"][2]["expected"] == ["b", "a"]  # a tuple keeps its order
    assert data["trace"][2]["actual"] == ["a"]
    assert sorted(map(str, data["trace"][3]["expected"])) == ["1", "a"]


def test_evaluation_is_pure():
    rule = {"all": [leaf("age", ">=", 16)]}
    facts = {"age": 20}
    before = json.dumps(rule), json.dumps(facts)
    evaluate(rule, facts)
    assert (json.dumps(rule), json.dumps(facts)) == before


def test_facts_read_lists_every_leaf_fact_and_nothing_else():
    from lijiao.core.rules import facts_read

    rule = {
        "all": [
            {"fact": "age", "op": ">=", "value": 16},
            {"not": {"fact": "draws_pension", "op": "==", "value": True}},
            {
                "any": [
                    {"fact": "groups", "op": "contains", "value": "graduate"},
                    {"all": [{"fact": "household", "op": "==", "value": "rural"}]},
                ]
            },
        ]
    }
    assert facts_read(rule) == {"age", "draws_pension", "groups", "household"}
    assert facts_read({"fact": "gender", "op": "==", "value": "F"}) == {"gender"}


def test_a_decision_depends_only_on_the_facts_read():
    """What bulk callers rely on when they evaluate once per distinct combination of the facts read."""
    from lijiao.core.rules import facts_read

    rule = {"all": [{"fact": "age", "op": "<=", "value": 60, "label": "不超过60周岁"}]}
    reads = facts_read(rule)
    one = {"age": 30, "gender": "M", "groups": ["unemployed"]}
    other = {"age": 30, "gender": "F", "groups": []}
    assert {k: one[k] for k in reads} == {k: other[k] for k in reads}
    assert evaluate(rule, one) == evaluate(rule, other)
    assert evaluate(rule, {**one, "age": 61}) != evaluate(rule, one)
