"""Audit log API for auditors (``audit.view_auditevent``); authentication is wired in :mod:`lijiao.api`."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from lijiao.audit.filters import AuditEventFilterSet
from lijiao.audit.schemas import AuditEventOut, AuditFilters
from lijiao.audit.selectors import visible_events
from lijiao.core.filtering import filtered_or_error
from lijiao.core.pagination import LimitOffsetPagination, paginate

router = Router()


@router.get("/events", response=list[AuditEventOut])
@paginate(LimitOffsetPagination)
def events(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    """Events newest first, searched with the same filter set as the audit screen."""
    queryset = visible_events(request.user)
    return filtered_or_error(AuditEventFilterSet(request.GET, queryset=queryset))
