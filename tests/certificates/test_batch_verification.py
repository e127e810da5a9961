# ruff: noqa: F811  (fixtures imported from the certificates conftest are used as parameters)
"""Employer batch verification (issue 11 item 5): xlsx of 证书编号 + 姓名 in, xlsx of results out, with limits."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.certificates.models import Certificate, VerificationBatch
from lijiao.certificates.services.verification import verify_batch
from lijiao.core.errors import DomainError, PermissionDenied
from tests.certificates.conftest import (  # noqa: F401
    employer_body,
    employer_evaluator,
    make_certificate,
    make_person,
    training_ref,
)
from tests.training.conftest import today

pytestmark = pytest.mark.django_db
URL = "/certificates/verify/batch/"
ROSTERS = Path(__file__).resolve().parent.parent / "fixtures" / "rosters"


def workbook(rows: list[list[Any]], header: tuple[str, ...] = ("证书编号", "姓名")) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某公司入职人员证书核验表"])  # a title row above the header, as clerks do
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def results(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def employer(employer_evaluator: User) -> User:
    return employer_evaluator


@pytest.fixture
def certs() -> list[Certificate]:
    good = make_certificate(make_person("周一"))
    revoked = make_certificate(make_person("吴二"), status="revoked", revoked_on=today(), revoked_reason="撤")
    return [good, revoked]


def test_results_one_row_per_input_row(employer: User, certs: list[Certificate]) -> None:
    good, revoked = certs
    data = workbook(
        [
            [good.number, "周一"],
            [revoked.number, "吴二"],
            [good.number, "郑三"],  # wrong name
            [good.number[:-1] + "9", "周一"],  # unknown number
            ["坏编号", "周一"],  # malformed
            [good.number.lower(), " 周 一 "],  # typed loosely
        ]
    )
    result = verify_batch(actor=employer, file_name="核验.xlsx", data=data)
    rows = results(result.content)
    assert rows[0][:4] == ["行号", "证书编号", "姓名", "核验结果"]
    body = rows[1:]
    assert [r[0] for r in body] == [3, 4, 5, 6, 7, 8]
    assert [r[3] for r in body] == ["相符", "相符", "不相符", "不相符", "不相符", "相符"]
    assert body[0][4] == "周*" and body[0][11] == "有效"
    assert body[1][11] == "已撤销" and body[1][12] is not None
    assert body[2][4] is None and body[2][13] == body[3][13] == "未查到与该证书编号和姓名相符的证书"
    assert "证书编号格式不正确" in body[4][13]
    assert (result.rows, result.matched) == (6, 3)
    batch = VerificationBatch.objects.get()
    assert (batch.rows, batch.matched, batch.quota_key) == (
        6,
        3,
        f"body:{employer.evaluator_membership.body_id}",
    )
    event = AuditEvent.objects.get(action="certificates.verify_batch")
    assert event.after["rows"] == 6 and "周一" not in str(event.after)


def test_screen_downloads_the_results(employer: User, certs: list[Certificate]) -> None:
    client = Client()
    client.force_login(employer)
    page = client.get(URL)
    assert page.status_code == 200 and "今日已核验 0 条" in page.content.decode()
    upload = SimpleUploadedFile("list.xlsx", workbook([[certs[0].number, "周一"]]))
    response = client.post(URL, {"file": upload})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert results(response.content)[1][3] == "相符"
    assert "今日已核验 1 条" in client.get(URL).content.decode()


@override_settings(CERTIFICATE_BATCH_MAX_ROWS=3)
def test_too_many_rows_in_a_file_is_refused_and_nothing_recorded(employer: User) -> None:
    with pytest.raises(DomainError) as refused:
        verify_batch(actor=employer, file_name="a.xlsx", data=workbook([["S0001", "甲"]] * 4))
    assert "每个文件最多核验 3 条" in refused.value.message
    assert not VerificationBatch.objects.exists()


@override_settings(CERTIFICATE_BATCH_DAILY_ROWS=5)
def test_daily_quota_per_employer(employer: User, make_user: Callable[..., User]) -> None:
    verify_batch(actor=employer, file_name="a.xlsx", data=workbook([["S00012121", "甲"]] * 3))
    with pytest.raises(DomainError) as refused:
        verify_batch(actor=employer, file_name="b.xlsx", data=workbook([["S00012121", "甲"]] * 3))
    assert refused.value.code == "quota_exceeded"
    assert "今日已核验 3 条" in refused.value.message
    assert VerificationBatch.objects.count() == 1
    # the remaining 2 rows are still usable, and a colleague of the same employer shares the quota
    colleague = make_user(Role.EMPLOYER_STAFF)
    colleague.evaluator_membership = type(employer.evaluator_membership).objects.create(
        user=colleague, body_id=employer.evaluator_membership.body_id
    )
    verify_batch(actor=colleague, file_name="c.xlsx", data=workbook([["S00012121", "甲"]] * 2))
    with pytest.raises(DomainError):
        verify_batch(actor=colleague, file_name="d.xlsx", data=workbook([["S00012121", "甲"]]))


def test_without_the_permission_refused(make_user: Callable[..., User]) -> None:
    provider_staff = make_user(Role.PROVIDER_STAFF)
    with pytest.raises(PermissionDenied):
        verify_batch(actor=provider_staff, file_name="a.xlsx", data=workbook([["S00012121", "甲"]]))
    client = Client()
    client.force_login(provider_staff)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize(
    ("file_name", "data", "message"),
    [
        ("a.exe", b"MZ", "请上传"),
        ("a.xlsx", b"not a zip", "无法读取"),
        ("a.xlsx", "header-only", "没有要核验的行"),
        ("a.xlsx", "wrong-header", "证书编号"),
        ("a.csv", "formula-name", "公式"),
    ],
)
def test_bad_files_give_a_clear_error_and_record_nothing(
    employer: User, file_name: str, data: Any, message: str
) -> None:
    if data == "header-only":
        data = workbook([])
    elif data == "wrong-header":
        data = workbook([["1", "甲"]], header=("编号", "名字"))
    elif data == "formula-name":
        data = '证书编号,姓名\nS00012121,"=HYPERLINK(""http://x"",""甲"")"\n'.encode()
    if message == "公式":
        result = verify_batch(actor=employer, file_name=file_name, data=data)
        assert "公式" in results(result.content)[1][13]
        return
    with pytest.raises(DomainError) as refused:
        verify_batch(actor=employer, file_name=file_name, data=data)
    assert message in refused.value.message
    assert not VerificationBatch.objects.exists()


def test_zip_bomb_is_refused(employer: User) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (8 * 1024 * 1024) + b"</a>")
    with pytest.raises(DomainError):
        verify_batch(actor=employer, file_name="bomb.xlsx", data=buffer.getvalue())
    assert not VerificationBatch.objects.exists()


def test_libreoffice_saved_file_without_the_columns_names_them(employer: User) -> None:
    """A LibreOffice-saved sheet (the roster corpus) read like any other: the missing column is named."""
    data = (ROSTERS / "18-libreoffice.ods").read_bytes()
    with pytest.raises(DomainError) as refused:
        verify_batch(actor=employer, file_name="18-libreoffice.ods", data=data)
    assert "证书编号" in refused.value.message


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_libreoffice_saved_list(employer: User, certs: list[Certificate], tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "list.csv"
    source.write_text(f"证书编号,姓名\n{certs[0].number},周一\n", encoding="utf-8")
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--infilter=CSV:44,34,76,1,1/2/2/2",
            "--convert-to",
            fmt,
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = (tmp_path / f"list.{fmt}").read_bytes()
    result = verify_batch(actor=employer, file_name=f"list.{fmt}", data=data)
    assert results(result.content)[1][3] == "相符"
