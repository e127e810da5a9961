"""The subsidy decision as a pure function: a claim's facts and a scheme version's data in, amount and lines out.

No ORM, no Django models: :mod:`lijiao.subsidies.selectors.facts` gathers the facts (a fixed number of queries,
whatever the history size); this module decides; :mod:`lijiao.subsidies.services.evaluation` stores what it
decided. ``lijiao subsidy-evaluate`` and ``POST /api/v1/subsidies/evaluate`` call :func:`decide` directly.

``facts`` is the documented JSON shape (README, "补贴政策计算器"): ``application_date``, ``part``, ``person``,
``certificate``, ``training_class``, ``attendance``, ``catalog_item``, ``history``, ``apprenticeship``,
``graduate`` and ``overrides`` (rule code → a reviewer's reason). ``version`` is a :class:`VersionData`: its
``rules["apply"]`` lists the rule codes run for the kind (AGE, R1–R11, LIVING, TALENT), ``rules["amount"]`` the
one that sets the amount (R5, R6, R7, R8, LIVING, NONE), and every number comes from ``parameters`` (each
``{"value", "policy"}``). Optional ``rules["extra"]``: further rules as :mod:`lijiao.core.rules` data
(``{"code", "label", "policy", "rule"}``), so a city can add a condition without code.

Each line has the rule code, a label, the inputs it read, pass/fail, the policy text and one plain-Chinese
sentence. The lines are a record kept with the claim, so they are written in Chinese (the policy's language),
not translated per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lijiao.subsidies.policy.base import (
    KIND_NAMES,
    LEVEL_NAMES,
    FactsError,
    RuleLine,
    SubsidyDecision,
    VersionData,
    _context,
    _money,
    _section,
)
from lijiao.subsidies.policy.rules import AMOUNTS, RULES, _extra

__all__ = [
    "KIND_NAMES",
    "LEVEL_NAMES",
    "FactsError",
    "RuleLine",
    "SubsidyDecision",
    "VersionData",
    "decide",
    "validate_version_rules",
]


def validate_version_rules(rules: Mapping[str, Any]) -> list[str]:
    """Problems with a version's ``rules`` data (unknown rule codes, amount rule); empty when it can run."""
    problems = []
    apply = rules.get("apply")
    if not isinstance(apply, list) or not apply:
        problems.append("规则列表应为非空列表")
    else:
        problems += [f"未知规则“{code}”" for code in apply if code not in RULES]
    if rules.get("amount", "NONE") not in {*AMOUNTS, "NONE"}:
        problems.append(f"未知的金额规则“{rules.get('amount')}”")
    return problems


def decide(facts: Mapping[str, Any], version: VersionData) -> SubsidyDecision:
    """Decide a claim from its ``facts`` under ``version``: one line per rule, then the amount.

    ``facts["overrides"]`` (rule code → reason) marks a failed rule as set aside by a reviewer: the line says so
    and counts as passed. Raises :class:`FactsError` when the facts are not the documented shape."""
    ctx = _context(facts, version)
    overrides = _section(facts, "overrides")
    lines: list[RuleLine] = []
    for code in version.rules.get("apply", []):
        rule = RULES.get(code)
        if rule is None:
            raise FactsError(f"政策版本包含未知规则“{code}”")
        lines.append(rule(ctx))
    for spec in version.rules.get("extra", []) or []:
        lines.append(_extra(ctx, spec))
    amount_rule = version.rules.get("amount", "NONE")
    computed = Decimal("0")
    if amount_rule != "NONE":
        calculate = AMOUNTS.get(amount_rule)
        if calculate is None:
            raise FactsError(f"政策版本包含未知的金额规则“{amount_rule}”")
        amount_line, computed = calculate(ctx)
        lines.append(amount_line)
    final: list[RuleLine] = []
    for line in lines:
        reason = overrides.get(line.rule)
        if not line.passed and reason:
            line = RuleLine(
                line.rule,
                line.label,
                line.inputs,
                True,
                line.policy,
                f"{line.explanation}（审核人已说明理由调整为通过：{reason}）",
            )
        final.append(line)
    passed = bool(final) and all(line.passed for line in final)
    return SubsidyDecision(
        passed=passed,
        amount=_money(computed) if passed else Decimal("0.00"),
        lines=tuple(final),
        computed_amount=_money(computed),
    )
