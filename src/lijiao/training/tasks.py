"""Roster imports in the background (``django.tasks``; the project's worker is ``lijiao db_worker``).

A file above :data:`INLINE_MAX_ROWS` rows or :data:`INLINE_MAX_BYTES` bytes is not imported in the request: the
upload is stored, a pending :class:`~lijiao.core.models.ImportJob` is created and :func:`import_roster_task` is
queued. The task runs :func:`lijiao.training.importers.import_roster` with the job, which commits its progress
(rows checked, then rows written) as it goes, so the job page and ``GET /api/v1/training/import-jobs/{id}``
show it while the import's own transaction is still open. The job ends ``succeeded`` or ``failed`` (with the
error report, or the reason the file could not be read); the stored upload is deleted either way.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.tasks import task
from django.utils import timezone
from django.utils.text import get_valid_filename

from lijiao.audit.context import request_context
from lijiao.core.errors import DomainError
from lijiao.core.importing import CSV_EXTENSIONS
from lijiao.core.models import ImportJob
from lijiao.training.importers import IMPORT_KIND, check_can_import, import_roster
from lijiao.training.models import TrainingClass

__all__ = [
    "INLINE_MAX_BYTES",
    "INLINE_MAX_ROWS",
    "estimate_rows",
    "import_roster_task",
    "queue_roster_import",
    "runs_in_background",
]

logger = logging.getLogger(__name__)

INLINE_MAX_ROWS = 5_000
INLINE_MAX_BYTES = 1 << 20
UPLOAD_DIR = "imports/uploads"
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def estimate_rows(file_name: str, data: bytes | Path) -> int:
    """Lines of a csv; the last row an xlsx sheet declares; else a guess from the size. Cheap: nothing is parsed."""
    suffix = Path(file_name or "").suffix.lower()
    if suffix in CSV_EXTENSIONS:
        if isinstance(data, bytes):
            return data.count(b"\n")
        lines = 0
        with data.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                lines += chunk.count(b"\n")
        return lines
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
    """Whether a roster file is large enough to be imported by the worker rather than in the request."""
    size = len(data) if isinstance(data, bytes) else data.stat().st_size
    return size > INLINE_MAX_BYTES or estimate_rows(file_name, data) > INLINE_MAX_ROWS


def queue_roster_import(
    *, actor: Any, training_class: TrainingClass, file_name: str, data: bytes | Path | File
) -> ImportJob:
    """Store the upload, create a pending job and queue :func:`import_roster_task`; returns the job.

    Refuses at once (no job) what the import itself would refuse before reading the file: a user who may not
    import into this class, or a class that does not take enrollments.
    """
    check_can_import(actor, training_class)
    job = ImportJob.objects.create(
        kind=IMPORT_KIND,
        status=ImportJob.Status.PENDING,
        file_name=(file_name or "roster")[:255],
        created_by=actor,
        target_type=TrainingClass._meta.label_lower,
        target_id=str(training_class.pk),
        message="等待后台导入（queued）",
    )
    safe = get_valid_filename(Path(file_name or "roster.xlsx").name)[-80:] or "roster.xlsx"
    if isinstance(data, bytes):
        content: File = ContentFile(data)
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


@contextlib.contextmanager
def _local_file(name: str) -> Iterator[Path]:
    """The stored upload as a local path (copied to a temporary file when the storage is not on disk)."""
    try:
        yield Path(default_storage.path(name))
        return
    except NotImplementedError:
        pass
    with tempfile.TemporaryDirectory(prefix="lijiao-roster-") as folder:
        local = Path(folder) / Path(name).name
        with default_storage.open(name, "rb") as source, local.open("wb") as target:
            shutil.copyfileobj(source, target)
        yield local


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, message=message[:2000], finished_at=timezone.now()
    )


@task
def import_roster_task(job_id: int, class_id: int, path: str) -> dict[str, Any]:
    """Run a queued roster import (see the module docstring); the stored upload ``path`` is deleted after."""
    with request_context(channel="task"):
        job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
        try:
            if job is None or job.is_finished:  # deleted, or already run (a task may be delivered twice)
                return {"job_id": job_id, "skipped": True}
            training_class = TrainingClass.objects.filter(pk=class_id).first()
            if training_class is None:
                _fail(job, "培训班不存在（the class no longer exists）")
                return {"job_id": job_id, "status": ImportJob.Status.FAILED}
            if job.created_by is None or not job.created_by.is_active:
                _fail(job, "导入人的账号已不存在或已停用（the importing user no longer exists）")
                return {"job_id": job_id, "status": ImportJob.Status.FAILED}
            try:
                with _local_file(path) as local:
                    result = import_roster(
                        actor=job.created_by,
                        training_class=training_class,
                        file_name=job.file_name,
                        data=local,
                        job=job,
                    )
            except DomainError as exc:
                _fail(job, exc.message)
                return {"job_id": job_id, "status": ImportJob.Status.FAILED, "message": exc.message}
            except Exception:
                logger.exception("roster import job %s failed", job_id)
                _fail(
                    job,
                    "导入时发生内部错误，未导入任何学员，请联系管理员（internal error; nothing was imported）",
                )
                raise
            return {
                "job_id": job_id,
                "status": ImportJob.Status.SUCCEEDED if result.ok else ImportJob.Status.FAILED,
                "imported_rows": result.imported_rows,
                "error_count": result.error_count,
            }
        finally:
            with contextlib.suppress(OSError):
                default_storage.delete(path)
