"""Generic tabular import: read xlsx/xls/ods/csv as clerks really produce them, find the header, parse cells.

Nothing here knows about a particular import. An importer declares its columns as :class:`ColumnSpec` rows
(optionally each with its parser), opens the file with :func:`open_table` (the first worksheet that has the
header; title rows above it and blank rows skipped; ``table.ignored_columns`` names the columns no spec knows),
walks ``table.rows`` and parses cells with the ``cell_*`` helpers, which raise :class:`CellError` with the
message the clerk reads (Chinese, through gettext: ADR 0003). It collects :class:`RowError` rows and, when any
row fails, writes nothing and hands the clerk :func:`error_report_xlsx`.

Reading streams: spreadsheets through calamine's row iterator (cells keep their types: ``str``, ``float``,
``int``, ``bool``, ``datetime``/``date``/``time``, so a number-typed ID cell can be told from a text one) — an
xlsx too large for calamine's memory through openpyxl's read-only reader, giving the same values — and csv
through the csv module line by line. Row numbers are the spreadsheet's own 1-based row numbers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.core.errors import DomainError
from lijiao.core.money import CENT, InvalidAmount, to_yuan

CellValue = str | float | int | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None

SPREADSHEET_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
CSV_EXTENSIONS = frozenset({".csv", ".tsv", ".txt"})
MAX_TITLE_ROWS = 10
_CSV_CHUNK = 1 << 20
_DELIMITER_SNIFF_LINES = MAX_TITLE_ROWS + 2
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters pasted from web pages
# Excel keeps 15 significant digits; a longer number cell has already lost digits.
_EXACT_FLOAT_LIMIT = 10**15


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (wrong type, unreadable, no header, missing columns, empty)."""

    def __init__(self, message: str, code: str = "import_file") -> None:
        super().__init__(message=message, code=code)


class CellError(ValueError):
    """One cell's value cannot be used; ``message`` says why, for the clerk (ADR 0003)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SourceRow(NamedTuple):
    """One non-blank row of the file: its 1-based row number in the spreadsheet and its cell values."""

    number: int
    values: list[Any]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """A column an importer understands: its key, the label it writes, other header texts that mean it, and its
    parser (cell value -> value, raising :class:`CellError`; called with ``None`` for a column the file lacks)."""

    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    parse: Callable[[Any], Any] | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one row: its row number, the column (as headed in the file), why, and the row's values."""

    row_number: int
    column: str
    message: str
    values: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class ImportResult:
    """What an import did: data rows seen, rows written (0 when any failed), errors, the :class:`ImportJob` id."""

    total_rows: int
    imported_rows: int
    errors: list[RowError]
    job_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


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
    memory by openpyxl instead of calamine. Raises :class:`ImportFileError` for an unsupported extension or a
    file that cannot be read.
    """
    ext = _extension(file_name)
    if ext in SPREADSHEET_EXTENSIONS:
        limit = STREAM_XLSX_ABOVE_BYTES if large_xlsx_bytes is None else large_xlsx_bytes
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


# --- header ---------------------------------------------------------------------------------------------------

_HEADER_SPACE = re.compile(r"\s+")
_HEADER_NOISE = re.compile(r"\*|\((?:必填|选填|可选|必须|元|人民币元)\)|:$")


def normalize_header(text: object) -> str:
    """Header text for matching: NFKC (full-width → half-width), no spaces, ``*``, “（必填）”, “（元）”; casefolded."""
    if text is None:
        return ""
    value = _HEADER_SPACE.sub("", unicodedata.normalize("NFKC", str(text)))
    return _HEADER_NOISE.sub("", value.strip(_INVISIBLE)).casefold()


def _lookup(specs: Sequence[ColumnSpec]) -> dict[str, str]:
    names: dict[str, str] = {}
    for spec in specs:
        for name in (spec.label, spec.key, *spec.synonyms):
            names.setdefault(normalize_header(name), spec.key)
    names.pop("", None)
    return names


def _match_header(
    cells: Sequence[Any], specs: Sequence[ColumnSpec], names: dict[str, str]
) -> tuple[dict[str, int], list[ColumnSpec], list[str]]:
    mapping: dict[str, int] = {}
    duplicates: list[str] = []
    for index, cell in enumerate(cells):
        key = names.get(normalize_header(cell))
        if key is None:
            continue
        if key in mapping:
            duplicates.append(key)
        else:
            mapping[key] = index
    missing = [spec for spec in specs if spec.required and spec.key not in mapping]
    return mapping, missing, duplicates


def _labels(specs: Iterable[ColumnSpec]) -> str:
    return "、".join(f"“{spec.label}”" for spec in specs)


def _duplicate_error(keys: list[str], specs: Sequence[ColumnSpec]) -> ImportFileError:
    by_key = {spec.key: spec for spec in specs}
    return ImportFileError(
        _("表头中%(columns)s出现了不止一次，请只保留一列")
        % {"columns": _labels(by_key[k] for k in dict.fromkeys(keys))},
        code="duplicate_columns",
    )


def map_header(header_cells: Sequence[Any], specs: Sequence[ColumnSpec]) -> dict[str, int]:
    """Column index of each known column by its header text (label or synonym); extra columns are ignored.

    Raises :class:`ImportFileError` naming the required columns that are missing, or a column given twice.
    """
    mapping, missing, duplicates = _match_header(header_cells, specs, _lookup(specs))
    if missing:
        raise ImportFileError(
            _("缺少必需的列：%(columns)s") % {"columns": _labels(missing)},
            code="missing_columns",
        )
    if duplicates:
        raise _duplicate_error(duplicates, specs)
    return mapping


@dataclass(slots=True)
class Table:
    """A file opened for import: where its header is, what each known column is, and the data rows."""

    header_row: int
    header: list[str]
    columns: dict[str, int]
    rows: Iterator[SourceRow]
    specs: Sequence[ColumnSpec]
    total_hint: int | None = None

    @property
    def ignored_columns(self) -> list[str]:
        """The headings of the file's columns that no spec knows (they are not read), in the file's order."""
        known = set(self.columns.values())
        return [text for index, text in enumerate(self.header) if text.strip() and index not in known]

    def label(self, key: str) -> str:
        """The column's header as written in the file (or its spec label when the file lacks the column)."""
        index = self.columns.get(key)
        if index is not None and index < len(self.header) and self.header[index]:
            return self.header[index]
        return next((spec.label for spec in self.specs if spec.key == key), key)

    def cell(self, row: SourceRow, key: str) -> Any:
        """The row's value in a known column, ``None`` when the file has no such column or the row is short."""
        index = self.columns.get(key)
        if index is None or index >= len(row.values):
            return None
        return row.values[index]


def find_header(
    rows: Iterator[SourceRow], specs: Sequence[ColumnSpec], *, max_title_rows: int = MAX_TITLE_ROWS
) -> tuple[SourceRow, dict[str, int]]:
    """Consume rows up to the header: the first row that names every required column.

    Up to ``max_title_rows`` rows above it (titles, document numbers, notes) are skipped. Raises
    :class:`ImportFileError` for an empty file or when no such row is found, naming what is missing.
    """
    names = _lookup(specs)
    best: tuple[int, list[ColumnSpec]] | None = None
    seen = 0
    for row in rows:
        seen += 1
        mapping, missing, duplicates = _match_header(row.values, specs, names)
        if not missing:
            if duplicates:
                raise _duplicate_error(duplicates, specs)
            return row, mapping
        if mapping and (best is None or len(mapping) > best[0]):
            best = (len(mapping), missing)
        if seen > max_title_rows:
            break
    if seen == 0:
        raise ImportFileError(_("文件是空的"), code="empty_file")
    if best is None:
        required = [spec for spec in specs if spec.required]
        raise ImportFileError(
            _("未找到表头：前%(rows)s行中没有包含%(columns)s等列的行")
            % {"rows": max_title_rows + 1, "columns": _labels(required)},
            code="no_header",
        )
    raise ImportFileError(
        _("缺少必需的列：%(columns)s") % {"columns": _labels(best[1])},
        code="missing_columns",
    )


def _header_text(value: Any) -> str:
    try:
        return cell_text(value)
    except CellError:
        return str(value)


def open_table(
    file_name: str, data: bytes | Path, specs: Sequence[ColumnSpec], *, max_title_rows: int = MAX_TITLE_ROWS
) -> Table:
    """Read a file, find its header (skipping title rows) and return the data rows still to be streamed.

    In a workbook the first visible worksheet that has the header is read (a notes sheet may come first); when
    none has it, the error is the first sheet's, or that of a sheet that lacks only some required columns.
    """
    first: ImportFileError | None = None
    for stream in read_sheets(file_name, data):
        try:
            header_row, columns = find_header(stream, specs, max_title_rows=max_title_rows)
        except ImportFileError as exc:
            if exc.code not in _NOT_THIS_SHEET:
                raise
            if first is None or (exc.code == "missing_columns" and first.code != "missing_columns"):
                first = exc
            continue
        header = [_header_text(v) for v in header_row.values]
        return Table(header_row.number, header, columns, stream, specs, stream.total_hint)
    assert first is not None  # every file has a sheet (or is a csv)
    raise first


_NOT_THIS_SHEET = frozenset({"empty_file", "no_header", "missing_columns"})


# --- cells ----------------------------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    """An empty cell: ``None``, ``""`` or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip(" \t\r\n\u3000\xa0" + _INVISIBLE))


def is_number_cell(value: Any) -> bool:
    """The spreadsheet stored a number (not text) in this cell — what Excel does to an ID typed without ``'``."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _excel_display(number: float) -> str:
    """How Excel's General format shows a long number: ``3.70102E+17``."""
    return f"{number:.6G}"


def _number_text(value: int | float, *, allow_number: bool) -> str:
    """A number cell as text: integral numbers as their digits; refused where Excel may have changed it."""
    if not allow_number:
        raise CellError(
            _(
                "该单元格是数字格式（显示为 %(shown)s），Excel 可能已丢失位数或前导零，"
                "请把该列设为“文本”格式后重新录入"
            )
            % {"shown": _excel_display(float(value))}
        )
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(_("单元格的数值无效"))
        if value.is_integer():
            if abs(value) >= _EXACT_FLOAT_LIMIT:
                raise CellError(
                    _("数字 %(shown)s 超过15位，Excel 已丢失位数，请以文本格式录入")
                    % {"shown": _excel_display(value)}
                )
            return str(int(value))
        return repr(value)
    return str(value)


def cell_text(value: Any, *, allow_number: bool = True) -> str:
    """A cell as stripped text. An integral number cell becomes its digits (``6.0`` → ``"6"``).

    With ``allow_number=False`` (ID numbers, codes with leading zeros) a number cell is refused: Excel has
    already dropped leading zeros or digits beyond the 15th, so the value cannot be trusted.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip().strip(_INVISIBLE).strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return _number_text(value, allow_number=allow_number)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().strip(_INVISIBLE).strip()


def cell_decimal(value: Any, *, required: bool = True) -> Decimal | None:
    """A yuan amount (SPEC D4) with at most two decimals; ``None`` for an empty optional cell.

    Text goes through :func:`lijiao.core.money.to_yuan` (``"1,500"``, ``"￥1500元"``). A number cell is a
    float in every spreadsheet format; it is accepted when it has at most two decimals and converted through
    its shortest decimal form, never used as a float.
    """
    if is_blank(value):
        if required:
            raise CellError(_("金额不能为空"))
        return None
    if isinstance(value, bool):
        raise CellError(_("应填写金额，而不是是/否"))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(_("金额无效"))
        rounded = round(value, 2)
        if abs(value - rounded) > 1e-9 * max(1.0, abs(value)):
            raise CellError(_("金额最多两位小数：%(value)s") % {"value": repr(value)})
        return Decimal(str(rounded)).quantize(CENT)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise CellError(_("应填写金额，而不是日期或时间：%(value)s") % {"value": cell_text(value)})
    try:
        return to_yuan(_normal(value) if isinstance(value, str) else value)
    except InvalidAmount as exc:
        raise CellError(str(exc)) from None


_INT_RE = re.compile(r"^[+-]?\d+(?:\.0*)?$")


def cell_int(value: Any, *, required: bool = True) -> int | None:
    """A whole number (``40``, ``"40"``, ``40.0``); ``None`` for an empty optional cell."""
    if is_blank(value):
        if required:
            raise CellError(_("不能为空"))
        return None
    if isinstance(value, bool):
        raise CellError(_("应填写整数，而不是是/否"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise CellError(_("应填写整数：%(value)s") % {"value": repr(value)})
    text = _normal(str(value)).replace(",", "")
    if _INT_RE.match(text):
        return int(Decimal(text))
    raise CellError(_("“%(value)s”不是整数") % {"value": cell_text(value)})


_TRUE = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "✔", "对", "有", "t"})
_FALSE = frozenset({"否", "n", "no", "false", "0", "×", "✗", "✘", "无", "f", "-", "—"})


def cell_bool(value: Any, *, default: bool = False) -> bool:
    """Yes/no: 是/否, Y/N, √/×, 1/0, true/false (any case); an empty cell is ``default``."""
    if is_blank(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
    else:
        text = _normal(str(value)).casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise CellError(_("“%(value)s”应为“是”或“否”") % {"value": cell_text(value)})


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


def _make_date(year: int, month: int, day: int, shown: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(_("日期“%(value)s”不存在") % {"value": shown}) from None


def cell_date(value: Any, *, required: bool = True) -> dt.date | None:
    """A date: an Excel date cell, or text 2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日, 20250301."""
    if is_blank(value):
        if required:
            raise CellError(_("日期不能为空"))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool | dt.time | dt.timedelta):
        raise CellError(_("“%(value)s”不是日期") % {"value": cell_text(value)})
    if isinstance(value, int | float):
        if float(value).is_integer():
            whole = int(value)
            if 10_000_000 <= whole <= 99_999_999:
                return _make_date(whole // 10000, whole // 100 % 100, whole % 100, str(whole))
            if 1 <= whole <= _EXCEL_MAX_SERIAL:
                return _EXCEL_EPOCH + dt.timedelta(days=whole)
        raise CellError(_("“%(value)s”不是日期") % {"value": cell_text(value)})
    text = _normal(str(value))
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        raise CellError(
            _("日期“%(value)s”格式无法识别，请填写如 2025-03-01 或 2025年3月1日") % {"value": text}
        )
    return _make_date(int(match[1]), int(match[2]), int(match[3]), text)


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
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {"constant_memory": True, "strings_to_urls": False, "strings_to_formulas": False}
    )
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


# --- jobs -----------------------------------------------------------------------------------------------------


def save_job(
    *,
    kind: str,
    actor: Any,
    file_name: str,
    target: Any = None,
    total_rows: int,
    imported_rows: int,
    errors: Sequence[RowError] = (),
    header: Sequence[str] = (),
    message: str = "",
    started_at: dt.datetime | None = None,
) -> Any:
    """Record a finished synchronous import as an :class:`~lijiao.core.models.ImportJob`.

    With errors the job is ``failed`` and carries the error report xlsx; without, ``succeeded``.
    ``target`` is the model instance imported into (type and id are stored, not a foreign key).
    """
    from lijiao.core.models import ImportJob

    now = timezone.now()
    job = ImportJob(
        kind=kind,
        status=ImportJob.Status.FAILED if errors else ImportJob.Status.SUCCEEDED,
        file_name=(file_name or "")[:255],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        started_at=started_at or now,
        finished_at=now,
        total_rows=total_rows,
        processed_rows=total_rows,
        imported_rows=imported_rows,
        error_count=len(errors),
        message=message,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
    )
    if errors:
        stem = re.sub(r"[^\w.-]+", "_", Path(file_name or "import").stem)[:60] or "import"
        report = error_report_xlsx(header, errors)
        job.report.save(f"{stem}-errors.xlsx", ContentFile(report), save=False)
    job.save()
    return job
