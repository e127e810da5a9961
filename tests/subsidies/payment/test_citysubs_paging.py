"""Lists at city scale (issue 12, the city benchmark): a payment batch's lines shown a page at a time, the claim
list API's offset bounded and read by a deferred join."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.core.pagination import MAX_DEPTH
from lijiao.subsidies.models import Claim, ClaimStatus, PaymentBatch, PaymentLine
from lijiao.subsidies.views.payment import BATCH_LINES_PER_PAGE
from tests.certificates.conftest import make_person
from tests.subsidies.payment.conftest import make_claim

pytestmark = pytest.mark.django_db


def test_a_batch_s_lines_are_shown_a_page_at_a_time(client: Client, finance: User) -> None:
    person = make_person("张小三")
    claims = [make_claim(person, status=ClaimStatus.PAID) for _ in range(BATCH_LINES_PER_PAGE + 5)]
    batch = PaymentBatch.objects.create(number="PB2026000001", created_by=finance, line_count=len(claims))
    PaymentLine.objects.bulk_create(
        PaymentLine(
            batch=batch, claim=c, amount=c.amount, payee_name="张小三", account_number="6222020000001"
        )
        for c in claims
    )
    client.force_login(finance)
    first = client.get(f"/subsidies/payment/batches/{batch.pk}/").content.decode()
    assert claims[0].number in first and claims[BATCH_LINES_PER_PAGE - 1].number in first
    assert claims[BATCH_LINES_PER_PAGE].number not in first
    assert "第 1 / 2 页" in first
    second = client.get(f"/subsidies/payment/batches/{batch.pk}/?page=2").content.decode()
    assert claims[BATCH_LINES_PER_PAGE].number in second and claims[0].number not in second
    assert "0001" in second and "6222020000001" not in second  # masked as on the first page
    # a page number out of range shows the last page, nonsense the first
    assert claims[-1].number in client.get(f"/subsidies/payment/batches/{batch.pk}/?page=9").content.decode()
    assert claims[0].number in client.get(f"/subsidies/payment/batches/{batch.pk}/?page=x").content.decode()


def test_the_claim_list_api_reads_an_offset_page_by_id_and_bounds_the_offset(
    client: Client, make_user: Callable[..., User]
) -> None:
    person = make_person("张小三")
    for _ in range(7):
        make_claim(person)
    client.force_login(make_user(Role.CITY_ADMIN))
    ordered = list(Claim.objects.order_by("-created_at", "-id").values_list("number", flat=True))
    page = client.get("/api/v1/subsidies/claims?offset=2&limit=3").json()
    assert [c["number"] for c in page["items"]] == ordered[2:5] and page["count"] == 7
    assert client.get("/api/v1/subsidies/claims?offset=7").json() == {"items": [], "count": 7}
    assert client.get(f"/api/v1/subsidies/claims?offset={MAX_DEPTH}").status_code == 200
    deep = client.get(f"/api/v1/subsidies/claims?offset={MAX_DEPTH + 1}")
    assert deep.status_code == 422
    body = deep.json()
    assert body["code"] == "offset_too_deep" and body["errors"][0]["field"] == "offset"
    assert str(MAX_DEPTH) in body["message"]
