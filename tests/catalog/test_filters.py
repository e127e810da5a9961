"""Every catalog list is filtered by its FilterSet of ``lijiao.catalog.filters``: the edition page and the API's
item list take the same parameters, refuse the same values with the same message and list the same items; the
classification lists refuse unknown values too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.catalog.conftest import CatalogHistory

API = "/api/v1/catalog"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "电工"},
        {"q": "6-31"},
        {"level": "5"},
        {"kind": "special"},
        {"shortage_tier": "especially"},
        {"flag": ["digital", "shortage"]},
        {"q": "6-31", "level": "5"},
    ],
)
def test_edition_page_and_api_list_the_same_items(
    catalog_history: CatalogHistory, params: dict[str, Any]
) -> None:
    edition = catalog_history.ed2025
    screen = Client().get(reverse("catalog:edition_detail", args=[edition.pk]), params)
    assert screen.status_code == 200
    api = Client().get(f"{API}/editions/{edition.pk}/items", params)
    assert api.status_code == 200
    assert [i.pk for i in screen.context["items"]] == [i["id"] for i in api.json()["items"]]


@pytest.mark.parametrize("params", [{"level": "9"}, {"level": "abc"}, {"kind": "course"}, {"flag": "bogus"}])
def test_edition_page_and_api_refuse_a_bad_value_with_the_same_message(
    catalog_history: CatalogHistory, params: dict[str, Any]
) -> None:
    edition = catalog_history.ed2025
    [name] = params
    screen = Client().get(reverse("catalog:edition_detail", args=[edition.pk]), params)
    message = " ".join(str(m) for m in screen.context["filterset"].errors[name])
    api = Client().get(f"{API}/editions/{edition.pk}/items", params)
    assert api.status_code == 422
    assert api.json()["errors"] == [{"field": name, "message": message}]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/categories", {"include_inactive": "maybe"}, None),
        ("/special-items", {"kind": "course"}, "kind"),
        ("/occupations", {"q": "x" * 101}, "q"),
    ],
)
def test_classification_lists_check_their_parameters(
    catalog_ref: dict[str, Any], path: str, params: dict[str, Any], field: str | None
) -> None:
    response = Client().get(API + path, params)
    if field is None:  # an unreadable yes/no is "no", as on every screen
        assert response.status_code == 200
    else:
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [field]


def test_inactive_classifications_only_when_asked(catalog_ref: dict[str, Any]) -> None:
    welder = catalog_ref["welder"]
    welder.active = False
    welder.save()
    codes = {o["code"] for o in Client().get(f"{API}/occupations").json()["items"]}
    assert welder.code not in codes
    everything = Client().get(f"{API}/occupations", {"include_inactive": "true", "q": welder.code}).json()
    assert [o["code"] for o in everything["items"]] == [welder.code]
