"""Audit log API for auditors (``audit.view_auditevent``)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.audit.selectors import AuditFilter, search_events

router = Router(auth=required_auth)


class AuditEventOut(Schema):
    sequence: int
    occurred_at: dt.datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: Any = None
    after: Any = None
    reason: str
    request_id: str
    ip_address: str | None
    hash: str


@router.get("/events", response=list[AuditEventOut])
@paginate(LimitOffsetPagination)
def events(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    return search_events(current_user(request), filters)
