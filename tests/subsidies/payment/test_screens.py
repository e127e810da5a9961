"""公示 public pages (masked, exports, objection form with its rate limit) and the finance/reviewer screens."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pypdf
import pytest
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.subsidies.models import Claim, ClaimStatus, Clawback, Objection, PaymentBatch
from lijiao.subsidies.services import payment
from lijiao.subsidies.services import publicity as publicity_services
from tests.certificates.conftest import make_person
from tests.query_budget import assert_constant
from tests.subsidies.payment.conftest import make_claim, make_publicity

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(reviewer2: User):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    return make_publicity(
        reviewer2, starts_on=today - dt.timedelta(days=2), ends_on=today + dt.timedelta(days=3)
    )


def listed(notice, name: str = "张小三") -> Claim:  # type: ignore[no-untyped-def]
    return make_claim(make_person(name), status=ClaimStatus.PUBLICITY, publicity=notice, amount="1350.00")


def test_public_pages_mask_names_and_ids(client: Client, notice) -> None:  # type: ignore[no-untyped-def]
    claims = [listed(notice, "张小三"), listed(notice, "欧阳娜娜")]
    ids = [c.person.citizen_id for c in claims]
    listing = client.get("/subsidies/publicity/")
    assert listing.status_code == 200 and notice.number in listing.content.decode()
    page = client.get(f"/subsidies/publicity/{notice.number}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "张*三" in html and "欧**娜" in html and "张小三" not in html and "欧阳娜娜" not in html
    assert ids[0][:4] + "*" * 10 + ids[0][-4:] in html
    assert not any(cid in html for cid in ids)
    assert "1350.00" in html and notice.objection_contact in html
    xlsx = client.get(f"/subsidies/publicity/{notice.number}/export.xlsx")
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(xlsx.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    flat = " ".join(str(v) for row in rows for v in row)
    assert "张*三" in flat and not any(cid in flat for cid in ids) and "张小三" not in flat
    pdf = client.get(f"/subsidies/publicity/{notice.number}/export.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert claims[0].number in text and ids[0][-4:] in text and "张*三" in text and "异议受理" in text
    assert not any(cid in text for cid in ids) and "张小三" not in text


def test_public_pages_hide_future_and_old_notices(client: Client, reviewer2: User) -> None:
    today = timezone.localdate()
    future = make_publicity(
        reviewer2, starts_on=today + dt.timedelta(days=3), ends_on=today + dt.timedelta(days=9)
    )
    old = make_publicity(
        reviewer2, starts_on=today - dt.timedelta(days=60), ends_on=today - dt.timedelta(days=50)
    )
    for n in (future, old):
        assert client.get(f"/subsidies/publicity/{n.number}/").status_code == 404


def test_public_objection_form_and_rate_limit(
    client: Client, notice, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    claim = listed(notice)
    url = f"/subsidies/publicity/{notice.number}/"
    bad = client.post(url, {"claim_number": claim.number, "text": "短", "contact": ""})
    assert bad.status_code == 200 and not Objection.objects.exists()
    ok = client.post(
        url, {"claim_number": claim.number, "text": "此人并未参加培训", "contact": "13800001111"}
    )
    assert ok.status_code == 302
    objection = Objection.objects.get()
    assert objection.source == Objection.Source.PUBLIC and objection.contact == "13800001111"
    monkeypatch.setattr(publicity_services, "PUBLIC_OBJECTIONS_PER_MINUTE", 3)  # refused attempts count too
    assert (
        client.post(url, {"claim_number": claim.number, "text": "第二条异议内容", "contact": ""}).status_code
        == 302
    )
    refused = client.post(url, {"claim_number": claim.number, "text": "第三条异议内容", "contact": ""})
    assert refused.status_code == 429 and "频繁" in refused.content.decode()
    assert Objection.objects.count() == 2
    # another client address is not refused
    other = client.post(url, {"claim_number": claim.number, "text": "另一地址的异议"}, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302


def test_reviewer_screens(client: Client, reviewer2: User, notice) -> None:  # type: ignore[no-untyped-def]
    claim = listed(notice)
    objection = publicity_services.raise_objection(claim=claim, source="public", text="我有异议的内容")
    client.force_login(reviewer2)
    assert client.get("/subsidies/review/publicity/").status_code == 200
    assert claim.number in client.get(f"/subsidies/review/publicity/{notice.pk}/").content.decode()
    assert client.get("/subsidies/review/objections/").status_code == 200
    assert client.get("/subsidies/review/publicity/export.xlsx").status_code == 200
    claims_xlsx = client.get(f"/subsidies/review/publicity/{notice.pk}/export.xlsx")
    content = b"".join(claims_xlsx.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert (
        rows[2][0] == claim.number
        and rows[2][2] != claim.person.citizen_id
        and rows[2][2].endswith(claim.person.citizen_id[-4:])
    )
    export = client.get("/subsidies/review/objections/export.xlsx")
    assert export.status_code == 200
    response = client.post(
        f"/subsidies/review/objections/{objection.pk}/", {"upheld": "1", "resolution": "经核实异议成立"}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RETURNED
    # approve: refused before the end (a message), nothing moves
    other = listed(notice, "李四")
    client.post(f"/subsidies/review/publicity/{notice.pk}/approve", {"claim": other.pk})
    other.refresh_from_db()
    assert other.status == ClaimStatus.PUBLICITY


def test_finance_screens_pay_a_batch(client: Client, finance: User) -> None:
    claims = [make_claim(), make_claim()]
    client.force_login(finance)
    page = client.get("/subsidies/payment/batches/")
    assert page.status_code == 200 and claims[0].number in page.content.decode()
    created = client.post("/subsidies/payment/batches/create")
    batch = PaymentBatch.objects.get()
    assert created.status_code == 302 and created["Location"].endswith(f"/payment/batches/{batch.pk}/")
    detail = client.get(f"/subsidies/payment/batches/{batch.pk}/").content.decode()
    account = claims[0].person.payee_account.account_number
    assert account not in detail and account[-4:] in detail
    for fmt in ("xlsx", "csv"):
        assert client.get(f"/subsidies/payment/batches/{batch.pk}/bank-file.{fmt}").status_code == 200
    assert client.get(f"/subsidies/payment/batches/{batch.pk}/lines.xlsx").status_code == 200
    assert client.get("/subsidies/payment/batches/export.xlsx").status_code == 200
    assert (
        client.post(f"/subsidies/payment/batches/{batch.pk}/paid", {"bank_reference": "HD42"}).status_code
        == 302
    )
    assert (
        client.post(f"/subsidies/payment/batches/{batch.pk}/paid", {"bank_reference": "HD42"}).status_code
        == 302
    )
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.PAID}
    # claw one back, recover part of it
    response = client.post(
        f"/subsidies/payment/claims/{claims[0].pk}/clawback", {"amount": "1500.00", "reason": "冒名申领"}
    )
    clawback = Clawback.objects.get()
    assert response.status_code == 302
    client.post(f"/subsidies/payment/clawbacks/{clawback.pk}/", {"action": "recover", "amount": "500"})
    clawback.refresh_from_db()
    assert clawback.recovery_status == Clawback.Recovery.PARTIAL
    assert client.get("/subsidies/payment/clawbacks/").status_code == 200
    assert client.get("/subsidies/payment/clawbacks/export.xlsx").status_code == 200
    assert AuditEvent.objects.filter(action="pii.exported").exists()


def test_payee_account_screen(client: Client, finance: User) -> None:
    person = make_person("王五")
    client.force_login(finance)
    response = client.post(
        "/subsidies/payment/accounts/",
        {"citizen_id": person.citizen_id, "bank_name": "中国银行", "account_number": "6216000011112222"},
    )
    assert response.status_code == 302
    assert person.payee_account.account_number == "6216000011112222"  # type: ignore[attr-defined]


def test_screens_refuse_other_roles(client: Client, make_user: Callable[..., User]) -> None:
    client.force_login(make_user(Role.SECOND_REVIEWER))
    assert client.get("/subsidies/payment/batches/").status_code == 403
    client.force_login(make_user(Role.FINANCE))
    assert client.get("/subsidies/review/objections/").status_code == 200  # finance reads objections
    assert client.post("/subsidies/review/publicity/1/approve").status_code == 403
    assert client.get("/subsidies/payment/batches/1/").status_code == 404


def test_query_budgets(client: Client, finance: User, reviewer2: User, notice) -> None:  # type: ignore[no-untyped-def]
    listed(notice)
    make_claim()
    payment.create_payment_batch(actor=finance)
    Objection.objects.create(claim=Claim.objects.first(), source="public", text="异议")

    def more() -> None:
        for n in range(4):
            listed(notice, f"赵{n}明")
            Objection.objects.create(claim=Claim.objects.last(), source="public", text="又一条异议")
            paid = make_claim(status=ClaimStatus.PAID)
            Clawback.objects.create(claim=paid, reason="重复", amount=100, created_by=finance)
            make_claim()
        payment.create_payment_batch(actor=finance)

    assert_constant(client, f"/subsidies/publicity/{notice.number}/", lambda: None, 8)
    client.force_login(finance)
    batch = PaymentBatch.objects.get()
    assert_constant(client, f"/subsidies/payment/batches/{batch.pk}/", more, 12)
    assert_constant(client, "/subsidies/payment/batches/", more, 12)
    assert_constant(client, "/subsidies/payment/clawbacks/", more, 12)
    client.force_login(reviewer2)
    assert_constant(client, "/subsidies/review/publicity/", more, 12)
    assert_constant(client, "/subsidies/review/objections/", more, 12)
    assert_constant(client, f"/subsidies/review/publicity/{notice.pk}/", more, 12)
    client.logout()
    assert_constant(client, f"/subsidies/publicity/{notice.number}/", more, 8)
    assert_constant(client, "/subsidies/publicity/", more, 8)


def test_worker_sets_own_account(client: Client, make_user: Callable[..., User]) -> None:
    person = make_person("刘六")
    worker = make_user(Role.WORKER, citizen_id=person.citizen_id)
    client.force_login(worker)
    assert "no-person" not in client.get("/subsidies/payment/my-account/").content.decode()
    response = client.post(
        "/subsidies/payment/my-account/",
        {"bank_name": "中国农业银行", "account_number": "6228480011112222333"},
    )
    assert response.status_code == 302
    page = client.get("/subsidies/payment/my-account/").content.decode()
    assert "6228480011112222333" not in page and "2333" in page
    client.force_login(make_user(Role.WORKER))  # no ID number on file
    assert "no-person" in client.get("/subsidies/payment/my-account/").content.decode()


def test_approve_all_ended_from_the_list(client: Client, reviewer2: User) -> None:
    today = timezone.localdate()
    ended = make_publicity(
        reviewer2, starts_on=today - dt.timedelta(days=10), ends_on=today - dt.timedelta(days=1)
    )
    claim = make_claim(status=ClaimStatus.PUBLICITY, publicity=ended)
    client.force_login(reviewer2)
    assert client.post("/subsidies/review/publicity/approve-ended").status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED


def test_public_objection_after_the_notice_shows_why(client: Client, reviewer2: User) -> None:
    today = timezone.localdate()
    ended = make_publicity(
        reviewer2, starts_on=today - dt.timedelta(days=9), ends_on=today - dt.timedelta(days=1)
    )
    claim = listed(ended)
    page = client.get(f"/subsidies/publicity/{ended.number}/").content.decode()
    assert "本批公示已结束" in page and 'id="objection"' not in page
    response = client.post(
        f"/subsidies/publicity/{ended.number}/", {"claim_number": claim.number, "text": "公示结束后的异议"}
    )
    assert response.status_code == 200 and "不在公示期内" in response.content.decode()
    assert not Objection.objects.exists()
