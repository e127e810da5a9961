"""Audit-writing cost: events/s of ``record_event`` (the one path every service writes through).

Usage: ``.venv/bin/python benchmarks/audit_write.py [N] [sqlite|postgres]`` (default 2,000 events, SQLite).
Builds a fresh database (an SQLite file in a temporary folder, or ``test_lijiao_<pid>`` on the PostgreSQL of
``LIJIAO_TEST_DATABASE_URL``, dropped after) and times: each event in its own transaction (what a request
does), all events in one transaction (the per-event CPU work), the chain hash alone, and (with the keyed chain)
the old plain SHA-256 and the HMAC of one event interleaved, the comparison least disturbed by a busy machine.
Run it with the code before and after a change (``PYTHONPATH=<old checkout>/src``) for a paired figure.
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


def hash_only() -> float:
    """Seconds per chain hash, best of 5 rounds of N (the least disturbed by other work on the machine)."""
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    mac = getattr(services, "compute_hash", None)
    if mac is None:  # after ADR 0004: HMAC-SHA256 under the configured key
        from lijiao.audit import chain

        key = chain.key_ring().primary

        def mac(prev_hash: str, event: AuditEvent) -> str:
            return key.mac(prev_hash, event)

    best = float("inf")
    for _round in range(5):
        start = time.perf_counter()
        for _ in range(N):
            mac(event.prev_hash, event)
        best = min(best, (time.perf_counter() - start) / N)
    return best


def hash_pair() -> tuple[float, float] | None:
    """Seconds per hash of the same event, plain SHA-256 (before) and HMAC-SHA256 (after), interleaved in
    rounds so both see the same machine; best of 7 each. None with the code before ADR 0004."""
    if getattr(services, "compute_hash", None) is not None:
        return None
    import hashlib

    from lijiao.audit import chain

    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    key = chain.key_ring().primary

    def plain() -> None:
        hashlib.sha256(f"{event.prev_hash}|{chain.payload(event)}".encode()).hexdigest()

    def keyed() -> None:
        key.mac(event.prev_hash, event)

    best = {plain: float("inf"), keyed: float("inf")}
    for _round in range(7):
        for fn in (plain, keyed):
            start = time.perf_counter()
            for _ in range(N):
                fn()
            best[fn] = min(best[fn], (time.perf_counter() - start) / N)
    return best[plain], best[keyed]


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
        each = hash_only()
        print(
            f"{'chain hash alone (best of 5)':<40} {N:>8,} {'':>13}  {1 / each:>10,.0f}/s  {each * 1e6:8.1f} µs each"
        )
        pair = hash_pair()
        if pair is not None:
            print(
                f"same event, interleaved: plain SHA-256 {pair[0] * 1e6:.1f} µs, HMAC-SHA256 {pair[1] * 1e6:.1f} µs"
            )
    finally:
        if BACKEND == "postgres":
            runner.teardown_databases(old)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
