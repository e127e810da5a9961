"""Migration 0002 re-chains the events written before ADR 0004 (plain SHA-256) under the HMAC key."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lijiao.audit.chain import GENESIS_HASH, key_ring, payload
from lijiao.audit.models import AuditEvent
from lijiao.audit.services import record_event
from lijiao.audit.verification import verify_chain

BEFORE = [("audit", "0001_initial")]
AFTER = [("audit", "0002_h9_audit_hmac_chain")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _legacy_events(apps: Any, n: int) -> None:
    """Events as the code before ADR 0004 wrote them: plain SHA-256 chain, no key."""
    event_model = apps.get_model("audit", "AuditEvent")
    prev = GENESIS_HASH
    for sequence in range(1, n + 1):
        event = event_model(
            sequence=sequence,
            occurred_at=dt.datetime(2026, 11, 1, 8, sequence, tzinfo=dt.UTC),
            actor_label="system",
            action="legacy.event",
            object_type="thing",
            object_id=str(sequence),
            after={"n": sequence, "名": "旧"},
            prev_hash=prev,
        )
        event.hash = hashlib.sha256(f"{prev}|{payload(event)}".encode()).hexdigest()
        event.save()
        prev = event.hash
    apps.get_model("audit", "AuditChainHead").objects.update_or_create(
        pk=1, defaults={"last_sequence": n, "last_hash": prev}
    )


@pytest.mark.django_db(transaction=True)
def test_existing_events_are_rechained_and_verify():
    try:
        _legacy_events(_migrate(BEFORE), 4)
        _migrate(AFTER)
        key = key_ring().primary
        assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {key.key_id}
        report = verify_chain()
        assert report.ok and report.checked == 4
        # and the chain goes on from there
        assert record_event(actor=None, action="after.upgrade").sequence == 5
        assert verify_chain().ok
    finally:
        _migrate(AFTER)


@pytest.mark.django_db(transaction=True)
def test_a_broken_legacy_chain_is_not_blessed():
    try:
        apps = _migrate(BEFORE)
        _legacy_events(apps, 3)
        apps.get_model("audit", "AuditEvent").objects.filter(sequence=2).update(reason="tampered")
        with pytest.raises(RuntimeError, match="already broken at event #2"):
            _migrate(AFTER)
    finally:  # the failed migration rolled back: still at 0001; clear the bad chain and go on
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
        _migrate(AFTER)
