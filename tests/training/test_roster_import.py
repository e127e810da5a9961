"""Roster import (issue #3 item 7): files as clerks produce them, every error class with nothing written, the
background path with progress, the command line, the API, the screens and scope."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import python_calamine
import xlsxwriter
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import Client

from lijiao.accounts.models import User
from lijiao.audit.models import AuditEvent
from lijiao.core.bulk_write import CopyPayload, bulk_insert
from lijiao.core.decisions import decision_digest
from lijiao.core.errors import Conflict, DomainError, PermissionDenied
from lijiao.core.identity import citizen_id_check_char
from lijiao.core.models import DecisionRecord, ImportJob
from lijiao.core.pii import PIIKind, mask, pii_digest
from lijiao.people.models import Person, PersonGroup
from lijiao.people.services import register_person
from lijiao.training import roster_import, tasks
from lijiao.training.models import ClassStatus, Enrollment, Program, TrainingClass
from lijiao.training.roster_import import (
    FILE_ROW,
    IMPORT_KIND,
    ImportOptions,
    estimate_rows,
    queue_roster_import,
    report_preview,
    runs_in_background,
)
from tests.training.conftest import make_class, today
from tests.translations import CHINESE

HEADER = [
    "姓名",
    "身份证号",
    "手机号",
    "性别",
    "出生日期",
    "户籍类型",
    "学历",
    "工作单位",
    "人员类别",
    "毕业年份",
    "失业登记证号",
    "参保月数",
]
_serial = itertools.count(1)
ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def postgres_transactional(test: Callable[..., None]) -> Callable[..., None]:
    """A second connection reads (or writes) while the import's transaction is open: PostgreSQL, committed
    fixtures."""
    for mark in (
        pytest.mark.django_db(transaction=True, serialized_rollback=True),
        pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (row locks, a second connection)"),
        pytest.mark.postgres_only,
    ):
        test = mark(test)
    return test


def cid(birth: dt.date | None = None, *, male: bool = True, area: str = "210202") -> str:
    """A valid citizen ID, distinct on every call."""
    born = birth or dt.date(1970, 1, 1) + dt.timedelta(days=next(_serial) * 37 % 9000)
    n = next(_serial)
    first17 = f"{area}{born:%Y%m%d}{(n % 499) * 2 + (1 if male else 0):03d}"
    return first17 + citizen_id_check_char(first17)


def masked_id(value: Any) -> Any:
    """An ID cell as the error report shows it (ADR 0007)."""
    if value in ("", None):
        return value
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return mask(PIIKind.CITIZEN_ID, text.strip())


def row(name: str = "张三", number: str | None = None, phone: str = "", **cells: Any) -> list[Any]:
    """A data row in HEADER order: ``row("张三", cid(), "13800000000", 人员类别="失业人员")``."""
    values: list[Any] = [name, number if number is not None else cid(), phone, *[""] * (len(HEADER) - 3)]
    for key, value in cells.items():
        values[HEADER.index(key)] = value
    return values


def xlsx(
    rows: list[list[Any]], *, header: list[str] = HEADER, title_rows: int = 0, blank_tail: int = 0
) -> bytes:
    """An xlsx with typed cells: str → text, int/float → NUMBER cell, date → Excel date cell."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("名单")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    for t in range(title_rows):
        sheet.write_string(r, 0, f"2025年培训学员花名册（标题{t + 1}）")
        r += 1
    for c, title in enumerate(header):
        sheet.write_string(r, c, title)
    r += 1
    for values in rows:
        for c, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            elif value not in ("", None):
                sheet.write_string(r, c, str(value))
        r += 1
    for _ in range(blank_tail):
        sheet.write_string(r, 0, "   ")
        r += 1
    book.close()
    return output.getvalue()


def csv_bytes(rows: list[list[Any]], *, header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for values in rows:
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in values])
    return text.getvalue().encode(encoding)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


SMALL_BATCHES = ImportOptions(
    batch_rows=3
)  # several batches even for small files, so the per-batch paths run


def import_roster(*, options: ImportOptions = SMALL_BATCHES, **kwargs: Any) -> Any:
    return roster_import.import_roster(options=options, **kwargs)


State = tuple[int, int, int, int, int]


def state(training_class: TrainingClass) -> State:
    return (
        Person.objects.count(),
        Enrollment.objects.count(),
        PersonGroup.objects.count(),
        TrainingClass.objects.get(pk=training_class.pk).enrolled_count,
        AuditEvent.objects.filter(action="training.roster.imported").count(),
    )


def run(actor: Any, training_class: TrainingClass, data: bytes, name: str = "roster.xlsx") -> Any:
    return import_roster(actor=actor, training_class=training_class, file_name=name, data=data)


def assert_failed(result: Any, before: State, training_class: TrainingClass) -> ImportJob:
    """Nothing written; the job failed with its report."""
    assert not result.ok
    assert result.imported_rows == 0
    assert state(training_class) == before
    job = ImportJob.objects.get(pk=result.job_id)
    assert job.status == ImportJob.Status.FAILED
    assert job.kind == IMPORT_KIND
    assert job.error_count == result.error_count >= 1
    assert job.report
    assert [(e.row_number, e.message) for e in report_preview(job)] == [
        (e.row_number, e.message) for e in result.errors[:50]
    ]
    return job


# ------------------------------------------------------------------------------------------------ happy paths


def test_xlsx_roster_is_imported_with_people_groups_and_enrollments(approved_class, provider_staff) -> None:
    graduate = cid(dt.date(2001, 5, 6), male=False)
    unemployed = cid(dt.date(1985, 3, 1))
    employee = cid(dt.date(1990, 7, 8))
    rows = [
        row(
            "李梅",
            graduate,
            "13800000001",
            性别="女",
            出生日期=dt.date(2001, 5, 6),
            户籍类型="农村",
            学历="本科",
            人员类别="高校毕业生",
            毕业年份=2023,
        ),
        row(
            "王强",
            unemployed.lower(),
            "138 0000 0002",
            户籍类型="城镇",
            学历="高中",
            人员类别="失业人员、退役军人",
            失业登记证号="2102001234",
        ),
        row(
            "赵敏",
            employee,
            "+86 13800000003",
            学历="大专",
            工作单位="大连港集团",
            人员类别="企业职工",
            参保月数=36,
        ),
    ]
    result = run(provider_staff, approved_class, xlsx(rows))
    assert result.ok, result.errors
    assert (result.total_rows, result.imported_rows, result.people_created, result.groups_recorded) == (
        3,
        3,
        3,
        4,
    )

    li = Person.objects.get(citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, graduate))
    assert (li.name, li.gender, li.birth_date, li.household, li.education) == (
        "李梅",
        "F",
        dt.date(2001, 5, 6),
        "rural",
        "bachelor",
    )
    assert li.citizen_id == graduate and li.phone == "13800000001"
    assert li.phone_digest == pii_digest(PIIKind.PHONE, "13800000001")
    assert li.groups.get().graduation_year == 2023
    wang = Person.objects.get(citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, unemployed))
    assert wang.citizen_id == unemployed.upper() and wang.phone == "13800000002"
    assert dict(wang.groups.values_list("group", "registration_number")) == {
        "unemployed": "2102001234",
        "veteran": "",
    }
    zhao = Person.objects.get(citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, employee))
    assert zhao.employer_name == "大连港集团" and zhao.phone == "13800000003"
    assert zhao.groups.get().insured_months == 36 and zhao.groups.get().employer_name == "大连港集团"

    enrollments = Enrollment.objects.filter(training_class=approved_class)
    assert enrollments.count() == 3
    first = enrollments.get(person=li)
    assert first.status == Enrollment.Status.ACTIVE and first.enrolled_by == provider_staff
    assert first.eligibility["passed"] is True
    assert first.eligibility["on"] == approved_class.start_date.isoformat()
    assert first.eligibility["program"] == approved_class.program.code
    assert {c["fact"] for c in first.eligibility["trace"]} >= {"age", "retirement_age_reached"}
    approved_class.refresh_from_db()
    assert approved_class.enrolled_count == 3

    job = ImportJob.objects.get(pk=result.job_id)
    assert (job.status, job.total_rows, job.imported_rows, job.error_count) == ("succeeded", 3, 3, 0)
    assert job.created_by == provider_staff and job.target_id == str(approved_class.pk)
    event = AuditEvent.objects.get(action="training.roster.imported")  # one event for the whole file
    assert event.after["rows"] == 3 and event.after["people_created"] == 3
    assert event.object_id == str(approved_class.pk)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_roster_in_utf8_and_gb18030(approved_class, provider_staff, encoding: str) -> None:
    rows = [row("张三", cid(), "13800000001", 人员类别="农村转移劳动者"), row("李四", cid(), 户籍类型="城镇")]
    result = run(provider_staff, approved_class, csv_bytes(rows, encoding=encoding), "名单.csv")
    assert result.ok, result.errors
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "李四"}
    assert Enrollment.objects.filter(training_class=approved_class).count() == 2


def test_header_synonyms_extra_columns_title_rows_and_blank_trailing_rows(
    approved_class, provider_staff
) -> None:
    header = ["序号", "学员姓名", "公民身份号码", "联系电话", "户口性质", "文化程度", "备注", "人员类型"]
    rows = [
        [1, "张三", cid(), "13800000001", "农业户口", "初中", "随便写", "失业人员"],
        [2, "李四", cid(), "", "非农业户口", "硕士", "", ""],
    ]
    rows[0].append("")  # the 失业登记证号 column is absent: evidence missing is an error, so give none…
    rows[0][7] = "农民工"  # …and use a group that needs no evidence
    result = run(provider_staff, approved_class, xlsx(rows, header=header, title_rows=2, blank_tail=3))
    assert result.ok, result.errors
    assert result.total_rows == 2
    people = {p.name: p for p in Person.objects.all()}
    assert (people["张三"].household, people["张三"].education) == ("rural", "junior")
    assert (people["李四"].household, people["李四"].education) == ("urban", "postgraduate")
    assert people["张三"].groups.get().group == "rural_migrant"


@pytest.mark.parametrize("trailing", [[], ["备注"]], ids=["enrolment-date", "enrolment-date-and-notes"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_unknown_columns_are_ignored_and_named_and_absent_optional_columns_are_empty(
    approved_class, provider_staff, trailing: list[str], fmt: str
) -> None:
    """Issue 8 §1: a column the importer does not know is never read as one of the absent optional columns."""
    header = ["姓名", "身份证号", "手机号码", "报名日期", *trailing]
    extra = ["无"] if trailing else []
    rows = [
        ["张三", cid(), "13800000001", dt.date(2025, 3, 1), *extra],
        ["李四", cid(male=False), "13800000002", "2025-03-02", *extra],
    ]
    data = xlsx(rows, header=header) if fmt == "xlsx" else csv_bytes(rows, header=header)
    result = run(provider_staff, approved_class, data, f"roster.{fmt}")
    assert result.ok, result.errors
    assert result.imported_rows == 2
    assert result.ignored_columns == ["报名日期", *trailing]
    assert "已忽略的列：" + "、".join(["报名日期", *trailing]) in result.message
    people = {p.name: p for p in Person.objects.all()}
    assert (people["张三"].household, people["张三"].education, people["张三"].employer_name) == ("", "", "")
    assert not PersonGroup.objects.exists()


def test_a_missing_required_column_is_one_file_level_error(approved_class, provider_staff) -> None:
    before = state(approved_class)
    data = csv_bytes([["张三", "13800000001", "2025-03-01"]], header=["姓名", "手机号码", "报名日期"])
    with pytest.raises(DomainError) as info:
        run(provider_staff, approved_class, data, "roster.csv")
    assert info.value.code == "missing_columns"
    assert "身份证号" in info.value.message
    assert state(approved_class) == before and not ImportJob.objects.exists()


def test_excel_dates_and_text_dates(approved_class, provider_staff) -> None:
    births = [dt.date(1990, 3, 1), dt.date(1991, 4, 2), dt.date(1992, 5, 3), dt.date(1993, 6, 4)]
    rows = [
        row("甲", cid(births[0]), 出生日期=births[0]),  # an Excel date cell
        row("乙", cid(births[1]), 出生日期="1991-04-02"),
        row("丙", cid(births[2]), 出生日期="1992/5/3"),
        row("丁", cid(births[3]), 出生日期="1993年6月4日"),
    ]
    result = run(provider_staff, approved_class, xlsx(rows))
    assert result.ok, result.errors
    assert sorted(Person.objects.values_list("birth_date", flat=True)) == births


def test_registered_person_keeps_their_row_and_gets_the_files_new_values(
    approved_class, provider_staff
) -> None:
    number = cid()
    person = register_person(actor=provider_staff, citizen_id=number, name="张三", phone="13900000000")
    PersonGroup.objects.create(person=person, group="veteran")
    result = run(
        provider_staff,
        approved_class,
        xlsx(
            [
                row("张三", number, "13800000009", 学历="本科", 人员类别="失业人员", 失业登记证号="88"),
                row("李四"),
            ]
        ),
    )
    assert result.ok, result.errors
    assert (result.people_created, result.people_updated) == (1, 1)
    person.refresh_from_db()
    assert (
        Person.objects.filter(citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, number)).get().pk == person.pk
    )
    assert person.phone == "13800000009" and person.phone_digest == pii_digest(PIIKind.PHONE, "13800000009")
    assert person.education == "bachelor"
    assert set(person.groups.values_list("group", flat=True)) == {"veteran", "unemployed"}
    assert Enrollment.objects.filter(person=person, training_class=approved_class).exists()


def test_withdrawn_trainee_is_enrolled_again_on_the_same_row(approved_class, provider_staff) -> None:
    number = cid()
    person = register_person(actor=provider_staff, citizen_id=number, name="张三")
    old = Enrollment.objects.create(
        training_class=approved_class, person=person, status=Enrollment.Status.WITHDRAWN
    )
    result = run(provider_staff, approved_class, xlsx([row("张三", number), row("李四")]))
    assert result.ok, result.errors
    assert result.reenrolled == 1
    old.refresh_from_db()
    assert old.status == Enrollment.Status.ACTIVE and old.eligibility["passed"] is True
    assert Enrollment.objects.filter(training_class=approved_class).count() == 2
    approved_class.refresh_from_db()
    assert approved_class.enrolled_count == 2


def test_progress_callback_sees_every_batch(approved_class, provider_staff) -> None:
    calls: list[tuple[int, int]] = []
    data = xlsx([row(f"学员{i}") for i in range(7)])
    result = import_roster(
        actor=provider_staff,
        training_class=approved_class,
        file_name="a.xlsx",
        data=data,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert result.ok
    assert calls[:3] == [(3, 7), (6, 7), (7, 7)]  # validation, batch by batch
    assert calls[-1] == (7, 7)


# ------------------------------------------------------------------------------------------------ errors


def _bad_rows() -> dict[str, tuple[list[Any], str, str]]:
    """kind → (the bad row, the column reported, a fragment of the message)."""
    good_birth = dt.date(1990, 1, 1)
    number = cid(good_birth)
    future = dt.date.today() + dt.timedelta(days=400)
    body = f"210202{future:%Y%m%d}001"
    bad_date_body = "21020219901332001"
    return {
        "missing name": (row("", cid()), "姓名", "姓名不能为空"),
        "bad check character": (
            row("张三", number[:17] + ("0" if number[17] != "0" else "1")),
            "身份证号",
            "校验",
        ),
        "bad length": (row("张三", number[:16]), "身份证号", "18"),
        "impossible birth date": (
            row("张三", bad_date_body + citizen_id_check_char(bad_date_body)),
            "身份证号",
            "日期",
        ),
        "future birth date": (row("张三", body + citizen_id_check_char(body)), "身份证号", "晚于今天"),
        "bad characters": (row("张三", "21020219900101A23X"), "身份证号", ""),
        "number as csv text": (row("张三", "2.10202E+17"), "身份证号", "文本"),
        "bad phone": (row("张三", cid(), "1234"), "手机号", "手机号"),
        "gender mismatch": (row("张三", cid(male=True), 性别="女"), "性别", "不符"),
        "unknown gender": (row("张三", cid(), 性别="未知"), "性别", "无法识别"),
        "birth date mismatch": (row("张三", cid(good_birth), 出生日期="1991-01-01"), "出生日期", "不符"),
        "bad birth date cell": (row("张三", cid(), 出生日期="明年"), "出生日期", "日期"),
        "unknown group": (row("张三", cid(), 人员类别="外星人"), "人员类别", "无法识别"),
        "missing evidence": (row("张三", cid(), 人员类别="失业人员"), "失业登记证号", "失业登记证号"),
        "graduate without year": (row("张三", cid(), 人员类别="高校毕业生"), "毕业年份", "毕业年份"),
        "evidence without its group": (row("张三", cid(), 毕业年份=2020), "毕业年份", "人员类别中没有"),
        "bad year": (row("张三", cid(), 人员类别="高校毕业生", 毕业年份="去年"), "毕业年份", "年份"),
        "bad months": (row("张三", cid(), 人员类别="参保职工", 参保月数="很多"), "参保月数", "整数"),
        "employee without employer": (row("张三", cid(), 人员类别="企业职工"), "工作单位", "工作单位"),
        "unknown household": (row("张三", cid(), 户籍类型="外星"), "户籍类型", "无法识别"),
        "unknown education": (row("张三", cid(), 学历="幼儿园"), "学历", "无法识别"),
        "not eligible (too old)": (row("张三", cid(dt.date(1940, 1, 1))), "", "不符合参训条件"),
        "too young": (row("张三", cid(today() - dt.timedelta(days=365 * 10))), "", "年满16周岁"),
    }


@pytest.mark.parametrize("kind", list(_bad_rows()))
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_row_error_writes_nothing(approved_class, provider_staff, kind: str, fmt: str) -> None:
    bad, column, fragment = _bad_rows()[kind]
    rows = [row("好人甲"), bad, row("好人乙")]
    before = state(approved_class)
    data = xlsx(rows) if fmt == "xlsx" else csv_bytes(rows)
    result = run(provider_staff, approved_class, data, f"roster.{fmt}")
    job = assert_failed(result, before, approved_class)
    assert {e.row_number for e in result.errors} == {3}, result.errors
    error = result.errors[0]
    assert error.column == column and fragment in error.message
    assert CHINESE.search(error.message)
    # the row as sent, its ID masked (ADR 0007: the report keeps no full ID)
    assert error.values[:2] == [str(bad[0]) if fmt == "csv" else bad[0], masked_id(bad[1])]
    assert "未导入任何学员" in job.message


def test_numeric_id_cell_is_refused_never_converted(approved_class, provider_staff) -> None:
    number = cid()
    before = state(approved_class)
    data = xlsx([row("好人"), row("张三", float(number[:15] + "000"))])  # what Excel keeps of a typed-in ID
    result = run(provider_staff, approved_class, data)
    assert_failed(result, before, approved_class)
    [error] = result.errors
    assert error.row_number == 3 and error.column == "身份证号"
    assert "文本" in error.message and "2.10202E+17" in error.message
    assert error.values[1] == masked_id(float(number[:15] + "000"))  # masked in the report (ADR 0007)
    assert not Person.objects.exists()


def test_a_whole_numeric_id_column_fails_every_row(approved_class, provider_staff) -> None:
    rows = [row(f"学员{i}", int(cid()[:17])) for i in range(4)]  # integers that still "look" plausible
    before = state(approved_class)
    result = run(provider_staff, approved_class, xlsx(rows))
    assert_failed(result, before, approved_class)
    assert [e.row_number for e in result.errors] == [2, 3, 4, 5]
    assert all("文本" in e.message for e in result.errors)


def test_duplicates_within_the_file_report_both_rows(approved_class, provider_staff) -> None:
    number = cid()
    rows = [row("张三", number), row("李四"), row("王五"), row("张三", f" {number.lower()} "), row("赵六")]
    before = state(approved_class)
    result = run(provider_staff, approved_class, xlsx(rows))
    assert_failed(result, before, approved_class)
    assert [(e.row_number, e.column) for e in result.errors] == [(2, "身份证号"), (5, "身份证号")]
    assert "第 5 行" in result.errors[0].message and "第 2 行" in result.errors[1].message
    assert result.errors[0].values[0] == "张三"  # the rows as sent, read again from the file
    assert result.errors[1].values[:2] == ["张三", masked_id(number.lower())]
    job = ImportJob.objects.get(pk=result.job_id)
    with job.report.open("rb") as handle:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    report = book.get_sheet_by_index(0).to_python()
    assert [r[:2] for r in report[1:]] == [["张三", masked_id(number)], ["张三", masked_id(number.lower())]]
    assert number not in repr(report)


def test_already_enrolled_in_the_class(approved_class, provider_staff) -> None:
    number = cid()
    person = register_person(actor=provider_staff, citizen_id=number, name="张三")
    Enrollment.objects.create(training_class=approved_class, person=person)
    before = state(approved_class)
    result = run(provider_staff, approved_class, xlsx([row("李四"), row("张三", number)]))
    assert_failed(result, before, approved_class)
    [error] = result.errors
    assert error.row_number == 3 and "已在本班报名" in error.message


def test_registered_under_another_name(approved_class, provider_staff) -> None:
    number = cid()
    register_person(actor=provider_staff, citizen_id=number, name="张三")
    before = state(approved_class)
    result = run(provider_staff, approved_class, xlsx([row("张叁", number)]))
    assert_failed(result, before, approved_class)
    assert result.errors[0].column == "姓名" and "姓名不一致" in result.errors[0].message


def test_enrolled_in_an_overlapping_class(approved_class, provider_staff, provider, training_ref) -> None:
    other = make_class(
        provider, training_ref["items"]["welder4"], start=approved_class.start_date, capacity=5
    )
    number = cid()
    person = register_person(actor=provider_staff, citizen_id=number, name="张三")
    Enrollment.objects.create(training_class=other, person=person)
    before = state(approved_class)
    result = run(provider_staff, approved_class, xlsx([row("李四"), row("张三", number)]))
    assert_failed(result, before, approved_class)
    [error] = result.errors
    assert error.row_number == 3 and other.code in error.message and "重叠" in error.message


def test_eligibility_refusal_gives_the_reasons(approved_class, provider_staff, graduate_program) -> None:
    approved_class.program = graduate_program
    approved_class.save(update_fields=["program"])
    before = state(approved_class)
    rows = [row("毕业生", cid(dt.date(2001, 1, 1)), 人员类别="高校毕业生", 毕业年份=2023), row("李四", cid())]
    result = run(provider_staff, approved_class, xlsx(rows))
    assert_failed(result, before, approved_class)
    [error] = result.errors
    assert error.row_number == 3 and "不符合参训条件：高校毕业生" in error.message


def test_more_trainees_than_places_is_one_file_error(approved_class, provider_staff) -> None:
    TrainingClass.objects.filter(pk=approved_class.pk).update(capacity=3, enrolled_count=1)
    before = state(approved_class)
    result = run(provider_staff, approved_class, xlsx([row(f"学员{i}") for i in range(3)]))
    job = assert_failed(result, before, approved_class)
    [error] = result.errors
    assert error.row_number == FILE_ROW and "名额不足" in error.message and "剩余名额 2" in error.message
    assert "名额不足" in job.message


def test_program_quota_is_checked_for_the_whole_file(
    approved_class, provider_staff, program: Program
) -> None:
    Program.objects.filter(pk=program.pk).update(quota=2)
    before = state(approved_class)
    result = run(provider_staff, approved_class, xlsx([row(f"学员{i}") for i in range(3)]))
    assert_failed(result, before, approved_class)
    assert result.errors[0].row_number == FILE_ROW and "计划" in result.errors[0].message


def test_all_errors_are_reported_in_row_order_with_the_file_error_first(
    approved_class, provider_staff
) -> None:
    TrainingClass.objects.filter(pk=approved_class.pk).update(capacity=2)
    number = cid()
    rows = [row("", cid()), row("张三", number), row("李四", cid(), "12"), row("张三", number)]
    before = state(approved_class)
    result = run(provider_staff, approved_class, xlsx(rows))
    assert_failed(result, before, approved_class)
    assert [e.row_number for e in result.errors] == [FILE_ROW, 2, 3, 4, 5]
    assert result.error_count == 5
    job = ImportJob.objects.get(pk=result.job_id)
    with job.report.open("rb") as handle:
        sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(handle.read())).get_sheet_by_index(
            0
        )
    report = sheet.to_python()
    assert report[0][: len(HEADER)] == HEADER and report[0][-3:] == ["行号", "错误列", "错误原因"]
    assert [r[-3] for r in report[1:]] == [0, 2, 3, 4, 5]
    assert report[2][0] == "" and report[3][1] == masked_id(number)  # row number + masked ID find the row


def test_error_list_is_capped_but_the_report_has_everything(approved_class, provider_staff) -> None:
    TrainingClass.objects.filter(pk=approved_class.pk).update(capacity=100)
    result = import_roster(
        actor=provider_staff,
        training_class=approved_class,
        file_name="a.xlsx",
        data=xlsx([row("", cid()) for _ in range(9)]),
        options=ImportOptions(batch_rows=3, keep_errors=4),
    )
    assert len(result.errors) == 4 and result.error_count == 9
    assert len(report_preview(ImportJob.objects.get(pk=result.job_id), limit=100)) == 9


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "empty.csv", "empty_file"),
        ("姓名,身份证号\n".encode(), "header-only.csv", "empty_file"),
        ("名字,号码\n张三,1\n".encode(), "no-header.csv", "no_header"),
        ("姓名,手机号\n张三,13800000000\n".encode(), "no-id.csv", "missing_columns"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "unreadable_file"),
        (b"hello", "roster.pdf", "unsupported_file_type"),
    ],
)
def test_unusable_files_are_refused_without_a_job(approved_class, provider_staff, data, name, code) -> None:
    before = state(approved_class)
    with pytest.raises(DomainError) as info:
        run(provider_staff, approved_class, data, name)
    assert info.value.code == code
    assert state(approved_class) == before and not ImportJob.objects.exists()


def test_only_the_class_providers_staff_may_import(
    approved_class, other_provider_staff, clerk, city_admin
) -> None:
    for user in (other_provider_staff, clerk, city_admin):
        with pytest.raises(PermissionDenied):
            run(user, approved_class, xlsx([row()]))
    assert not Person.objects.exists() and not ImportJob.objects.exists()


@pytest.mark.parametrize("status", [ClassStatus.DRAFT, ClassStatus.FILED, ClassStatus.FINISHED])
def test_class_must_take_enrollments(approved_class, provider_staff, status: str) -> None:
    TrainingClass.objects.filter(pk=approved_class.pk).update(status=status)
    with pytest.raises(Conflict) as info:
        run(provider_staff, approved_class, xlsx([row()]))
    assert info.value.code == "class_not_open"
    assert not Person.objects.exists()


# ------------------------------------------------------------------------------------------------ bulk insert


@pytest.mark.parametrize("path", ["native", "bulk_create"])
def test_bulk_insert_stores_what_the_fields_would(
    db, approved_class, provider_staff, monkeypatch, path
) -> None:
    """COPY on PostgreSQL, multi-row INSERT on SQLite, bulk_create elsewhere: the same stored values (encrypted,
    digested, defaults)."""
    if path == "bulk_create":  # what any other database gets
        monkeypatch.setattr(connection, "vendor", "other")
    number, phone = cid(), "13800000077"
    [person_id] = bulk_insert(
        Person,
        ("name", "citizen_id", "gender", "birth_date", "phone", "household", "education", "employer_name"),
        [("张三", number, "M", dt.date(1990, 1, 1), phone, "", "", "大连\t某\\公司\n二部\r")],
        return_ids=True,
    )
    person = Person.objects.get(pk=person_id)
    assert person.employer_name == "大连\t某\\公司\n二部\r"  # COPY's special characters survive
    assert person.citizen_id == number and person.phone == phone
    assert person.citizen_id_digest == pii_digest(PIIKind.CITIZEN_ID, number)
    assert person.phone_digest == pii_digest(PIIKind.PHONE, phone)
    assert person.created_at is not None and person.updated_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT citizen_id FROM core_person WHERE id = %s", [person_id])
        raw = cursor.fetchone()[0]
    assert raw.startswith("g1.") and number not in raw  # encrypted at rest
    decision = {
        "passed": True,
        "reasons": [],
        "trace": [{"label": "年满16周岁\n\\", "actual": 30, "x": None}],
    }
    [record_id] = bulk_insert(  # JSON, with COPY's special characters
        DecisionRecord, ("digest", "record"), [(decision_digest(decision), decision)], return_ids=True
    )
    assert DecisionRecord.objects.get(pk=record_id).record == decision
    bulk_insert(
        Enrollment,
        ("training_class_id", "person_id", "enrolled_by_id", "eligibility_decision_id"),
        [(approved_class.pk, person_id, provider_staff.pk, record_id)],
    )
    enrollment = Enrollment.objects.get(person_id=person_id)
    assert enrollment.eligibility == decision
    assert enrollment.status == Enrollment.Status.ACTIVE and enrollment.attendance_rate is None
    assert enrollment.enrolled_at is not None
    assert bulk_insert(Person, ("name",), []) == []


# ------------------------------------------------------------------------------------------------ background


def test_large_files_run_as_a_background_task(settings, approved_class, provider_staff) -> None:
    settings.ROSTER_IMPORT_INLINE_MAX_ROWS = 4
    data = xlsx([row(f"学员{i}") for i in range(8)])
    assert estimate_rows("a.xlsx", data) == 9  # the sheet's last row: header + 8
    assert runs_in_background("a.xlsx", data)
    started = roster_import.start_roster_import(
        actor=provider_staff, training_class=approved_class, file_name="大名单.xlsx", data=data
    )
    assert started.queued and started.result is None
    job = started.job
    assert job.status == ImportJob.Status.SUCCEEDED  # the test backend runs the task at once
    assert (job.total_rows, job.processed_rows, job.imported_rows) == (8, 8, 8)
    assert Enrollment.objects.filter(training_class=approved_class).count() == 8
    assert not list((Path(tasks.default_storage.location) / "imports/uploads").glob("*"))  # upload deleted


def test_small_files_are_imported_at_once(approved_class, provider_staff) -> None:
    started = roster_import.start_roster_import(
        actor=provider_staff, training_class=approved_class, file_name="a.xlsx", data=xlsx([row()])
    )
    assert not started.queued and started.result is not None and started.result.ok
    assert started.job.status == ImportJob.Status.SUCCEEDED and started.job.pk == started.result.job_id


def test_a_queued_job_commits_its_progress_batch_by_batch(approved_class, provider_staff) -> None:
    """What another request reads while a job runs: running, rows checked so far, the phase."""
    job = ImportJob.objects.create(kind=IMPORT_KIND, file_name="a.xlsx", created_by=provider_staff)
    seen: list[tuple[str, int, int, str]] = []

    def progress(done: int, total: int) -> None:
        current = ImportJob.objects.get(pk=job.pk)
        seen.append((current.status, current.processed_rows, current.total_rows, current.message))

    result = import_roster(
        actor=provider_staff,
        training_class=approved_class,
        file_name="a.xlsx",
        data=xlsx([row(f"学员{i}") for i in range(8)]),
        progress=progress,
        job=job,
    )
    assert result.ok
    assert [s[1] for s in seen[:3]] == [3, 6, 8] and all(s[0] == "running" for s in seen[:3])
    assert all(s[2] == 8 for s in seen[:3])
    assert any("校验" in s[3] for s in seen)


def test_background_task_records_failures(monkeypatch, approved_class, provider_staff) -> None:
    data = xlsx([row("", cid()), row()])
    job = queue_roster_import(
        actor=provider_staff, training_class=approved_class, file_name="x.xlsx", data=data
    )
    assert job.status == ImportJob.Status.FAILED and job.error_count == 1 and job.report
    unreadable = queue_roster_import(
        actor=provider_staff, training_class=approved_class, file_name="x.csv", data="名字\n张三\n".encode()
    )
    assert (
        unreadable.status == ImportJob.Status.FAILED
        and "表头" in unreadable.message
        and not unreadable.report
    )
    assert not Person.objects.exists()


def test_background_task_is_refused_at_once_for_outsiders(approved_class, other_provider_staff) -> None:
    with pytest.raises(PermissionDenied):
        queue_roster_import(
            actor=other_provider_staff, training_class=approved_class, file_name="x.xlsx", data=xlsx([row()])
        )
    assert not ImportJob.objects.exists()


def test_task_skips_finished_and_missing_jobs(approved_class, provider_staff) -> None:
    job = ImportJob.objects.create(kind=IMPORT_KIND, status="succeeded", file_name="x.xlsx")
    result = tasks.import_roster_task.call(job.pk, approved_class.pk, "imports/uploads/none.xlsx")
    assert result["skipped"] is True
    assert tasks.import_roster_task.call(999_999, approved_class.pk, "none")["skipped"] is True


def test_estimate_rows_for_csv_and_unknown_formats(tmp_path) -> None:
    data = csv_bytes([row() for _ in range(5)])
    assert estimate_rows("a.csv", data) == 6
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    assert estimate_rows("a.csv", path) == 6
    assert estimate_rows("a.ods", b"x" * 4000) == 100
    assert not runs_in_background("a.csv", data)


# ------------------------------------------------------------------------------------------------ PostgreSQL


def _other_connection_reads(job_id: int) -> tuple[str, int, str]:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT status, processed_rows, message FROM core_importjob WHERE id = %s", [job_id]
            )
            return cursor.fetchone()
    finally:
        other.close()


@pytest.mark.parametrize("strategy", ["spool", "stream"])
@postgres_transactional
def test_progress_is_visible_to_other_connections_while_importing(
    approved_class, provider_staff, strategy: str
) -> None:
    job = ImportJob.objects.create(kind=IMPORT_KIND, file_name="a.xlsx", created_by=provider_staff)
    seen: list[tuple[int, tuple[str, int, str]]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, _other_connection_reads(job.pk)))

    result = import_roster(
        actor=provider_staff,
        training_class=approved_class,
        file_name="a.xlsx",
        data=xlsx([row(f"学员{i}") for i in range(7)]),
        progress=progress,
        job=job,
        options=ImportOptions(batch_rows=3, strategy=strategy),
    )
    assert result.ok, result.errors
    running = [(done, read) for done, read in seen if read[0] == "running"]
    assert [read[1] for _, read in running][:3] == [3, 6, 7]  # committed after every batch
    if strategy == "spool":  # the write phase, through the second connection
        assert [read[1] for done, read in running if "写入" in read[2]] == [0, 3, 6, 7]
    job.refresh_from_db()
    assert job.status == "succeeded" and Enrollment.objects.count() == 7


@postgres_transactional
def test_stream_strategy_rolls_back_batches_already_written(approved_class, provider_staff) -> None:
    before = state(approved_class)
    rows = [row(f"学员{i}") for i in range(7)] + [row("", cid())]  # the error comes after two written batches
    result = run(provider_staff, approved_class, xlsx(rows))
    assert_failed(result, before, approved_class)
    assert [e.row_number for e in result.errors] == [9]
    ok = run(provider_staff, approved_class, xlsx([row(f"乙{i}") for i in range(7)]))
    assert ok.ok and Enrollment.objects.count() == 7
    assert TrainingClass.objects.get(pk=approved_class.pk).enrolled_count == 7


@postgres_transactional
def test_stream_strategy_takes_seats_under_lock(approved_class, provider_staff) -> None:
    TrainingClass.objects.filter(pk=approved_class.pk).update(capacity=5)
    before = state(approved_class)
    result = run(provider_staff, approved_class, xlsx([row(f"学员{i}") for i in range(6)]))
    assert_failed(result, before, approved_class)
    assert result.errors[0].row_number == FILE_ROW and "名额不足" in result.errors[0].message


# ------------------------------------------------------------------------------------------------ command line


def test_cli_imports_and_prints_counts(approved_class, provider_staff, tmp_path) -> None:
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx([row("张三"), row("李四")]))
    out = io.StringIO()
    call_command(
        "import_roster", str(path), "--class", str(approved_class.pk), "--user", "provider_staff", stdout=out
    )
    assert "导入 2 名学员" in out.getvalue()
    assert Enrollment.objects.filter(training_class=approved_class, enrolled_by=provider_staff).count() == 2


def test_cli_without_user_runs_as_the_system(approved_class, tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([row("张三")]))
    call_command("import_roster", str(path), "--class", str(approved_class.pk), stdout=io.StringIO())
    enrollment = Enrollment.objects.get(training_class=approved_class)
    assert enrollment.enrolled_by is None
    assert AuditEvent.objects.get(action="training.roster.imported").actor_label == "system"


def test_cli_failure_prints_errors_writes_the_report_and_exits_1(
    approved_class, provider_staff, tmp_path
) -> None:
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx([row("张三"), row("", cid()), row("李四", "123")]))
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(
            "import_roster", str(path), "--class", str(approved_class.pk), stdout=io.StringIO(), stderr=err
        )
    assert info.value.returncode == 1
    assert "第 3 行［姓名］" in err.getvalue() and "第 4 行［身份证号］" in err.getvalue()
    report = tmp_path / "名单-错误报告.xlsx"
    assert report.exists() and report.read_bytes()[:2] == b"PK"
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.xlsx"], "文件不存在"),
        (["__FILE__", "--user", "nobody"], "不存在"),
    ],
)
def test_cli_refuses_bad_arguments(approved_class, tmp_path, args, message) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx([row()]))
    argv = [str(path) if a == "__FILE__" else str(tmp_path / a) if a.endswith(".xlsx") else a for a in args]
    with pytest.raises(CommandError) as info:
        call_command("import_roster", *argv, "--class", str(approved_class.pk), stdout=io.StringIO())
    assert message in str(info.value) and info.value.returncode == 1


def test_cli_unknown_class_and_unusable_file(approved_class, tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("名字\n张三\n".encode())
    with pytest.raises(CommandError, match="培训班 999999 不存在"):
        call_command("import_roster", str(path), "--class", "999999", stdout=io.StringIO())
    with pytest.raises(CommandError, match="表头"):
        call_command("import_roster", str(path), "--class", str(approved_class.pk), stdout=io.StringIO())


# ------------------------------------------------------------------------------------------------ API

API = "/api/v1/training"


def api_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def upload(client: Client, class_id: int, data: bytes, name: str = "roster.xlsx") -> Any:
    file = io.BytesIO(data)
    file.name = name
    return client.post(f"{API}/classes/{class_id}/roster/import", {"file": file})


def test_api_import_ok(approved_class, provider_staff) -> None:
    client = api_client(provider_staff)
    response = upload(client, approved_class.pk, xlsx([row("张三"), row("李四")]))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total_rows"], body["imported_rows"], body["people_created"]) == (2, 2, 2)
    job = client.get(f"{API}/import-jobs/{body['job_id']}").json()
    assert (job["status"], job["progress"], job["imported_rows"], job["report_url"]) == (
        "succeeded",
        100,
        2,
        None,
    )
    assert job["class_id"] == approved_class.pk


def test_api_import_row_errors_are_400_with_the_report(approved_class, provider_staff) -> None:
    client = api_client(provider_staff)
    response = upload(client, approved_class.pk, csv_bytes([row("张三"), row("", cid())]), "a.csv")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "roster_invalid" and body["error_count"] == 1 and body["imported_rows"] == 0
    assert body["row_errors"] == [{"row_number": 3, "column": "姓名", "message": "姓名不能为空"}]
    assert body["errors"][0]["message"].startswith("第3行：")
    report = client.get(body["report_url"])
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="training.roster.report_downloaded").count() == 1
    assert not Person.objects.exists()


def test_api_large_file_is_queued_202(settings, approved_class, provider_staff) -> None:
    settings.ROSTER_IMPORT_INLINE_MAX_ROWS = 2
    client = api_client(provider_staff)
    response = upload(client, approved_class.pk, xlsx([row() for _ in range(5)]))
    assert response.status_code == 202, response.content
    body = response.json()
    progress = client.get(body["url"]).json()
    assert progress["status"] == "succeeded" and progress["processed_rows"] == 5


def test_api_file_level_problems(approved_class, provider_staff) -> None:
    client = api_client(provider_staff)
    response = upload(client, approved_class.pk, "名字\n".encode(), "a.csv")
    assert response.status_code == 400 and response.json()["code"] in {"no_header", "empty_file"}
    TrainingClass.objects.filter(pk=approved_class.pk).update(status=ClassStatus.CLOSED)
    assert upload(client, approved_class.pk, xlsx([row()])).status_code == 409


def test_api_scope_and_permissions(
    approved_class, provider_staff, other_provider_staff, clerk, clerk_elsewhere
) -> None:
    data = xlsx([row()])
    assert upload(api_client(None), approved_class.pk, data).status_code == 401
    assert upload(api_client(other_provider_staff), approved_class.pk, data).status_code == 404
    assert upload(api_client(clerk), approved_class.pk, data).status_code == 403
    assert upload(api_client(provider_staff), 999_999, data).status_code == 404
    assert not Person.objects.exists()
    failed = upload(api_client(provider_staff), approved_class.pk, xlsx([row("", cid())])).json()
    # the district's clerk follows the import and reads its report (ADR 0007); outsiders see nothing
    assert api_client(clerk).get(f"{API}/import-jobs/{failed['job_id']}/report.xlsx").status_code == 200
    for outsider in (other_provider_staff, clerk_elsewhere):
        client = api_client(outsider)
        assert client.get(f"{API}/import-jobs/{failed['job_id']}").status_code == 404
        assert client.get(f"{API}/import-jobs/{failed['job_id']}/report.xlsx").status_code == 404
    assert api_client(provider_staff).get(f"{API}/import-jobs/999999").status_code == 404


# ------------------------------------------------------------------------------------------------ screens


def test_upload_page_and_template(approved_class, provider_staff) -> None:
    client = api_client(provider_staff)
    page = client.get(f"/training/classes/{approved_class.pk}/roster/import/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="roster-import-form"' in text and "/training/roster/import/template.xlsx" in text
    assert "<script>" not in text
    template = client.get("/training/roster/import/template.xlsx")
    assert template.status_code == 200
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(template.content)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[0] == [spec.label for spec in roster_import.COLUMNS] and len(rows) == 3
    assert all(isinstance(r[1], str) and len(r[1]) == 18 for r in rows[1:])  # the ID column is text
    result = run(
        provider_staff, approved_class, template.content, "模板.xlsx"
    )  # the examples import as they are
    assert result.ok, result.errors


def test_upload_screen_imports_and_shows_the_result(approved_class, provider_staff) -> None:
    client = api_client(provider_staff)
    file = io.BytesIO(xlsx([row("张三"), row("李四")]))
    file.name = "名单.xlsx"
    response = client.post(
        f"/training/classes/{approved_class.pk}/roster/import/", {"file": file}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "已导入 2 名学员" in text and 'hx-trigger="every 1s"' not in text
    assert Enrollment.objects.filter(training_class=approved_class).count() == 2


def test_upload_screen_shows_errors_and_the_report_link(approved_class, provider_staff) -> None:
    client = api_client(provider_staff)
    file = io.BytesIO(xlsx([row("张三"), row("李四", "123")]))
    file.name = "名单.xlsx"
    response = client.post(
        f"/training/classes/{approved_class.pk}/roster/import/", {"file": file}, follow=True
    )
    text = response.content.decode()
    assert "未导入任何学员" in text and 'id="import-errors"' in text and 'id="report-link"' in text
    job = ImportJob.objects.get()
    report = client.get(f"/training/import-jobs/{job.pk}/report.xlsx")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert not Person.objects.exists()


def test_upload_screen_refuses_bad_files_on_the_form(approved_class, provider_staff) -> None:
    client = api_client(provider_staff)
    for name, data in (("a.pdf", b"x"), ("a.csv", "名字\n张三\n".encode())):
        file = io.BytesIO(data)
        file.name = name
        response = client.post(f"/training/classes/{approved_class.pk}/roster/import/", {"file": file})
        assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_job_page_polls_with_htmx_until_finished(approved_class, provider_staff) -> None:
    job = ImportJob.objects.create(
        kind=IMPORT_KIND,
        status=ImportJob.Status.RUNNING,
        file_name="大名单.xlsx",
        created_by=provider_staff,
        target_type="training.trainingclass",
        target_id=str(approved_class.pk),
        total_rows=200,
        processed_rows=50,
        message="正在校验（validating）",
    )
    client = api_client(provider_staff)
    page = client.get(f"/training/import-jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "25%" in page and "<html" in page
    fragment = client.get(f"/training/import-jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode() and 'id="job-status"' in fragment.content.decode()
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]
    ImportJob.objects.filter(pk=job.pk).update(status="succeeded", imported_rows=200, processed_rows=200)
    done = client.get(f"/training/import-jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "已导入 200 名学员" in done


def test_screens_scope(approved_class, provider_staff, other_provider_staff, clerk, clerk_elsewhere) -> None:
    url = f"/training/classes/{approved_class.pk}/roster/import/"
    assert api_client(other_provider_staff).get(url).status_code == 404
    assert api_client(clerk).get(url).status_code == 403
    assert api_client(None).get(url).status_code == 302
    result = run(provider_staff, approved_class, xlsx([row("", cid())]))
    assert api_client(clerk).get(f"/training/import-jobs/{result.job_id}/report.xlsx").status_code == 200
    for outsider in (other_provider_staff, clerk_elsewhere):
        assert api_client(outsider).get(f"/training/import-jobs/{result.job_id}/").status_code == 404
        assert (
            api_client(outsider).get(f"/training/import-jobs/{result.job_id}/report.xlsx").status_code == 404
        )
    assert api_client(clerk).get("/training/roster/import/template.xlsx").status_code == 403


def test_report_preview_reads_only_the_first_rows(approved_class, provider_staff) -> None:
    TrainingClass.objects.filter(pk=approved_class.pk).update(capacity=100)
    result = run(provider_staff, approved_class, xlsx([row("", cid()) for _ in range(12)]))
    job = ImportJob.objects.get(pk=result.job_id)
    assert [e.row_number for e in report_preview(job, limit=5)] == [2, 3, 4, 5, 6]
    assert report_preview(ImportJob(), limit=5) == []


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def test_many_batches_and_a_constant_number_of_queries_per_batch(
    approved_class, provider_staff, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    """Queries grow with batches, not rows: 3 rows and 30 rows per batch cost the same."""
    TrainingClass.objects.filter(pk=approved_class.pk).update(capacity=200)
    small = xlsx([row(f"甲{i}") for i in range(3)])
    with django_assert_max_num_queries(60) as small_queries:
        assert run(provider_staff, approved_class, small).ok
    big = xlsx([row(f"乙{i}", 人员类别="农村转移劳动者") for i in range(90)])
    with django_assert_max_num_queries(60) as big_queries:
        result = import_roster(
            actor=provider_staff,
            training_class=approved_class,
            file_name="big.xlsx",
            data=big,
            options=ImportOptions(batch_rows=100),
        )
        assert result.ok
    assert len(big_queries.captured_queries) <= len(small_queries.captured_queries) + 5
    assert json.dumps(Enrollment.objects.first().eligibility)  # stored as JSON


def test_roster_page_links_to_the_import(approved_class, provider_staff, clerk) -> None:
    page = api_client(provider_staff).get(f"/training/classes/{approved_class.pk}/roster/")
    assert f'href="/training/classes/{approved_class.pk}/roster/import/"' in page.content.decode()
    assert (
        "roster-import-link"
        not in api_client(clerk).get(f"/training/classes/{approved_class.pk}/roster/").content.decode()
    )


# ------------------------------------------------------------------------------------------- repeated cell texts


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_same_cell_text_in_many_rows_is_judged_the_same_every_time(
    fmt: str, approved_class: TrainingClass, provider_staff: Any
) -> None:
    """Birth-date texts are parsed once per distinct text: every row still gets its own verdict."""
    born = dt.date(1990, 3, 5)
    rows = [
        row("甲", cid(born), 出生日期="1990/3/5"),  # right
        row("乙", cid(born), 出生日期="1990/3/5"),  # the same text again: right again
        row("丙", cid(dt.date(1991, 3, 5)), 出生日期="1990/3/5"),  # the same text, another person's ID: wrong
        row("丁", cid(born), 出生日期="1990年13月5日"),  # not a date
        row("戊", cid(born), 出生日期="1990年13月5日"),  # the same non-date: reported again
        row("己", cid(born), 性别="  ", 工作单位="\u3000"),  # blank-looking cells are blank
    ]
    before = state(approved_class)
    data = xlsx(rows) if fmt == "xlsx" else csv_bytes(rows)
    result = run(provider_staff, approved_class, data, f"roster.{fmt}")
    assert_failed(result, before, approved_class)
    by_row = {(e.row_number, e.column) for e in result.errors}
    assert by_row == {(4, "出生日期"), (5, "出生日期"), (6, "出生日期")}
    assert "不符" in next(e.message for e in result.errors if e.row_number == 4)
    assert all(
        "1990年13月5日" in e.message or "日期" in e.message for e in result.errors if e.row_number in (5, 6)
    )
    ok = run(
        provider_staff,
        approved_class,
        xlsx([rows[0], rows[1], rows[5]]) if fmt == "xlsx" else csv_bytes([rows[0], rows[1], rows[5]]),
        f"roster.{fmt}",
    )
    assert ok.ok and ok.imported_rows == 3
    assert Person.objects.get(name="己").employer_name == ""


@pytest.mark.skipif(not ON_POSTGRES, reason="COPY: PostgreSQL")
def test_copy_send_raises_django_errors_and_writes_nothing(db, approved_class, provider_staff) -> None:
    """The hand-driven COPY reports the server's error as Django's exception class, and the rows are not there."""
    from django.db import DataError, IntegrityError, transaction

    from lijiao.core.bulk_write import copy_payload, copy_send, reserve_ids

    number = cid()
    fields = ("name", "citizen_id", "gender", "birth_date")
    row_values = ("张三", number, "M", dt.date(1990, 1, 1))
    [first_id] = reserve_ids(connection, Person, 1)
    copy_send(connection, copy_payload(connection, Person, fields, [row_values], [first_id]))
    assert Person.objects.get(pk=first_id).citizen_id == number
    count = Person.objects.count()
    again = copy_payload(connection, Person, fields, [row_values], reserve_ids(connection, Person, 1))
    with pytest.raises(IntegrityError, match="core_person_citizen_id_uniq"), transaction.atomic():
        copy_send(connection, again)  # the same citizen ID twice: the unique digest refuses it
    bad = CopyPayload(again.sql, again.data.replace(b"1990-01-01", b"1990-13-01"))
    with pytest.raises(DataError), transaction.atomic():
        copy_send(connection, bad)
    assert Person.objects.count() == count
    big = [(f"李{i}", cid(), "F", dt.date(1991, 1, 1)) for i in range(6_000)]  # several pieces of COPY data
    payload = copy_payload(connection, Person, fields, big, reserve_ids(connection, Person, len(big)))
    assert len(payload.data) > 1 << 20
    copy_send(connection, payload)
    assert Person.objects.count() == count + 6_000
    # foreign keys are the database's: an enrollment pointing at no eligibility record is refused
    fields = ("training_class_id", "person_id", "enrolled_by_id", "eligibility_decision_id")
    orphan = copy_payload(
        connection, Enrollment, fields, [(approved_class.pk, first_id, provider_staff.pk, 987654321)]
    )

    def send_with_immediate_checks() -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as the roster import's writer does
            copy_send(connection, orphan)

    with pytest.raises(IntegrityError):
        send_with_immediate_checks()
    assert not Enrollment.objects.exists()


def test_batches_start_small_grow_and_shrink_towards_the_end() -> None:
    from lijiao.training.roster_import.writing import batches as make_batches

    class Rows:
        def __init__(self, count: int) -> None:
            self.rows = iter(range(count))

    batches = list(make_batches(Rows(99_000), largest=10_000, first=1_250, hint=99_002))  # type: ignore[arg-type]
    assert [n for b in batches for n in b] == list(range(99_000))  # every row once, in order
    sizes = [len(b) for b in batches]
    assert sizes[:4] == [1_250, 2_500, 5_000, 10_000] and max(sizes) == 10_000
    assert sizes[-3] < 5_000 and sizes[-2] <= 1_250  # little left to write once the checks are done
    unknown = [len(b) for b in make_batches(Rows(99_000), largest=10_000, first=1_250, hint=0)]  # type: ignore[arg-type]
    assert unknown[-2] == 10_000 and sum(unknown) == 99_000
