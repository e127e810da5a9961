"""Query budgets of the provider lists and details (issue 10, ADR 0014), NetBox-style: every screen and API read
is measured with one row and with several; the counts must be equal (no query per row) and within the stated
budget, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lijiao.accounts.models import User
from lijiao.providers.models import BlacklistEntry, CreditEvent, Provider, Teacher, Venue
from tests.providers.conftest import make_provider
from tests.query_budget import assert_constant

API = "/api/v1/providers"


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_providers() -> None:
    for serial in range(100, 105):
        make_provider(serial, name=f"新机构{serial}")


@pytest.mark.parametrize(
    ("url", "budget"),
    [(API, 10), (f"{API}/listed", 8), ("/providers/", 14), ("/providers/listed/", 10)],
)
def test_provider_lists_constant_queries(url, budget, city_admin, own_provider):
    client = Client() if "listed" in url else login(city_admin)
    assert_constant(client, url, add_providers, budget)


def add_details(provider: Provider, count: int, start: int, by: User) -> None:
    today = dt.date.today()
    for n in range(start, start + count):
        Teacher.objects.create(provider=provider, name=f"教师{n}")
        Venue.objects.create(provider=provider, name=f"教室{n}", address="中山路1号", capacity=30)
        CreditEvent.objects.create(
            provider=provider,
            kind=CreditEvent.Kind.values[0],
            occurred_on=today,
            description=f"记录{n}",
            created_by=by,
        )
        BlacklistEntry.objects.create(
            provider=provider,
            reason=f"原因{n}",
            starts_on=today - dt.timedelta(days=n + 1),
            ends_on=today,
            created_by=by,
        )


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        (API + "/{id}", 10),
        (API + "/{id}/teachers", 10),
        (API + "/{id}/venues", 10),
        (API + "/{id}/scope", 10),
        (API + "/{id}/blacklist", 10),
        (API + "/{id}/credit-events", 10),
        (API + "/{id}/credit-record", 14),
        ("/providers/{id}/", 30),
    ],
)
def test_provider_details_constant_queries(path, budget, city_admin, own_provider):
    add_details(own_provider, 1, 0, city_admin)
    url = path.format(id=own_provider.pk)
    assert_constant(login(city_admin), url, lambda: add_details(own_provider, 4, 1, city_admin), budget)


def test_detail_datalists_are_joined_escaped_options(city_admin, own_provider):
    """The scope and teacher forms' datalists hold every active occupation (~1,600 in the real catalog): joined
    and escaped in Python from (code, name) pairs, not rendered one template loop per option (ADR 0014)."""
    from lijiao.catalog.models import Occupation

    Occupation.objects.create(code="9-99-99-99", name="测试<工种>&职业")
    Occupation.objects.create(code="9-99-99-98", name="已停用职业", active=False)
    html = login(city_admin).get(f"/providers/{own_provider.pk}/").content.decode()
    datalist = html.split('<datalist id="scope-occupation-options">', 1)[1].split("</datalist>", 1)[0]
    assert '<option value="9-99-99-99 测试&lt;工种&gt;&amp;职业"></option>' in datalist
    assert "已停用职业" not in datalist
    assert datalist.count("<option") == Occupation.objects.filter(active=True).count()
