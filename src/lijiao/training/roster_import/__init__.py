"""Roster import (SPEC C4): a class's trainees from an xlsx/xls/ods/csv file as clerks really make it.

All or nothing. Every row is checked first; when any row (or the file as a whole) is wrong nothing is written
and the clerk gets the error report (the rows as sent, with row numbers and reasons) through a failed
:class:`~lijiao.core.models.ImportJob`. When every row is right one transaction registers or updates the people,
records their groups, creates the enrollments, takes the seats once for the whole file and writes one audit
event. Columns the import does not know are ignored and named in the result.

Where to look, in the order a row travels:

* :mod:`.columns` — the columns (header texts that mean them, and each column's parser);
* :mod:`.checks` — the row checks: cells, rows against each other, rows against the database;
* :mod:`.writing` — the writes, and the two ways of running checks and writes (spool, stream);
* :mod:`.jobs` — job progress, the finished job and its error report, who may follow a job;
* :mod:`.service` — :func:`import_roster` (now) and :func:`start_roster_import` (now or in the background);
* :mod:`.template` — the blank import form.

Reading the file and finding its header is :mod:`lijiao.core.importing`; bulk writes :mod:`lijiao.core.bulk_write`.
"""

from lijiao.training.roster_import.columns import COLUMNS, HEADER
from lijiao.training.roster_import.jobs import IMPORT_KIND, get_import_job, report_preview
from lijiao.training.roster_import.rows import FILE_ROW, RosterImportResult
from lijiao.training.roster_import.service import (
    ImportOptions,
    RosterImportStart,
    check_can_import,
    estimate_rows,
    import_roster,
    inline_limits,
    queue_roster_import,
    runs_in_background,
    start_roster_import,
)
from lijiao.training.roster_import.template import roster_template_xlsx

__all__ = [
    "COLUMNS",
    "FILE_ROW",
    "HEADER",
    "IMPORT_KIND",
    "ImportOptions",
    "RosterImportResult",
    "RosterImportStart",
    "check_can_import",
    "estimate_rows",
    "get_import_job",
    "import_roster",
    "inline_limits",
    "queue_roster_import",
    "report_preview",
    "roster_template_xlsx",
    "runs_in_background",
    "start_roster_import",
]
