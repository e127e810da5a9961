"""The worker's own payee account in the API (``GET/PUT /api/v1/subsidies/mine/account``): their own person only,
the number out masked, bad input refused with nothing written, every change audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.subsidies.models import PayeeAccount
from tests.certificates.conftest import make_person

pytestmark = pytest.mark.django_db
URL = "/api/v1/subsidies/mine/account"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def worker(make_user: Callable[..., User]) -> tuple[User, Any]:
    person = make_person("账户本人")
    return make_user(Role.WORKER, username="worker_account", citizen_id=person.citizen_id), person


def test_the_worker_sets_and_reads_their_account_masked(worker: tuple[User, Any]) -> None:
    user, person = worker
    client = _client(user)
    empty = client.get(URL)
    assert empty.status_code == 200
    assert empty.json() == {"has_account": False, "bank_name": "", "account_number": "", "updated_at": None}
    number = "6217 0000 1234 5678 901"
    put = client.put(
        URL, {"bank_name": "中国建设银行大连分行", "account_number": number}, content_type="application/json"
    )
    assert put.status_code == 200, put.content
    body = put.json()
    assert body["has_account"] and body["bank_name"] == "中国建设银行大连分行"
    assert "12345678" not in body["account_number"] and body["account_number"].endswith("8901")
    assert client.get(URL).json()["account_number"] == body["account_number"]
    account = PayeeAccount.objects.get(person=person)
    assert account.account_number == "6217000012345678901"
    event = AuditEvent.objects.filter(action="subsidies.payee_account.set").get()
    assert "12345678" not in str(event.after)
    # change it
    again = client.put(
        URL, {"bank_name": "中国银行", "account_number": "622200001111"}, content_type="application/json"
    )
    assert again.status_code == 200 and PayeeAccount.objects.get(person=person).bank_name == "中国银行"
    assert AuditEvent.objects.filter(action="subsidies.payee_account.set").count() == 2


def test_bad_input_is_refused_and_nothing_written(worker: tuple[User, Any]) -> None:
    user, _person = worker
    response = _client(user).put(
        URL, {"bank_name": "", "account_number": "12ab"}, content_type="application/json"
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"bank_name", "account_number"}
    assert not PayeeAccount.objects.exists()
    assert not AuditEvent.objects.filter(action="subsidies.payee_account.set").exists()


def test_a_login_without_a_person_gets_404_and_anonymous_401(make_user: Callable[..., User]) -> None:
    clerk = make_user(Role.DISTRICT_CLERK, username="clerk_account", area="ZS")
    assert _client(clerk).get(URL).status_code == 404
    put = _client(clerk).put(
        URL, {"bank_name": "中国银行", "account_number": "622200001111"}, content_type="application/json"
    )
    assert put.status_code == 404 and not PayeeAccount.objects.exists()
    assert Client().get(URL).status_code == 401
