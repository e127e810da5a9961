"""The files a clerk gets back: the error report (failed rows as sent, with row number, column and reason) and blank import forms (header, choice lists, notes sheet)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lijiao.core.importing.types import ColumnSpec, RowError

# --- error report ---------------------------------------------------------------------------------------------

REPORT_ROW_COLUMN = "行号"
REPORT_FIELD_COLUMN = "错误列"
REPORT_REASON_COLUMN = "错误原因"
_XLSX_MAX_TEXT = 32767


def _width(text: str) -> float:
    """Column width in Excel units, CJK characters counting double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_template_header(
    workbook: Any,
    sheet: Any,
    specs: Sequence[ColumnSpec],
    widths: Sequence[int],
    column_formats: Sequence[Any],
) -> None:
    """The header row of a blank import form: required columns shaded red, optional blue, frozen, with each
    column's width and cell format (e.g. text for ID numbers, so Excel never turns them into numbers)."""
    required = workbook.add_format(
        {"bold": True, "bg_color": "#F8CBAD", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    optional = workbook.add_format(
        {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    for index, (spec, width, cell_format) in enumerate(zip(specs, widths, column_formats, strict=True)):
        sheet.set_column(index, index, width, cell_format)
        sheet.write_string(0, index, spec.label, required if spec.required else optional)
    sheet.set_row(0, 30)
    sheet.freeze_panes(1, 0)


def write_template_choices(
    sheet: Any, specs: Sequence[ColumnSpec], choices: Mapping[str, Sequence[str]], *, rows: int = 5_000
) -> None:
    """Drop-down lists (warnings, not refusals) on the first ``rows`` data rows of the columns keyed in ``choices``."""
    header = [spec.key for spec in specs]
    for key, values in choices.items():
        col = header.index(key)
        sheet.data_validation(
            1,
            col,
            rows,
            col,
            {"validate": "list", "source": list(values), "ignore_blank": True, "error_type": "warning"},
        )


def write_template_notes(workbook: Any, lines: Sequence[tuple[str, str]], *, widths: tuple[int, int]) -> None:
    """The “填写说明” sheet of a blank import form: a heading row, then one requirement per line (bold topics)."""
    notes = workbook.add_worksheet("填写说明")
    notes.set_column(0, 0, widths[0])
    notes.set_column(1, 1, widths[1])
    bold = workbook.add_format({"bold": True})
    for row, (left, right) in enumerate([("列", "填写要求"), *lines]):
        notes.write_string(row, 0, left, bold if row == 0 or left else None)
        notes.write_string(row, 1, right, bold if row == 0 else None)


def _write_report_cell(
    sheet: Any, row: int, index: int, value: object, *, shade: bool, formats: Mapping[str, Any]
) -> None:
    """One of a failed row's values, as its type was in the file; shaded when the error is in this cell."""
    bad = formats["bad"] if shade else None
    if value is None or value == "":
        if shade:
            sheet.write_blank(row, index, None, bad)
    elif isinstance(value, str):
        sheet.write_string(row, index, value[:_XLSX_MAX_TEXT], bad)
    elif isinstance(value, bool):
        sheet.write_boolean(row, index, value, bad)
    elif isinstance(value, int | float):
        if math.isfinite(value):
            sheet.write_number(row, index, value, bad)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, index, value, formats["bad_date"] if shade else formats["datetime"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, index, value, formats["bad_date"] if shade else formats["date"])
    elif isinstance(value, dt.time):
        sheet.write_datetime(row, index, value, formats["time"])
    else:
        sheet.write_string(row, index, str(value)[:_XLSX_MAX_TEXT], bad)


def error_report_xlsx(header: Sequence[str], errors: Iterable[RowError]) -> bytes:
    """The failed rows as the clerk sent them, then 行号 / 错误列 / 错误原因; cells in error are shaded.

    Errors of the same row should be adjacent (sort by row number); each row is written once with all its
    reasons. The original columns come first with the file's headings, so the corrected report can be
    imported again. Written in ``constant_memory`` mode: a million errors fit.
    """
    from lijiao.core.xlsx import text_workbook

    output = io.BytesIO()
    workbook = text_workbook(output, constant_memory=True)
    try:
        sheet = workbook.add_worksheet("错误报告")
        head = workbook.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        head_error = workbook.add_format(
            {"bold": True, "bg_color": "#F8CBAD", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        bad = workbook.add_format({"bg_color": "#FFC7CE"})
        formats = {
            "bad": bad,
            "bad_date": workbook.add_format({"bg_color": "#FFC7CE", "num_format": "yyyy-mm-dd"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "time": workbook.add_format({"num_format": "hh:mm:ss"}),
        }
        reason_format = workbook.add_format({"text_wrap": True, "font_color": "#9C0006"})

        columns = list(header)
        extra = len(columns)
        for index, title in enumerate(columns):
            sheet.set_column(index, index, min(max(_width(str(title)) + 2, 10), 40))
        sheet.set_column(extra, extra, 8)
        sheet.set_column(extra + 1, extra + 1, 16)
        sheet.set_column(extra + 2, extra + 2, 60)
        sheet.freeze_panes(1, 0)
        for index, title in enumerate(columns):
            sheet.write_string(0, index, str(title)[:_XLSX_MAX_TEXT], head)
        sheet.write_string(0, extra, REPORT_ROW_COLUMN, head_error)
        sheet.write_string(0, extra + 1, REPORT_FIELD_COLUMN, head_error)
        sheet.write_string(0, extra + 2, REPORT_REASON_COLUMN, head_error)

        position = {str(title): index for index, title in reversed(list(enumerate(columns)))}
        out_row = 0
        for row_number, group in itertools.groupby(errors, key=lambda e: e.row_number):
            row_errors = list(group)
            out_row += 1
            marked = {position[e.column] for e in row_errors if e.column in position}
            values = row_errors[0].values
            for index, value in enumerate(values):
                _write_report_cell(sheet, out_row, index, value, shade=index in marked, formats=formats)
            for index in sorted(marked - set(range(len(values)))):
                sheet.write_blank(out_row, index, None, bad)
            sheet.write_number(out_row, extra, row_number)
            fields = "、".join(dict.fromkeys(e.column for e in row_errors if e.column))
            sheet.write_string(out_row, extra + 1, fields[:_XLSX_MAX_TEXT])
            reasons = "；".join(dict.fromkeys(e.message for e in row_errors))
            sheet.write_string(out_row, extra + 2, reasons[:_XLSX_MAX_TEXT], reason_format)
        if out_row:
            sheet.autofilter(0, 0, out_row, extra + 2)
    finally:
        workbook.close()
    return output.getvalue()
