"""Subsidies in the background (``django.tasks``; the worker is ``lijiao db_worker``; ADR 0007).

:func:`audit_claims_task` is the nightly anti-fraud audit: queue it once a day from the scheduler (cron:
``lijiao audit-claims``, which runs the same audit in the foreground, or ``audit_claims_task.enqueue()``).
"""

from __future__ import annotations

from django.tasks import task

from lijiao.subsidies.services.audit import run_audit

__all__ = ["audit_claims_task"]


@task
def audit_claims_task(year: int | None = None) -> dict[str, object]:
    """Run every anti-fraud check over all claims (of ``year``); returns the run's id, timings and counts."""
    run = run_audit(actor=None, year=year)
    return {"run": run.pk, "timings": run.timings, "counts": run.counts}
