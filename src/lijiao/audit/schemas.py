"""Schemas of the audit log API (:mod:`lijiao.audit.api`)."""

import datetime as dt
from typing import Any

from ninja import Field

from lijiao.core.schemas import InputSchema, Schema


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


class ChainProblemOut(Schema):
    kind: str = Field(
        description="edited, deleted, inserted, unknown_key, key_order, truncated, rewound, emptied, diverged, "
        "checkpoint_forged"
    )
    label: str
    sequence: int
    detail: str


class ChainCheckpointOut(Schema):
    sequence: int
    head_hash: str
    event_count: int
    created_at: str


class ChainStatusOut(Schema):
    """The audit chain verified against every signed checkpoint (``lijiao verify-audit``)."""

    ok: bool
    checked: int = Field(description="events whose keyed hash was verified")
    checkpoints: int = Field(description="valid signed checkpoints compared with the chain")
    latest_checkpoint: ChainCheckpointOut | None
    problems: list[ChainProblemOut]


class AuditFilters(InputSchema):
    """Query parameters of the event search (documentation; :class:`lijiao.audit.filters.AuditEventFilterSet`
    checks them, exactly as on the audit screen)."""

    actor: str | None = Field(None, description="操作人（用户名或姓名，包含）")
    action: str | None = Field(None, description="动作（前缀），如 catalog.edition")
    object_type: str | None = Field(None, description="对象类型，如 catalog.edition")
    object_id: str | None = Field(None, description="对象ID")
    request_id: str | None = Field(None, description="请求ID")
    since: str | None = Field(None, description="开始日期 YYYY-MM-DD（含）")
    until: str | None = Field(None, description="结束日期 YYYY-MM-DD（含）")
