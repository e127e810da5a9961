"""Writing and verifying the hash-chained audit log.

Every service that changes state calls :func:`record_event` inside its own transaction, so the change and its
audit row commit or roll back together. Showing or exporting personal data is logged like a change
(:func:`reveal_personal_data`, :func:`record_personal_data_export`). Appends are serialised by locking the single :class:`AuditChainHead` row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers itself).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit import context
from lijiao.audit.models import AuditChainHead, AuditEvent
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, PermissionDenied
from lijiao.core.pii import EncryptedPIIField

GENESIS_HASH = "0" * 64


def to_json(value: Any) -> Any:
    """Plain JSON data (Decimal and dates as strings) so what is hashed is what the database returns."""
    if value is None:
        return None
    data: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))
    return data


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``obj`` as JSON data (foreign keys by id) for ``before``/``after``."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        data[name] = getattr(obj, attname)
    result: dict[str, Any] = to_json(data)
    return result


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
        "channel": event.channel,
    }


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    payload = json.dumps(_content(event), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def record_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain (inside the caller's transaction, or its own)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    ctx = context.current()
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            sequence=head.last_sequence + 1,
            occurred_at=timezone.now(),
            actor=user,
            actor_label=(user.get_username() if user else str(actor or "system"))[:150],
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=object_repr[:200],
            before=to_json(before),
            after=to_json(after),
            reason=reason[:500],
            request_id=ctx.request_id if ctx else "",
            ip_address=ctx.ip_address if ctx else None,
            channel=ctx.channel if ctx else "",
            prev_hash=head.last_hash,
        )
        event.hash = compute_hash(head.last_hash, event)
        event.save(force_insert=True)
        head.last_sequence = event.sequence
        head.last_hash = event.hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return event


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """The first place where the stored chain differs from what was written."""

    kind: str  # "edited", "deleted", "inserted", "truncated"
    sequence: int
    detail: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("sequence").iterator(chunk_size=5000)


def verify_chain() -> ChainReport:
    """Walk the chain in order and report the first edited, inserted or deleted row."""
    expected_sequence = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for event in _events():
        if event.sequence > expected_sequence:
            return ChainReport(
                checked,
                ChainProblem(
                    "deleted",
                    expected_sequence,
                    _("事件 #%(first)s–#%(last)s 缺失")
                    % {"first": expected_sequence, "last": event.sequence - 1},
                ),
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                checked,
                ChainProblem(
                    "inserted",
                    event.sequence,
                    _("事件 #%(sequence)s 与前一事件不衔接") % {"sequence": event.sequence},
                ),
            )
        if compute_hash(prev_hash, event) != event.hash:
            return ChainReport(
                checked,
                ChainProblem(
                    "edited",
                    event.sequence,
                    _("事件 #%(sequence)s 内容被修改") % {"sequence": event.sequence},
                ),
            )
        prev_hash = event.hash
        expected_sequence = event.sequence + 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_sequence != expected_sequence - 1 or head.last_hash != prev_hash):
        return ChainReport(
            checked,
            ChainProblem(
                "truncated",
                expected_sequence,
                _("链尾缺失：应至 #%(expected)s，实至 #%(actual)s")
                % {"expected": head.last_sequence, "actual": expected_sequence - 1},
            ),
        )
    return ChainReport(checked, None)


@transaction.atomic
def reveal_personal_data(*, actor: Actor, obj: models.Model, field_name: str, reason: str = "") -> str:
    """The full value of an encrypted personal field, for a user with ``core.reveal_pii``; logged (SPEC D3)."""
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm("core.reveal_pii")):
        raise PermissionDenied(_("您无权查看完整个人信息"))
    try:
        field = obj._meta.get_field(field_name)
    except Exception:
        field = None
    if not isinstance(field, EncryptedPIIField):
        message = _("该字段不是个人信息字段")
        raise DomainError.for_fields(message, {"field": message})
    record_event(
        actor=actor,
        action="pii.revealed",
        obj=obj,
        after={"field": field_name, "kind": field.kind.value},
        reason=reason,
    )
    return getattr(obj, field_name) or ""


def record_personal_data_export(*, actor: Actor, what: str, rows: int, masked: bool) -> None:
    """Log an export that contains personal data (SPEC C12: every view/export of personal data)."""
    record_event(
        actor=actor,
        action="pii.exported",
        object_type="export",
        object_repr=what[:200],
        after={"rows": rows, "masked": masked},
    )
