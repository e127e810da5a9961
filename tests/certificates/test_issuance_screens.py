"""The staff's certificate list and detail (screens and API): scope per role, filters, revoke and correct forms,
the xlsx export, and their query budgets."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import openpyxl
import pytest
from django.test import Client

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.certificates.models import Certificate, EvaluatingBody
from tests.certificates.conftest import make_certificate, make_person
from tests.query_budget import assert_constant
from tests.training.conftest import make_class, today

API = "/api/v1/certificates"


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(
    social_body: EvaluatingBody,
    employer_body: EvaluatingBody,
    provider: Any,
    other_provider: Any,
    training_ref: dict[str, Any],
) -> dict[str, Any]:
    """Four certificates: S0001's (ZS), Y0002's (XG), one from provider A's class (ZS), one from B's (XG)."""
    tc_a = make_class(
        provider,
        training_ref["items"]["electrician5"],
        status="finished",
        start=today() - dt.timedelta(days=60),
    )
    tc_b = make_class(
        other_provider,
        training_ref["items"]["electrician5"],
        status="finished",
        start=today() - dt.timedelta(days=60),
    )
    return {
        "social": make_certificate(make_person("王一"), body=social_body, site=social_body.sites.get()),
        "employer": make_certificate(
            make_person("王二"), body=employer_body, site=employer_body.sites.get(), level=3
        ),
        "class_a": make_certificate(
            make_person("王三"),
            certificate_type="training",
            number="PX210220250000001",
            level=None,
            training_class=tc_a,
            source="completion",
            subject_name="电工",
        ),
        "class_b": make_certificate(
            make_person("王四"),
            certificate_type="training",
            number="PX210220250000002",
            level=None,
            training_class=tc_b,
            source="completion",
            subject_name="电工",
        ),
    }


def numbers(client: Client, query: str = "") -> set[str]:
    response = client.get(f"{API}/certificates{query}")
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["items"]}


def test_scope_per_role(
    world, city_admin, clerk, provider_staff, evaluator, employer_evaluator, make_user
) -> None:
    all_numbers = {c.number for c in world.values()}
    assert numbers(login(city_admin)) == all_numbers
    # 中山区 clerk: S0001 (its body and site are in ZS) and provider A's class (ZS)
    assert numbers(login(clerk)) == {world["social"].number, world["class_a"].number}
    assert numbers(login(provider_staff)) == {world["class_a"].number}
    assert numbers(login(evaluator)) == {world["social"].number}
    assert numbers(login(employer_evaluator)) == {world["employer"].number}
    assert login(make_user(Role.WORKER)).get(f"{API}/certificates").status_code == 403
    # out of scope: 404, like an unknown id
    assert login(provider_staff).get(f"{API}/certificates/{world['social'].pk}").status_code == 404
    assert login(provider_staff).get(f"/certificates/staff/{world['social'].pk}/").status_code == 404
    assert login(evaluator).get(f"{API}/certificates/{world['social'].pk}").status_code == 200


def test_filters(world, city_admin) -> None:
    client = login(city_admin)
    assert numbers(client, "?certificate_type=training") == {world["class_a"].number, world["class_b"].number}
    assert numbers(client, "?holder_name=王二") == {world["employer"].number}
    assert numbers(client, f"?number={world['social'].number[:10].lower()}") == {
        world["social"].number,
        world["employer"].number if world["employer"].number.startswith(world["social"].number[:10]) else "",
    } - {""}
    assert numbers(client, "?number=px2102") == {world["class_a"].number, world["class_b"].number}
    assert numbers(client, "?level=3") == {world["employer"].number}
    world["social"].occupation = world["social"].body.accreditations.exclude(occupation=None).get().occupation
    world["social"].save()
    assert numbers(client, "?occupation_code=6-31-01-03") == {world["social"].number}
    assert numbers(client, f"?body_id={world['employer'].body_id}") == {world["employer"].number}
    assert numbers(client, f"?year={today().year + 1}") == set()
    Certificate.objects.filter(pk=world["class_b"].pk).update(flags=["issued_before_class_end"])
    assert numbers(client, "?flagged=true") == {world["class_b"].number}
    assert world["class_b"].number not in numbers(client, "?flagged=false")
    response = client.get(f"{API}/certificates?level=9&status=nope")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"level", "status"}
    page = client.get("/certificates/staff/?holder_name=王二")
    assert page.status_code == 200
    content = page.content.decode()
    assert world["employer"].number in content and world["social"].number not in content


def test_detail_revoke_and_correct_on_the_screen(world, city_admin) -> None:
    client = login(city_admin)
    cert = world["social"]
    page = client.get(f"/certificates/staff/{cert.pk}/")
    assert page.status_code == 200
    assert "revoke-panel" in page.content.decode() and "2102" in page.content.decode()
    bad = client.post(
        f"/certificates/staff/{cert.pk}/revoke/", {"reason": "", "revoked_on": today().isoformat()}
    )
    assert bad.status_code == 400
    cert.refresh_from_db()
    assert cert.status == "valid"
    done = client.post(
        f"/certificates/staff/{cert.pk}/revoke/", {"reason": "伪造材料", "revoked_on": today().isoformat()}
    )
    assert done.status_code == 302
    cert.refresh_from_db()
    assert (cert.status, cert.revoked_reason) == ("revoked", "伪造材料")
    done = client.post(
        f"/certificates/staff/{cert.pk}/correct-holder/", {"holder_name": "王壹", "reason": "录入错误"}
    )
    assert done.status_code == 302
    page = client.get(f"/certificates/staff/{cert.pk}/").content.decode()
    assert "已于" in page and "王一 → 王壹" in page


def test_revoke_and_correct_through_the_api(world, city_admin, evaluator) -> None:
    cert = world["social"]
    body = {"reason": "考试舞弊", "revoked_on": today().isoformat()}
    refused = login(evaluator).post(
        f"{API}/certificates/{cert.pk}/revoke", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 403
    client = login(city_admin)
    future = {"reason": "考试舞弊", "revoked_on": (today() + dt.timedelta(days=1)).isoformat()}
    response = client.post(
        f"{API}/certificates/{cert.pk}/revoke", json.dumps(future), content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "revoked_on"
    response = client.post(
        f"{API}/certificates/{cert.pk}/revoke", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    again = client.post(
        f"{API}/certificates/{cert.pk}/revoke", json.dumps(body), content_type="application/json"
    )
    assert again.status_code == 409
    response = client.post(
        f"{API}/certificates/{cert.pk}/correct-holder",
        json.dumps({"holder_name": "王壹", "reason": "录入错误"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["holder_name"] == "王壹"
    assert [h["action"] for h in data["history"]] == [
        "certificates.certificate.revoked",
        "certificates.certificate.holder_corrected",
    ]
    assert data["holder_citizen_id_masked"].startswith("2102") and "*" in data["holder_citizen_id_masked"]


def test_export_xlsx_is_the_filtered_list_and_audited(world, city_admin) -> None:
    response = login(city_admin).get("/certificates/staff/export.xlsx?certificate_type=training")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    found = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert found == {world["class_a"].number, world["class_b"].number}
    event = AuditEvent.objects.get(action="certificates.certificates.exported")
    assert event.after["rows"] == 2


def _more(holder_name: str = "加行") -> None:
    for _ in range(4):
        make_certificate(make_person(holder_name))


@pytest.mark.parametrize(
    ("url", "budget"),
    [(f"{API}/certificates", 8), (f"{API}/certificates?holder_name=王", 8), ("/certificates/staff/", 14)],
)
def test_list_query_budgets(world, city_admin, clerk, url: str, budget: int) -> None:
    for user in (city_admin, clerk):
        assert_constant(login(user), url, lambda: _more(), budget)


def test_detail_query_budget(world, city_admin) -> None:
    cert = world["social"]
    client = login(city_admin)

    def history() -> None:
        from lijiao.certificates.services.issuance import correct_holder

        for name in ("王甲", "王乙", "王丙"):
            correct_holder(actor=city_admin, certificate=cert, holder_name=name, reason="更正")

    assert_constant(client, f"{API}/certificates/{cert.pk}", lambda: None, 10)
    assert_constant(client, f"/certificates/staff/{cert.pk}/", history, 16)
    assert_constant(client, f"{API}/certificates/{cert.pk}", history, 10)


def test_completion_certificates_api(provider, provider_staff, other_provider_staff, training_ref) -> None:
    from decimal import Decimal

    from lijiao.training.models import AssessmentResult, Enrollment

    tc = make_class(
        provider,
        training_ref["items"]["electrician5"],
        status="finished",
        start=today() - dt.timedelta(days=60),
    )
    enrollment = Enrollment.objects.create(training_class=tc, person=make_person())
    AssessmentResult.objects.create(
        enrollment=enrollment,
        passed=True,
        evaluating_organisation="x",
        assessed_on=tc.end_date,
        theory_score=Decimal(80),
    )
    assert (
        login(other_provider_staff).post(f"{API}/classes/{tc.pk}/completion-certificates").status_code == 404
    )
    response = login(provider_staff).post(f"{API}/classes/{tc.pk}/completion-certificates")
    assert response.status_code == 200
    assert [row["certificate_type"] for row in response.json()] == ["training"]
    assert Certificate.objects.filter(training_class=tc).count() == 1


def test_holder_name_matches_from_the_first_character(world, city_admin) -> None:
    """The name filter is a prefix (an index range at city scale, ADR 0015): the full name or the surname."""
    client = login(city_admin)
    assert numbers(client, "?holder_name=王二") == {world["employer"].number}
    assert numbers(client, "?holder_name=%20王%20") == {c.number for c in world.values()}
    assert numbers(client, "?holder_name=二") == set()  # not a given name alone
    assert numbers(client, "?holder_name=%25") == set()  # LIKE wildcards are text
    page = client.get("/certificates/staff/?holder_name=王")
    assert page.status_code == 200 and "共 4 张" in page.content.decode()


def test_list_count_is_capped(world, city_admin, monkeypatch) -> None:
    """The list counts at most MAX_DEPTH + 1 rows: the API says ``count_capped``, the screen "超过 N 张"."""
    from lijiao.core import pagination

    client = login(city_admin)
    data = client.get(f"{API}/certificates").json()
    assert (data["count"], data["count_capped"], len(data["items"])) == (4, False, 4)
    monkeypatch.setattr(pagination, "MAX_DEPTH", 2)
    data = client.get(f"{API}/certificates?limit=1").json()
    assert (data["count"], data["count_capped"], len(data["items"])) == (3, True, 1)
    assert client.get(f"{API}/certificates?limit=2&offset=2").json()["items"][0]["number"] in {
        c.number for c in world.values()
    }
    content = client.get("/certificates/staff/").content.decode()
    assert "超过 2 张，可用筛选条件缩小范围" in content


def test_list_offset_is_bounded(world, city_admin) -> None:
    from lijiao.core.pagination import MAX_DEPTH

    client = login(city_admin)
    assert client.get(f"{API}/certificates?offset={MAX_DEPTH}").json()["items"] == []
    response = client.get(f"{API}/certificates?offset={MAX_DEPTH + 1}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "offset"


def test_list_rows_link_and_label_as_before(world, city_admin) -> None:
    """The rows' links (reversed once) and labels (translated once) are those of ``reverse()`` and
    ``get_FOO_display()``."""
    from django.urls import reverse

    Certificate.objects.filter(pk=world["class_b"].pk).update(
        status="revoked", revoked_on=today(), revoked_reason="测试"
    )
    content = login(city_admin).get("/certificates/staff/").content.decode()
    for cert in Certificate.objects.all():
        assert f'href="{reverse("certificates:certificate_detail", args=[cert.pk])}"' in content
        assert f'<td data-label="上报状态">{cert.get_report_status_display()}</td>' in content
    assert '<span class="badge badge-danger">已撤销</span>' in content
    assert '<td data-label="证书类型">培训合格证</td>' in content
