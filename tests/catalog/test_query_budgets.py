"""Query budgets of the catalog (public and staff, screen and API) and the accounts screens: the same number
of queries for an edition of 4 items and one of 4 + 16, a few editions or many, one token or many (issue 10).
"""

from __future__ import annotations

import datetime as dt

import pytest

from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_api_token
from lijiao.catalog.models import CatalogItem, Edition, Occupation
from lijiao.catalog.services import add_item, publish_edition, start_edition_from
from tests.catalog.conftest import item_data
from tests.query_budget import assert_budget, queries

EXTRA_ITEMS = 16
# Budgets are what each page makes today (session, user and permissions included for staff): a new query
# per row fails the equality, a new query per page fails the budget; raise a budget only on purpose.


def _grow(officer, ref, edition: Edition) -> None:
    """16 more items in the draft (one occupation each, level 5)."""
    for i in range(EXTRA_ITEMS):
        ref[f"extra{i}"] = Occupation.objects.create(code=f"4-99-99-{i:02d}", name=f"预算测试职业{i}")
        add_item(actor=officer, edition=edition, data=item_data(ref, f"extra{i}", level=5))


@pytest.fixture
def two_sizes(catalog_history, catalog_officer, catalog_ref):
    """(small, big): the published 2024 edition (4 items) and the 2026 edition (20 items), both published."""
    _grow(catalog_officer, catalog_ref, catalog_history.draft)
    big = publish_edition(
        actor=catalog_officer, edition=catalog_history.draft, effective_from=dt.date(2026, 1, 1)
    )
    assert CatalogItem.objects.filter(edition=big).count() == 4 + EXTRA_ITEMS
    return catalog_history.ed2024, big


PUBLIC_SCREENS = {"edition detail": ("/catalog/editions/{id}/", 7)}
PUBLIC_API = {
    "items of an edition": ("/api/v1/catalog/editions/{id}/items", 3),
    "edition": ("/api/v1/catalog/editions/{id}", 1),
    "item": ("/api/v1/catalog/items/{item}", 1),
}
STAFF_SCREENS = {"manage edition": ("/catalog/manage/{id}/", 14)}
STAFF_API = {
    "items of an edition": ("/api/v1/catalog/editions/{id}/items", 6),
    "edition": ("/api/v1/catalog/editions/{id}", 4),
}


def _url(pattern: str, edition: Edition) -> str:
    item = CatalogItem.objects.filter(edition=edition).order_by("-pk").first()
    return pattern.format(id=edition.pk, item=item.pk if item else 0)


@pytest.mark.django_db
@pytest.mark.parametrize("name", [*PUBLIC_SCREENS, *(f"api {n}" for n in PUBLIC_API)])
def test_public_catalog_budgets(client, two_sizes, name):
    pattern, budget = PUBLIC_SCREENS.get(name) or PUBLIC_API[name.removeprefix("api ")]
    small, big = two_sizes
    assert_budget(queries(client, _url(pattern, small)), queries(client, _url(pattern, big)), budget, name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", [*STAFF_SCREENS, *(f"api {n}" for n in STAFF_API)])
def test_staff_catalog_budgets(client, catalog_history, catalog_officer, catalog_ref, name):
    """The draft with 4 items, then with 20 (the same edition, so the same state)."""
    pattern, budget = STAFF_SCREENS.get(name) or STAFF_API[name.removeprefix("api ")]
    client.force_login(catalog_officer)
    headers = {"Authorization": f"Bearer {create_api_token(actor=catalog_officer, name='t')[1]}"}
    kwargs = {"headers": headers} if name.startswith("api ") else {}
    url = _url(pattern, catalog_history.draft)
    few = queries(client, url, **kwargs)
    _grow(catalog_officer, catalog_ref, catalog_history.draft)
    assert_budget(few, queries(client, url, **kwargs), budget, name)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "budget"), [("/catalog/", 5), ("/catalog/editions/", 1)])
def test_public_lists_budget(client, catalog_history, catalog_officer, catalog_ref, url, budget):
    """The in-force catalog with 4 items, then with 20; the edition list with 2 published editions, then 3."""
    few = queries(client, url)
    _grow(catalog_officer, catalog_ref, catalog_history.draft)
    publish_edition(actor=catalog_officer, edition=catalog_history.draft, effective_from=dt.date(2026, 1, 1))
    assert_budget(few, queries(client, url), budget, url)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "budget"), [("/catalog/manage/", 7), ("/api/v1/catalog/editions", 4)])
def test_staff_edition_lists_budget(client, catalog_history, catalog_officer, url, budget):
    """3 editions, then 8 (five more drafts)."""
    client.force_login(catalog_officer)
    headers = {"Authorization": f"Bearer {create_api_token(actor=catalog_officer, name='t')[1]}"}
    few = queries(client, url, headers=headers)
    for year in range(2027, 2032):
        start_edition_from(
            actor=catalog_officer, source=catalog_history.ed2025, name=f"{year}年版", year=year
        )
    assert_budget(few, queries(client, url, headers=headers), budget, url)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "budget"), [("/accounts/tokens/", 5), ("/accounts/profile/", 5)])
def test_accounts_screens_budget(client, make_user, url, budget):
    """One API token, then twelve; the profile of a user with one role."""
    user = make_user(Role.CATALOG_OFFICER, username="budget_officer")
    client.force_login(user)
    create_api_token(actor=user, name="first")
    few = queries(client, url)
    for i in range(11):
        create_api_token(actor=user, name=f"t{i}")
    assert_budget(few, queries(client, url), budget, url)
