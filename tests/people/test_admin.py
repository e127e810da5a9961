"""The back office lists people read-only, with personal data masked; an exact ID number finds a person."""

from __future__ import annotations

import pytest
from django.test import Client

from lijiao.accounts.roles import Role
from lijiao.core.pii import PIIKind, mask
from lijiao.people.services import register_person
from tests.people.test_services import make_id

pytestmark = pytest.mark.django_db


def test_people_are_listed_masked_and_read_only(client: Client, make_user) -> None:
    staff = make_user(Role.PROVIDER_STAFF)
    number = make_id(seq="456")
    person = register_person(actor=staff, citizen_id=number, name="刘洋", phone="13912345678")
    register_person(actor=staff, citizen_id=make_id(seq="457"), name="陈静")
    client.force_login(make_user(Role.CITY_ADMIN))

    listing = client.get("/admin/people/person/").content.decode()
    assert "刘洋" in listing and "陈静" in listing
    assert mask(PIIKind.CITIZEN_ID, number) in listing and number not in listing
    found = client.get("/admin/people/person/", {"q": number}).content.decode()  # by digest, never decrypting
    assert "刘洋" in found and "陈静" not in found
    page = client.get(f"/admin/people/person/{person.pk}/change/").content.decode()
    assert "刘洋" in page and number not in page and "13912345678" not in page
    for birth_date in (
        "1990-03-07",
        "1990年3月7日",
        "March 7, 1990",
        "1990-3-7",
    ):  # the year only, beside a masked ID
        assert birth_date not in listing and birth_date not in page
    assert client.get("/admin/people/person/add/").status_code == 403
    assert client.post(f"/admin/people/person/{person.pk}/delete/", {"post": "yes"}).status_code == 403
