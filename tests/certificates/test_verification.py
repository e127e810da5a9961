# ruff: noqa: F811  (fixtures imported from the certificates conftest are used as parameters)
"""Public certificate verification (issue 11 item 5, ADR 0018): the page, the API, the QR link, the rate limit."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from lijiao.certificates.models import Certificate, VerificationCounter
from lijiao.certificates.selectors import verification as selectors
from lijiao.certificates.services.verification import RateLimited, client_key, take_verification
from tests.certificates.conftest import make_certificate, make_person, social_body, training_ref  # noqa: F401
from tests.query_budget import assert_constant
from tests.training.conftest import today

API = "/api/v1/certificates/verify"
NO_MATCH = "未查到与该证书编号和姓名相符的证书"
UNLIMITED = {"CERTIFICATE_VERIFY_PER_MINUTE": 0, "CERTIFICATE_VERIFY_PER_DAY": 0}

pytestmark = pytest.mark.django_db


def post(client: Client, number: str, name: str, **extra: Any) -> Any:
    return client.post(API, {"number": number, "name": name}, content_type="application/json", **extra)


@pytest.fixture
def cert(training_ref: dict[str, Any]) -> Certificate:
    return make_certificate(make_person("张小三"), occupation=training_ref["electrician"])


# ------------------------------------------------------------------------------------------------ masking


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张小三", "张*三"), ("李四", "李*"), ("欧阳娜娜", "欧**娜"), ("王", "王"), ("买买提·艾力", "买****力")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert selectors.mask_name(name) == masked


def test_names_compare_as_typed_on_a_phone() -> None:
    assert selectors.names_match(" 张 小三 ", "张小三")
    assert selectors.names_match("买买提•艾力", "买买提·艾力")
    assert not selectors.names_match("张小四", "张小三")
    assert not selectors.names_match("张小三", None)


# ------------------------------------------------------------------------------------------------ the API


@override_settings(**UNLIMITED)
def test_right_name_gives_the_masked_certificate(cert: Certificate) -> None:
    response = post(Client(), cert.number, "张小三")
    assert response.status_code == 200
    body = response.json()
    assert body["matched"] is True
    shown = body["certificate"]
    assert shown["holder_name"] == "张*三"
    assert shown["citizen_id"] == cert.holder.citizen_id[:4] + "*" * 10 + cert.holder.citizen_id[-4:]
    assert cert.holder.citizen_id not in response.content.decode()
    assert shown["certificate_type_label"] == "职业技能等级证书"
    assert shown["subject"] == "电工"
    assert shown["level_label"] == "四级/中级工"
    assert shown["issued_on"] == cert.issued_on.isoformat()
    assert shown["issuer"] == "大连测试职业技能评价中心"
    assert (shown["status"], shown["status_label"], shown["revoked_on"]) == ("valid", "有效", None)


@override_settings(**UNLIMITED)
def test_number_typed_in_full_width_and_lower_case_still_matches(cert: Certificate) -> None:
    typed = " ".join(cert.number.lower()).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert post(Client(), typed, "张小三").json()["matched"] is True


@override_settings(**UNLIMITED)
def test_revoked_certificate_verifies_as_revoked_with_its_date(cert: Certificate) -> None:
    revoked_on = today() - dt.timedelta(days=2)
    Certificate.objects.filter(pk=cert.pk).update(
        status="revoked", revoked_on=revoked_on, revoked_reason="冒名"
    )
    body = post(Client(), cert.number, "张小三").json()
    assert body["matched"] is True
    assert body["certificate"]["status"] == "revoked"
    assert body["certificate"]["status_label"] == "已撤销"
    assert body["certificate"]["revoked_on"] == revoked_on.isoformat()
    assert "冒名" not in str(body)  # the reason is not public


@override_settings(**UNLIMITED)
def test_wrong_name_and_unknown_number_give_the_same_answer_after_the_same_work(cert: Certificate) -> None:
    client = Client()
    unknown = cert.number[:-6] + "999999"
    answers, counts = [], []
    for number, name in ((cert.number, "李四"), (unknown, "张小三"), (unknown, "李四")):
        with CaptureQueriesContext(connection) as captured:
            response = post(client, number, name)
        answers.append((response.status_code, response.content))
        counts.append(len(captured.captured_queries))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200
    assert post(client, cert.number, "李四").json() == {
        "matched": False,
        "message": NO_MATCH,
        "certificate": None,
    }
    assert counts[0] == counts[1] == counts[2] == 1  # one lookup by number, whatever it finds


def test_both_paths_compare_names_and_decrypt_nothing(cert: Certificate) -> None:
    with (
        mock.patch.object(selectors, "names_match", wraps=selectors.names_match) as compared,
        mock.patch.object(selectors, "decrypt", wraps=selectors.decrypt) as decrypted,
    ):
        assert not selectors.verify(cert.number, "李四").matched
        assert not selectors.verify("S00012121020199999999", "张小三").matched
        assert compared.call_count == 2
        assert decrypted.call_count == 0
        assert selectors.verify(cert.number, "张小三").matched
        assert decrypted.call_count == 1


@override_settings(**UNLIMITED)
@pytest.mark.parametrize("number", ["ABC", "S0001<script>", "证书123456", "1" * 41, "S0001-21-2102 01'--"])
def test_malformed_number_is_refused_by_its_shape_before_any_lookup(number: str) -> None:
    with CaptureQueriesContext(connection) as captured:
        response = post(Client(), number, "张小三")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "number"
    assert "证书编号" in body["message"]
    assert not [q for q in captured.captured_queries if "certificates_certificate" in q["sql"]]
    assert not VerificationCounter.objects.exists()


@override_settings(**UNLIMITED)
def test_missing_name_is_a_clear_error() -> None:
    response = post(Client(), "S000121210201254000001", "  ")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "name", "message": "请填写持证人姓名"}]


def test_unknown_fields_are_refused() -> None:
    response = Client().post(API, {"number": "X" * 10, "name": "a", "id": 1}, content_type="application/json")
    assert response.status_code == 422


# ------------------------------------------------------------------------------------------------ the rate limit


@override_settings(CERTIFICATE_VERIFY_PER_MINUTE=3, CERTIFICATE_VERIFY_PER_DAY=100)
def test_rate_limit_answers_429_in_chinese_with_retry_after(cert: Certificate) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _n in range(3):
        assert post(client, cert.number, "张小三").status_code == 200
    response = post(client, cert.number, "张小三")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "查验过于频繁" in response.json()["message"]
    assert 1 <= int(response["Retry-After"]) <= 60
    # another address is not affected
    assert post(Client(REMOTE_ADDR="203.0.113.8"), cert.number, "张小三").status_code == 200


@override_settings(CERTIFICATE_VERIFY_PER_MINUTE=2, CERTIFICATE_VERIFY_PER_DAY=100)
def test_limit_holds_across_clients_that_share_only_the_database(cert: Certificate) -> None:
    """Two clients (think: two server processes) from one address: the count is the database's, not theirs."""
    first, second = Client(REMOTE_ADDR="198.51.100.1"), Client(REMOTE_ADDR="198.51.100.1")
    assert post(first, cert.number, "张小三").status_code == 200
    assert post(second, cert.number, "张小三").status_code == 200
    assert post(first, cert.number, "张小三").status_code == 429
    assert post(second, cert.number, "张小三").status_code == 429
    row = VerificationCounter.objects.get()
    assert row.client == client_key("198.51.100.1") and "198.51" not in row.client  # no address stored


@override_settings(CERTIFICATE_VERIFY_PER_MINUTE=100, CERTIFICATE_VERIFY_PER_DAY=3)
def test_daily_limit_and_its_retry_after_until_midnight() -> None:
    start = 1_800_000_000.0
    for n in range(3):
        take_verification(client_ip="192.0.2.1", now=start + n * 120)
    with pytest.raises(RateLimited) as refused:
        take_verification(client_ip="192.0.2.1", now=start + 600)
    assert refused.value.retry_after > 60
    assert refused.value.status == 429


@override_settings(CERTIFICATE_VERIFY_PER_MINUTE=2, CERTIFICATE_VERIFY_PER_DAY=100)
def test_minute_window_restarts() -> None:
    start = 1_800_000_000.0 - (1_800_000_000.0 % 60)
    take_verification(client_ip="192.0.2.2", now=start + 1)
    take_verification(client_ip="192.0.2.2", now=start + 2)
    with pytest.raises(RateLimited) as refused:
        take_verification(client_ip="192.0.2.2", now=start + 50)
    assert refused.value.retry_after == 10
    quota = take_verification(client_ip="192.0.2.2", now=start + 61)
    assert (quota.minute_count, quota.day_count) == (1, 4)


def test_ipv6_counts_by_its_64_prefix() -> None:
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:192.0.2.1") == client_key("192.0.2.1")


@override_settings(**UNLIMITED)
def test_lifted_limit_writes_nothing(cert: Certificate) -> None:
    for _n in range(20):
        assert post(Client(), cert.number, "张小三").status_code == 200
    assert not VerificationCounter.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(CERTIFICATE_VERIFY_PER_MINUTE=5, CERTIFICATE_VERIFY_PER_DAY=100)
def test_concurrent_requests_on_separate_connections_never_exceed_the_limit() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent connections)")
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(12)

    def attempt() -> None:
        barrier.wait()
        try:
            take_verification(client_ip="192.0.2.50", now=1_800_000_010.0)
            outcome = "ok"
        except RateLimited:
            outcome = "429"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["429"] * 7 + ["ok"] * 5
    assert VerificationCounter.objects.get().minute_count == 12


# ------------------------------------------------------------------------------------------------ the page and QR


@override_settings(**UNLIMITED)
def test_page_shows_the_masked_result(cert: Certificate) -> None:
    client = Client()
    assert client.get("/certificates/verify/").status_code == 200
    response = client.post("/certificates/verify/", {"number": cert.number, "name": "张小三"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "证书有效" in text and "张*三" in text and cert.number in text
    assert cert.holder.citizen_id not in text
    assert 'name="viewport"' in text


@override_settings(**UNLIMITED)
def test_page_wrong_name_and_unknown_number_render_the_same(cert: Certificate) -> None:
    client = Client()
    wrong = client.post("/certificates/verify/", {"number": cert.number, "name": "李四"})
    unknown = client.post("/certificates/verify/", {"number": cert.number[:-1] + "9", "name": "张小三"})
    assert wrong.status_code == unknown.status_code == 200
    assert NO_MATCH in wrong.content.decode()

    def answer(response: Any) -> str:
        text = response.content.decode()
        return text[
            text.index('id="verify-result"') : text.index("</section>", text.index('id="verify-result"'))
        ]

    assert answer(wrong) == answer(unknown)


@override_settings(**UNLIMITED)
def test_page_malformed_number_shows_the_field_error() -> None:
    response = Client().post("/certificates/verify/", {"number": "证书ABC", "name": "张小三"})
    assert response.status_code == 200
    assert "证书编号格式不正确" in response.content.decode()
    assert 'id="verify-result"' not in response.content.decode()


@override_settings(CERTIFICATE_VERIFY_PER_MINUTE=1, CERTIFICATE_VERIFY_PER_DAY=100)
def test_page_throttled_is_a_429_page_with_retry_after(cert: Certificate) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.post("/certificates/verify/", {"number": cert.number, "name": "张小三"})
    response = client.post("/certificates/verify/", {"number": cert.number, "name": "张小三"})
    assert response.status_code == 429
    assert "查验过于频繁" in response.content.decode()
    assert response["Retry-After"]


@override_settings(**UNLIMITED)
def test_qr_link_shows_the_certificate_without_a_name(cert: Certificate) -> None:
    response = Client().get(f"/certificates/v/{cert.verification_token}")
    text = response.content.decode()
    assert response.status_code == 200
    assert "张*三" in text and cert.number in text


@override_settings(**UNLIMITED)
def test_qr_link_of_a_revoked_certificate_says_revoked(cert: Certificate) -> None:
    Certificate.objects.filter(pk=cert.pk).update(status="revoked", revoked_on=today(), revoked_reason="撤销")
    text = Client().get(f"/certificates/v/{cert.verification_token}").content.decode()
    assert "该证书已撤销" in text


@override_settings(**UNLIMITED)
@pytest.mark.parametrize("token", ["not-a-token", "x" * 40])
def test_unknown_qr_token_is_a_404_page(cert: Certificate, token: str) -> None:
    response = Client().get(f"/certificates/v/{token}")
    assert response.status_code == 404
    assert "查验链接无效" in response.content.decode()


@override_settings(CERTIFICATE_VERIFY_PER_MINUTE=1, CERTIFICATE_VERIFY_PER_DAY=100)
def test_qr_link_counts_against_the_same_limit(cert: Certificate) -> None:
    client = Client(REMOTE_ADDR="203.0.113.10")
    assert client.get(f"/certificates/v/{cert.verification_token}").status_code == 200
    assert post(client, cert.number, "张小三").status_code == 429


# ------------------------------------------------------------------------------------------------ query budgets


def test_query_budget_of_the_qr_link_with_the_limit_on(cert: Certificate) -> None:
    """The limit costs an UPDATE and a SELECT inside a savepoint; the lookup is one query, however many rows."""
    url = f"/certificates/v/{cert.verification_token}"

    def more() -> None:
        for _n in range(5):
            make_certificate(cert.holder)

    assert_constant(Client(), url, more, budget=5)


@override_settings(**UNLIMITED)
def test_query_budget_of_the_api_with_the_limit_lifted(cert: Certificate) -> None:
    client = Client()
    post(client, cert.number, "张小三")
    with CaptureQueriesContext(connection) as captured:
        assert post(client, cert.number, "张小三").json()["matched"]
    assert len(captured.captured_queries) == 1


@override_settings(**UNLIMITED)
def test_subject_falls_back_to_the_catalogue_names(training_ref: dict[str, Any]) -> None:
    cert = make_certificate(make_person("钱八"), subject_name="", occupation=training_ref["electrician"])
    body = post(Client(), cert.number, "钱八").json()
    assert body["certificate"]["subject"] == training_ref["electrician"].name
