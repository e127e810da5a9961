# ruff: noqa: F811
"""R5: the policy cap is the catalog edition's (else the city-wide default); the uplifted amount is capped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.catalog.models import CatalogItem, Edition
from lijiao.catalog.services import ItemInput, create_edition, validate_item
from lijiao.core.errors import DomainError
from lijiao.subsidies.models import Claim
from lijiao.subsidies.selectors.facts import claim_facts
from lijiao.subsidies.services.evaluation import evaluate_claim
from tests.subsidies.rules.conftest import (  # noqa: F401
    city_admin,
    finished_class,
    program,
    provider,
    provider_staff,
    schemes,
    trainee_claim,
    training_ref,
)

pytestmark = pytest.mark.django_db


def _item(ref: dict[str, Any], standard: str) -> ItemInput:
    return ItemInput(
        kind=CatalogItem.Kind.OCCUPATION,
        occupation=ref["electrician"],
        special_item=None,
        work_type=None,
        level=3,
        category=ref["equipment"],
        subsidy_standard=Decimal(standard),
        min_lesson_hours=80,
    )


def test_an_edition_cap_replaces_the_city_default(training_ref: dict[str, Any], settings: Any) -> None:
    settings.SUBSIDY_POLICY_CAP = Decimal("5500")
    edition: Edition = training_ref["edition"]
    assert edition.policy_cap == Decimal("5500")
    edition.subsidy_cap = Decimal("3000")
    assert validate_item(_item(training_ref, "3500"), cap=edition.policy_cap)
    assert not validate_item(_item(training_ref, "3500"))  # the city default 5500


def test_create_edition_takes_a_cap(city_admin: User) -> None:
    edition = create_edition(actor=city_admin, name="2027年版", year=2027, subsidy_cap=Decimal("4000"))
    assert edition.policy_cap == Decimal("4000")
    with pytest.raises(DomainError):
        create_edition(actor=city_admin, name="2028年版", year=2028, subsidy_cap=Decimal("0"))


def test_the_uplifted_standard_is_capped_by_the_classs_edition(
    trainee_claim: Claim, training_ref: dict[str, Any], city_admin: User
) -> None:
    item = trainee_claim.training_class.catalog_item  # type: ignore[union-attr]
    CatalogItem.objects.filter(pk=item.pk).update(shortage_tier="especially")  # 1200 × 1.3 = 1560
    Edition.objects.filter(pk=item.edition_id).update(subsidy_cap=Decimal("1500"))
    facts = claim_facts(trainee_claim)
    assert facts["catalog_item"]["edition_cap"] == "1500.00"
    assert facts["catalog_item"]["uplift"] == "0.30"
    evaluation = evaluate_claim(claim=trainee_claim, actor=city_admin)
    assert evaluation.amount == Decimal("1500.00")
    r5 = next(x for x in evaluation.lines if x["rule"] == "R5")
    assert r5["inputs"]["uplifted"] == "1560.00" and r5["inputs"]["cap"] == "1500.00"
    Edition.objects.filter(pk=item.edition_id).update(subsidy_cap=None)
    assert evaluate_claim(claim=trainee_claim, actor=city_admin).amount == Decimal("1560.00")
