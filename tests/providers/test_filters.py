"""Each provider list has one FilterSet: the screen and the API take the same parameters, refuse the same values
with the same message, and list the same providers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.accounts.models import User
from lijiao.providers.models import BlacklistEntry, Provider, ProviderStatus
from tests.providers.conftest import TODAY, make_provider
from tests.providers.test_api import token_api


def _screen_names(client: Client, url: str, params: dict[str, Any]) -> set[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return {p.name for p in response.context["providers"]}


def _api_names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {p["name"] for p in response.json()["items"]}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "applied"},
        {"status": "approved"},
        {"q": "学校"},
        {"q": "中山"},
        {"q": "西岗", "status": ""},
    ],
)
def test_staff_list_screen_and_api_list_the_same_providers(
    zs_clerk: User, own_provider: Provider, applied: Provider, params: dict[str, Any]
) -> None:
    make_provider(96, area="XG", name="西岗学校")
    make_provider(97, name="中山学校", status=ProviderStatus.SUSPENDED)
    client = Client()
    client.force_login(zs_clerk)
    screen = _screen_names(client, reverse("providers:list"), params)
    assert screen == _api_names(token_api(zs_clerk).get("", params))
    assert "西岗学校" not in screen  # another handling area, whatever the filter


def test_staff_list_refuses_an_unknown_status_with_the_same_message(
    zs_clerk: User, applied: Provider
) -> None:
    client = Client()
    client.force_login(zs_clerk)
    screen = client.get(reverse("providers:list"), {"status": "lost"})
    message = screen.context["form"].errors["status"][0]
    assert "lost" in message
    assert message in screen.content.decode()
    api = token_api(zs_clerk).get("", {"status": "lost"})
    assert api.status_code == 422
    assert api.json()["errors"] == [{"field": "status", "message": message}]


@pytest.mark.parametrize(
    "params", [{}, {"q": "学校"}, {"area": "ZS"}, {"area": "XG"}, {"q": "西岗", "area": "XG"}]
)
def test_listed_screen_and_api_list_the_same_providers(
    own_provider: Provider, applied: Provider, city_admin: User, params: dict[str, Any]
) -> None:
    make_provider(96, area="XG", name="西岗学校")
    blacklisted = make_provider(95, name="黑名单学校")
    BlacklistEntry.objects.create(provider=blacklisted, reason="虚报", starts_on=TODAY, created_by=city_admin)
    screen = _screen_names(Client(), reverse("providers:listed"), params)
    api = Client().get("/api/v1/providers/listed", params)
    assert screen == _api_names(api)
    assert applied.name not in screen and blacklisted.name not in screen


def test_listed_refuses_an_unknown_area_in_the_api(own_provider: Provider) -> None:
    response = Client().get("/api/v1/providers/listed", {"area": "NOWHERE"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["area"]


def test_teacher_and_venue_lists_hide_inactive_ones_unless_asked(
    zs_clerk: User, own_provider: Provider
) -> None:
    own_provider.teachers.create(name="在职", active=True)
    own_provider.teachers.create(name="离职", active=False)
    own_provider.venues.create(name="一号", address="路1号", capacity=10, active=True)
    own_provider.venues.create(name="二号", address="路2号", capacity=10, active=False)
    api = token_api(zs_clerk)
    for path in (f"/{own_provider.pk}/teachers", f"/{own_provider.pk}/venues"):
        active = api.get(path).json()
        everything = api.get(path, {"include_inactive": "true"}).json()
        assert len(active) == 1 and len(everything) == 2
