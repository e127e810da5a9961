"""Audit log API for auditors (``audit.view_auditevent``); ``lijiao.api`` mounts it behind authentication."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from lijiao.audit.schemas import AuditEventOut
from lijiao.audit.selectors import AuditFilter, search_events

router = Router()


@router.get("/events", response=list[AuditEventOut])
@paginate(LimitOffsetPagination)
def events(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    return search_events(request.user, filters)
