"""Throughput of the per-row work every roster import does: parse a citizen ID, encrypt it, digest it.

Usage: ``.venv/bin/python benchmarks/identity_and_pii.py [N]`` (default 200,000 IDs). Builds its own data.
"""

from __future__ import annotations

import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lijiao.test_settings")

import django

django.setup()

from lijiao.core.identity import parse_citizen_id  # noqa: E402
from lijiao.core.pii import PIIKind, encrypt, pii_digest  # noqa: E402

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def make_ids(n: int) -> list[str]:
    rng = random.Random(2025)
    areas = [
        "210202",
        "210203",
        "210204",
        "210211",
        "210212",
        "210213",
        "210214",
        "210224",
        "210281",
        "210283",
    ]
    ids = []
    for _ in range(n):
        body = f"{rng.choice(areas)}{rng.randint(1960, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body += f"{rng.randint(0, 999):03d}"
        ids.append(body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11])
    return ids


def measure(label: str, n: int, fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    print(
        f"{label:<28} {n:>10,} in {elapsed:6.2f} s  {n / elapsed:>12,.0f}/s  {elapsed / n * 1e6:6.2f} µs each"
    )
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    ids = make_ids(n)
    spaced = [f" {i[:6]} {i[6:14]} {i[14:].lower()} " for i in ids]
    parse = measure("parse_citizen_id (clean)", n, lambda: [parse_citizen_id(i) for i in ids])
    measure("parse_citizen_id (messy)", n, lambda: [parse_citizen_id(i) for i in spaced])
    digest = measure("pii_digest", n, lambda: [pii_digest(PIIKind.CITIZEN_ID, i) for i in ids])
    enc = measure("encrypt (AES-256-GCM)", n, lambda: [encrypt(i) for i in ids])
    total = parse + digest + enc
    print(f"per-row identity work: {total / n * 1e6:.2f} µs → ceiling {n / total:,.0f} rows/s on one core")


if __name__ == "__main__":
    main()
