"""Reading streams: spreadsheets through calamine's row iterator (cells keep their types, so a number-typed ID cell can be told from a text one); an xlsx too large for calamine's memory through openpyxl's read-only reader, giving the same values; csv line by line in its detected encoding. Row numbers are the spreadsheet's own 1-based row numbers."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from lijiao.core.importing.limits import calamine_max_cells, check_spreadsheet
from lijiao.core.importing.types import (
    _CSV_CHUNK,
    _DELIMITER_SNIFF_LINES,
    CSV_EXTENSIONS,
    SPREADSHEET_EXTENSIONS,
    ImportFileError,
    SourceRow,
)

# --- reading --------------------------------------------------------------------------------------------------


class RowStream(Iterator[SourceRow]):
    """The non-blank rows of a file, in order. ``total_hint`` is the last row number when the format tells it
    up front (spreadsheets), else ``None`` (csv) — for progress bars, not for counting."""

    def __init__(self, rows: Iterator[SourceRow], total_hint: int | None = None) -> None:
        self._rows = rows
        self.total_hint = total_hint

    def __iter__(self) -> RowStream:
        return self

    def __next__(self) -> SourceRow:
        return next(self._rows)


def _is_blank(values: Sequence[Any]) -> bool:
    for value in values:
        if value is None or value == "":
            continue
        if value.__class__ is str and not value.strip():
            continue
        return False
    return True


def _extension(file_name: str) -> str:
    return Path(file_name or "").suffix.lower()


def read_sheets(
    file_name: str, data: bytes | Path, *, large_xlsx_bytes: int | None = None
) -> Iterator[RowStream]:
    """The non-blank rows of each visible worksheet in order (spreadsheets), or of the file (csv), streamed.

    ``file_name`` decides the format by its extension; ``data`` is the content or a path to it. An xlsx whose
    first sheet's XML exceeds ``large_xlsx_bytes`` (default :data:`STREAM_XLSX_ABOVE_BYTES`) is read in flat
    memory by openpyxl instead of calamine. A spreadsheet is first checked by
    :func:`lijiao.core.importing.limits.check_spreadsheet` (uncompressed size, compression ratio, cell length). Raises :class:`ImportFileError` for an unsupported extension or a
    file that cannot be read.
    """
    ext = _extension(file_name)
    if ext in SPREADSHEET_EXTENSIONS:
        limit = STREAM_XLSX_ABOVE_BYTES if large_xlsx_bytes is None else large_xlsx_bytes
        cells = check_spreadsheet(file_name, data)  # bounded before any parser touches it (ADR 0007)
        if cells > calamine_max_cells():  # calamine would allocate the whole range: stream it instead
            limit = 0
        return _read_spreadsheet(data, limit)
    if ext in CSV_EXTENSIONS:
        return iter([_read_csv(data)])
    supported = "、".join(sorted({*SPREADSHEET_EXTENSIONS, *CSV_EXTENSIONS}))
    raise ImportFileError(
        _("不支持的文件类型“%(type)s”，请上传 %(supported)s 文件")
        % {"type": ext or file_name, "supported": supported},
        code="unsupported_file_type",
    )


def read_rows(file_name: str, data: bytes | Path, *, large_xlsx_bytes: int | None = None) -> RowStream:
    """The non-blank rows of the first visible worksheet (spreadsheets) or of the file (csv), streamed."""
    return next(read_sheets(file_name, data, large_xlsx_bytes=large_xlsx_bytes))


def _unreadable(detail: object) -> ImportFileError:
    return ImportFileError(
        _("文件无法读取，请确认是有效的 Excel/ODS 表格且未加密：%(detail)s") % {"detail": detail},
        code="unreadable_file",
    )


# An .xlsx/.xlsm whose first worksheet's XML is bigger than this (uncompressed) is read by openpyxl in read-only
# mode, in flat memory (≈ 40 MB whatever the size); calamine loads the whole sheet (≈ 15× the XML: more than
# 1 GB for 1,000,000 rows) but is about ten times as fast, so it keeps every normal file. ADR 0002 has the figures.
STREAM_XLSX_ABOVE_BYTES = 64 * 1024 * 1024


def _first_sheet_xml_size(data: bytes | Path) -> int | None:
    """The uncompressed size of an xlsx/xlsm's first worksheet; ``None`` for anything else (xls, ods, damaged)."""
    try:
        with zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data)) as archive:
            sheets = sorted(
                (info for info in archive.infolist() if info.filename.startswith("xl/worksheets/sheet")),
                key=lambda info: info.filename,
            )
            return sheets[0].file_size if sheets else None
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _read_spreadsheet(data: bytes | Path, large_xlsx_bytes: int) -> Iterator[RowStream]:
    size = _first_sheet_xml_size(data)
    if size is not None and size > large_xlsx_bytes:
        return _read_large_xlsx(data)
    return _read_with_calamine(data)


def _read_with_calamine(data: bytes | Path) -> Iterator[RowStream]:
    import python_calamine

    try:
        if isinstance(data, Path):
            workbook = python_calamine.CalamineWorkbook.from_path(data)
        else:
            workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [
            index
            for index, meta in enumerate(workbook.sheets_metadata)
            if meta.visible == python_calamine.SheetVisibleEnum.Visible
            and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
    except python_calamine.CalamineError as exc:
        raise _unreadable(exc) from None
    except (OSError, ValueError) as exc:
        raise _unreadable(exc) from None

    def rows(sheet: Any) -> Iterator[SourceRow]:
        # calamine yields rows from the sheet's first row (so the index is the row number - 1) and columns from
        # the first used column; both the header and the data rows share that offset.
        try:
            for number, values in enumerate(sheet.iter_rows(), start=1):
                if not _is_blank(values):
                    yield SourceRow(number, values)
        except python_calamine.CalamineError as exc:
            raise _unreadable(exc) from None

    def sheets() -> Iterator[RowStream]:
        for index in visible or [0]:
            try:
                sheet = workbook.get_sheet_by_index(index)
            except (python_calamine.CalamineError, OSError, ValueError) as exc:
                raise _unreadable(exc) from None
            end = sheet.end
            yield RowStream(rows(sheet), end[0] + 1 if end else 0)

    return sheets()


def _read_large_xlsx(data: bytes | Path) -> Iterator[RowStream]:
    """openpyxl's read-only reader, its cells given as calamine gives them (numbers as ``float``, a date
    without a time as ``date``, an empty cell as ``""``), so that the import reads the same either way."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(
            data if isinstance(data, Path) else io.BytesIO(data), read_only=True, data_only=True
        )
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _unreadable(exc) from None
    midnight = dt.time()

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if value.__class__ is int:
            return float(value)
        if value.__class__ is dt.datetime and value.time() == midnight:
            return value.date()
        return value

    def rows(sheet: Any) -> Iterator[SourceRow]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if not _is_blank(values):
                    yield SourceRow(number, [cell(value) for value in values])
        except (KeyError, OSError, ValueError, zipfile.BadZipFile) as exc:
            raise _unreadable(exc) from None

    def sheets() -> Iterator[RowStream]:
        for sheet in workbook.worksheets:
            if sheet.sheet_state == "visible":
                yield RowStream(rows(sheet), sheet.max_row)

    return sheets()


def _open_binary(data: bytes | Path) -> IO[bytes]:
    return data.open("rb") if isinstance(data, Path) else io.BytesIO(data)


def _detect_encoding(data: bytes | Path) -> str:
    """UTF-16 or UTF-8 (with or without BOM) when the bytes say so, else GB18030 (Chinese Excel's "CSV")."""
    with _open_binary(data) as stream:
        head = stream.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        stream.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := stream.read(_CSV_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def _read_csv(data: bytes | Path) -> RowStream:
    encoding = _detect_encoding(data)

    def rows() -> Iterator[SourceRow]:
        with _open_binary(data) as raw:
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            try:
                # Excel's "Unicode text" is tab-separated: decide on the first lines (titles may have neither).
                head = list(itertools.islice(text, _DELIMITER_SNIFF_LINES))
                tabbed = any("\t" in line for line in head) and not any("," in line for line in head)
                reader = csv.reader(itertools.chain(head, text), delimiter="\t" if tabbed else ",")
                for number, values in enumerate(reader, start=1):
                    if not _is_blank(values):
                        yield SourceRow(number, values)
            except UnicodeDecodeError:
                raise ImportFileError(
                    _("CSV 文件编码无法识别，请另存为“CSV UTF-8”后重新上传"),
                    code="bad_encoding",
                ) from None
            except csv.Error as exc:
                raise ImportFileError(
                    _("CSV 文件格式有误：%(detail)s") % {"detail": exc}, code="bad_csv"
                ) from None

    return RowStream(rows())
