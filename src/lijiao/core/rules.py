"""Rules as data, evaluated by a small pure evaluator that says what ran and why (no ORM, no Django).

A rule is JSON-like data::

    {"all": [
        {"fact": "age", "op": ">=", "value": 16, "label": "年满16周岁"},
        {"fact": "retirement_age_reached", "op": "==", "value": false, "label": "未达到法定退休年龄"},
        {"any": [{"fact": "groups", "op": "contains", "value": "graduate"},
                 {"fact": "groups", "op": "contains", "value": "upcoming_graduate"}],
         "label": "高校毕业生"}
    ]}

Leaves compare one fact with a value, or with another fact (``{"fact": "attended", "op": ">=", "fact_ref":
"required"}``); a fact name may be a dotted path into nested facts (``"person.age"``). ``all`` / ``any`` / ``not``
combine. :func:`evaluate` returns a
:class:`Decision` whose ``trace`` lists every leaf with the fact's actual value, so a reviewer and the person
concerned can read why; ``reasons`` are the labels of what failed. Programs (eligibility) and subsidies reuse it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

Rule = Mapping[str, Any]


class RuleError(ValueError):
    """The rule itself is malformed (says where)."""


def _contains(actual: Any, expected: Any) -> bool:
    return actual is not None and expected in actual


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a is not None and a < b,
    "<=": lambda a, b: a is not None and a <= b,
    ">": lambda a, b: a is not None and a > b,
    ">=": lambda a, b: a is not None and a >= b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
    "contains": _contains,
    "contains_any": lambda a, b: a is not None and any(x in a for x in b),
    "exists": lambda a, b: (a is not None and a != "") == bool(b),
}


@dataclass(frozen=True, slots=True)
class Check:
    """One evaluated leaf."""

    path: str
    label: str
    fact: str
    op: str
    expected: Any
    actual: Any
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "label": self.label,
            "fact": self.fact,
            "op": self.op,
            "expected": _plain(self.expected),
            "actual": _plain(self.actual),
            "passed": self.passed,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of a rule: passed or not, the failed labels, and every check that ran."""

    passed: bool
    reasons: tuple[str, ...] = ()
    trace: tuple[Check, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready record of the decision, to store beside whatever it decided."""
        return {
            "passed": self.passed,
            "reasons": list(self.reasons),
            "trace": [c.as_dict() for c in self.trace],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | dt.date):
        return str(value)
    if isinstance(value, set | frozenset):  # unordered: sorted, so the record is stable
        items = [_plain(v) for v in value]
        try:
            return sorted(items)
        except TypeError:  # mixed types
            return sorted(items, key=repr)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def validate_rule(rule: Any, path: str = "$") -> None:
    """Raise :class:`RuleError` naming the first malformed node."""
    if not isinstance(rule, Mapping):
        raise RuleError(_("%(path)s：规则必须是对象") % {"path": path})
    keys = set(rule) - {"label"}
    if keys in ({"all"}, {"any"}):
        (key,) = keys
        children = rule[key]
        if not isinstance(children, Sequence) or isinstance(children, str) or not children:
            raise RuleError(_("%(path)s：必须是非空列表") % {"path": f"{path}.{key}"})
        for i, child in enumerate(children):
            validate_rule(child, f"{path}.{key}[{i}]")
    elif keys == {"not"}:
        validate_rule(rule["not"], f"{path}.not")
    elif {"fact", "op"} <= keys <= {"fact", "op", "value"} or keys == {"fact", "op", "fact_ref"}:
        if "fact_ref" in keys and (not isinstance(rule["fact_ref"], str) or not rule["fact_ref"]):
            raise RuleError(_("%(path)s：必须是事实名称") % {"path": f"{path}.fact_ref"})
        if not isinstance(rule["op"], str) or rule["op"] not in OPERATORS:
            raise RuleError(_("%(path)s：未知运算符“%(op)s”") % {"path": f"{path}.op", "op": rule["op"]})
        if not isinstance(rule["fact"], str) or not rule["fact"]:
            raise RuleError(_("%(path)s：必须是事实名称") % {"path": f"{path}.fact"})
    else:
        raise RuleError(_("%(path)s：无法识别的规则 %(keys)s") % {"path": path, "keys": sorted(keys)})


def _describe(rule: Rule) -> str:
    if "label" in rule:
        return str(rule["label"])
    if "fact_ref" in rule:
        return f"{rule['fact']} {rule['op']} {rule['fact_ref']}"
    if "fact" in rule:
        return f"{rule['fact']} {rule['op']} {rule.get('value')!r}"
    return next(iter(k for k in rule if k != "label"))


def evaluate(rule: Rule, facts: Mapping[str, Any]) -> Decision:
    """Evaluate ``rule`` against ``facts``. A missing fact is ``None`` (and fails comparisons)."""
    validate_rule(rule)
    trace: list[Check] = []
    reasons: list[str] = []
    passed = _eval(rule, facts, "$", trace, reasons)
    return Decision(passed, tuple(reasons), tuple(trace))


def _eval(rule: Rule, facts: Mapping[str, Any], path: str, trace: list[Check], reasons: list[str]) -> bool:
    if "all" in rule:
        results = [_eval(c, facts, f"{path}.all[{i}]", trace, reasons) for i, c in enumerate(rule["all"])]
        return all(results)
    if "any" in rule:
        scratch: list[str] = []
        results = [_eval(c, facts, f"{path}.any[{i}]", trace, scratch) for i, c in enumerate(rule["any"])]
        if not any(results):
            reasons.append(_describe(rule) if "label" in rule else "；".join(scratch))
        return any(results)
    if "not" in rule:
        scratch = []
        inner = _eval(rule["not"], facts, f"{path}.not", trace, scratch)
        if inner:
            reasons.append(
                _("不满足：%(rule)s") % {"rule": _describe(rule)}
                if "label" in rule
                else _("不应满足：%(rule)s") % {"rule": _describe(rule["not"])}
            )
        return not inner
    fact, op = rule["fact"], rule["op"]
    # ``{"fact": "x", "op": "exists"}`` reads "x exists": without a value it means ``"value": true``
    if "fact_ref" in rule:
        expected = fact_value(facts, rule["fact_ref"])
    else:
        expected = rule.get("value", True) if op == "exists" else rule.get("value")
    actual = fact_value(facts, fact)
    try:
        ok = OPERATORS[op](actual, expected)
    except TypeError:
        ok = False
    trace.append(Check(path, _describe(rule), fact, op, expected, actual, ok))
    if not ok:
        reasons.append(_describe(rule))
    return ok


def fact_value(facts: Mapping[str, Any], name: str) -> Any:
    """The fact ``name``: a top-level key, else a dotted path into nested mappings (``None`` when absent)."""
    if name in facts:
        return facts[name]
    value: Any = facts
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def facts_read(rule: Rule) -> frozenset[str]:
    """The names of the facts a (valid) rule reads: its decision depends on these facts and on nothing else, so
    bulk callers can evaluate once per distinct combination of them."""
    if "all" in rule or "any" in rule:
        return frozenset().union(*(facts_read(child) for child in rule.get("all", rule.get("any", ()))))
    if "not" in rule:
        return facts_read(rule["not"])
    if "fact_ref" in rule:
        return frozenset((rule["fact"], rule["fact_ref"]))
    return frozenset((rule["fact"],))


# ---------------------------------------------------------------------------------------------------------------
# Date arithmetic for rules (windows in months; working-day windows come in as precomputed facts, since the
# working calendar reads the database).


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (negative goes back), clamped to the month's last day."""
    total = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(total, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start`` to ``end`` (negative when ``end`` is earlier): the largest n with
    ``add_months(start, n) <= end`` — 2025-01-15 → 2025-02-14 is 0, 2025-01-31 → 2025-02-28 is 1."""
    if end < start:
        return -months_between(end, start)
    n = (end.year - start.year) * 12 + end.month - start.month
    while n > 0 and add_months(start, n) > end:
        n -= 1
    return n


def within_months(start: dt.date, end: dt.date, months: int) -> bool:
    """Whether ``end`` lies on or after ``start`` and no later than ``months`` months after it."""
    return start <= end <= add_months(start, months)
