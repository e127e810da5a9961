"""The record of an import (ImportJob): who imported which file, how many rows, and the error report."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from lijiao.core.importing.reports import error_report_xlsx
from lijiao.core.importing.types import RowError

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


# --- retention (ADR 0007) -------------------------------------------------------------------------------------

DEFAULT_REPORT_RETENTION_DAYS = 30


def report_retention() -> dt.timedelta:
    """How long an error report is kept after its import finished (setting ``IMPORT_REPORT_RETENTION_DAYS``)."""
    from django.conf import settings

    return dt.timedelta(
        days=int(getattr(settings, "IMPORT_REPORT_RETENTION_DAYS", DEFAULT_REPORT_RETENTION_DAYS))
    )


def purge_import_reports(*, now: dt.datetime | None = None) -> int:
    """Delete the error reports of imports that finished (or, never finished, were created) longer ago than the
    retention, and clear the job's link to them; the job itself stays (who imported what, when, how many errors).
    Returns the number of reports deleted. Run daily by ``lijiao purge-import-reports`` or the background task
    :func:`lijiao.core.tasks.purge_import_reports_task`."""
    from django.db.models import Q

    from lijiao.core.models import ImportJob

    cutoff = (now or timezone.now()) - report_retention()
    old = ImportJob.objects.exclude(report="").filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    )
    deleted = 0
    for job in old.only("pk", "report").iterator():
        if job.report.name:
            job.report.storage.delete(job.report.name)
        ImportJob.objects.filter(pk=job.pk).update(report="")
        deleted += 1
    return deleted
