"""Reporting upward: the exchange file (fields, ID in clear only there, 0600), statuses, receipts (file and API)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client

from lijiao.audit.models import AuditEvent
from lijiao.certificates.models import Certificate, ReportBatch, ReportEntry
from lijiao.certificates.services import reporting
from lijiao.core.errors import Conflict, DomainError, PermissionDenied
from tests.certificates.conftest import make_certificate, make_person


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pending(social_body, training_ref) -> list[Certificate]:
    return [
        make_certificate(
            make_person(name),
            body=social_body,
            site=social_body.sites.get(),
            occupation=training_ref["electrician"],
            report_status=Certificate.Report.PENDING,
        )
        for name in ("甲", "乙", "丙")
    ]


def test_export_writes_the_exchange_file_and_marks_exported(city_admin, pending, training_ref) -> None:
    make_certificate(certificate_type="training", number="PX210220250000001", level=None)  # not reported
    batch = reporting.export_batch(actor=city_admin)
    assert batch.certificate_count == 3
    path = Path(batch.file.path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(reporting.EXCHANGE_HEADER)
    first = pending[0]
    assert list(rows[1]) == [
        first.number,
        "甲",
        first.holder.citizen_id,
        "电工",
        "",
        "四级/中级工",
        "大连测试职业技能评价中心",
        first.issued_on.isoformat(),
    ]
    assert set(Certificate.objects.filter(report_status="exported").values_list("pk", flat=True)) == {
        c.pk for c in pending
    }
    assert ReportEntry.objects.filter(batch=batch).count() == 3
    event = AuditEvent.objects.get(action="certificates.report.exported")
    assert first.holder.citizen_id not in json.dumps(event.after)  # the ID is in the file only
    with pytest.raises(Conflict):
        reporting.export_batch(actor=city_admin)


def test_receipts_accept_and_fail_then_failed_ones_go_again(city_admin, pending) -> None:
    reporting.export_batch(actor=city_admin)
    a, b, c = pending
    with pytest.raises(DomainError) as caught:
        reporting.record_receipts(
            actor=city_admin,
            receipts=[
                reporting.Receipt(a.number, True),
                reporting.Receipt(b.number, False, ""),
                reporting.Receipt("S0", True),
            ],
        )
    assert len(caught.value.errors) == 2
    assert Certificate.objects.filter(report_status="exported").count() == 3  # nothing applied
    result = reporting.record_receipts(
        actor=city_admin,
        receipts=[reporting.Receipt(a.number, True), reporting.Receipt(b.number, False, "姓名与身份证不符")],
    )
    assert (result.accepted, result.failed) == (1, 1)
    statuses = dict(Certificate.objects.values_list("number", "report_status"))
    assert statuses == {a.number: "accepted", b.number: "failed", c.number: "exported"}
    entry = ReportEntry.objects.get(certificate=b)
    assert entry.outcome == "failed" and entry.reason == "姓名与身份证不符"
    with pytest.raises(DomainError, match="不是待回执"):
        reporting.record_receipts(actor=city_admin, receipts=[reporting.Receipt(a.number, True)])
    second = reporting.export_batch(actor=city_admin)
    assert second.certificate_count == 1 and ReportEntry.objects.get(batch=second).certificate == b


def test_only_the_bureau_reports(evaluator, provider_staff, pending) -> None:
    for actor in (evaluator, provider_staff):
        with pytest.raises(PermissionDenied):
            reporting.export_batch(actor=actor)
    assert not ReportBatch.objects.exists()


def receipt_csv(rows: list[list[str]]) -> io.BytesIO:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["证书编号", "结果", "原因"])
    writer.writerows(rows)
    upload = io.BytesIO(out.getvalue().encode("utf-8"))
    upload.name = "receipt.csv"
    return upload


def test_screen_export_download_and_receipt_file(city_admin, pending) -> None:
    client = Client()
    client.force_login(city_admin)
    assert client.get("/certificates/reporting/").status_code == 200
    assert client.post("/certificates/reporting/export/").status_code == 302
    batch = ReportBatch.objects.get()
    download = client.get(f"/certificates/reporting/batches/{batch.pk}/file.xlsx")
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="certificates.report.file_downloaded").count() == 1
    bad = client.post(
        "/certificates/reporting/receipts/", {"file": receipt_csv([[pending[0].number, "也许", ""]])}
    )
    assert bad.status_code == 400 and "无法识别" in bad.content.decode()
    good = client.post(
        "/certificates/reporting/receipts/",
        {"file": receipt_csv([[pending[0].number, "成功", ""], [pending[1].number, "失败", "证件号码有误"]])},
    )
    assert good.status_code == 302
    assert Certificate.objects.get(pk=pending[0].pk).report_status == "accepted"
    page = client.get(f"/certificates/staff/{pending[1].pk}/")
    assert "上报失败" in page.content.decode() and "证件号码有误" in page.content.decode()


def test_api(city_admin, pending) -> None:
    client = Client()
    client.force_login(city_admin)
    assert client.get("/api/v1/certificates/reporting/summary").json()["pending"] == 3
    response = client.post("/api/v1/certificates/reporting/batches")
    assert response.status_code == 201 and response.json()["certificate_count"] == 3
    assert client.post("/api/v1/certificates/reporting/batches").status_code == 409
    body = {"receipts": [{"number": c.number, "accepted": True} for c in pending]}
    response = client.post(
        "/api/v1/certificates/reporting/receipts", json.dumps(body), content_type="application/json"
    )
    assert response.json() == {"accepted": 3, "failed": 0}
    assert client.get("/api/v1/certificates/reporting/summary").json()["accepted"] == 3
