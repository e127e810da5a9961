# ruff: noqa: F811
"""Policy simulation: last year's claims re-priced under a draft version or a draft catalog edition, by category,
district and program; nothing written; a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lijiao.accounts.models import User
from lijiao.catalog.models import CatalogItem, Edition, EditionStatus
from lijiao.subsidies.models import Claim, ClaimEvaluation, SchemeVersion
from lijiao.subsidies.services.evaluation import evaluate_claim
from lijiao.subsidies.services.schemes import create_draft_version
from lijiao.subsidies.services.simulation import simulate_edition, simulate_version
from tests.certificates.conftest import make_certificate, make_person
from tests.subsidies.rules.conftest import (  # noqa: F401
    attend,
    city_admin,
    finished_class,
    make_claim,
    program,
    provider,
    provider_staff,
    scheme_admin,
    schemes,
    training_ref,
)
from tests.training.conftest import today

pytestmark = pytest.mark.django_db


def _claims(
    finished_class: Any, ref: dict[str, Any], admin: User, count: int, *, hours: int = 9
) -> list[Claim]:
    year = today().year - 1
    claims = []
    for i in range(count):
        person = make_person(f"模拟{i}")
        enrollment = attend(finished_class, person, hours)
        cert = make_certificate(person, occupation=ref["electrician"], level=4, issued_on=dt.date(year, 5, 1))
        claim = make_claim(
            person,
            training_class=finished_class,
            enrollment=enrollment,
            certificate=cert,
            application_date=dt.date(year, 6, 1 + i % 28),
        )
        evaluate_claim(claim=claim, actor=admin)
        claims.append(claim)
    return claims


def test_a_stricter_attendance_threshold_reprices_last_years_claims(
    schemes: dict[str, SchemeVersion], finished_class: Any, training_ref: dict[str, Any], scheme_admin: User
) -> None:
    _claims(finished_class, training_ref, scheme_admin, 3, hours=9)  # 90 %
    _claims(finished_class, training_ref, scheme_admin, 2, hours=8)  # 80 %
    evaluations = ClaimEvaluation.objects.count()
    draft = create_draft_version(
        actor=scheme_admin,
        base=schemes["training"],
        effective_from=dt.date(2030, 1, 1),
        changes={"attendance_threshold": "0.85"},
    )
    with CaptureQueriesContext(connection) as captured:
        result = simulate_version(actor=scheme_admin, version=draft, year=today().year - 1)
    assert len(captured.captured_queries) <= 3
    assert result.claims == 5
    assert result.before == Decimal("6000.00") and result.after == Decimal("3600.00")
    assert result.delta == Decimal("-2400.00")
    assert [(g.label, g.claims, g.delta) for g in result.by_category] == [
        ("装备制造", 5, Decimal("-2400.00"))
    ]
    assert result.by_district[0].label == "中山区"
    assert result.by_program[0].label == "职业技能培训（测试）"
    assert {tuple(c.failed_after) for c in result.changed} == {("R9",)}
    assert ClaimEvaluation.objects.count() == evaluations


def test_a_draft_edition_with_new_standards_and_a_cap(
    schemes: dict[str, SchemeVersion], finished_class: Any, training_ref: dict[str, Any], scheme_admin: User
) -> None:
    _claims(finished_class, training_ref, scheme_admin, 2)
    draft = Edition.objects.create(
        name="下一年版（草稿）",
        year=today().year + 1,
        status=EditionStatus.DRAFT,
        subsidy_cap=Decimal("1400"),
    )
    source = finished_class.catalog_item
    CatalogItem.objects.create(
        edition=draft,
        kind="occupation",
        occupation=source.occupation,
        level=source.level,
        category=source.category,
        subsidy_standard=Decimal("1300"),
        shortage_tier="general",  # 1430, capped at 1400
        min_lesson_hours=56,
    )
    result = simulate_edition(actor=scheme_admin, edition=draft, year=today().year - 1)
    assert result.claims == 2
    assert result.after == Decimal("2800.00") and result.delta == Decimal("400.00")


def test_the_simulation_screen_and_api(
    schemes: dict[str, SchemeVersion], finished_class: Any, training_ref: dict[str, Any], scheme_admin: User
) -> None:
    _claims(finished_class, training_ref, scheme_admin, 1)
    client = Client()
    client.force_login(scheme_admin)
    v1 = schemes["training"]
    page = client.get(f"/subsidies/schemes/versions/{v1.pk}/simulation/?year={today().year - 1}")
    assert page.status_code == 200 and "装备制造" in page.content.decode()
    answer = client.get(
        f"/api/v1/subsidies/schemes/versions/{v1.pk}/simulation?year={today().year - 1}"
    ).json()
    assert answer["claims"] == 1 and answer["delta"] == "0.00"
