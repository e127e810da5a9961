# ruff: noqa: F811
"""R6's 2025 variant: once per year, plus up to two more for shortage occupations — parameters of the 技能提升补贴
version (a ready-to-publish draft version 2 effective 2025-01-01); version 1 keeps the old behaviour."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.subsidies.models import ClaimStatus, SchemeVersion
from lijiao.subsidies.policy import VersionData, decide
from lijiao.subsidies.rules_data import (
    SKILL_UPGRADE_2025_CHANGES,
    SKILL_UPGRADE_2025_EFFECTIVE_FROM,
    SKILL_UPGRADE_2025_POLICIES,
    default_scheme,
)
from lijiao.subsidies.selectors.facts import claim_facts
from lijiao.subsidies.services.evaluation import evaluate_claim
from lijiao.subsidies.services.schemes import content_hash, publish_version
from tests.certificates.conftest import make_certificate, make_person
from tests.subsidies.rules.conftest import make_claim, scheme_admin, schemes  # noqa: F401
from tests.subsidies.rules.facts_data import facts
from tests.subsidies.rules.test_evaluation import _contributions
from tests.training.conftest import today, training_ref  # noqa: F401


def _v2025(**changes: Any) -> VersionData:
    data = default_scheme("skill_upgrade")
    for name, value in {**SKILL_UPGRADE_2025_CHANGES, **changes}.items():
        data["parameters"][name] = {"value": value, "policy": SKILL_UPGRADE_2025_POLICIES[name]}
    return VersionData(
        kind="skill_upgrade",
        number=2,
        content_hash=content_hash(data["parameters"], data["rules"]),
        parameters=data["parameters"],
        rules=data["rules"],
    )


def _used(n: int, tier: str = "") -> dict[str, Any]:
    return facts(
        **{
            "history.subsidies.calendar_year": {"total": n, "by_kind": {"skill_upgrade": n} if n else {}},
            "certificate.shortage_tier": tier,
        }
    )


def _r6(decision: Any) -> Any:
    return next(line for line in decision.lines if line.rule == "R6")


def test_first_skill_upgrade_of_the_year_passes_and_a_second_non_shortage_one_fails() -> None:
    first = decide(_used(0), _v2025())
    assert first.passed and first.amount == Decimal("1500.00")
    assert _r6(first).inputs["r6_allowed_this_year"] == 1
    second = decide(_used(1), _v2025())
    assert not second.passed and second.amount == 0
    assert "非紧缺职业（工种）证书每年限1次" in _r6(second).explanation
    assert "可再增加2次" in _r6(second).explanation
    assert "2025年技能提升补贴政策调整" in _r6(second).policy


def test_a_shortage_occupation_allows_up_to_two_more() -> None:
    assert decide(_used(1, "general"), _v2025()).passed
    assert decide(_used(2, "especially"), _v2025()).passed
    third = decide(_used(3, "general"), _v2025())
    assert not third.passed
    assert "紧缺职业（工种）证书每年最多3次" in _r6(third).explanation
    # the claim's own catalog item may carry the tier too
    via_item = facts(
        **{
            "history.subsidies.calendar_year": {"total": 1, "by_kind": {"skill_upgrade": 1}},
            "catalog_item.shortage_tier": "relatively",
        }
    )
    assert decide(via_item, _v2025()).passed
    # a city that gives no extra: shortage or not, once a year
    assert not decide(_used(1, "general"), _v2025(r6_extra_for_shortage=0)).passed


def test_missing_yearly_counts_fail_with_a_clear_sentence() -> None:
    no_counts = facts(**{"history.subsidies": {}})
    decision = decide(no_counts, _v2025())
    assert not decision.passed
    assert "缺少本年度已享受技能提升补贴次数" in _r6(decision).explanation


def test_version_1_keeps_the_old_behaviour() -> None:
    data = default_scheme("skill_upgrade")
    assert "r6_per_year" not in data["parameters"]
    v1 = VersionData(
        "skill_upgrade", 1, content_hash(data["parameters"], data["rules"]), data["parameters"], data["rules"]
    )
    decision = decide(_used(2), v1)
    assert decision.passed
    assert "r6_allowed_this_year" not in _r6(decision).inputs


@pytest.mark.django_db
def test_install_adds_the_2025_variant_as_a_ready_to_publish_draft(
    schemes: dict[str, SchemeVersion], training_ref: dict[str, Any], scheme_admin: User
) -> None:
    draft = SchemeVersion.objects.get(scheme__kind="skill_upgrade", number=2)
    v1 = schemes["skill_upgrade"]
    assert draft.status == SchemeVersion.Status.DRAFT
    assert draft.effective_from == SKILL_UPGRADE_2025_EFFECTIVE_FROM == dt.date(2025, 1, 1)
    assert draft.parameters["r6_per_year"]["value"] == 1
    assert draft.parameters["r6_extra_for_shortage"]["value"] == 2
    assert "r6_per_year" not in v1.parameters
    assert draft.content_hash == content_hash(draft.parameters, draft.rules)

    person = make_person("孙八")
    _contributions(person, 24, until=today(), admin=scheme_admin)
    earlier = make_certificate(person, occupation=training_ref["welder"], level=4, issued_on=today())
    make_claim(person, kind="skill_upgrade", certificate=earlier, status=ClaimStatus.PAID)
    plain = make_certificate(person, occupation=training_ref["electrician"], level=4, issued_on=today())
    claim = make_claim(person, kind="skill_upgrade", certificate=plain)
    # draft not published: version 1 decides, two a year are fine
    before = evaluate_claim(claim=claim, actor=scheme_admin)
    assert before.passed and before.scheme_version == v1

    publish_version(actor=scheme_admin, version=draft)
    v1.refresh_from_db()
    assert v1.effective_to == dt.date(2024, 12, 31)
    after = evaluate_claim(claim=claim, actor=scheme_admin)
    assert after.scheme_version == draft and not after.passed
    r6 = next(x for x in after.lines if x["rule"] == "R6")
    assert r6["inputs"]["r6_used_this_year"] == 1 and r6["inputs"]["shortage_tier"] == ""

    # the certificate's occupation is a shortage one in the catalog edition in force (养老护理员, 一般紧缺)
    shortage = make_certificate(person, occupation=training_ref["carer"], level=5, issued_on=today())
    claim2 = make_claim(person, kind="skill_upgrade", certificate=shortage)
    assert claim_facts(claim2)["certificate"]["shortage_tier"] == "general"
    passed = evaluate_claim(claim=claim2, actor=scheme_admin)
    assert passed.passed and passed.amount == Decimal("1000.00")
