"""Import jobs: progress committed while an import runs, the finished job (with the error report), who may
follow a job, and a preview of its report."""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.core.actors import Actor
from lijiao.core.errors import NotFound
from lijiao.core.importing import (
    REPORT_FIELD_COLUMN,
    REPORT_REASON_COLUMN,
    REPORT_ROW_COLUMN,
    RowError,
    error_report_xlsx,
    is_blank,
    save_job,
)
from lijiao.core.models import ImportJob
from lijiao.core.pii import PIIKind, mask
from lijiao.training.models import TrainingClass
from lijiao.training.roster_import.checks import RosterChecks
from lijiao.training.roster_import.rows import FILE_ROW, RosterImportResult
from lijiao.training.roster_import.writing import job_progress_connection

logger = logging.getLogger(__name__)

IMPORT_KIND = "training.roster"


class JobProgress:
    """Job progress, written in the job row by short autocommit updates of their own (through a second
    connection while the import's own transaction is open on the default one, where the database allows)."""

    def __init__(self, job: ImportJob | None, callback: Callable[[int, int], None] | None) -> None:
        self.job = job
        self.callback = callback
        self.side: Any = None

    def __call__(self, done: int, total: int, message: str | None = None) -> None:
        if self.job is not None:
            values: dict[str, Any] = {"processed_rows": done, "total_rows": max(total, done)}
            if message is not None:
                values["message"] = message
            if self.side is not None:
                self._side_update(values)
            else:
                ImportJob.objects.filter(pk=self.job.pk).update(**values)
        if self.callback is not None:
            self.callback(done, total)

    def open_side_channel(self) -> None:
        """Called just before the write transaction opens on the default connection."""
        self.side = job_progress_connection(self.job)

    def _side_update(self, values: dict[str, Any]) -> None:
        assert self.job is not None
        quote = self.side.ops.quote_name
        opts = ImportJob._meta
        columns = {f.name: f.column for f in opts.concrete_fields}
        assignments = ", ".join(f"{quote(columns[name])} = %s" for name in values)
        sql = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {quote(opts.pk.column)} = %s"  # noqa: S608 -- quoted model names, values as parameters
        try:
            with self.side.cursor() as cursor:
                cursor.execute(sql, [*values.values(), self.job.pk])
        except Exception:
            logger.warning("roster import %s: progress update failed", self.job.pk, exc_info=True)

    def close_side_channel(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def start_job(job: ImportJob, training_class: TrainingClass, started: dt.datetime) -> None:
    """A queued job starts running."""
    job.status = ImportJob.Status.RUNNING
    job.kind = IMPORT_KIND
    job.started_at = started
    job.target_type = TrainingClass._meta.label_lower
    job.target_id = str(training_class.pk)
    job.message = _("正在读取文件")
    job.save(update_fields=["status", "kind", "started_at", "target_type", "target_id", "message"])


def succeeded_message(total: int, counts: dict[str, int], ignored: list[str]) -> str:
    message = _("导入 %(total)s 名学员：新登记 %(created)s 人，更新信息 %(updated)s 人") % {
        "total": total,
        "created": counts["people_created"],
        "updated": counts["people_updated"],
    }
    return message + ignored_note(ignored)


def ignored_note(ignored: list[str]) -> str:
    if not ignored:
        return ""
    return "；" + _("已忽略的列：%(columns)s") % {"columns": "、".join(ignored)}


def finish_job(
    job: ImportJob | None, checks: RosterChecks, file_name: str, message: str, started: dt.datetime
) -> ImportJob:
    """The succeeded job, in the write transaction."""
    total = checks.total
    if job is None:
        created: ImportJob = save_job(
            kind=IMPORT_KIND,
            actor=checks.actor,
            file_name=file_name,
            target=checks.training_class,
            total_rows=total,
            imported_rows=total,
            message=message,
            started_at=started,
        )
        return created
    job.status = ImportJob.Status.SUCCEEDED
    job.total_rows = job.processed_rows = job.imported_rows = total
    job.error_count = 0
    job.message = message
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "total_rows",
            "processed_rows",
            "imported_rows",
            "error_count",
            "message",
            "finished_at",
        ]
    )
    return job


def failed_job(
    *,
    checks: RosterChecks,
    job: ImportJob | None,
    file_name: str,
    late: list[RowError],
    file_level: list[RowError],
    started: dt.datetime,
) -> RosterImportResult:
    """Nothing was written: the failed job with the error report (every error, streamed from the spool)."""
    first: list[RowError] = []
    count = 0
    personal = _personal_columns(checks)

    def counted() -> Iterator[RowError]:
        nonlocal count
        for found in checks.all_errors(late, file_level):
            error = _masked_error(found, personal)
            count += 1
            if len(first) < checks.keep_errors:
                first.append(error)
            yield error

    report = error_report_xlsx(checks.table.header, counted())
    bad_rows = len((checks.error_rows | {e.row_number for e in late}) - {FILE_ROW})
    parts = [_("%(rows)s 行有误") % {"rows": bad_rows}] if bad_rows else []
    parts.extend(e.message for e in file_level)
    parts.append(_("共 %(count)s 处错误，未导入任何学员") % {"count": count})
    ignored = checks.table.ignored_columns
    message = "；".join(parts) + ignored_note(ignored)
    stem = re.sub(r"[^\w.-]+", "_", Path(file_name or "roster").stem)[:60] or "roster"
    actor_id = checks.actor.pk if getattr(checks.actor, "is_authenticated", False) else None  # type: ignore[union-attr]
    if job is None:
        job = ImportJob(
            kind=IMPORT_KIND,
            file_name=(file_name or "")[:255],
            created_by_id=actor_id,
            started_at=started,
            target_type=TrainingClass._meta.label_lower,
            target_id=str(checks.training_class.pk),
        )
    job.status = ImportJob.Status.FAILED
    job.finished_at = timezone.now()
    job.total_rows = job.processed_rows = checks.total
    job.imported_rows = 0
    job.error_count = count
    job.message = message
    job.report.save(f"{stem}-errors.xlsx", ContentFile(report), save=False)
    job.save()
    return RosterImportResult(
        total_rows=checks.total,
        imported_rows=0,
        errors=first,
        job_id=job.pk,
        error_count=count,
        message=message,
        ignored_columns=ignored,
    )


# --- personal data in the report (ADR 0007) -------------------------------------------------------------------

_MASKED_KEYS = (("citizen_id", PIIKind.CITIZEN_ID), ("phone", PIIKind.PHONE))


def _personal_columns(checks: RosterChecks) -> list[tuple[int, PIIKind]]:
    """The file's columns holding an ID number or a phone number, with their kind."""
    columns = checks.table.columns
    return [(columns[key], kind) for key, kind in _MASKED_KEYS if columns.get(key) is not None]


def _masked_error(error: RowError, personal: list[tuple[int, PIIKind]]) -> RowError:
    """The error with the row's ID and phone numbers masked as on the screens (``2102**********123X``): the row
    number and the masked ID find the row in the clerk's own file; the report keeps no full number."""
    if not personal or not error.values:
        return error
    values = list(error.values)
    for index, kind in personal:
        if index < len(values) and not is_blank(values[index]):
            value = values[index]
            text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            values[index] = mask(kind, text.strip())
    return RowError(error.row_number, error.column, error.message, values)


def get_import_job(user: Actor, job_id: int) -> ImportJob:
    """A roster import job the user may follow, and download the report of, within the import's scope (ADR 0007):
    staff of the class's provider holding ``training.import_roster``, or bureau staff holding
    ``training.view_enrollment`` whose handling area covers the class (city-wide roles: every class). Anything
    else — another provider's staff, a clerk of another district, a user who started the import but has since
    left the provider — is :class:`NotFound`, exactly like a missing id: the report holds the file's personal
    data."""
    from lijiao.training.selectors.classes import visible_classes

    job = ImportJob.objects.filter(pk=job_id, kind=IMPORT_KIND).select_related("created_by").first()
    if job is None or not getattr(user, "is_authenticated", False) or not job.target_id.isdigit():
        raise NotFound(_("导入任务不存在"))
    if user.is_superuser:
        return job
    training_class = visible_classes(user).filter(pk=int(job.target_id)).first()
    if training_class is not None:
        provider_id = getattr(user, "provider_id", None)
        if provider_id is not None:
            if provider_id == training_class.provider_id and user.has_perm("training.import_roster"):
                return job
        elif user.has_perm("training.view_enrollment"):
            return job
    raise NotFound(_("导入任务不存在"))


def report_preview(job: ImportJob, limit: int = 50) -> list[RowError]:
    """The first ``limit`` errors of a failed job, read from its report without loading the whole workbook:
    row number, column and reason (the report itself has the rows' values)."""
    if not job.report:
        return []
    namespace = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rows: list[dict[int, str]] = []
    with job.report.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        sheet = next((n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")), None)
        if sheet is None:
            return []
        with archive.open(sheet) as stream:
            for _event, element in iterparse(stream):  # noqa: S314 -- the report we wrote ourselves
                if element.tag != f"{namespace}row":
                    continue
                cells: dict[int, str] = {}
                for cell in element.iter(f"{namespace}c"):
                    text = "".join(cell.itertext()).strip()
                    if text:
                        cells[_column_index(cell.get("r", "A1"))] = text
                rows.append(cells)
                element.clear()
                if len(rows) > limit:
                    break
    if not rows:
        return []
    header = {text: index for index, text in rows[0].items()}
    where = [header.get(REPORT_ROW_COLUMN), header.get(REPORT_FIELD_COLUMN), header.get(REPORT_REASON_COLUMN)]
    if where[0] is None or where[2] is None:
        return []
    preview = []
    for cells in rows[1:]:
        number = cells.get(where[0], "0")
        preview.append(
            RowError(
                int(float(number)) if number.replace(".", "", 1).isdigit() else 0,
                cells.get(where[1], "") if where[1] is not None else "",
                cells.get(where[2], ""),
                [],
            )
        )
    return preview


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index - 1
