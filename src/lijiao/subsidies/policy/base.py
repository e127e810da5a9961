"""The decision's data (version, line, decision), reading the facts JSON, and the context every rule reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

LEVEL_NAMES = {
    5: "五级/初级工",
    4: "四级/中级工",
    3: "三级/高级工",
    2: "二级/技师",
    1: "一级/高级技师",
    13: "初级（专业技术）",
    12: "中级（专业技术）",
    11: "高级（专业技术）",
}
KIND_NAMES = {
    "training": "职业培训补贴",
    "skill_upgrade": "技能提升补贴",
    "assessment": "职业技能评价补贴",
    "apprenticeship": "企业新型学徒制补贴",
    "living": "生活费补贴",
    "graduate_conversion": "毕业生专业转换培训补贴",
    "appointment_funding": "特级技师/首席技师评聘工作资助",
    "competition_award": "职业技能竞赛奖励",
    "craftsman_award": "工匠奖励",
}
PARTS = ("full", "advance", "final")
CENT = Decimal("0.01")


class FactsError(ValueError):
    """The facts are not the documented shape (says which fact)."""


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
            "inputs": {k: _plain(v) for k, v in self.inputs.items()},
            "passed": self.passed,
            "policy": self.policy,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class SubsidyDecision:
    """The outcome: whether every rule passed, the amount granted (0 when not), and one line per rule.

    ``computed_amount`` is what the amount rule computed whatever the other rules said (a reviewer's override
    grants it)."""

    passed: bool
    amount: Decimal
    lines: tuple[RuleLine, ...] = field(default_factory=tuple)
    computed_amount: Decimal = Decimal("0")

    @property
    def failed_rules(self) -> list[str]:
        return [line.rule for line in self.lines if not line.passed]

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "amount": str(self.amount),
            "computed_amount": str(self.computed_amount),
            "failed_rules": self.failed_rules,
            "lines": [line.as_dict() for line in self.lines],
        }


# ---------------------------------------------------------------------------------------------------------------
# reading facts and parameters


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _date(value: Any, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise FactsError(f"“{name}”应为日期（YYYY-MM-DD），收到“{value}”")


def _decimal(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FactsError(f"“{name}”应为数字，收到“{value}”")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise FactsError(f"“{name}”应为数字，收到“{value}”") from None


def _int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str | float | Decimal):
        raise FactsError(f"“{name}”应为整数，收到“{value}”")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise FactsError(f"“{name}”应为整数，收到“{value}”") from None
    if number != number.to_integral_value():
        raise FactsError(f"“{name}”应为整数，收到“{value}”")
    return int(number)


def _section(facts: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = facts.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise FactsError(f"“{name}”应为对象")
    return value


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{_money(amount)}元"


def _level_name(level: int | None) -> str:
    return LEVEL_NAMES.get(level, str(level)) if level is not None else "未知等级"


class _Params:
    def __init__(self, parameters: Mapping[str, Any]) -> None:
        self.parameters = parameters

    def has(self, name: str) -> bool:
        return name in self.parameters

    def get(self, name: str) -> Any:
        entry = self.parameters.get(name)
        if entry is None:
            raise FactsError(f"政策版本缺少参数“{name}”")
        return entry.get("value") if isinstance(entry, Mapping) else entry

    def policy(self, *names: str) -> str:
        texts: list[str] = []
        for name in names:
            entry = self.parameters.get(name)
            text = entry.get("policy", "") if isinstance(entry, Mapping) else ""
            if text and text not in texts:
                texts.append(text)
        return "；".join(texts)


@dataclass
class _Ctx:
    facts: Mapping[str, Any]
    params: _Params
    kind: str
    part: str
    application_date: dt.date | None
    person: Mapping[str, Any]
    certificate: Mapping[str, Any]
    training_class: Mapping[str, Any]
    attendance: Mapping[str, Any]
    item: Mapping[str, Any]
    history: Mapping[str, Any]
    apprenticeship: Mapping[str, Any]
    graduate: Mapping[str, Any]


def _context(facts: Mapping[str, Any], version: VersionData) -> _Ctx:
    if not isinstance(facts, Mapping):
        raise FactsError("事实应为 JSON 对象")
    part = facts.get("part") or "full"
    if part not in PARTS:
        raise FactsError(f"“part”应为 full、advance 或 final，收到“{part}”")
    return _Ctx(
        facts=facts,
        params=_Params(version.parameters),
        kind=version.kind,
        part=str(part),
        application_date=_date(facts.get("application_date"), "application_date"),
        person=_section(facts, "person"),
        certificate=_section(facts, "certificate"),
        training_class=_section(facts, "training_class"),
        attendance=_section(facts, "attendance"),
        item=_section(facts, "catalog_item"),
        history=_section(facts, "history"),
        apprenticeship=_section(facts, "apprenticeship"),
        graduate=_section(facts, "graduate"),
    )


def _line(  # noqa: PLR0917 (one positional per line field, like RuleLine)
    rule: str, label: str, inputs: Mapping[str, Any], passed: bool, policy: str, explanation: str
) -> RuleLine:
    return RuleLine(rule, label, {k: _plain(v) for k, v in inputs.items()}, passed, policy, explanation)


def _missing(rule: str, label: str, policy: str, what: str) -> RuleLine:
    return _line(rule, label, {}, False, policy, f"缺少{what}，无法判断。")
