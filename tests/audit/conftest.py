"""Audit fixtures: each test gets its own checkpoint folder and signing key, and helpers that play the attacker
(raw SQL, as someone with write access to the database but not the keys would)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from lijiao.audit import services
from lijiao.audit.chain import GENESIS_HASH, payload
from lijiao.audit.context import request_context
from lijiao.audit.models import AuditEvent
from lijiao.audit.services import record_event


@pytest.fixture(autouse=True)
def audit_files(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh checkpoint folder and signing key for the test (no checkpoint leaks between tests), and no
    checkpoint queued by this process yet."""
    monkeypatch.setattr(services._pacing, "last", None)
    folder = tmp_path / "audit"
    settings.AUDIT_CHECKPOINT_DIR = folder / "checkpoints"
    settings.AUDIT_SIGNING_KEY_FILE = folder / "signing-key.pem"
    settings.AUDIT_VERIFY_KEY_FILES = []
    return folder


def sql(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def make_events(n: int, action: str = "test.happened") -> list[AuditEvent]:
    with request_context(request_id="req-12345678", ip_address="127.0.0.1", channel="cli"):
        return [
            record_event(
                actor=None,
                action=action,
                object_type="thing",
                object_id=i,
                after={"n": i, "x": "一"},
            )
            for i in range(1, n + 1)
        ]


def plain_sha256(prev_hash: str, event: AuditEvent) -> str:
    """The attacker's recomputation: the old chain's plain SHA-256, which needs no key."""
    return hashlib.sha256(f"{prev_hash}|{payload(event)}".encode()).hexdigest()


def rechain_from(sequence: int, hash_of: Callable[[str, AuditEvent], str]) -> None:
    """Recompute every hash from ``sequence`` on (and the head) with ``hash_of``, straight in the database."""
    prev = GENESIS_HASH
    last = 0
    for event in AuditEvent.objects.order_by("sequence"):
        if event.sequence >= sequence:
            new_hash = hash_of(prev, event)
            sql(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE sequence = %s",
                [prev, new_hash, event.sequence],
            )
            prev = new_hash
        else:
            prev = event.hash
        last = event.sequence
    sql("UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s WHERE id = 1", [last, prev])


def rewind_head_to(sequence: int) -> None:
    """Delete every event after ``sequence`` and point the head at the new end (a cut tail, rewound head)."""
    sql("DELETE FROM audit_auditevent WHERE sequence > %s", [sequence])
    last_hash = (
        AuditEvent.objects.filter(sequence=sequence).values_list("hash", flat=True).first() or GENESIS_HASH
    )
    sql(
        "UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s WHERE id = 1",
        [sequence, last_hash],
    )
