"""Register imports (clerks' files, all or nothing, IDs only as digests) and the pre-payment register check."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from lijiao.accounts.models import User
from lijiao.core.errors import PermissionDenied
from lijiao.core.importing import ImportFileError
from lijiao.core.pii import PIIKind, pii_digest
from lijiao.people.models import Person
from lijiao.providers.models import Provider
from lijiao.subsidies.importers_registers import import_register
from lijiao.subsidies.models import (
    Claim,
    ContributionMonth,
    Finding,
    RegisterEntry,
    RegisterKind,
    RegisterSnapshot,
    SchemeKind,
)
from lijiao.subsidies.services.audit import resolve_finding
from lijiao.subsidies.services.registers import check_registers
from tests.subsidies.fraud.conftest import (
    citizen_id,
    csv_bytes,
    finished_class,
    make_claim,
    make_person,
    today,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

PENSION_HEADER = ["姓名", "身份证号", "领取起始日期"]


def _import(actor: User, kind: str, data: bytes, name: str = "名册.xlsx", **kw: Any) -> Any:
    return import_register(
        actor=actor,
        kind=kind,
        file_name=name,
        data=data,
        as_of=kw.pop("as_of", today()),
        source="市社保中心",
        **kw,
    )


def _person_with_id(name: str = "王五", birth: dt.date = dt.date(1985, 3, 9)) -> tuple[Person, str]:
    number = citizen_id(birth)
    return (
        Person.objects.create(name=name, citizen_id=number, gender="M", birth_date=birth),
        number,
    )


# --- imports -----------------------------------------------------------------------------------------------------


def test_pension_xlsx_with_title_row_is_stored_as_digests(auditor: User) -> None:
    number = citizen_id(dt.date(1960, 1, 2))
    data = xlsx_bytes(
        PENSION_HEADER, [["张三", number, dt.date(2020, 2, 1)]], title="2026年养老金领取人员名册"
    )
    result = _import(auditor, RegisterKind.PENSION, data)
    assert result.result.ok and result.result.imported_rows == 1
    snapshot = result.snapshot
    assert snapshot is not None and snapshot.kind == "pension" and snapshot.row_count == 1
    entry = RegisterEntry.objects.get(snapshot=snapshot)
    assert entry.citizen_id_digest == pii_digest(PIIKind.CITIZEN_ID, number)
    assert entry.starts_on == dt.date(2020, 2, 1)
    with connection.cursor() as cursor:  # the plain number is nowhere in the table
        cursor.execute(f"SELECT * FROM {RegisterEntry._meta.db_table}")  # noqa: S608
        assert number not in repr(cursor.fetchall())


def test_bad_id_names_the_row_and_writes_nothing(auditor: User) -> None:
    good = citizen_id(dt.date(1960, 1, 2))
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = xlsx_bytes(
        PENSION_HEADER, [["张三", good, dt.date(2020, 2, 1)], ["李四", bad, dt.date(2020, 2, 1)]]
    )
    result = _import(auditor, RegisterKind.PENSION, data)
    assert not result.result.ok and result.snapshot is None
    assert [(e.row_number, e.column) for e in result.result.errors] == [(3, "身份证号")]
    assert "校验" in result.result.errors[0].message
    assert not RegisterSnapshot.objects.exists() and not RegisterEntry.objects.exists()


def test_id_stored_as_excel_number_is_refused(auditor: User) -> None:
    data = xlsx_bytes(PENSION_HEADER, [["张三", 2.10202196001021e17, dt.date(2020, 2, 1)]])
    result = _import(auditor, RegisterKind.PENSION, data)
    assert not result.result.ok
    assert "文本" in result.result.errors[0].message
    assert not RegisterSnapshot.objects.exists()


def test_unknown_column_is_a_clear_error(auditor: User) -> None:
    data = xlsx_bytes(
        [*PENSION_HEADER, "备注栏X"], [["张三", citizen_id(dt.date(1960, 1, 2)), "2020-02-01", "x"]]
    )
    with pytest.raises(ImportFileError) as caught:
        _import(auditor, RegisterKind.PENSION, data)
    assert "备注栏X" in caught.value.message
    assert not RegisterSnapshot.objects.exists()


def test_serial_and_note_columns_are_accepted(auditor: User) -> None:
    number = citizen_id(dt.date(1960, 1, 2))
    data = xlsx_bytes(["序号", *PENSION_HEADER, "备注"], [[1, "张三", number, dt.date(2020, 2, 1), "无"]])
    assert _import(auditor, RegisterKind.PENSION, data).result.ok


def test_missing_column_is_a_clear_error(auditor: User) -> None:
    data = xlsx_bytes(["姓名", "身份证号"], [["张三", citizen_id(dt.date(1960, 1, 2))]])
    with pytest.raises(ImportFileError) as caught:
        _import(auditor, RegisterKind.PENSION, data)
    assert "领取起始日期" in caught.value.message


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_gbk_and_bom(auditor: User, encoding: str) -> None:
    number = citizen_id(dt.date(2004, 9, 1))
    data = csv_bytes(
        ["姓名", "身份证号", "学校名称", "入学日期", "毕业日期", "学习形式"],
        [["赵六", number, "大连理工大学", "2022-09-01", "2026-07-01", "全日制"]],
        encoding=encoding,
    )
    result = _import(auditor, RegisterKind.STUDENT, data, name="学籍.csv")
    assert result.result.ok
    entry = RegisterEntry.objects.get()
    assert entry.detail == {"school": "大连理工大学", "study_mode": "全日制"}
    assert entry.name == "赵六"


def test_contributions_become_months_and_a_later_import_replaces(auditor: User) -> None:
    number = citizen_id(dt.date(1988, 1, 1))
    header = ["姓名", "身份证号", "费款所属期", "缴费单位", "单位性质"]
    first = xlsx_bytes(
        header, [["甲", number, "2026-01", "大连某厂", "企业"], ["甲", number, "202602", "大连某厂", "企业"]]
    )
    assert _import(auditor, RegisterKind.INSURANCE, first).result.ok
    second = xlsx_bytes(header, [["甲", number, "2026年2月", "大连某研究所", "事业单位"]])
    assert _import(auditor, RegisterKind.INSURANCE, second).result.ok
    months = {m.month: (m.employer_name, m.employer_kind) for m in ContributionMonth.objects.all()}
    assert months == {
        dt.date(2026, 1, 1): ("大连某厂", "企业"),
        dt.date(2026, 2, 1): ("大连某研究所", "事业单位"),
    }


def test_duplicate_month_in_one_file_is_refused(auditor: User) -> None:
    number = citizen_id(dt.date(1988, 1, 1))
    data = xlsx_bytes(
        ["姓名", "身份证号", "缴费月份"], [["甲", number, "2026-01"], ["甲", number, "2026-01"]]
    )
    result = _import(auditor, RegisterKind.INSURANCE, data)
    assert [e.row_number for e in result.result.errors] == [3]
    assert not ContributionMonth.objects.exists()


def test_import_needs_the_permission(make_user: Any) -> None:
    from lijiao.accounts.roles import Role

    clerk = make_user(Role.DISTRICT_CLERK)
    with pytest.raises(PermissionDenied):
        _import(clerk, RegisterKind.PENSION, xlsx_bytes(PENSION_HEADER, []))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_saved_xlsx(auditor: User, tmp_path: Path) -> None:
    number = citizen_id(dt.date(1960, 1, 2))
    source = tmp_path / "pension.xlsx"
    source.write_bytes(xlsx_bytes(PENSION_HEADER, [["张三", number, dt.date(2020, 2, 1)]]))
    out = tmp_path / "saved"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = _import(auditor, RegisterKind.PENSION, (out / "pension.xlsx").read_bytes())
    assert result.result.ok


# --- the pre-payment check -----------------------------------------------------------------------------------


def _claim_in_class(provider: Provider, ref: dict[str, Any], person: Person, **kw: Any) -> Claim:
    return make_claim(person, training_class=finished_class(provider, ref), **kw)


def test_pension_payee_is_held_with_evidence_and_a_clean_person_passes(
    auditor: User, provider: Provider, training_ref: dict[str, Any]
) -> None:
    retiree, number = _person_with_id("退休甲", dt.date(1962, 4, 4))
    clean = make_person("干净乙")
    data = xlsx_bytes(PENSION_HEADER, [["退休甲", number, dt.date(2022, 5, 1)]])
    _import(auditor, RegisterKind.PENSION, data)
    held = _claim_in_class(provider, training_ref, retiree)
    fine = _claim_in_class(provider, training_ref, clean)

    findings = check_registers(claim=held, actor=auditor)
    assert [f.check_code for f in findings] == ["register_pension"]
    held.refresh_from_db()
    assert held.payment_hold and "养老金" in held.hold_reason
    evidence = findings[0].evidence
    assert evidence["register"]["kind"] == "pension" and evidence["register"]["source"] == "市社保中心"
    assert evidence["entries"][0]["starts_on"] == "2022-05-01"
    assert evidence["claim"]["period_end"] == held.training_class.end_date.isoformat()  # type: ignore[union-attr]

    assert check_registers(claim=fine, actor=auditor) == []
    fine.refresh_from_db()
    assert not fine.payment_hold

    again = check_registers(claim=held, actor=auditor)  # idempotent
    assert [f.pk for f in again] == [findings[0].pk]
    assert Finding.objects.count() == 1


def test_pension_starting_after_the_class_is_not_a_match(
    auditor: User, provider: Provider, training_ref: dict[str, Any]
) -> None:
    person, number = _person_with_id()
    _import(auditor, RegisterKind.PENSION, xlsx_bytes(PENSION_HEADER, [["王五", number, today()]]))
    claim = _claim_in_class(provider, training_ref, person)
    assert check_registers(claim=claim, actor=auditor) == []


def test_dismissing_releases_the_hold_confirming_keeps_it(
    auditor: User, provider: Provider, training_ref: dict[str, Any]
) -> None:
    person, number = _person_with_id()
    _import(
        auditor, RegisterKind.PENSION, xlsx_bytes(PENSION_HEADER, [["王五", number, dt.date(2020, 1, 1)]])
    )
    _import(
        auditor,
        RegisterKind.PAYROLL,
        xlsx_bytes(["姓名", "身份证号", "单位", "起始日期"], [["王五", number, "某局", dt.date(2015, 1, 1)]]),
    )
    claim = _claim_in_class(provider, training_ref, person)
    payroll, pension = sorted(check_registers(claim=claim, actor=auditor), key=lambda f: f.check_code)
    assert (pension.check_code, payroll.check_code) == ("register_pension", "register_payroll")
    resolve_finding(actor=auditor, finding=pension, status=Finding.Status.DISMISSED, reason="重名，已核实")
    claim.refresh_from_db()
    assert claim.payment_hold  # the payroll finding still holds it
    resolve_finding(actor=auditor, finding=payroll, status=Finding.Status.DISMISSED, reason="已离职")
    claim.refresh_from_db()
    assert not claim.payment_hold and claim.hold_reason == ""


def test_student_held_unless_the_scheme_allows_students(
    auditor: User, provider: Provider, training_ref: dict[str, Any]
) -> None:
    person, number = _person_with_id("学生丙", dt.date(2004, 1, 1))
    header = ["姓名", "身份证号", "学校", "入学日期", "毕业日期"]
    _import(
        auditor,
        RegisterKind.STUDENT,
        xlsx_bytes(header, [["学生丙", number, "某大学", dt.date(2022, 9, 1), None]]),
    )
    training = _claim_in_class(provider, training_ref, person)
    conversion = _claim_in_class(provider, training_ref, person, kind=SchemeKind.GRADUATE_CONVERSION)
    assert [f.check_code for f in check_registers(claim=training, actor=auditor)] == ["register_student"]
    assert check_registers(claim=conversion, actor=auditor) == []


def test_unemployed_with_an_employer_paying_is_held_without_is_not(
    auditor: User, provider: Provider, training_ref: dict[str, Any]
) -> None:
    employed, number = _person_with_id("在职丁", dt.date(1980, 6, 6))
    truly, number2 = _person_with_id("失业戊", dt.date(1981, 6, 6))
    header = ["姓名", "身份证号", "登记日期", "注销日期"]
    since = today() - dt.timedelta(days=400)
    _import(
        auditor,
        RegisterKind.UNEMPLOYMENT,
        xlsx_bytes(header, [["在职丁", number, since, None], ["失业戊", number2, since, None]]),
    )
    klass = finished_class(provider, training_ref)
    months = sorted({klass.start_date.replace(day=1), klass.end_date.replace(day=1)})
    _import(
        auditor,
        RegisterKind.INSURANCE,
        xlsx_bytes(
            ["姓名", "身份证号", "缴费月份", "缴费单位"],
            [["在职丁", number, m.strftime("%Y-%m"), "某公司"] for m in months],
        ),
    )
    held = make_claim(employed, training_class=klass)
    clean = make_claim(truly, training_class=klass)
    findings = check_registers(claim=held, actor=auditor)
    assert [f.check_code for f in findings] == ["register_unemployment"]
    assert findings[0].evidence["contributions"][0]["employer"] == "某公司"
    assert check_registers(claim=clean, actor=auditor) == []


def test_only_the_latest_snapshot_counts(
    auditor: User, provider: Provider, training_ref: dict[str, Any]
) -> None:
    person, number = _person_with_id()
    _import(
        auditor,
        RegisterKind.PENSION,
        xlsx_bytes(PENSION_HEADER, [["王五", number, dt.date(2020, 1, 1)]]),
        as_of=today() - dt.timedelta(days=60),
    )
    _import(
        auditor,
        RegisterKind.PENSION,
        xlsx_bytes(PENSION_HEADER, [["某人", citizen_id(dt.date(1950, 1, 1)), dt.date(2010, 1, 1)]]),
    )
    claim = _claim_in_class(provider, training_ref, person)
    assert check_registers(claim=claim, actor=auditor) == []


def test_the_check_takes_a_fixed_number_of_queries(
    auditor: User, provider: Provider, training_ref: dict[str, Any]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(rows: int) -> int:
        person, number = _person_with_id(f"查{rows}", dt.date(1962, 4, 4))
        noise = [["某人", citizen_id(dt.date(1950, 1, 1)), dt.date(2010, 1, 1)] for _ in range(rows)]
        _import(
            auditor,
            RegisterKind.PENSION,
            xlsx_bytes(PENSION_HEADER, [["查", number, dt.date(2022, 5, 1)], *noise]),
        )
        claim = _claim_in_class(provider, training_ref, person)
        with CaptureQueriesContext(connection) as captured:
            assert len(check_registers(claim=claim, actor=auditor)) == 1
        return len(captured)

    assert queries_for(1) == queries_for(60)
