"""The subsidy decision as a pure function: a claim's facts and a scheme version's data in, amount and lines out.

No ORM, no Django models: :mod:`lijiao.subsidies.selectors.facts` gathers the facts (a fixed number of queries,
whatever the history size); this module decides; :mod:`lijiao.subsidies.services.evaluation` stores what it
decided. ``lijiao subsidy-evaluate`` and ``POST /api/v1/subsidies/evaluate`` call :func:`decide` directly.

CONTRACT (skeleton; the rules helper fills it in): ``decide(facts, version)`` where ``facts`` is the documented
JSON shape (README, "补贴政策计算器") and ``version`` a :class:`VersionData`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class VersionData:
    """What a scheme version is, as plain data (so the evaluator needs no model)."""

    kind: str
    number: int
    content_hash: str
    parameters: Mapping[str, Any]
    rules: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One rule's outcome: which rule, the inputs it read, pass or fail, the policy text, a plain-Chinese sentence."""

    rule: str  # "R1" … "R11", "AGE", …
    label: str
    inputs: Mapping[str, Any]
    passed: bool
    policy: str
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "label": self.label,
            "inputs": dict(self.inputs),
            "passed": self.passed,
            "policy": self.policy,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class SubsidyDecision:
    """The outcome: whether every rule passed, the amount granted (0 when not), and one line per rule."""

    passed: bool
    amount: Decimal
    lines: tuple[RuleLine, ...] = field(default_factory=tuple)

    @property
    def failed_rules(self) -> list[str]:
        return [line.rule for line in self.lines if not line.passed]


def decide(facts: Mapping[str, Any], version: VersionData) -> SubsidyDecision:
    """Decide a claim from its facts under ``version`` (skeleton: grants the catalog standard; to be replaced)."""
    standard = Decimal(str(facts.get("catalog_item", {}).get("subsidy_standard") or "0"))
    return SubsidyDecision(passed=True, amount=standard, lines=())
