"""Generic tabular import (see the package's modules): read xlsx/xls/ods/csv as clerks really produce them (reading), find the header (header), parse cells (cells), report errors and write blank forms (reports), record the job (jobs). The shared types are in types.

Nothing here knows about a particular import. An importer declares its columns as :class:`ColumnSpec` rows (optionally each with its parser), opens the file with :func:`open_table` (the first worksheet that has the header; title rows above it and blank rows skipped; ``table.ignored_columns`` names the columns no spec knows), walks ``table.rows`` and parses cells with the ``cell_*`` helpers, which raise :class:`CellError` with the message the clerk reads (ADR 0003). It collects :class:`RowError` rows and, when any row fails, writes nothing and hands the clerk :func:`error_report_xlsx`.
"""

from __future__ import annotations

from lijiao.core.importing.cells import (
    cell_bool,
    cell_date,
    cell_decimal,
    cell_free_text,
    cell_int,
    cell_text,
    is_blank,
    is_number_cell,
)
from lijiao.core.importing.header import Table, find_header, map_header, normalize_header, open_table
from lijiao.core.importing.jobs import save_job
from lijiao.core.importing.limits import MAX_CELL_CHARS, check_spreadsheet, uncompressed_size
from lijiao.core.importing.reading import STREAM_XLSX_ABOVE_BYTES, RowStream, read_rows, read_sheets
from lijiao.core.importing.reports import (
    REPORT_FIELD_COLUMN,
    REPORT_REASON_COLUMN,
    REPORT_ROW_COLUMN,
    error_report_xlsx,
    write_template_choices,
    write_template_header,
    write_template_notes,
)
from lijiao.core.importing.types import (
    CSV_EXTENSIONS,
    MAX_TITLE_ROWS,
    SPREADSHEET_EXTENSIONS,
    CellError,
    CellValue,
    ColumnSpec,
    ImportFileError,
    ImportResult,
    RowError,
    SourceRow,
)

__all__ = [
    "CSV_EXTENSIONS",
    "MAX_CELL_CHARS",
    "MAX_TITLE_ROWS",
    "REPORT_FIELD_COLUMN",
    "REPORT_REASON_COLUMN",
    "REPORT_ROW_COLUMN",
    "SPREADSHEET_EXTENSIONS",
    "STREAM_XLSX_ABOVE_BYTES",
    "CellError",
    "CellValue",
    "ColumnSpec",
    "ImportFileError",
    "ImportResult",
    "RowError",
    "RowStream",
    "SourceRow",
    "Table",
    "cell_bool",
    "cell_date",
    "cell_decimal",
    "cell_free_text",
    "cell_int",
    "cell_text",
    "check_spreadsheet",
    "error_report_xlsx",
    "find_header",
    "is_blank",
    "is_number_cell",
    "map_header",
    "normalize_header",
    "open_table",
    "read_rows",
    "read_sheets",
    "save_job",
    "uncompressed_size",
    "write_template_choices",
    "write_template_header",
    "write_template_notes",
]
