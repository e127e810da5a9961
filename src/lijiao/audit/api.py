"""Audit log API for auditors (``audit.view_auditevent``)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.audit.schemas import AuditEventOut
from lijiao.audit.selectors import AuditFilter, search_events

router = Router(auth=required_auth)


@router.get("/events", response=list[AuditEventOut])
@paginate(LimitOffsetPagination)
def events(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    return search_events(current_user(request), filters)
