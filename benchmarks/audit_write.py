"""Audit-writing cost: events/s of ``record_event`` (the one path every service writes through).

Usage: ``.venv/bin/python benchmarks/audit_write.py [N] [sqlite|postgres]`` (default 2,000 events, SQLite).
Builds a fresh database (an SQLite file in a temporary folder, or ``test_lijiao_<pid>`` on the PostgreSQL of
``LIJIAO_TEST_DATABASE_URL``, dropped after) and times: each event in its own transaction (what a request
does), all events in one transaction (the per-event CPU work), and the chain hash alone.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
BACKEND = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
folder = tempfile.mkdtemp(prefix="lijiao-bench-audit-")
if BACKEND == "postgres":
    base = os.environ.get("LIJIAO_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    os.environ["LIJIAO_TEST_DATABASE_URL"] = base
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lijiao.test_settings")
else:  # the production settings on a file (WAL), as `make run` uses it
    os.environ["LIJIAO_DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lijiao.settings"
    os.environ["LIJIAO_LOG_LEVEL"] = "WARNING"
    for name in ("LIJIAO_SECRET_KEY", "LIJIAO_PII_KEY", "LIJIAO_AUDIT_KEY"):
        os.environ.setdefault(name, "benchmark-key-not-secret")
    os.environ.setdefault("LIJIAO_AUDIT_CHECKPOINT_DIR", str(Path(folder) / "checkpoints"))
    os.environ.setdefault("LIJIAO_AUDIT_SIGNING_KEY_FILE", str(Path(folder) / "signing-key.pem"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import get_runner  # noqa: E402

from lijiao.audit import services  # noqa: E402
from lijiao.audit.models import AuditEvent  # noqa: E402


def measure(label: str, n: int, fn) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    print(
        f"{label:<40} {n:>8,} in {elapsed:6.2f} s  {n / elapsed:>10,.0f}/s  {elapsed / n * 1e6:8.1f} µs each"
    )


def one_per_transaction() -> None:
    for i in range(N):
        services.record_event(
            actor=None, action="bench.event", object_type="bench", object_id=i, after={"i": i}
        )


def all_in_one_transaction() -> None:
    with transaction.atomic():
        one_per_transaction()


def hash_only() -> None:
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    mac = getattr(services, "compute_hash", None)
    if mac is not None:  # before: plain SHA-256
        for _ in range(N * 10):
            mac(event.prev_hash, event)
    else:
        from lijiao.audit import chain

        ring = chain.key_ring()
        for _ in range(N * 10):
            chain.event_mac(ring.primary, event.prev_hash, event)


def main() -> None:
    if BACKEND == "postgres":
        runner = get_runner(django.conf.settings)(verbosity=0, interactive=False)
        old = runner.setup_databases()
    else:
        call_command("migrate", verbosity=0)
    try:
        print(f"{connection.vendor}, {N:,} events")
        measure("record_event, one transaction each", N, one_per_transaction)
        measure("record_event, all in one transaction", N, all_in_one_transaction)
        measure("chain hash alone (x10)", N * 10, hash_only)
    finally:
        if BACKEND == "postgres":
            runner.teardown_databases(old)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
