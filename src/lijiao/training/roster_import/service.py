"""The roster import's services: import a file now (:func:`import_roster`), or decide between now and the
background worker (:func:`start_roster_import`, what the screen and the API call)."""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from lijiao.core.actors import Actor
from lijiao.core.importing import CSV_EXTENSIONS, Table, check_spreadsheet, open_table, uncompressed_size
from lijiao.core.models import ImportJob
from lijiao.training.models import TrainingClass
from lijiao.training.roster_import.checks import RosterChecks
from lijiao.training.roster_import.columns import COLUMNS
from lijiao.training.roster_import.jobs import (
    IMPORT_KIND,
    JobProgress,
    failed_job,
    finish_job,
    start_job,
    succeeded_message,
)
from lijiao.training.roster_import.rows import RosterImportResult
from lijiao.training.roster_import.writing import (
    Counts,
    RosterWrites,
    batches,
    choose_strategy,
    run_spooled,
    run_streamed,
)
from lijiao.training.services.enrollment import check_class_open, require_class_staff

UPLOAD_DIR = "imports/uploads"
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How an import runs (the result never depends on it): rows per batch (the first batch smaller, so that the
    writer starts early), row errors kept in the result (the report has all), and ``strategy`` to force
    ``"spool"`` or ``"stream"`` (``None``: stream where the database has row locks and no transaction is open)."""

    batch_rows: int = 10_000
    first_batch_rows: int = 1_250
    keep_errors: int = 1_000
    strategy: Literal["spool", "stream"] | None = None


def check_can_import(actor: Actor | None, training_class: TrainingClass) -> None:
    """Raise unless ``actor`` may import into the class now: staff of its provider with
    ``training.import_roster`` (``None`` is the system, e.g. the command line), and the class takes enrollments
    (approved or running, not past its end date)."""
    if actor is not None:
        require_class_staff(actor, training_class, "training.import_roster")
    check_class_open(training_class)


def import_roster(
    *,
    actor: Actor | None,
    training_class: TrainingClass,
    file_name: str,
    data: bytes | Path,
    progress: Callable[[int, int], None] | None = None,
    job: ImportJob | None = None,
    options: ImportOptions | None = None,
) -> RosterImportResult:
    """Enroll every trainee of an xlsx/xls/ods/csv roster in ``training_class`` — all rows or none.

    ``actor`` is a user (staff of the class's provider with ``training.import_roster``) or ``None`` for the
    system (the command line). ``progress(done, total)`` is called after every batch (``total`` is an estimate
    until the file is read; the spool strategy reports its write phase as a second round). ``job`` is a pending
    :class:`ImportJob` created by whoever queued a background import; without it the job is created at the end.

    Columns the import does not know are not read; the result names them (``ignored_columns``, and the message).
    Raises :class:`PermissionDenied`, :class:`Conflict` (class not open) and :class:`DomainError` (nothing
    written, no job) when the file itself cannot be used: not a spreadsheet or csv, no header, a required column
    missing, no data rows. Row problems do not raise: the result lists them (the first ``keep_errors``), nothing
    is written, and the failed job holds the full error report xlsx.
    """
    options = options or ImportOptions()
    training_class = TrainingClass.objects.select_related("program").get(pk=training_class.pk)
    check_can_import(actor, training_class)
    started = timezone.now()
    tracker = JobProgress(job, progress)
    if job is not None:
        start_job(job, training_class, started)
    table = open_table(file_name, data, COLUMNS)
    hint = _total_hint(table, data)
    checks = RosterChecks(
        actor,
        training_class,
        table,
        reopen=lambda: open_table(file_name, data, COLUMNS),
        keep_errors=options.keep_errors,
    )
    writes = RosterWrites(checks, file_name)
    rows = batches(table, largest=options.batch_rows, first=options.first_batch_rows, hint=hint)
    ignored = table.ignored_columns

    def report(done: int, total: int, message: str) -> None:
        tracker(done, max(hint, total), message)

    def finish(counts: Counts) -> tuple[ImportJob, str]:
        writes.audit(counts)
        message = succeeded_message(checks.total, counts, ignored)
        return finish_job(job, checks, file_name, message, started), message

    try:
        if choose_strategy(options.strategy) == "stream":
            outcome = run_streamed(writes, rows, report, finish)
        else:
            outcome = run_spooled(
                writes,
                rows,
                report,
                finish,
                before_write=tracker.open_side_channel,
                after_write=tracker.close_side_channel,
            )
        if outcome.counts is None:
            result = failed_job(
                checks=checks,
                job=job,
                file_name=file_name,
                late=outcome.late,
                file_level=outcome.file_level,
                started=started,
            )
        else:
            done_job, message = outcome.result
            counts = outcome.counts
            result = RosterImportResult(
                total_rows=checks.total,
                imported_rows=checks.total,
                errors=[],
                job_id=done_job.pk,
                people_created=counts["people_created"],
                people_updated=counts["people_updated"],
                groups_recorded=counts["groups_recorded"],
                reenrolled=counts["reenrolled"],
                message=message,
                ignored_columns=ignored,
            )
        if progress is not None:
            progress(checks.total, checks.total)
        return result
    finally:
        checks.close()


def _total_hint(table: Table, data: bytes | Path) -> int:
    """Data rows to expect, for progress: the sheet's last row, or the csv's line count."""
    if table.total_hint:
        return max(table.total_hint - table.header_row, 0)
    return max(_lines(data) - table.header_row, 0)


def _lines(data: bytes | Path) -> int:
    if isinstance(data, bytes):
        return data.count(b"\n")
    lines = 0
    with data.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines


# --- now, or in the background --------------------------------------------------------------------------------


def inline_limits() -> tuple[int, int]:
    """Rows and bytes above which a roster is imported by the worker (settings ``ROSTER_IMPORT_INLINE_MAX_ROWS``,
    ``ROSTER_IMPORT_INLINE_MAX_BYTES``; 5,000 rows, 1 MB)."""
    return (
        int(getattr(settings, "ROSTER_IMPORT_INLINE_MAX_ROWS", 5_000)),
        int(getattr(settings, "ROSTER_IMPORT_INLINE_MAX_BYTES", 1 << 20)),
    )


def estimate_rows(file_name: str, data: bytes | Path) -> int:
    """Lines of a csv; the last row an xlsx sheet declares; else a guess from the size. Cheap: nothing is parsed."""
    suffix = Path(file_name or "").suffix.lower()
    if suffix in CSV_EXTENSIONS:
        return _lines(data)
    size = len(data) if isinstance(data, bytes) else data.stat().st_size
    if suffix in (".xlsx", ".xlsm"):
        with contextlib.suppress(zipfile.BadZipFile, KeyError, OSError):
            source: Path | io.BytesIO = data if isinstance(data, Path) else io.BytesIO(data)
            with zipfile.ZipFile(source) as archive:
                sheets = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
                if sheets:
                    with archive.open(sheets[0]) as sheet:
                        match = _DIMENSION.search(sheet.read(4096))
                    if match:
                        return int(match[1] or 1)
    return size // 40


def runs_in_background(file_name: str, data: bytes | Path) -> bool:
    """Whether a roster file is large enough to be imported by the worker rather than in the request: above the
    inline rows or bytes, or a spreadsheet whose content expands beyond ``ROSTER_IMPORT_INLINE_MAX_UNCOMPRESSED``
    (16 MB), so that a web process never holds more than a small file's sheet (ADR 0007)."""
    max_rows, max_bytes = inline_limits()
    size = len(data) if isinstance(data, bytes) else data.stat().st_size
    expanded = int(getattr(settings, "ROSTER_IMPORT_INLINE_MAX_UNCOMPRESSED", 16 << 20))
    return (
        size > max_bytes
        or estimate_rows(file_name, data) > max_rows
        or uncompressed_size(file_name, data) > expanded
    )


def queue_roster_import(
    *, actor: Actor, training_class: TrainingClass, file_name: str, data: bytes | Path | File[bytes]
) -> ImportJob:
    """Store the upload, create a pending job and queue the background task; returns the job.

    Refuses at once (no job) what the import itself would refuse before reading the file: a user who may not
    import into this class, or a class that does not take enrollments.
    """
    from lijiao.training.tasks import import_roster_task

    check_can_import(actor, training_class)
    job = ImportJob.objects.create(
        kind=IMPORT_KIND,
        status=ImportJob.Status.PENDING,
        file_name=(file_name or "roster")[:255],
        created_by_id=actor.pk,
        target_type=TrainingClass._meta.label_lower,
        target_id=str(training_class.pk),
        message=_("等待后台导入"),
    )
    safe = get_valid_filename(Path(file_name or "roster.xlsx").name)[-80:] or "roster.xlsx"
    if isinstance(data, bytes):
        content: File[bytes] = ContentFile(data)
    elif isinstance(data, Path):
        content = File(data.open("rb"))
    else:
        content = data
    try:
        stored = default_storage.save(f"{UPLOAD_DIR}/{job.pk}-{safe}", content)
    finally:
        if isinstance(data, Path):
            content.close()
    import_roster_task.enqueue(job.pk, training_class.pk, stored)
    job.refresh_from_db()
    return job


@dataclass(frozen=True, slots=True)
class RosterImportStart:
    """What :func:`start_roster_import` did: ``queued`` (the job runs in the background) or imported now
    (``result``). Either way ``job`` is the job to show."""

    job: ImportJob
    result: RosterImportResult | None

    @property
    def queued(self) -> bool:
        return self.result is None


def start_roster_import(
    *, actor: Actor, training_class: TrainingClass, file_name: str, data: bytes | Path
) -> RosterImportStart:
    """Import a roster now, or — above the inline limits (:func:`inline_limits`) — queue it for the worker.

    The one decision the screen and the API share. Raises what :func:`import_roster` raises for an unusable
    file (imported now) or what :func:`check_can_import` raises (queued).
    """
    check_spreadsheet(file_name, data, scan_text=False)  # a zip bomb is refused now, not queued (ADR 0007)
    if runs_in_background(file_name, data):
        job = queue_roster_import(actor=actor, training_class=training_class, file_name=file_name, data=data)
        return RosterImportStart(job, None)
    result = import_roster(actor=actor, training_class=training_class, file_name=file_name, data=data)
    assert result.job_id is not None
    return RosterImportStart(ImportJob.objects.get(pk=result.job_id), result)
