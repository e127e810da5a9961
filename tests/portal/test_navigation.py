"""The header's menu: each role finds the screens it may use."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.accounts.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.CITY_ADMIN, Role.DISTRICT_CLERK, Role.AUDITOR])
def test_bureau_roles_find_the_class_list_in_their_menu(client: Client, make_user, role: Role) -> None:
    client.force_login(make_user(role))
    home = client.get(reverse("portal:home"))
    urls = [item["url"] for item in home.context["nav_items"]]
    assert reverse("training:class_list") in urls
    assert client.get(reverse("training:class_list")).status_code == 200


@pytest.mark.django_db
def test_the_worker_menu_has_no_staff_screens(client: Client, make_user) -> None:
    client.force_login(make_user(Role.WORKER))
    urls = [item["url"] for item in client.get(reverse("portal:home")).context["nav_items"]]
    assert reverse("training:class_list") not in urls and reverse("providers:list") not in urls


@pytest.mark.django_db
def test_the_home_page_promises_only_what_is_built(client: Client) -> None:
    page = client.get(reverse("portal:home"))
    text = page.content.decode()
    for not_yet_built in ("补贴申领", "进阶", "奖励"):
        assert not_yet_built not in text
    # every card leads to a page that exists
    names = ("catalog:public_list", "catalog:public_editions", "providers:listed", "certificates:verify")
    for name in (*names, "accounts:login"):
        assert reverse(name) in text
        assert client.get(reverse(name)).status_code == 200
