"""Housekeeping in the background (``django.tasks``; the worker is ``lijiao db_worker``; ADR 0007).

Queue them daily (cron: ``lijiao purge-import-reports``, or enqueue the tasks from a scheduler):
:func:`purge_import_reports_task` deletes error reports past their retention (``IMPORT_REPORT_RETENTION_DAYS``);
:func:`purge_orphan_decisions_task` deletes decision records a killed import left behind.
"""

from __future__ import annotations

from django.tasks import task

from lijiao.core.decisions import purge_orphan_decisions
from lijiao.core.importing.jobs import purge_import_reports

__all__ = ["purge_import_reports_task", "purge_orphan_decisions_task"]


@task
def purge_import_reports_task() -> int:
    """Delete the error reports past their retention; returns how many."""
    return purge_import_reports()


@task
def purge_orphan_decisions_task() -> int:
    """Delete the decision records nothing points at (older than a day); returns how many."""
    return purge_orphan_decisions()
