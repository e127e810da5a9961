"""The audit chain's keyed hash (ADR 0004): ``hash`` = HMAC-SHA256 over the previous hash and the event.

The HMAC key is derived (HKDF) from ``LIJIAO_AUDIT_KEY``, which is never stored in the database: someone who
can write to the database but does not hold the key cannot compute the hash of an edited, inserted or
re-ordered event, so recomputing the chain after an edit is no longer possible. Each event stores the id of
the key that made its hash (``key_id``); ``LIJIAO_AUDIT_OLD_KEYS`` (newest first) keeps events of retired keys
verifiable, and an event may never use an older key than the event before it, so a leaked retired key cannot
append to the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

GENESIS_HASH = "0" * 64
MAC_VERSION = b"lijiao-audit-v2"


class ChainedEvent(Protocol):
    """What the hash covers (an :class:`~lijiao.audit.models.AuditEvent`, or its historical model)."""

    sequence: int
    occurred_at: dt.datetime
    actor_id: Any
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: Any
    after: Any
    reason: str
    request_id: str
    ip_address: str | None
    channel: str


def content(event: ChainedEvent) -> dict[str, Any]:
    """The event's own fields as JSON data, in the form the database returns them."""
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


def payload(event: ChainedEvent) -> str:
    """:func:`content` as canonical JSON (sorted keys, no spaces, UTF-8 as is)."""
    return json.dumps(content(event), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class ChainKey:
    """One HMAC key: its public id (stored on each event) and its rank (0 = the current key, 1.. = older)."""

    key_id: str
    rank: int
    _mac: Any  # an hmac object keyed once; each event's MAC copies it (the key is not set up per event)

    def mac(self, prev_hash: str, event: ChainedEvent) -> str:
        mac = self._mac.copy()
        mac.update(
            b"|".join((MAC_VERSION, self.key_id.encode(), prev_hash.encode(), payload(event).encode()))
        )
        digest: str = mac.hexdigest()
        return digest


@dataclass(frozen=True, slots=True)
class KeyRing:
    primary: ChainKey
    by_id: dict[str, ChainKey]


def _derive(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lijiao-audit-v1", info=b"chain").derive(
        secret.encode()
    )


@cache
def key_ring() -> KeyRing:
    """The configured keys (:class:`~django.core.exceptions.ImproperlyConfigured` without ``LIJIAO_AUDIT_KEY``)."""
    primary = settings.AUDIT_KEY
    if not primary:
        raise ImproperlyConfigured(
            "LIJIAO_AUDIT_KEY is not set: the audit chain cannot be written or verified."
        )
    by_id: dict[str, ChainKey] = {}
    for rank, secret in enumerate([primary, *settings.AUDIT_OLD_KEYS]):
        key = _derive(secret)
        key_id = hashlib.sha256(b"lijiao-audit-key-id|" + key).hexdigest()[:8]
        by_id.setdefault(key_id, ChainKey(key_id, rank, hmac.new(key, digestmod=hashlib.sha256)))
    return KeyRing(next(iter(by_id.values())), by_id)


def event_mac(key: ChainKey, prev_hash: str, event: ChainedEvent) -> str:
    """The hash an event chained after ``prev_hash`` carries under ``key``."""
    return key.mac(prev_hash, event)


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting in {"AUDIT_KEY", "AUDIT_OLD_KEYS"}:
        key_ring.cache_clear()
