# ruff: noqa: F811
"""Schemes as versioned data: defaults installed once, drafts from a version, publish (no overlap, immutable),
retire, the content hash; the version screens and API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.test import Client

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.decisions import canonical_json
from lijiao.core.errors import Conflict, DomainError, PermissionDenied
from lijiao.subsidies.models import Scheme, SchemeVersion
from lijiao.subsidies.rules_data import DEFAULT_SCHEMES
from lijiao.subsidies.services.evaluation import version_in_force
from lijiao.subsidies.services.schemes import (
    content_hash,
    create_draft_version,
    install_default_schemes,
    publish_version,
    retire_version,
)
from tests.subsidies.rules.conftest import scheme_admin, schemes  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1/subsidies"


def test_default_schemes_one_per_kind_every_parameter_with_its_policy(
    schemes: dict[str, SchemeVersion],
) -> None:
    assert set(schemes) == set(DEFAULT_SCHEMES)
    for version in schemes.values():
        assert version.status == SchemeVersion.Status.PUBLISHED and version.number == 1
        for name, entry in version.parameters.items():
            assert set(entry) == {"value", "policy"}, name
            assert entry["policy"], name
        import hashlib

        record = canonical_json({"parameters": version.parameters, "rules": version.rules})
        assert version.content_hash == hashlib.sha256(record.encode()).hexdigest()
    levels = schemes["skill_upgrade"].parameters["r6_amount_by_level"]["value"]
    assert (levels["5"], levels["4"], levels["3"]) == ("1000", "1500", "2000")
    assert schemes["training"].parameters["r2_max_per_year"]["value"] == 3
    assert schemes["apprenticeship"].parameters["r8_advance_share"]["value"] == "0.50"


def test_installing_again_changes_nothing(schemes: dict[str, SchemeVersion]) -> None:
    assert install_default_schemes(actor=None) == []
    assert SchemeVersion.objects.count() == len(DEFAULT_SCHEMES) + 1  # + the 2025 draft of 技能提升补贴


def test_a_new_version_publishes_and_closes_the_open_ended_one(
    schemes: dict[str, SchemeVersion], scheme_admin: User
) -> None:
    v1 = schemes["skill_upgrade"]
    draft = create_draft_version(
        actor=scheme_admin,
        base=v1,
        effective_from=dt.date(2026, 1, 1),
        changes={"r6_min_insured_months": 24},
        policies={"r6_min_insured_months": "本市2026年细则：参保满24个月"},
    )
    assert draft.number == 3 and draft.status == SchemeVersion.Status.DRAFT  # 2 is the 2025 draft
    assert draft.parameters["r6_min_insured_months"] == {
        "value": 24,
        "policy": "本市2026年细则：参保满24个月",
    }
    assert draft.content_hash == content_hash(draft.parameters, draft.rules) != v1.content_hash
    assert v1.parameters["r6_min_insured_months"]["value"] == 12  # the base is untouched
    assert version_in_force(kind="skill_upgrade", on=dt.date(2026, 1, 1)) == v1  # a draft is not in force
    publish_version(actor=scheme_admin, version=draft)
    v1.refresh_from_db()
    assert v1.effective_to == dt.date(2025, 12, 31)
    assert version_in_force(kind="skill_upgrade", on=dt.date(2025, 12, 31)) == v1
    assert version_in_force(kind="skill_upgrade", on=dt.date(2026, 1, 1)).pk == draft.pk
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"subsidies.version.created", "subsidies.version.published", "subsidies.version.closed"} <= actions


def test_publishing_an_overlapping_version_is_refused_and_a_published_one_is_immutable(
    schemes: dict[str, SchemeVersion], scheme_admin: User
) -> None:
    v1 = schemes["training"]
    later = create_draft_version(actor=scheme_admin, base=v1, effective_from=dt.date(2026, 1, 1))
    publish_version(actor=scheme_admin, version=later)
    overlapping = create_draft_version(
        actor=scheme_admin, base=v1, effective_from=dt.date(2025, 6, 1), effective_to=dt.date(2026, 2, 1)
    )
    with pytest.raises(Conflict, match="重叠"):
        publish_version(actor=scheme_admin, version=overlapping)
    overlapping.refresh_from_db()
    assert overlapping.status == SchemeVersion.Status.DRAFT
    with pytest.raises(Conflict, match="只有草稿可以发布"):
        publish_version(actor=scheme_admin, version=later)


def test_bad_parameter_changes_and_permissions_are_refused(
    schemes: dict[str, SchemeVersion], scheme_admin: User, make_user: Callable[..., User]
) -> None:
    v1 = schemes["training"]
    with pytest.raises(DomainError) as bad:
        create_draft_version(
            actor=scheme_admin,
            base=v1,
            effective_from=dt.date(2026, 1, 1),
            changes={"r2_max_per_year": "三", "no_such": 1},
        )
    assert {e.field for e in bad.value.errors} == {"r2_max_per_year", "no_such"}
    clerk = make_user(Role.DISTRICT_CLERK)
    with pytest.raises(PermissionDenied):
        create_draft_version(actor=clerk, base=v1, effective_from=dt.date(2026, 1, 1))
    assert SchemeVersion.objects.filter(scheme=v1.scheme).count() == 1


def test_retire_takes_a_version_out_of_force(schemes: dict[str, SchemeVersion], scheme_admin: User) -> None:
    v1 = schemes["living"]
    with pytest.raises(DomainError):
        retire_version(actor=scheme_admin, version=v1, reason=" ")
    retire_version(actor=scheme_admin, version=v1, reason="政策废止")
    with pytest.raises(DomainError, match="没有适用"):
        version_in_force(kind="living", on=dt.date(2026, 1, 1))


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_lists_shows_creates_and_publishes_versions(
    schemes: dict[str, SchemeVersion], scheme_admin: User
) -> None:
    client = _client(scheme_admin)
    listed = client.get(f"{API}/schemes").json()
    assert listed["count"] == len(DEFAULT_SCHEMES)
    v1 = schemes["training"]
    detail = client.get(f"{API}/schemes/versions/{v1.pk}").json()
    threshold = next(p for p in detail["parameters"] if p["name"] == "attendance_threshold")
    assert threshold["value"] == "0.80" and "80%" in threshold["policy"]
    created = client.post(
        f"{API}/schemes/versions/{v1.pk}/drafts",
        json.dumps({"effective_from": "2027-01-01", "changes": {"attendance_threshold": "0.90"}}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    new_id = created.json()["id"]
    published = client.post(f"{API}/schemes/versions/{new_id}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = client.post(f"{API}/schemes/versions/{new_id}/publish")
    assert again.status_code == 409


def test_the_scheme_screens(schemes: dict[str, SchemeVersion], scheme_admin: User) -> None:
    client = _client(scheme_admin)
    page = client.get("/subsidies/schemes/")
    assert page.status_code == 200
    assert "技能提升补贴" in page.content.decode()
    v1 = schemes["skill_upgrade"]
    detail = client.get(f"/subsidies/schemes/versions/{v1.pk}/").content.decode()
    assert "初级（五级）1000元" in detail and v1.content_hash in detail
    form = client.get(f"/subsidies/schemes/versions/{v1.pk}/new/")
    assert form.status_code == 200
    posted = client.post(
        f"/subsidies/schemes/versions/{v1.pk}/new/",
        {
            "effective_from": "2027-01-01",
            "effective_to": "",
            "document_number": "大人社发〔2026〕1号",
            "param__r6_min_insured_months": "24",
            "policy__r6_min_insured_months": "本市细则：参保满24个月",
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    draft = SchemeVersion.objects.get(scheme=v1.scheme, number=3)  # 2 is the 2025 draft
    assert draft.parameters["r6_min_insured_months"]["value"] == 24
    assert draft.document_number == "大人社发〔2026〕1号"
    assert client.post(f"/subsidies/schemes/versions/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == SchemeVersion.Status.PUBLISHED
    assert Scheme.objects.count() == len(DEFAULT_SCHEMES)
