"""Generic tabular import: reading xlsx/csv as clerks produce them, header detection, cell parsing, reports."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from lijiao.core.errors import DomainError
from lijiao.core.importing import (
    REPORT_REASON_COLUMN,
    REPORT_ROW_COLUMN,
    CellError,
    ColumnSpec,
    ImportFileError,
    ImportResult,
    RowError,
    cell_bool,
    cell_date,
    cell_decimal,
    cell_int,
    cell_text,
    error_report_xlsx,
    find_header,
    is_number_cell,
    map_header,
    normalize_header,
    open_table,
    read_rows,
    read_sheets,
    save_job,
)
from lijiao.core.models import ImportJob
from tests.translations import CHINESE

SPECS = (
    ColumnSpec("name", "姓名", ("学员姓名",), required=True),
    ColumnSpec("id_number", "身份证号", ("公民身份号码", "证件号码"), required=True),
    ColumnSpec("start", "开班日期", ("日期",)),
    ColumnSpec("fee", "金额", ("补贴金额",)),
)


def xlsx(rows: dict[int, list[object]], *, text_columns: tuple[int, ...] = ()) -> bytes:
    """A workbook whose first sheet has ``rows`` at the given 0-based row indexes (gaps stay empty)."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = workbook.add_worksheet("花名册")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, values in rows.items():
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(index, col, value, date_format)
            elif isinstance(value, str) or col in text_columns:
                sheet.write_string(index, col, str(value))
            else:
                sheet.write(index, col, value)
    workbook.close()
    return output.getvalue()


def read_xlsx(data: bytes) -> list[list[object]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


# --- reading --------------------------------------------------------------------------------------------------


def test_xlsx_title_rows_synonyms_extra_columns_and_cell_types() -> None:
    data = xlsx(
        {
            0: ["2025年第一期电工培训班花名册"],
            1: ["填报单位：某某培训学校"],
            3: ["序号", "学员姓名 *", "公民身份号码（必填）", "日期", "补贴金额", "备注"],
            4: [1, "张三", "21020219900101123X", dt.date(2025, 3, 1), 1500, "x"],
            5: [2, "李四", 210202199001011234, "2025/3/2", 1500.5, None],
            6: [None, "  ", None],  # whitespace only: blank
            7: [3, "王五", "210202199001011250", "2025年3月3日", "1,500", None],
            9: [None],
            12: ["   "],
        }
    )
    table = open_table("名册.xlsx", data, SPECS)
    assert table.header_row == 4
    assert table.columns == {"name": 1, "id_number": 2, "start": 3, "fee": 4}
    assert table.label("id_number") == "公民身份号码（必填）"
    rows = list(table.rows)
    assert [r.number for r in rows] == [5, 6, 8]
    first, second, third = rows
    assert table.cell(first, "name") == "张三"
    assert table.cell(first, "start") == dt.date(2025, 3, 1)
    assert isinstance(table.cell(first, "fee"), float)
    assert is_number_cell(table.cell(second, "id_number"))
    assert not is_number_cell(table.cell(first, "id_number"))
    with pytest.raises(CellError, match=r"2\.10202E\+17"):
        cell_text(table.cell(second, "id_number"), allow_number=False)
    assert cell_date(table.cell(second, "start")) == dt.date(2025, 3, 2)
    assert cell_date(table.cell(third, "start")) == dt.date(2025, 3, 3)
    assert cell_decimal(table.cell(second, "fee")) == Decimal("1500.50")
    assert cell_decimal(table.cell(third, "fee")) == Decimal("1500.00")


def test_xlsx_read_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx({0: ["姓名", "身份证号"], 1: ["张三", "21020219900101123X"]}))
    table = open_table(path.name, path, SPECS)
    assert [(r.number, r.values) for r in table.rows] == [(2, ["张三", "21020219900101123X"])]


def test_a_sheet_starting_in_column_c_keeps_row_numbers() -> None:
    data = xlsx({2: [None, None, "姓名", "身份证号"], 3: [None, None, "张三", "21020219900101123X"]})
    table = open_table("a.xlsx", data, SPECS)
    assert table.header_row == 3
    row = next(table.rows)
    assert row.number == 4
    assert table.cell(row, "name") == "张三"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_the_encodings_clerks_save(encoding: str) -> None:
    text = "大连市培训花名册\r\n姓名,身份证号,日期\r\n张三,21020219900101123X,2025.3.1\r\n,,\r\n李四,210202199001011234,20250302\r\n"
    table = open_table("roster.csv", text.encode(encoding), SPECS)
    assert table.header_row == 2
    rows = list(table.rows)
    assert [r.number for r in rows] == [3, 5]
    assert table.cell(rows[0], "name") == "张三"
    assert cell_date(table.cell(rows[1], "start")) == dt.date(2025, 3, 2)
    assert cell_text(table.cell(rows[1], "id_number"), allow_number=False) == "210202199001011234"


def test_csv_quoted_newline_counts_as_one_row_and_path_input(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes('姓名,身份证号\n"张\n三",1\n李四,2\n'.encode("gb18030"))
    rows = list(read_rows("R.CSV", path))
    assert [(r.number, r.values) for r in rows] == [
        (1, ["姓名", "身份证号"]),
        (2, ["张\n三", "1"]),
        (3, ["李四", "2"]),
    ]


def test_tab_separated_utf16_text_saved_by_excel() -> None:
    data = "姓名\t身份证号\r\n张三\t1\r\n".encode("utf-16")
    assert [r.values for r in read_rows("a.csv", data)] == [["姓名", "身份证号"], ["张三", "1"]]


def test_unsupported_extension_is_refused_in_chinese_only() -> None:
    with pytest.raises(ImportFileError) as caught:
        read_rows("roster.docx", b"whatever")
    assert "不支持的文件类型" in caught.value.message
    assert not re.search(
        r"[A-Za-z]{4,}",
        caught.value.message.replace(".xlsx", "")
        .replace(".xlsm", "")
        .replace(".xlsb", "")
        .replace(".docx", ""),
    )  # no English gloss
    assert isinstance(caught.value, DomainError)


def test_damaged_spreadsheet_is_a_file_error() -> None:
    with pytest.raises(ImportFileError, match="文件无法读取"):
        list(read_rows("roster.xlsx", b"PK\x03\x04 this is not a zip"))


# --- header ---------------------------------------------------------------------------------------------------


def test_header_normalisation() -> None:
    assert normalize_header(" 职业（工种）编码 ") == normalize_header("职业(工种)编码")
    assert normalize_header("*姓 名（必填）") == "姓名"
    assert normalize_header("补贴标准（元）") == "补贴标准"
    assert normalize_header("ID") == normalize_header("id")
    assert normalize_header("备注：") == "备注"


def test_map_header_ignores_extra_columns_and_names_missing_ones() -> None:
    assert map_header(["序号", "ＩＤ", "姓名", "证件号码", "其他"], SPECS) == {"name": 2, "id_number": 3}
    with pytest.raises(ImportFileError) as caught:
        map_header(["姓名", "日期"], SPECS)
    assert "“身份证号”" in caught.value.message
    assert caught.value.code == "missing_columns"


def test_a_column_given_twice_is_refused() -> None:
    with pytest.raises(ImportFileError, match="出现了不止一次"):
        map_header(["姓名", "身份证号", "证件号码"], SPECS)


def test_header_search_reports_the_best_candidate_row() -> None:
    data = xlsx({0: ["标题"], 1: ["姓名", "日期"], 2: ["张三", "2025-03-01"]})
    with pytest.raises(ImportFileError) as caught:
        open_table("a.xlsx", data, SPECS)
    assert "缺少必需的列" in caught.value.message
    assert "身份证号" in caught.value.message


def test_no_header_at_all() -> None:
    with pytest.raises(ImportFileError, match="未找到表头"):
        open_table("a.csv", b"a,b\n1,2\n", SPECS)


def test_header_after_too_many_title_rows_is_not_found() -> None:
    rows: dict[int, list[object]] = {i: [f"说明第{i}行"] for i in range(11)}
    rows[11] = ["姓名", "身份证号"]
    with pytest.raises(ImportFileError):
        open_table("a.xlsx", xlsx(rows), SPECS)
    rows.pop(0)
    assert open_table("a.xlsx", xlsx(rows), SPECS).header_row == 12


@pytest.mark.parametrize("data", [b"", b"\r\n,,,\r\n\r\n", "\ufeff".encode()])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ImportFileError, match="文件是空的"):
        open_table("a.csv", data, SPECS)


def test_find_header_leaves_the_data_rows_in_the_stream() -> None:
    stream = read_rows("a.csv", "姓名,身份证号\n张三,1\n".encode())
    header, mapping = find_header(stream, SPECS)
    assert header.number == 1 and mapping == {"name": 0, "id_number": 1}
    assert [r.number for r in stream] == [2]


# --- cells ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("  电工\u3000", "电工"),
        ("\u200b6-31-01-03 ", "6-31-01-03"),
        (6.0, "6"),
        (40, "40"),
        (1500.5, "1500.5"),
        (True, "是"),
        (dt.date(2025, 3, 1), "2025-03-01"),
        (dt.datetime(2025, 3, 1, 8, 30), "2025-03-01 08:30:00"),
        (dt.datetime(2025, 3, 1), "2025-03-01"),
    ],
)
def test_cell_text(value: object, expected: str) -> None:
    assert cell_text(value) == expected


def test_cell_text_refuses_numbers_where_text_is_required() -> None:
    assert cell_text("21020219900101123X", allow_number=False) == "21020219900101123X"
    with pytest.raises(CellError, match="文本"):
        cell_text(101.0, allow_number=False)
    with pytest.raises(CellError, match="15"):
        cell_text(3.70102199001011e17)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1500.0, Decimal("1500.00")),
        (1500.5, Decimal("1500.50")),
        (0.1 + 0.2, Decimal("0.30")),
        (800, Decimal("800.00")),
        ("1,500", Decimal("1500.00")),
        ("￥1500元", Decimal("1500.00")),
        ("１５００．５", Decimal("1500.50")),
        (" 99.99 ", Decimal("99.99")),
        ("-5", Decimal("-5.00")),
    ],
)
def test_cell_decimal(value: object, expected: Decimal) -> None:
    result = cell_decimal(value)
    assert result == expected
    assert isinstance(result, Decimal)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [1500.123, "1500.123", "abc", True, dt.date(2025, 1, 1), float("nan"), ""])
def test_cell_decimal_refusals(value: object) -> None:
    with pytest.raises(CellError) as caught:
        cell_decimal(value)
    assert CHINESE.search(caught.value.message)
    if not isinstance(value, str):  # text goes through lijiao.core.money.to_yuan, whose messages are its own
        assert not re.search(r"（[A-Za-z]", caught.value.message)  # no English gloss (ADR 0003)


def test_cell_decimal_optional() -> None:
    assert cell_decimal("  ", required=False) is None
    with pytest.raises(CellError, match="金额不能为空"):
        cell_decimal(None)


@pytest.mark.parametrize(
    ("value", "expected"), [(40, 40), (40.0, 40), ("56", 56), ("１２", 12), ("40.0", 40)]
)
def test_cell_int(value: object, expected: int) -> None:
    assert cell_int(value) == expected


@pytest.mark.parametrize("value", [40.5, "四十", "40课时", True, ""])
def test_cell_int_refusals(value: object) -> None:
    with pytest.raises(CellError):
        cell_int(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("√", True),
        ("×", False),
        ("1", True),
        ("0", False),
        (1.0, True),
        (0, False),
        ("TRUE", True),
        ("false", False),
        (True, True),
        ("", False),
        (None, False),
    ],
)
def test_cell_bool(value: object, expected: bool) -> None:
    assert cell_bool(value) is expected


def test_cell_bool_refusal_and_default() -> None:
    assert cell_bool(None, default=True) is True
    with pytest.raises(CellError, match="应为“是”或“否”"):
        cell_bool("可能")
    with pytest.raises(CellError):
        cell_bool(2)


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2025, 3, 1),
        dt.datetime(2025, 3, 1, 10, 30),
        "2025-03-01",
        "2025/3/1",
        "2025.3.1",
        "2025年3月1日",
        "20250301",
        20250301.0,
        "２０２５－０３－０１",
        "2025-03-01 00:00:00",
        45717.0,  # Excel serial of 2025-03-01 in a cell without a date format
    ],
)
def test_cell_date(value: object) -> None:
    assert cell_date(value) == dt.date(2025, 3, 1)


@pytest.mark.parametrize("value", ["2025-02-30", "3/1/2025", "下周一", True, dt.time(8, 0), 1.5])
def test_cell_date_refusals(value: object) -> None:
    with pytest.raises(CellError):
        cell_date(value)


def test_cell_date_optional() -> None:
    assert cell_date("", required=False) is None
    with pytest.raises(CellError, match="日期不能为空"):
        cell_date(None)


# --- report and job -------------------------------------------------------------------------------------------


def test_error_report_lists_rows_once_with_all_reasons() -> None:
    header = ["姓名", "身份证号", "开班日期"]
    errors = [
        RowError(
            3,
            "身份证号",
            "校验码错误（bad check digit）",
            ["张三", "21020219900101123Y", dt.date(2025, 3, 1)],
        ),
        RowError(
            3, "开班日期", "日期不存在（no such date）", ["张三", "21020219900101123Y", dt.date(2025, 3, 1)]
        ),
        RowError(7, "姓名", "不能为空（required）", ["", 210202199001011234.0, "=cmd()"]),
    ]
    rows = read_xlsx(error_report_xlsx(header, errors))
    assert rows[0] == [*header, REPORT_ROW_COLUMN, "错误列", REPORT_REASON_COLUMN]
    assert rows[1][:2] == ["张三", "21020219900101123Y"]
    assert rows[1][2] == dt.date(2025, 3, 1)
    assert rows[1][3] == 3
    assert rows[1][4] == "身份证号、开班日期"
    assert rows[1][5] == "校验码错误（bad check digit）；日期不存在（no such date）"
    assert rows[2][3] == 7
    assert rows[2][2] == "=cmd()"  # written as text, never as a formula
    assert len(rows) == 3


def test_error_report_with_no_errors_is_just_the_header() -> None:
    assert read_xlsx(error_report_xlsx(["姓名"], [])) == [
        ["姓名", REPORT_ROW_COLUMN, "错误列", REPORT_REASON_COLUMN]
    ]


@pytest.mark.django_db
def test_save_job_failed_keeps_the_report(settings, tmp_path: Path, make_user) -> None:
    from lijiao.accounts.roles import Role

    settings.MEDIA_ROOT = tmp_path
    user = make_user(Role.CATALOG_OFFICER)
    errors = [RowError(2, "姓名", "不能为空（required）", ["", "1"])]
    job = save_job(
        kind="test.roster",
        actor=user,
        file_name="../花名册 2025.xlsx",
        target=user,
        total_rows=5,
        imported_rows=0,
        errors=errors,
        header=["姓名", "身份证号"],
        message="1 行有误",
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert (job.total_rows, job.processed_rows, job.imported_rows, job.error_count) == (5, 5, 0, 1)
    assert job.created_by == user
    assert (job.target_type, job.target_id) == ("accounts.user", str(user.pk))
    assert job.report.name.startswith("imports/reports/")
    assert job.progress == 100
    with job.report.open("rb") as handle:
        assert read_xlsx(handle.read())[1][2] == 2
    assert str(tmp_path) in job.report.path


@pytest.mark.django_db
def test_save_job_succeeded_has_no_report() -> None:
    job = save_job(kind="test.roster", actor=None, file_name="a.csv", total_rows=3, imported_rows=3)
    assert job.status == ImportJob.Status.SUCCEEDED
    assert not job.report
    assert job.created_by is None


def test_progress() -> None:
    job = ImportJob(status=ImportJob.Status.RUNNING, total_rows=1_000_000, processed_rows=250_000)
    assert job.progress == 25
    assert ImportJob(status=ImportJob.Status.PENDING).progress == 0
    assert ImportJob(status=ImportJob.Status.RUNNING, total_rows=10, processed_rows=11).progress == 100
    assert ImportJob(status=ImportJob.Status.FAILED).progress == 100


def test_import_result_ok() -> None:
    assert ImportResult(total_rows=1, imported_rows=1, errors=[]).ok
    assert not ImportResult(total_rows=1, imported_rows=0, errors=[RowError(2, "a", "b")]).ok


CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "rosters"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.xlsx")), ids=lambda p: p.name)
def test_large_xlsx_reader_gives_what_calamine_gives(path: Path) -> None:
    """Above ``large_xlsx_bytes`` an xlsx is read by openpyxl in flat memory: the same rows, numbers and values."""
    calamine = [[(row.number, row.values) for row in sheet] for sheet in read_sheets(path.name, path)]
    streamed = [
        [(row.number, row.values) for row in sheet]
        for sheet in read_sheets(path.name, path, large_xlsx_bytes=0)
    ]
    assert streamed == calamine


def test_the_first_sheet_with_the_header_is_read() -> None:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    book.add_worksheet("填写说明").write_string(0, 0, "身份证号请用文本格式")
    hidden = book.add_worksheet("旧名单")
    hidden.write_row(0, 0, ["姓名", "身份证号"])
    hidden.write_row(1, 0, ["旧", "1"])
    hidden.hide()
    roster = book.add_worksheet("名单")
    roster.write_row(0, 0, ["姓名", "身份证号"])
    roster.write_row(1, 0, ["张三", "x"])
    book.close()
    specs = [ColumnSpec("name", "姓名", required=True), ColumnSpec("cid", "身份证号", required=True)]
    table = open_table("a.xlsx", output.getvalue(), specs)
    assert [row.values for row in table.rows] == [["张三", "x"]]
    with pytest.raises(ImportFileError) as caught:
        open_table("a.xlsx", output.getvalue(), [*specs, ColumnSpec("phone", "手机号", required=True)])
    assert caught.value.code == "missing_columns" and "手机号" in caught.value.message
