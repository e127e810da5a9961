"""Audit log API for auditors (``audit.view_auditevent``); authentication is wired in :mod:`lijiao.api`."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from lijiao.audit.filters import AuditEventFilterSet
from lijiao.audit.pagination import AuditCursorPagination
from lijiao.audit.schemas import AuditEventOut, AuditFilters, ChainStatusOut
from lijiao.audit.selectors import chain_status, visible_events
from lijiao.core.filtering import filtered_or_error
from lijiao.core.pagination import paginate

router = Router()


@router.get("/events", response=list[AuditEventOut])
@paginate(AuditCursorPagination)
def events(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    """Events newest first, searched with the same filter set as the audit screen; page on with the answer's
    ``next_cursor`` (older) or ``previous_cursor`` (newer). No total: the log holds millions of events."""
    queryset = visible_events(request.user)
    return filtered_or_error(AuditEventFilterSet(request.GET, queryset=queryset))


@router.get("/chain", response=ChainStatusOut)
def chain(request: HttpRequest) -> Any:
    """The whole chain verified against every signed checkpoint, as ``lijiao verify-audit`` does it."""
    report = chain_status(request.user)
    latest = report.latest
    return {
        "ok": report.ok,
        "checked": report.checked,
        "checkpoints": report.checkpoints,
        "latest_checkpoint": None
        if latest is None
        else {
            "sequence": latest.sequence,
            "head_hash": latest.head_hash,
            "event_count": latest.event_count,
            "created_at": latest.created_at,
        },
        "problems": [
            {"kind": p.kind, "label": p.label, "sequence": p.sequence, "detail": p.detail}
            for p in report.problems
        ],
    }
