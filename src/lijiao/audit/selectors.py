"""Reading the audit log: only for users with ``audit.view_auditevent``."""

from __future__ import annotations

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


def chain_status(user: Actor) -> ChainReport:
    """The whole chain verified against every checkpoint (the verifier of ``lijiao verify-audit``), for
    auditors; it reads every event, so it runs when asked, not on every page."""
    require_perm(user, "audit.view_auditevent")
    return verify_chain()
