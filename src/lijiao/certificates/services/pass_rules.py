"""Pass derivation (SPEC C5): whether a level assessment passes is computed from its scores and the pass rule of
its level, never typed.

:func:`derive_pass` is pure (no ORM): it takes the scores and a :class:`RuleFigures` and returns the decision
with its basis (the figures compared, the rule, the policy text), which the results services store in
``LevelAssessment.pass_basis`` so a reader can see what ran and why. :func:`rule_for_level` reads the rule in
force for a level from :class:`~lijiao.certificates.models.PassRule` (the level's own row, else the default row).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lijiao.certificates.models import PassRule

__all__ = [
    "DEFAULT_RULE",
    "RuleFigures",
    "Scores",
    "derive_pass",
    "figures_of",
    "pick_rule",
    "rule_for_level",
    "rules_by_level",
]

SIXTY = Decimal("60")


@dataclass(frozen=True, slots=True)
class Scores:
    """The scores of one assessment (0–100, two decimals; ``None`` when not taken)."""

    theory: Decimal | None
    practical: Decimal | None
    review: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RuleFigures:
    """The thresholds of one pass rule, as data (what :class:`~lijiao.certificates.models.PassRule` holds)."""

    theory_min: Decimal = SIXTY
    practical_min: Decimal = SIXTY
    needs_review: bool = False
    review_min: Decimal = SIXTY
    policy_text: str = ""
    level: int | None = None
    rule_id: int | None = None


DEFAULT_RULE = RuleFigures()


def _check(name: str, score: Decimal | None, minimum: Decimal) -> dict[str, Any]:
    return {
        "item": name,
        "score": None if score is None else str(score),
        "min": str(minimum),
        "passed": score is not None and score >= minimum,
    }


def derive_pass(scores: Scores, rule: RuleFigures) -> tuple[bool, dict[str, Any]]:
    """``(passed, basis)``: theory ≥ ``theory_min`` and practical ≥ ``practical_min`` and, when the rule needs a
    综合评审 (技师, 高级技师), review ≥ ``review_min``. A missing score fails its check. ``basis`` lists each
    comparison, the rule (its id, level, thresholds) and its policy text, ready to be stored as JSON."""
    checks = [
        _check("theory", scores.theory, rule.theory_min),
        _check("practical", scores.practical, rule.practical_min),
    ]
    if rule.needs_review:
        checks.append(_check("review", scores.review, rule.review_min))
    passed = all(check["passed"] for check in checks)
    basis: dict[str, Any] = {
        "passed": passed,
        "checks": checks,
        "rule": {
            "id": rule.rule_id,
            "level": rule.level,
            "theory_min": str(rule.theory_min),
            "practical_min": str(rule.practical_min),
            "needs_review": rule.needs_review,
            "review_min": str(rule.review_min),
        },
        "policy": rule.policy_text,
    }
    return passed, basis


def figures_of(rule: PassRule) -> RuleFigures:
    """A stored rule's figures."""
    return RuleFigures(
        theory_min=rule.theory_min,
        practical_min=rule.practical_min,
        needs_review=rule.needs_review,
        review_min=rule.review_min,
        policy_text=rule.policy_text,
        level=rule.level,
        rule_id=rule.pk,
    )


def rules_by_level() -> dict[int | None, RuleFigures]:
    """Every stored rule by level (``None``: the default row). One query; a batch reads it once."""
    return {rule.level: figures_of(rule) for rule in PassRule.objects.all()}


def pick_rule(rules: dict[int | None, RuleFigures], level: int | None) -> RuleFigures:
    """The rule for ``level`` among ``rules``: its own, else the default row, else 60/60."""
    if level is not None and level in rules:
        return rules[level]
    return rules.get(None, DEFAULT_RULE)


def rule_for_level(level: int | None) -> RuleFigures:
    """The rule in force for ``level`` (``None``: a 专项 assessment). One query."""
    return pick_rule(rules_by_level(), level)
