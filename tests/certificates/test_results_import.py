"""Importing a body's results sheet: clerk-made sheets, per-row errors, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from lijiao.accounts.models import User
from lijiao.certificates.models import EvaluatingBody, LevelAssessment
from lijiao.certificates.services.results_import import import_results
from lijiao.core.errors import PermissionDenied
from lijiao.core.models import ImportJob
from tests.certificates.conftest import make_person
from tests.training.conftest import today

HEADER = ["序号", "姓名", "身份证号码", "职业编码", "等级", "站点代码", "理论成绩", "实操成绩", "认定日期"]


def sheet(rows: list[list[Any]], *, title: bool = True) -> bytes:
    """A sheet as a clerk makes it: a merged title row above the header, a blank row, then the data."""
    workbook = openpyxl.Workbook()
    ws = workbook.active
    if title:
        ws.append(["大连测试职业技能评价中心 职业技能等级认定成绩汇总表"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def day() -> dt.date:
    return today() - dt.timedelta(days=3)


@pytest.fixture
def people(db: None) -> list[Any]:
    return [make_person("张一"), make_person("王二"), make_person("刘三")]


def test_a_clerk_s_sheet_is_imported(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], people: list[Any]
) -> None:
    data = sheet(
        [
            [1, "张一", people[0].citizen_id, "6-31-01-03", "四级", "210201", "８０", "７５．５", day()],
            [
                2,
                "王二",
                people[1].citizen_id.lower(),
                "6-31-01-03",
                "四级/中级工",
                "210201",
                59,
                90.0,
                day().isoformat(),
            ],
            [
                3,
                "刘三",
                people[2].citizen_id,
                "6-31-01-03",
                5,
                210201,
                "60分",
                60,
                day().strftime("%Y年%m月%d日"),
            ],
        ]
    )
    result = import_results(actor=evaluator, body=social_body, file_name="成绩.xlsx", data=data)
    assert result.errors == [] and result.imported_rows == 3
    saved = {a.person.name: a for a in LevelAssessment.objects.select_related("person")}
    assert saved["张一"].practical_score == pytest.approx(75.5) and saved["张一"].passed
    assert saved["王二"].passed is False and saved["刘三"].level == 5 and saved["刘三"].passed
    assert ImportJob.objects.get(pk=result.job_id).status == ImportJob.Status.SUCCEEDED


def test_errors_are_reported_per_row_and_nothing_is_written(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], people: list[Any]
) -> None:
    data = sheet(
        [
            [1, "张一", people[0].citizen_id, "6-31-01-03", "四级", "210201", 80, 80, day()],
            [2, "王二", int(people[1].citizen_id[:17] + "0"), "6-31-01-03", "四级", "210201", 80, 80, day()],
            [
                3,
                "刘三",
                people[2].citizen_id,
                "6-31-01-03",
                "二级",
                "210201",
                80,
                80,
                day(),
            ],  # not accredited
            [
                4,
                "张一",
                people[0].citizen_id,
                "9-99-99-99",
                "四级",
                "210201",
                80,
                80,
                day(),
            ],  # unknown occupation
            [
                5,
                "王二",
                people[1].citizen_id,
                "6-31-01-03",
                "四级",
                "999999",
                80,
                80,
                day(),
            ],  # not the body's site
            [
                6,
                "刘三",
                people[2].citizen_id,
                "6-31-01-03",
                "四级",
                "210201",
                120,
                80,
                day(),
            ],  # score out of range
        ]
    )
    result = import_results(actor=evaluator, body=social_body, file_name="成绩.xlsx", data=data)
    assert result.imported_rows == 0
    by_row = {e.row_number: (e.column, e.message) for e in result.errors}
    assert by_row[4][0] == "身份证号码" and "文本" in by_row[4][1]
    assert by_row[6][0] == "职业编码" and "未知的职业编码" in by_row[6][1]
    assert by_row[7][0] == "站点代码"
    assert 3 not in by_row  # the first row was fine
    assert not LevelAssessment.objects.exists()
    job = ImportJob.objects.get(pk=result.job_id)
    assert job.status == ImportJob.Status.FAILED and job.report


def test_rule_errors_after_the_cells_name_the_row(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], people: list[Any]
) -> None:
    data = sheet(
        [
            [1, "张一", people[0].citizen_id, "6-31-01-03", "四级", "210201", 80, 80, day()],
            [2, "王二", people[1].citizen_id, "6-31-01-03", "二级", "210201", 80, 80, day()],
            [3, "刘三", people[2].citizen_id, "6-31-01-03", "四级", "210201", "120", 80, day()],
            [4, "李四", people[0].citizen_id, "6-31-01-03", "三级", "210201", 80, 80, day()],  # name mismatch
        ]
    )
    result = import_results(actor=evaluator, body=social_body, file_name="成绩.xlsx", data=data)
    by_row = {e.row_number: (e.column, e.message) for e in result.errors}
    assert by_row[4][0] == "职业编码" and "不在本机构的评价范围内" in by_row[4][1]
    assert by_row[5][0] == "理论成绩" and "0–100" in by_row[5][1]
    assert by_row[6][0] == "姓名"
    assert 3 not in by_row
    assert not LevelAssessment.objects.exists()


def test_a_non_member_cannot_import(
    employer_evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], people: list[Any]
) -> None:
    data = sheet([[1, "张一", people[0].citizen_id, "6-31-01-03", "四级", "210201", 80, 80, day()]])
    with pytest.raises(PermissionDenied):
        import_results(actor=employer_evaluator, body=social_body, file_name="成绩.xlsx", data=data)
    assert not LevelAssessment.objects.exists() and not ImportJob.objects.exists()
