"""The audit chain keyed (ADR 0004): every existing event re-chained with HMAC-SHA256 under ``LIJIAO_AUDIT_KEY``.

The old chain (plain SHA-256) is verified first: a database whose old chain is already broken is not blessed
with new keyed hashes; the migration stops and names the first bad event (to re-key it anyway, after looking,
set ``LIJIAO_AUDIT_RECHAIN_ACCEPT_BROKEN=1``). A database without events needs no key here.
"""

import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

from django.db import migrations, models

GENESIS_HASH = "0" * 64
BATCH = 2000


def _legacy_hash(prev_hash: str, event: Any) -> str:
    """The hash of migration 0001's chain (frozen here): SHA-256 over the previous hash and the content."""
    from lijiao.audit.chain import payload

    return hashlib.sha256(f"{prev_hash}|{payload(event)}".encode()).hexdigest()


def _batches(event_model: Any) -> Iterator[list[Any]]:
    """All events in sequence order, a batch at a time (by sequence ranges: safe to update while reading)."""
    after = -1
    while batch := list(event_model.objects.filter(sequence__gt=after).order_by("sequence")[:BATCH]):
        yield batch
        after = batch[-1].sequence


def _legacy_problem(event_model: Any, head: Any) -> str:
    prev, expected = GENESIS_HASH, 1
    for batch in _batches(event_model):
        for event in batch:
            if event.sequence != expected or event.prev_hash != prev or _legacy_hash(prev, event) != event.hash:
                return f"event #{event.sequence}"
            prev, expected = event.hash, expected + 1
    if head is not None and (head.last_sequence != expected - 1 or head.last_hash != prev):
        return f"the tail (head #{head.last_sequence}, events up to #{expected - 1})"
    return ""


def _rewrite(apps: Any, hash_of: Any, key_id: str) -> None:
    event_model = apps.get_model("audit", "AuditEvent")
    prev, last = GENESIS_HASH, 0
    for batch in _batches(event_model):
        for event in batch:
            event.prev_hash = prev
            event.key_id = key_id
            event.hash = hash_of(prev, event)
            prev, last = event.hash, event.sequence
        event_model.objects.bulk_update(batch, ["prev_hash", "hash", "key_id"], batch_size=500)
    apps.get_model("audit", "AuditChainHead").objects.update_or_create(
        pk=1, defaults={"last_sequence": last, "last_hash": prev}
    )


def rechain(apps: Any, schema_editor: Any) -> None:
    event_model = apps.get_model("audit", "AuditEvent")
    if not event_model.objects.exists():
        return
    from lijiao.audit.chain import key_ring  # ImproperlyConfigured without LIJIAO_AUDIT_KEY

    key = key_ring().primary
    head = apps.get_model("audit", "AuditChainHead").objects.filter(pk=1).first()
    problem = _legacy_problem(event_model, head)
    if problem and os.environ.get("LIJIAO_AUDIT_RECHAIN_ACCEPT_BROKEN") != "1":
        raise RuntimeError(
            f"The audit chain is already broken at {problem} (old SHA-256 chain); it is not re-keyed. "
            "Investigate, then set LIJIAO_AUDIT_RECHAIN_ACCEPT_BROKEN=1 to re-key it as it is."
        )
    _rewrite(apps, key.mac, key.key_id)


def unchain(apps: Any, schema_editor: Any) -> None:
    """Back to plain SHA-256 (for a rollback to 0001; the keyed chain is verified by the code of 0002 only)."""
    _rewrite(apps, _legacy_hash, "")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="checkpoint_requested_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(default="", max_length=16),
        ),
        migrations.RunPython(rechain, unchain),
    ]
