"""Reading the audit log: only for users with ``audit.view_auditevent``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from ninja import Schema

from lijiao.audit.models import AuditEvent
from lijiao.core.errors import PermissionDenied


class AuditFilter(Schema):
    """Search terms shared by the audit screen and the API."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    request_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def search_events(user: Any, filters: AuditFilter) -> QuerySet[AuditEvent]:
    if not user.has_perm("audit.view_auditevent"):
        raise PermissionDenied()
    qs = AuditEvent.objects.select_related("actor")
    if filters.actor:
        qs = qs.filter(
            Q(actor_label__icontains=filters.actor) | Q(actor__display_name__icontains=filters.actor)
        )
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.request_id:
        qs = qs.filter(request_id=filters.request_id)
    if filters.since:
        qs = qs.filter(occurred_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(occurred_at__date__lte=filters.until)
    return qs.order_by("-sequence")
