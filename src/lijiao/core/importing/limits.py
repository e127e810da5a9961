"""Bounds checked before any parser touches a spreadsheet (issue 9, Security 6; ADR 0007).

A zip-based spreadsheet (xlsx/xlsm/xlsb/ods) is inspected from its central directory and by one streamed pass over
its XML members, in constant memory, before calamine or openpyxl opens it:

- every member's uncompressed size, and their total, within bounds (settings ``IMPORT_MAX_UNCOMPRESSED_BYTES``,
  1 GiB; ``IMPORT_MAX_SHARED_STRINGS_BYTES``, 256 MiB for the shared strings both readers keep in memory);
- no member larger than 1 MiB compressed more than ``IMPORT_MAX_COMPRESSION_RATIO`` (200) times (real workbooks
  compress 3–30 times; a zip bomb about 1,000 times);
- no text longer than a cell may hold (Excel's 32,767 characters): the longest run of bytes between two XML tags
  in the shared strings and in each sheet, counted chunk by chunk;
- the dense range a reader lays out (last used row × last used column) within ``IMPORT_MAX_CELLS``: two cells
  A1 and XFD1048576 in a 1.5 KB file would make calamine allocate 549 GB and abort the process. A range above
  ``IMPORT_CALAMINE_MAX_CELLS`` is read by openpyxl's streaming reader instead (xlsx) or refused (ods).

An xls (not compressed) is bounded by its size (``IMPORT_MAX_XLS_BYTES``, 64 MiB). A csv streams line by line and
the csv module bounds a field (131,072 characters). Anything refused raises :class:`ImportFileError` with the
message the clerk reads; nothing has been parsed, so nothing is written.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from lijiao.core.importing.types import ImportFileError

__all__ = [
    "MAX_CELL_CHARS",
    "calamine_max_cells",
    "check_spreadsheet",
    "uncompressed_size",
]

MAX_CELL_CHARS = 32_767  # what one Excel cell holds
# Bytes of one cell's text in the XML: UTF-8 takes up to 4 bytes a character, an entity (&amp;) up to 6.
_MAX_TEXT_RUN_BYTES = MAX_CELL_CHARS * 6
_RATIO_FLOOR_BYTES = 1 << 20  # members smaller than this are never "bombs", whatever they compress to
_CHUNK = 1 << 20
_ZIP_FORMATS = frozenset({".xlsx", ".xlsm", ".xlsb", ".ods"})
_MIB = 1024 * 1024


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_uncompressed_bytes() -> int:
    return _setting("IMPORT_MAX_UNCOMPRESSED_BYTES", 1024 * _MIB)


def max_shared_strings_bytes() -> int:
    return _setting("IMPORT_MAX_SHARED_STRINGS_BYTES", 256 * _MIB)


def max_compression_ratio() -> int:
    return _setting("IMPORT_MAX_COMPRESSION_RATIO", 200)


def max_cells() -> int:
    """Cells of a sheet's dense range beyond which nothing reads it (``IMPORT_MAX_CELLS``, 20,000,000: a
    1,000,000-row roster of 14 columns is 14,000,000)."""
    return _setting("IMPORT_MAX_CELLS", 20_000_000)


def calamine_max_cells() -> int:
    """Cells beyond which calamine (which allocates the whole range, ≈ 32 bytes a cell) is not used
    (``IMPORT_CALAMINE_MAX_CELLS``, 4,000,000 ≈ 130 MB): an xlsx is then read by openpyxl in flat memory, an ods
    is refused."""
    return _setting("IMPORT_CALAMINE_MAX_CELLS", 4_000_000)


def max_xls_bytes() -> int:
    return _setting("IMPORT_MAX_XLS_BYTES", 64 * _MIB)


def _source(data: bytes | Path) -> Path | IO[bytes]:
    return data if isinstance(data, Path) else io.BytesIO(data)


def _size(data: bytes | Path) -> int:
    return len(data) if isinstance(data, bytes) else data.stat().st_size


def _mib(size: int) -> str:
    return f"{size / _MIB:,.0f}"


def _too_large(detail: str) -> ImportFileError:
    return ImportFileError(
        _("文件解压后内容过大或压缩比异常，已拒绝读取：%(detail)s。请删除多余内容或拆分后重新上传")
        % {"detail": detail},
        code="file_too_large",
    )


def _text_parts(name: str) -> bool:
    """The members whose text a reader loads: shared strings, worksheets (xlsx/xlsm) and an ods's content."""
    return name in ("xl/sharedStrings.xml", "content.xml") or (
        name.startswith("xl/worksheets/") and name.endswith(".xml")
    )


def uncompressed_size(file_name: str, data: bytes | Path) -> int:
    """What the readers will have to read: the members' uncompressed total for a zip-based spreadsheet, else the
    file's size. Cheap (the zip's directory only); an unreadable zip counts as its size."""
    size = _size(data)
    if Path(file_name or "").suffix.lower() not in _ZIP_FORMATS:
        return size
    try:
        with zipfile.ZipFile(_source(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return size


def check_spreadsheet(file_name: str, data: bytes | Path, *, scan_text: bool = True) -> int:
    """Refuse (:class:`ImportFileError`, code ``file_too_large`` or ``cell_too_long``) a spreadsheet a reader
    would need unbounded memory for; see the module. A zip that cannot be opened is left to the reader to report.
    Returns the cells of the largest sheet's dense range (last used row × last used column: what calamine
    allocates), 0 when not scanned. ``scan_text=False`` checks only the zip's directory (instant: what a web
    request checks before queuing a large file for the worker, which checks the rest)."""
    ext = Path(file_name or "").suffix.lower()
    if ext == ".xls":
        if _size(data) > max_xls_bytes():
            raise _too_large(_("xls 文件超过 %(size)s MB") % {"size": _mib(max_xls_bytes())})
        return 0
    if ext not in _ZIP_FORMATS:
        return 0
    try:
        archive = zipfile.ZipFile(_source(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0
    cells = 0
    with archive:
        infos = archive.infolist()
        _check_sizes(infos)
        for info in infos if scan_text else ():
            if _text_parts(info.filename):
                cells = max(cells, _scan(archive, info))
    if cells > max_cells() or (ext == ".ods" and cells > calamine_max_cells()):
        limit = max_cells() if ext != ".ods" else calamine_max_cells()
        raise ImportFileError(
            _(
                "表格的使用范围过大（约 %(cells)s 个单元格，上限 %(limit)s 个），"
                "请删除远处的内容或多余的行列后重新上传"
            )
            % {"cells": f"{cells:,}", "limit": f"{limit:,}"},
            code="too_many_cells",
        )
    return cells


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    total = sum(info.file_size for info in infos)
    if total > max_uncompressed_bytes():
        raise _too_large(
            _("解压后共 %(size)s MB，上限 %(limit)s MB")
            % {"size": _mib(total), "limit": _mib(max_uncompressed_bytes())}
        )
    ratio = max_compression_ratio()
    for info in infos:
        if info.filename in ("xl/sharedStrings.xml",) and info.file_size > max_shared_strings_bytes():
            raise _too_large(
                _("共享文本 %(size)s MB，上限 %(limit)s MB")
                % {"size": _mib(info.file_size), "limit": _mib(max_shared_strings_bytes())}
            )
        if info.file_size > _RATIO_FLOOR_BYTES and info.file_size > ratio * max(info.compress_size, 1):
            raise _too_large(
                _("其中一部分压缩了 %(ratio)s 倍，正常表格不超过 %(limit)s 倍")
                % {"ratio": info.file_size // max(info.compress_size, 1), "limit": ratio}
            )


_XLSX_ROW = re.compile(rb"<row\b[^>]*?\br=\"([0-9]{1,9})\"")
_XLSX_CELL = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,9})\"")
_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)\b([^>]*?)(/?)>")
_ODS_ROWS = re.compile(rb"number-rows-repeated=\"([0-9]{1,12})\"")
_ODS_COLUMNS = re.compile(rb"number-columns-repeated=\"([0-9]{1,12})\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


class _Grid:
    """The extent of the cells a reader will lay out densely: its last used row and column (1-based)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rows = 0
        self.columns = 0
        # ods: the position while walking rows and cells
        self.row = 0
        self.row_repeat = 1
        self.column = 0
        self.largest = 0

    @property
    def cells(self) -> int:
        return max(self.largest, self.rows * self.columns)

    def feed(self, segment: bytes) -> None:
        if self.kind == "xlsx":
            for match in _XLSX_ROW.finditer(segment):
                self.rows = max(self.rows, int(match[1]))
            for match in _XLSX_CELL.finditer(segment):
                self.columns = max(self.columns, _column_number(match[1]))
                self.rows = max(self.rows, int(match[2]))
        elif self.kind == "ods":
            for match in _ODS_TAG.finditer(segment):
                self._ods_tag(match)

    def _ods_tag(self, match: re.Match[bytes]) -> None:
        closing, name, attributes, empty = match.groups()
        if name == b"table":  # a new sheet: the extent is per sheet
            self.largest = max(self.largest, self.rows * self.columns)
            self.rows = self.columns = self.row = self.column = 0
            return
        if closing:
            if name == b"table-row":
                self.row += self.row_repeat
            return
        if name == b"table-row":
            repeat = _ODS_ROWS.search(attributes)
            self.row_repeat = int(repeat[1]) if repeat else 1
            self.column = 0
            if empty:
                self.row += self.row_repeat
            return
        repeat = _ODS_COLUMNS.search(attributes)
        self.column += int(repeat[1]) if repeat else 1
        if not empty or b"value-type" in attributes:  # a cell with content: the range reaches it
            self.columns = max(self.columns, self.column)
            self.rows = max(self.rows, self.row + self.row_repeat)


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """One streamed pass over an XML member (1 MiB chunks, constant memory): the longest text between two tags
    within a cell's bound, no more data than the directory declares; returns the cells of the dense range a
    reader lays out for a worksheet (0 for shared strings)."""
    kind = "ods" if info.filename == "content.xml" else "xlsx" if "worksheets/" in info.filename else ""
    grid = _Grid(kind)
    carry = b""
    read = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                read += len(chunk)
                if read > info.file_size:  # the directory lied about the size
                    raise _too_large(_("文件实际内容大于其声明的大小"))
                data = carry + chunk
                last = data.rfind(b"<")
                if last <= 0:
                    carry = data
                else:
                    segment, carry = data[:last], data[last:]
                    if max(map(len, segment.split(b"<"))) > _MAX_TEXT_RUN_BYTES:
                        raise _cell_too_long()
                    grid.feed(segment)
                if len(carry) > _MAX_TEXT_RUN_BYTES:
                    raise _cell_too_long()
            grid.feed(carry)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        # Never left to a reader: a member whose data does not match its directory entry may be a bomb.
        raise ImportFileError(
            _("文件无法读取，请确认是有效的 Excel/ODS 表格且未加密：%(detail)s") % {"detail": exc},
            code="unreadable_file",
        ) from None
    return grid.cells


def _cell_too_long() -> ImportFileError:
    return ImportFileError(
        _("表格中有单元格内容过长（超过 %(max)s 个字符），请检查后重新上传") % {"max": f"{MAX_CELL_CHARS:,}"},
        code="cell_too_long",
    )
