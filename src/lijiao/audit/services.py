"""Writing the audit log, chained by a keyed hash (ADR 0004).

Every service that changes state calls :func:`record_event` inside its own transaction, so the change and its
audit row commit or roll back together. Showing or exporting personal data is logged like a change
(:func:`reveal_personal_data`, :func:`record_personal_data_export`). Appends are serialised by locking the single
:class:`AuditChainHead` row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers itself). Each
event costs one HMAC (:mod:`lijiao.audit.chain`); after commit, a signed checkpoint is queued when the last was
asked for more than ``AUDIT_CHECKPOINT_INTERVAL`` seconds ago (:mod:`lijiao.audit.tasks`). Verifying is
:func:`lijiao.audit.verification.verify_chain` (``lijiao verify-audit``).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit import context
from lijiao.audit.chain import GENESIS_HASH, key_ring
from lijiao.audit.models import AuditChainHead, AuditEvent
from lijiao.audit.tasks import write_checkpoint_task
from lijiao.audit.verification import ChainProblem, ChainReport, verify_chain
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, PermissionDenied
from lijiao.core.pii import EncryptedPIIField

__all__ = [
    "GENESIS_HASH",
    "ChainProblem",
    "ChainReport",
    "record_event",
    "record_personal_data_export",
    "reveal_personal_data",
    "snapshot",
    "to_json",
    "verify_chain",
]


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


class _Pacing:
    """When this process last queued a checkpoint (``time.monotonic``: immune to clock changes, e.g. the demo's
    time travel); with the head row's ``checkpoint_requested_at`` it keeps checkpoints to one per interval."""

    last: float | None = None


_pacing = _Pacing()


def _queue_checkpoint() -> None:
    write_checkpoint_task.enqueue()


def _checkpoint_due(head: AuditChainHead, now: dt.datetime) -> bool:
    interval = settings.AUDIT_CHECKPOINT_INTERVAL
    if interval <= 0:
        return False
    if _pacing.last is not None and time.monotonic() - _pacing.last < interval:
        return False
    last = head.checkpoint_requested_at
    return last is None or last > now or now - last >= dt.timedelta(seconds=interval)


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
    key = key_ring().primary  # before any write: no key, no event (ImproperlyConfigured)
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        now = timezone.now()
        event = AuditEvent(
            sequence=head.last_sequence + 1,
            occurred_at=now,
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
            key_id=key.key_id,
        )
        event.hash = key.mac(head.last_hash, event)
        event.save(force_insert=True)
        head.last_sequence = event.sequence
        head.last_hash = event.hash
        update_fields = ["last_sequence", "last_hash"]
        if _checkpoint_due(head, now):
            head.checkpoint_requested_at = now
            _pacing.last = time.monotonic()
            update_fields.append("checkpoint_requested_at")
            transaction.on_commit(_queue_checkpoint, robust=True)
        head.save(update_fields=update_fields)
    return event


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
