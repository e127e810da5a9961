"""Finding the header: the first worksheet and row whose cells name the required columns (title rows above it skipped), matched by label or synonym."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from lijiao.core.importing.cells import cell_text
from lijiao.core.importing.reading import read_sheets
from lijiao.core.importing.types import (
    _INVISIBLE,
    MAX_TITLE_ROWS,
    CellError,
    ColumnSpec,
    ImportFileError,
    SourceRow,
)

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
