"""What every import shares: the file's extensions, errors, a source row, a column's spec, a row's error, the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from lijiao.core.errors import DomainError

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
