"""Audit search at a million events on PostgreSQL, before and after ADR 0015 (issue 10).

Usage: ``.venv/bin/python benchmarks/audit_search.py [N]`` (default 1,000,000 events; needs the PostgreSQL of
``LIJIAO_TEST_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/test``). It builds a scratch
database ``test_lijiao_<pid>`` (dropped after) migrated to the audit schema *before* the change, fills it with
one INSERT … SELECT generate_series (ten years of events by 2,000 users and the system; the rows are not a
valid HMAC chain, which timing does not need), times the search as it was (the old filters, a full COUNT and
an OFFSET page, the old indexes), migrates to the new indexes and times the search as it is (users resolved
to ids, date ranges, keyset pages without a count): p95 and median of 20 runs after 2 warm-up runs, plus the
query count and the plan of the slowest query.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
RUNS = 20
os.environ.setdefault("LIJIAO_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lijiao.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q, QuerySet  # noqa: E402
from django.test.utils import CaptureQueriesContext, get_runner  # noqa: E402

from lijiao.accounts.models import User  # noqa: E402
from lijiao.audit.filters import AuditEventFilterSet  # noqa: E402
from lijiao.audit.models import AuditEvent  # noqa: E402
from lijiao.audit.pagination import page_of_events  # noqa: E402

USERS = 2_000
START = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
SEARCHES: dict[str, dict[str, str]] = {
    "no filter": {},
    "actor (a display name)": {"actor": "姓名1234"},
    "actor (a user name)": {"actor": "user0042"},
    "date (one day)": {"since": "2021-06-15", "until": "2021-06-15"},
    "date (since, a year ago)": {"since": "2025-01-01"},
    "date (until, the first year)": {"until": "2016-06-30"},
    "actor (the system)": {"actor": "system"},
    "action (prefix)": {"action": "catalog.edition"},
    "object (type and id)": {"object_type": "training.class", "object_id": "4242"},
}


def fill() -> None:
    """N events over ten years, 80 % by one of USERS users, the rest by the system."""
    User.objects.bulk_create(
        User(username=f"user{i:04d}", display_name=f"姓名{i}", password="!") for i in range(USERS)
    )
    first, last = User.objects.order_by("pk").values_list("pk", flat=True)[:: USERS - 1]
    span = 10 * 365 * 86400 / N
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO audit_auditevent (sequence, occurred_at, actor_id, actor_label, action, object_type,
                object_id, object_repr, before, after, reason, request_id, ip_address, channel, prev_hash, hash,
                key_id)
            SELECT g, %s::timestamptz + make_interval(secs => g * %s), u.id, coalesce(u.username, 'system'),
                (ARRAY['catalog.edition.published', 'catalog.edition.created', 'training.class.submitted',
                       'training.class.approved', 'training.enrollment.created', 'accounts.login',
                       'people.person.viewed', 'training.checkin.recorded'])[1 + g %% 8],
                (ARRAY['catalog.edition', 'catalog.edition', 'training.class', 'training.class',
                       'training.enrollment', 'accounts.user', 'people.person', 'training.checkin'])[1 + g %% 8],
                ((g * 31) %% 50000)::text, 'object ' || g, NULL, '{"n": 1}'::jsonb, '', md5(g::text),
                '127.0.0.1', 'web', lpad(md5((g - 1)::text), 64, '0'), lpad(md5(g::text), 64, '0'), 'k1'
            FROM generate_series(1::bigint, %s) AS g
            LEFT JOIN accounts_user u ON g %% 5 <> 0 AND u.id = %s + (g * 7919) %% %s
            """,
            [START, span, N, first, last - first + 1],
        )
        cursor.execute("VACUUM ANALYZE audit_auditevent")
        cursor.execute("ANALYZE accounts_user")


def base() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor").order_by("-sequence")


def old_search(params: dict[str, str]) -> list[AuditEvent]:
    """The search before ADR 0015: LEFT JOIN for the actor, dates cast to local dates, a full count."""
    qs = base()
    if "actor" in params:
        qs = qs.filter(
            Q(actor_label__icontains=params["actor"]) | Q(actor__display_name__icontains=params["actor"])
        )
    if "action" in params:
        qs = qs.filter(action__startswith=params["action"])
    for name in ("object_type", "object_id"):
        if name in params:
            qs = qs.filter(**{name: params[name]})
    if "since" in params:
        qs = qs.filter(occurred_at__date__gte=dt.date.fromisoformat(params["since"]))
    if "until" in params:
        qs = qs.filter(occurred_at__date__lte=dt.date.fromisoformat(params["until"]))
    page = Paginator(qs, 50).get_page(1)
    page.paginator.count  # noqa: B018 — the screen showed the total
    return list(page.object_list)


def new_search(params: dict[str, str]) -> list[AuditEvent]:
    filterset = AuditEventFilterSet(params, queryset=base())
    assert filterset.is_valid(), filterset.errors
    return page_of_events(filterset.qs, limit=50).events


def time_it(search: Callable[[dict[str, str]], Any], params: dict[str, str]) -> tuple[float, float, int, str]:
    for _ in range(2):
        search(params)
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            search(params)
            timings.append((time.perf_counter() - start) * 1000)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))["sql"]
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * RUNS) - 1], len(queries.captured_queries), slowest


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
        return "\n".join("      " + row[0] for row in cursor.fetchall())


def run(label: str, search: Callable[[dict[str, str]], Any]) -> dict[str, float]:
    print(f"\n{label}: {AuditEvent.objects.count():,} events")
    print(f"  {'search':<28} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
    result = {}
    for name, params in SEARCHES.items():
        median, p95, count, slowest = time_it(search, params)
        result[name] = p95
        print(f"  {name:<28} {median:>10.1f} {p95:>10.1f} {count:>8}")
        if p95 > 100 or "-v" in sys.argv:
            print(explain(slowest))
    return result


def main() -> None:
    runner = get_runner(django.conf.settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        call_command("migrate", "audit", "0002", verbosity=0)
        start = time.perf_counter()
        fill()
        print(f"filled {N:,} events in {time.perf_counter() - start:.1f} s")
        before = run("before (full count, LEFT JOIN actor, dates cast)", old_search)
        call_command("migrate", "audit", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditevent")
        after = run("after (keyset page, actor ids, date ranges, new indexes)", new_search)
        print(f"\n  {'search':<28} {'p95 before':>11} {'p95 after':>10}")
        for name in SEARCHES:
            print(f"  {name:<28} {before[name]:>11.1f} {after[name]:>10.1f}")
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
