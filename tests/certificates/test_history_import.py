"""Import of certificates issued elsewhere: numbers validated by type, holders matched by ID digest or registered,
flags for certificates dated before their class ended, all or nothing with a per-row report (screen and API)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from lijiao.audit.models import AuditEvent
from lijiao.certificates.models import Certificate
from lijiao.certificates.services.history_import import import_certificates
from lijiao.core.errors import PermissionDenied
from lijiao.core.models import ImportJob
from lijiao.people.models import Person
from tests.certificates.conftest import citizen_id, make_certificate, make_person
from tests.training.conftest import make_class, today

HEADER = [
    "证书编号",
    "证书类型",
    "姓名",
    "身份证号",
    "职业编码",
    "职业（工种）/项目",
    "等级",
    "发证机构",
    "发证日期",
    "培训班编号",
    "来源地",
]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def good_rows() -> list[list[str]]:
    return [
        [
            "S000121210201214000123",
            "职业技能等级证书",
            "赵一",
            citizen_id(dt.date(1988, 3, 2)),
            "6-31-01-03",
            "电工",
            "四级",
            "沈阳职业技能评价中心",
            "2021-06-30",
            "",
            "沈阳市",
        ],
        [
            "0821021003300042",
            "",
            "钱二",
            citizen_id(dt.date(1970, 1, 9)),
            "",
            "焊工",
            "三级/高级工",
            "大连市职业技能鉴定中心",
            "2008-05-01",
            "",
            "",
        ],
        [
            "ZX210224000031",
            "专项职业能力证书",
            "孙三",
            citizen_id(dt.date(1995, 7, 7)),
            "ZX210200-001",
            "数字新媒体制作",
            "",
            "大连测试职业技能评价中心",
            "2024-03-01",
            "",
            "",
        ],
    ]


def test_import_writes_every_row_and_registers_holders(city_admin, training_ref) -> None:
    existing = make_person("钱二", birth=dt.date(1970, 1, 9))
    rows = good_rows()
    rows[1][3] = existing.citizen_id  # matched by the ID's keyed digest
    result = import_certificates(
        actor=city_admin, file_name="history.csv", data=csv_bytes(rows), imported_from="历史数据"
    )
    assert result.ok, [(e.row_number, e.column, e.message) for e in result.errors]
    assert (result.total_rows, result.imported_rows) == (3, 3)
    skill = Certificate.objects.get(number="S000121210201214000123")
    assert (skill.certificate_type, skill.source, skill.level, skill.subject_name) == (
        "skill_level",
        "import",
        4,
        "电工",
    )
    assert skill.occupation == training_ref["electrician"] and skill.imported_from == "沈阳市"
    assert skill.report_status == Certificate.Report.NOT_REQUIRED
    legacy = Certificate.objects.get(number="0821021003300042")
    assert (
        legacy.certificate_type == "qualification"
        and legacy.holder == existing
        and legacy.imported_from == "历史数据"
    )
    special = Certificate.objects.get(number="ZX210224000031")
    assert special.certificate_type == "special" and special.special_item == training_ref["media"]
    assert Person.objects.filter(name="赵一").count() == 1
    assert AuditEvent.objects.filter(action="certificates.certificate.imported").count() == 3
    job = ImportJob.objects.get(pk=result.job_id)
    assert job.status == ImportJob.Status.SUCCEEDED and job.imported_rows == 3


def test_before_class_end_is_flagged_not_refused(city_admin, provider, training_ref) -> None:
    tc = make_class(
        provider,
        training_ref["items"]["electrician5"],
        status="finished",
        start=today() - dt.timedelta(days=60),
    )
    rows = [
        [
            "PX210220250000007",
            "培训合格证",
            "李五",
            citizen_id(dt.date(1999, 1, 1)),
            "",
            "电工培训",
            "",
            "某培训学校",
            (tc.end_date - dt.timedelta(days=3)).isoformat(),
            tc.code,
            "",
        ]
    ]
    result = import_certificates(actor=city_admin, file_name="t.csv", data=csv_bytes(rows))
    assert result.ok, result.errors
    cert = Certificate.objects.get()
    assert cert.flags == ["issued_before_class_end"] and cert.training_class == tc


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        (0, "S000121210201213000123", "等级代码3与证书等级四级/中级工不符"),
        (0, "S000121210201184000123", "早于职业技能等级认定制度实施的2019年"),
        (0, "S00012121020121400012", "应为22位"),
        (0, "Q000121210201214000123", "第1位应为Y"),
        (0, "S000199210201214000123", "不是有效的省份代码"),
        (3, "210202199001011235", "身份证号"),
        (6, "", "须填写等级"),
        (8, "2099-01-01", "晚于今天"),
        (4, "9-99-99-99", "未知的职业或项目编码"),
        (1, "荣誉证书", "证书类型“荣誉证书”无法识别"),
        (9, "NOPE", "未知的培训班编号"),
        (2, '=HYPERLINK("x")', "公式"),
    ],
)
def test_each_bad_row_is_reported_and_nothing_written(
    city_admin, training_ref, column: int, value: str, words: str
) -> None:
    rows = good_rows()
    rows[0][column] = value
    result = import_certificates(actor=city_admin, file_name="bad.csv", data=csv_bytes(rows))
    assert not result.ok
    assert [e.row_number for e in result.errors] == [2], [(e.row_number, e.message) for e in result.errors]
    assert any(words in e.message for e in result.errors), [e.message for e in result.errors]
    assert not Certificate.objects.exists() and not Person.objects.exists()
    job = ImportJob.objects.get(pk=result.job_id)
    assert job.status == ImportJob.Status.FAILED and job.report


def test_legacy_number_faults(city_admin, training_ref) -> None:
    rows = good_rows()
    rows[1][0] = "0821021003600042"  # level digit 6
    result = import_certificates(actor=city_admin, file_name="bad.csv", data=csv_bytes(rows))
    assert [e.row_number for e in result.errors] == [3]
    assert "第11位为等级代码" in result.errors[0].message


def test_duplicates_in_the_file_and_in_the_database(city_admin, training_ref) -> None:
    make_certificate(number="ZX210224000031", certificate_type="special", level=None)
    rows = good_rows()
    rows.append(list(rows[0]))
    rows[-1][3] = citizen_id(dt.date(1991, 1, 1))
    result = import_certificates(actor=city_admin, file_name="dup.csv", data=csv_bytes(rows))
    messages = {(e.row_number, e.message) for e in result.errors}
    assert (5, "证书编号与第2行重复") in messages
    assert (4, "证书编号“ZX210224000031”已存在") in messages
    assert Certificate.objects.count() == 1


def test_a_registered_holder_with_another_name_is_refused(city_admin, training_ref) -> None:
    person = make_person("周六")
    rows = good_rows()
    rows[2][3] = person.citizen_id
    result = import_certificates(actor=city_admin, file_name="x.csv", data=csv_bytes(rows))
    assert [(e.row_number, e.message) for e in result.errors] == [
        (4, "该身份证号已登记的姓名与填写的姓名不一致，请核对")
    ]
    assert not Certificate.objects.exists()
    assert Person.objects.count() == 1  # the other rows' new holders were rolled back too


def test_only_the_bureau_imports(provider_staff, evaluator) -> None:
    for actor in (provider_staff, evaluator):
        with pytest.raises(PermissionDenied):
            import_certificates(actor=actor, file_name="x.csv", data=csv_bytes(good_rows()))


def test_screen_and_api(city_admin, training_ref) -> None:
    client = Client()
    client.force_login(city_admin)
    assert client.get("/certificates/imports/").status_code == 200
    upload = io.BytesIO(csv_bytes(good_rows()))
    upload.name = "history.csv"
    response = client.post("/certificates/imports/", {"file": upload, "imported_from": "外地"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "已导入 3 张证书" in page.content.decode()
    rows = good_rows()
    rows[0][0] = "S000121210201213000999"
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "bad.csv"
    response = client.post("/api/v1/certificates/imports", {"file": upload})
    assert response.status_code == 400
    data = response.json()
    assert data["status"] == "failed" and data["errors"][0]["row"] == 2 and data["report_url"]
    assert client.get(data["report_url"]).status_code == 200
    assert (
        client.get(f"/api/v1/certificates/imports/{data['job_id']}").json()["error_count"]
        == data["error_count"]
    )
    assert Certificate.objects.count() == 3


@pytest.mark.skipif(
    not (shutil.which("libreoffice") or shutil.which("soffice")),
    reason="LibreOffice (Debian libreoffice-calc) is not installed: the xlsx saved by Calc cannot be produced here",
)
def test_a_file_saved_by_libreoffice_calc(city_admin, training_ref, tmp_path: Path) -> None:
    source = tmp_path / "history.csv"
    source.write_bytes(csv_bytes(good_rows()))
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run(
        [
            str(binary),
            "--headless",
            "--infilter=CSV:44,34,76,1,1/2/4/2/10/2",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    saved = tmp_path / "history.xlsx"
    result = import_certificates(actor=city_admin, file_name=saved.name, data=saved.read_bytes())
    assert result.ok, [(e.row_number, e.column, e.message) for e in result.errors]
    assert Certificate.objects.count() == 3
