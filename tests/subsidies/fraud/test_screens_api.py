"""The findings queue and the register snapshots over HTTP: screens and API, scope, resolve, import."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.core.models import HandlingArea
from lijiao.subsidies.models import Claim, Finding, RegisterSnapshot
from lijiao.subsidies.services.audit import run_audit
from tests.subsidies.fraud.conftest import citizen_id, make_claim, make_person, today, xlsx_bytes

pytestmark = pytest.mark.django_db

API = "/api/v1/subsidies"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def findings() -> list[Finding]:
    """Two r2_cap findings: one in 中山区 (ZS), one in 西岗区 (XG)."""
    zs, xg = HandlingArea.objects.get(code="ZS"), HandlingArea.objects.get(code="XG")
    for area in (zs, xg):
        person = make_person(f"多次{area.code}")
        for _ in range(4):
            make_claim(person, handling_area=area)
    run_audit(actor=None)
    return list(Finding.objects.order_by("handling_area__code"))


def test_api_list_filters_and_scope(findings: list[Finding], auditor: User, reviewer: User) -> None:
    everything = client_for(auditor).get(f"{API}/findings").json()
    assert everything["count"] == 2
    assert everything["items"][0]["check_label"].startswith("超过年度补贴次数上限")
    assert client_for(auditor).get(f"{API}/findings?area=XG").json()["count"] == 1
    assert client_for(auditor).get(f"{API}/findings?check_code=r3_repeat").json()["count"] == 0
    bad = client_for(auditor).get(f"{API}/findings?status=nonsense")
    assert bad.status_code == 422
    mine = client_for(reviewer).get(f"{API}/findings").json()  # a ZS reviewer sees ZS only
    assert [f["handling_area"] for f in mine["items"]] == [HandlingArea.objects.get(code="ZS").name]
    xg = next(f for f in findings if f.handling_area and f.handling_area.code == "XG")
    assert client_for(reviewer).get(f"{API}/findings/{xg.pk}").status_code == 404


def test_api_detail_and_resolve_releases_the_hold(findings: list[Finding], auditor: User) -> None:
    finding = findings[0]
    client = client_for(auditor)
    detail = client.get(f"{API}/findings/{finding.pk}").json()
    assert detail["evidence"]["count"] == 4 and detail["payment_hold"] is True
    missing = client.post(
        f"{API}/findings/{finding.pk}/resolve",
        json.dumps({"status": "dismissed", "reason": " "}),
        content_type="application/json",
    )
    assert missing.status_code == 400
    done = client.post(
        f"{API}/findings/{finding.pk}/resolve",
        json.dumps({"status": "dismissed", "reason": "两笔为同一培训的预拨与清算"}),
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "dismissed" and done.json()["payment_hold"] is False
    again = client.post(
        f"{API}/findings/{finding.pk}/resolve",
        json.dumps({"status": "confirmed", "reason": "再次"}),
        content_type="application/json",
    )
    assert again.status_code == 409


def test_reviewer_may_read_but_not_resolve(findings: list[Finding], reviewer: User) -> None:
    finding = findings[-1 if findings[-1].handling_area.code == "ZS" else 0]  # type: ignore[union-attr]
    response = client_for(reviewer).post(
        f"{API}/findings/{finding.pk}/resolve",
        json.dumps({"status": "dismissed", "reason": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_screens(
    findings: list[Finding], auditor: User, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client = client_for(auditor)
    with django_assert_max_num_queries(12):
        page = client.get("/subsidies/findings/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "超过年度补贴次数上限" in text and ">r2_cap<" not in text
    finding = findings[0]
    detail = client.get(f"/subsidies/findings/{finding.pk}/")
    assert detail.status_code == 200 and "证据" in detail.content.decode()
    response = client.post(
        f"/subsidies/findings/{finding.pk}/resolve/", {"status": "confirmed", "reason": "已核实重复申请"}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "confirmed"
    assert Claim.objects.get(pk=finding.claim_id).payment_hold  # confirming keeps the hold


def test_worker_and_provider_cannot_see_findings(
    findings: list[Finding], make_user: Callable[..., User]
) -> None:
    for role in (Role.WORKER, Role.PROVIDER_STAFF, Role.FINANCE):
        client = client_for(make_user(role))
        assert client.get("/subsidies/findings/").status_code == 403
        assert client.get(f"{API}/findings").status_code == 403


def test_register_import_screen_and_api(auditor: User, reviewer: User) -> None:
    number = citizen_id(dt.date(1960, 1, 2))
    good = xlsx_bytes(["姓名", "身份证号", "领取起始日期"], [["张三", number, dt.date(2020, 1, 1)]])
    client = client_for(auditor)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/subsidies/registers/",
        {
            "kind": "pension",
            "as_of": today().isoformat(),
            "source": "社保中心",
            "file": SimpleUploadedFile("p.xlsx", good),
        },
    )
    assert response.status_code == 302
    bad = xlsx_bytes(["姓名", "身份证号", "领取起始日期"], [["李四", "123", dt.date(2020, 1, 1)]])
    response = client.post(
        "/subsidies/registers/",
        {"kind": "pension", "as_of": today().isoformat(), "file": SimpleUploadedFile("bad.xlsx", bad)},
    )
    assert response.status_code == 400 and "身份证号" in response.content.decode()
    api = client.post(
        f"{API}/registers",
        {"kind": "pension", "as_of": today().isoformat(), "file": SimpleUploadedFile("bad.xlsx", bad)},
    )
    assert api.status_code == 400 and api.json()["errors"][0]["row"] == 2
    listed = client_for(reviewer).get(f"{API}/registers").json()
    assert listed["count"] == 1 == RegisterSnapshot.objects.count()
    assert listed["items"][0]["kind_label"] == "养老金领取人员"
    refused = client_for(reviewer).post(
        f"{API}/registers",
        {"kind": "pension", "as_of": today().isoformat(), "file": SimpleUploadedFile("p.xlsx", good)},
    )
    assert refused.status_code == 403
    page = client_for(reviewer).get("/subsidies/registers/")
    assert page.status_code == 200 and "导入名册" not in page.content.decode()


def test_audit_runs_api(findings: list[Finding], auditor: User) -> None:
    runs = client_for(auditor).get(f"{API}/audit-runs").json()
    assert runs["count"] == 1 and "r2_cap" in runs["items"][0]["timings"]


def test_export_xlsx(findings: list[Finding], auditor: User, reviewer: User) -> None:
    import io

    from python_calamine import CalamineWorkbook

    response = client_for(auditor).get("/subsidies/findings/export.xlsx?area=XG")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[1][:3] == ["风险", "核查项", "摘要"]
    assert len(rows) == 3 and rows[2][0] == "高"
    mine = client_for(reviewer).get("/subsidies/findings/export.xlsx?area=XG")
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(mine.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )  # type: ignore[attr-defined]
    assert len(rows) == 2  # another area's findings are not the reviewer's


def test_run_the_audit_from_the_queue(
    auditor: User, reviewer: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    from lijiao.subsidies.models import AuditRun

    person = make_person("多次")
    for _ in range(4):
        make_claim(person)
    assert client_for(reviewer).post("/subsidies/findings/run/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(auditor).post("/subsidies/findings/run/")
    assert response.status_code == 302
    assert AuditRun.objects.count() == 1 and Finding.objects.filter(check_code="r2_cap").exists()
    page = client_for(auditor).get("/subsidies/findings/").content.decode()
    assert "最近一次核查" in page
