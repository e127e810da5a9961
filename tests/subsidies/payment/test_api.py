"""The 公示 and finance API: public notices (masked), objections (rate-limited), batches, bank file, clawbacks."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.subsidies.models import ClaimStatus, Objection, PaymentBatch
from lijiao.subsidies.services import publicity as publicity_services
from tests.certificates.conftest import make_person
from tests.subsidies.payment.conftest import make_claim, make_publicity

pytestmark = pytest.mark.django_db
API = "/api/v1/subsidies"


def post(client: Client, url: str, body: object) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_public_notice_api_is_masked(
    client: Client, reviewer2: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = timezone.localdate()
    notice = make_publicity(
        reviewer2, starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=4)
    )
    claim = make_claim(make_person("张小三"), status=ClaimStatus.PUBLICITY, publicity=notice)
    listing = client.get(f"{API}/publicity").json()
    assert [n["number"] for n in listing] == [notice.number] and listing[0]["claims"] == 1
    detail = client.get(f"{API}/publicity/{notice.number}")
    body = detail.json()
    assert body["rows"][0]["name"] == "张*三"
    assert claim.person.citizen_id not in detail.content.decode() and "张小三" not in detail.content.decode()
    url = f"{API}/publicity/{notice.number}/objections"
    assert post(client, url, {"claim_number": claim.number, "text": "短"}).status_code == 400  # type: ignore[attr-defined]
    assert post(client, url, {"claim_number": "NOPE", "text": "此人没有参加培训"}).status_code == 404  # type: ignore[attr-defined]
    assert post(client, url, {"claim_number": claim.number, "text": "此人没有参加培训"}).status_code == 201  # type: ignore[attr-defined]
    monkeypatch.setattr(publicity_services, "PUBLIC_OBJECTIONS_PER_MINUTE", 2)
    refused = post(client, url, {"claim_number": claim.number, "text": "此人没有参加培训"})
    assert refused.status_code == 429 and refused["Retry-After"]  # type: ignore[attr-defined,index]
    assert Objection.objects.count() == 1
    assert client.get(f"{API}/publicity/GS0000").status_code == 404


def test_reviewer_api(client: Client, reviewer2: User) -> None:
    today = timezone.localdate()
    notice = make_publicity(
        reviewer2, starts_on=today - dt.timedelta(days=9), ends_on=today - dt.timedelta(days=1)
    )
    claim = make_claim(status=ClaimStatus.PUBLICITY, publicity=notice)
    objection = publicity_services.raise_objection(
        claim=claim, source="person", text="这是一条异议", actor=reviewer2
    )
    client.force_login(reviewer2)
    listed = client.get(f"{API}/objections?status=open").json()
    assert listed["count"] == 1 and listed["items"][0]["claim_number"] == claim.number
    assert post(client, f"{API}/publicity/claims/{claim.pk}/approve", {}).status_code == 409  # type: ignore[attr-defined]
    ended = make_claim(status=ClaimStatus.PUBLICITY, publicity=notice)
    bulk = post(client, f"{API}/publicity/claims/approve-ended", {}).json()  # type: ignore[attr-defined]
    assert bulk["approved"] == [ended.number] and bulk["skipped"][0]["number"] == claim.number
    resolved = post(
        client, f"{API}/objections/{objection.pk}/resolve", {"upheld": False, "resolution": "不成立"}
    )
    assert resolved.json()["status"] == "dismissed"  # type: ignore[attr-defined]
    approved = post(client, f"{API}/publicity/claims/{claim.pk}/approve", {})
    assert approved.json() == {"number": claim.number, "status": "approved", "payment_hold": False}  # type: ignore[attr-defined]


def test_finance_api(client: Client, finance: User) -> None:
    claims = [make_claim(amount="1000.00"), make_claim(amount="250.00"), make_claim(payment_hold=True)]
    client.force_login(finance)
    created = post(client, f"{API}/payment/batches", {})
    body = created.json()  # type: ignore[attr-defined]
    assert created.status_code == 201 and body["batch"]["line_count"] == 2  # type: ignore[attr-defined]
    assert [s["claim_number"] for s in body["skipped"]] == [claims[2].number]
    batch_id = body["batch"]["id"]
    detail = client.get(f"{API}/payment/batches/{batch_id}")
    account = claims[0].person.payee_account.account_number
    assert account not in detail.content.decode() and detail.json()["lines"][0]["account_number"].endswith(
        account[-4:]
    )
    assert client.get(f"{API}/payment/batches").json()["count"] == 1
    csv_file = client.get(f"{API}/payment/batches/{batch_id}/bank-file?fmt=csv")
    assert csv_file.status_code == 200 and account in csv_file.content.decode("utf-8-sig")
    assert client.get(f"{API}/payment/batches/{batch_id}/bank-file?fmt=doc").status_code == 400
    paid = post(client, f"{API}/payment/batches/{batch_id}/paid", {"bank_reference": "HD7"})
    again = post(client, f"{API}/payment/batches/{batch_id}/paid", {"bank_reference": "HD8"})
    assert paid.json() == again.json() and again.json()["status"] == "paid"  # type: ignore[attr-defined]
    assert PaymentBatch.objects.get().bank_reference == "HD7"
    clawback = post(
        client, f"{API}/payment/clawbacks", {"claim_id": claims[1].pk, "amount": "250.00", "reason": "重复"}
    )
    clawback_id = clawback.json()["id"]  # type: ignore[attr-defined]
    recovered = post(client, f"{API}/payment/clawbacks/{clawback_id}/recoveries", {"amount": "250"})
    assert recovered.json()["recovery_status"] == "recovered"  # type: ignore[attr-defined]
    assert client.get(f"{API}/payment/clawbacks").json()["count"] == 1
    account_set = client.put(
        f"{API}/payment/payee-accounts/{claims[2].person.pk}",
        json.dumps({"bank_name": "中国银行", "account_number": "6216000011112222"}),
        content_type="application/json",
    )
    assert account_set.json()["account_number"] == "************2222"
