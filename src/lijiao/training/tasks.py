"""Roster imports in the background (``django.tasks``; the project's worker is ``lijiao db_worker``).

A file above the inline limits (:func:`lijiao.training.roster_import.inline_limits`) is not imported in the
request: :func:`lijiao.training.roster_import.start_roster_import` stores the upload, creates a pending
:class:`~lijiao.core.models.ImportJob` and queues :func:`import_roster_task`. The task runs
:func:`lijiao.training.roster_import.import_roster` with the job, which commits its progress
(rows checked, then rows written) as it goes, so the job page and ``GET /api/v1/training/import-jobs/{id}``
show it while the import's own transaction is still open. The job ends ``succeeded`` or ``failed`` (with the
error report, or the reason the file could not be read); the stored upload is deleted either way.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.context import request_context
from lijiao.core.errors import DomainError
from lijiao.core.models import ImportJob
from lijiao.training.models import TrainingClass
from lijiao.training.roster_import import import_roster

__all__ = ["import_roster_task"]

logger = logging.getLogger(__name__)


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
                _fail(job, _("培训班不存在"))
                return {"job_id": job_id, "status": ImportJob.Status.FAILED}
            if job.created_by is None or not job.created_by.is_active:
                _fail(job, _("导入人的账号已不存在或已停用"))
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
                _fail(job, _("导入时发生内部错误，未导入任何学员，请联系管理员"))
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
