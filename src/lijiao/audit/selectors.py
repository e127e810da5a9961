"""Reading the audit log: only for users with ``audit.view_auditevent``."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from lijiao.audit.models import AuditEvent
from lijiao.audit.verification import ChainReport, verify_chain
from lijiao.core.actors import Actor
from lijiao.core.permissions import require_perm


def visible_events(user: Actor) -> QuerySet[AuditEvent]:
    """Every event, newest first, for auditors (:class:`~lijiao.core.errors.PermissionDenied` for anyone else);
    :class:`lijiao.audit.filters.AuditEventFilterSet` narrows it."""
    require_perm(user, "audit.view_auditevent")
    return AuditEvent.objects.select_related("actor").order_by(
        "-sequence"
    )  # paged by sequence (pagination.py)


MAX_SYSTEM_LABELS = 10_000  # distinct labels of events without a user (the system, devices): a handful


def system_actor_labels() -> list[str]:
    """The distinct ``actor_label`` of the events recorded without a user (the system, attendance devices,
    commands), in order: a loose index scan of the partial index ``audit_system_label_idx`` — one index probe
    per distinct label (``MIN(label) WHERE label > previous``), however many events carry them. The same SQL
    runs on SQLite and PostgreSQL."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = f"""
        WITH RECURSIVE labels(label) AS (
            SELECT MIN(actor_label) FROM {table} WHERE actor_id IS NULL
            UNION ALL
            SELECT (SELECT MIN(e.actor_label) FROM {table} e WHERE e.actor_id IS NULL AND e.actor_label > labels.label)
            FROM labels WHERE labels.label IS NOT NULL
        )
        SELECT label FROM labels WHERE label IS NOT NULL LIMIT %s
    """  # noqa: S608 — the table name is the model's, quoted; the only value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [MAX_SYSTEM_LABELS])
        return [row[0] for row in cursor.fetchall()]


def chain_status(user: Actor) -> ChainReport:
    """The whole chain verified against every checkpoint (the verifier of ``lijiao verify-audit``), for
    auditors; it reads every event, so it runs when asked, not on every page."""
    require_perm(user, "audit.view_auditevent")
    return verify_chain()
