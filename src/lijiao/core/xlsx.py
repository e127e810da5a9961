"""Every xlsx the project writes: text cells stay text, lists stream in constant memory (ADR 0007).

:func:`text_workbook` is the one way to open an xlsxwriter workbook: ``strings_to_formulas``,
``strings_to_numbers`` and ``strings_to_urls`` are off, so a name typed as ``=HYPERLINK(...)`` is written as the
text it is and never evaluated by Excel or WPS, and an ID number never becomes a float. :func:`list_xlsx` writes
a staff list (a title row, a header, one row per record) with ``constant_memory`` into a temporary file the
response streams, so a list of any length costs the same memory.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse

__all__ = ["XLSX_CONTENT_TYPE", "ListExport", "list_xlsx", "text_workbook", "xlsx_download"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
_MAX_TEXT = 32767


def text_workbook(output: Any, **options: Any) -> Any:
    """An xlsxwriter workbook writing ``output`` whose strings are always written as text (see the module)."""
    import xlsxwriter

    return xlsxwriter.Workbook(output, {**options, **TEXT_OPTIONS})


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass(frozen=True, slots=True)
class ListExport:
    """A written list: the temporary file (at its start; closing it deletes it) and how many rows it has."""

    file: IO[bytes]
    rows: int


def list_xlsx(
    *, sheet_name: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> ListExport:
    """A staff list as xlsx in a temporary file, written in ``constant_memory`` mode (one row in memory).

    Values: text as text (``write_string``: never a formula), ``int``/``float``/``Decimal`` as numbers,
    dates and datetimes (aware ones in local time, without the zone) as dates, ``bool`` as 是/否, ``None`` blank.
    """
    handle = tempfile.TemporaryFile(prefix="lijiao-export-")  # noqa: SIM115 -- handed to the response
    workbook = text_workbook(handle, constant_memory=True)
    try:
        sheet = workbook.add_worksheet(sheet_name[:31])
        bold = workbook.add_format({"bold": True, "font_size": 14})
        head = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "vcenter"})
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for col, label in enumerate(header):
            sheet.set_column(col, col, min(max(_width(label) + 4, 10), 40))
        sheet.write_string(0, 0, title[:_MAX_TEXT], bold)
        for col, label in enumerate(header):
            sheet.write_string(1, col, label, head)
        sheet.freeze_panes(2, 0)
        last = 1
        for last, values in enumerate(rows, start=2):
            for col, value in enumerate(values):
                _write(sheet, (last, col), value, (date, moment))
        sheet.autofilter(1, 0, last, max(len(header) - 1, 0))
    finally:
        workbook.close()
    handle.seek(0)
    return ListExport(handle, last - 1)


def xlsx_download(export: ListExport, filename: str) -> FileResponse:
    """The list as a download streamed from its temporary file (deleted when the response closes it); never
    cached (it may hold personal data)."""
    response = FileResponse(
        export.file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"
    return response


def _write(sheet: Any, cell: tuple[int, int], value: Any, formats: tuple[Any, Any]) -> None:
    from django.utils import timezone

    row, col = cell
    date, moment = formats
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value))
    elif isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        sheet.write_datetime(row, col, local.replace(tzinfo=None), moment)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, date)
    else:
        sheet.write_string(row, col, str(value)[:_MAX_TEXT])
