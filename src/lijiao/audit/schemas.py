"""Schemas of the audit log API (:mod:`lijiao.audit.api`)."""

import datetime as dt
from typing import Any

from ninja import Schema


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
