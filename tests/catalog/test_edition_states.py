"""Issue 9, policy 7: an edition published to start later is 待生效 and the one in force stays 现行 until that
day; a draft copied from an edition that has since been replaced warns when opened and when published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.catalog.models import EditionState, EditionStatus
from lijiao.catalog.selectors import replaced_base
from lijiao.catalog.services import publish_edition, start_edition_from
from tests.catalog.conftest import CatalogHistory


@pytest.fixture
def later(catalog_history: CatalogHistory, catalog_officer: User) -> tuple[CatalogHistory, dt.date]:
    """The 2026 draft published to start in 30 days."""
    start = timezone.localdate() + dt.timedelta(days=30)
    publish_edition(actor=catalog_officer, edition=catalog_history.draft, effective_from=start)
    return catalog_history.refreshed(), start


@pytest.mark.django_db
def test_an_edition_starting_later_is_pending_and_the_current_one_stays_current(later: Any) -> None:
    history, start = later
    today = timezone.localdate()
    assert history.draft.status == EditionStatus.PUBLISHED
    assert history.draft.state == EditionState.PENDING
    assert history.ed2025.status == EditionStatus.SUPERSEDED  # its end date is set…
    assert history.ed2025.effective_to == start
    assert history.ed2025.state == EditionState.CURRENT  # …but it is in force until then
    assert history.ed2024.state == EditionState.REPLACED
    assert history.ed2025.state_on(start - dt.timedelta(days=1)) == EditionState.CURRENT
    assert history.ed2025.state_on(start) == EditionState.REPLACED
    assert history.draft.state_on(start) == EditionState.CURRENT
    assert history.draft.state_on(today) == EditionState.PENDING


@pytest.mark.django_db
def test_screens_and_api_show_pending_and_current_until_the_start_date(
    client: Client, later: Any, time_machine: Any
) -> None:
    history, start = later
    page = client.get(reverse("catalog:public_editions")).content.decode()
    assert "待生效" in page and "现行" in page
    assert page.count("badge-current") == 1 and page.count("badge-pending") == 1
    public = client.get(reverse("catalog:public_list")).content.decode()
    assert history.ed2025.name in public and history.draft.name not in public
    states = {
        e["name"]: (e["state"], e["state_label"]) for e in client.get("/api/v1/catalog/editions").json()
    }
    assert states[history.ed2025.name] == ("current", "现行")
    assert states[history.draft.name] == ("pending", "待生效")
    assert states[history.ed2024.name] == ("replaced", "已替代")

    time_machine.move_to(dt.datetime.combine(start, dt.time(9), tzinfo=timezone.get_current_timezone()))
    states = {e["name"]: e["state"] for e in client.get("/api/v1/catalog/editions").json()}
    assert (states[history.ed2025.name], states[history.draft.name]) == ("replaced", "current")
    public = client.get(reverse("catalog:public_list")).content.decode()
    assert history.draft.name in public


@pytest.mark.django_db
def test_a_draft_copied_from_a_replaced_edition_warns_when_opened_and_published(
    client: Client, catalog_history: CatalogHistory, catalog_officer: User
) -> None:
    history = catalog_history
    client.force_login(catalog_officer)
    # a second draft copied from 2025, then the first one is published: the second is now behind
    second = start_edition_from(
        actor=catalog_officer, source=history.ed2025, name="2026年版（另稿）", year=2026
    )
    assert replaced_base(second) is None
    page = client.get(reverse("catalog:manage_edition", args=[second.pk])).content.decode()
    assert "replaced-base-warning" not in page

    publish_edition(
        actor=catalog_officer,
        edition=history.draft,
        effective_from=timezone.localdate() + dt.timedelta(days=5),
    )
    second.refresh_from_db()
    assert replaced_base(second) == (history.ed2025, history.draft)
    for name in ("catalog:manage_edition", "catalog:manage_publish"):
        page = client.get(reverse(name, args=[second.pk])).content.decode()
        assert "replaced-base-warning" in page
        assert f"此草稿复制自“{history.ed2025.name}”，该版本之后已发布“{history.draft.name}”" in page


@pytest.mark.django_db
def test_a_draft_copied_from_the_latest_edition_does_not_warn(
    client: Client, catalog_history: CatalogHistory, catalog_officer: User
) -> None:
    client.force_login(catalog_officer)
    assert replaced_base(catalog_history.draft) is None
    page = client.get(reverse("catalog:manage_publish", args=[catalog_history.draft.pk])).content.decode()
    assert "replaced-base-warning" not in page
