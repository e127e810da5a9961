"""Class list benchmark (issue 10, ADR 0014): the class list screen and API at 50,000 classes on PostgreSQL.

Builds a scratch database (``--db``, dropped and recreated) from the migrations, 20 providers over the handling
areas, 50,000 classes over ten years (``bulk_create``) and one class of 40 trainees, then times in-process (Django
test client, warm-up then 20 runs) the class list unfiltered and by status, a deep offset page and the same page
by cursor, and the roster API; prints median, p95 and the query count of each.

    .venv/bin/python benchmarks/class_lists.py [--classes 50000] [--db postgres://postgres@127.0.0.1:5432/lijiao_lists_bench]

Run the same script with ``PYTHONPATH`` at another checkout's ``src`` to time that code on the same data
(the "before" figures of ADR 0014 were taken so, from ``main``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "src"))
sys.path.append(str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--classes", type=int, default=50_000)
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/lijiao_lists_bench")
    parser.add_argument("--reuse", action="store_true", help="keep the database built by an earlier run")
    args = parser.parse_args()
    os.environ["LIJIAO_TEST_DATABASE_URL"] = args.db
    os.environ["DJANGO_SETTINGS_MODULE"] = "lijiao.test_settings"
    if not args.reuse:
        import psycopg

        base, name = args.db.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not args.reuse:
        build(args.classes)
    run()


def build(count: int) -> None:
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone
    from tests.conftest import valid_credit_code
    from tests.training.test_enrollment import make_person

    from lijiao.catalog.models import CatalogItem, Category, Edition, EditionStatus, Occupation
    from lijiao.core.models import HandlingArea
    from lijiao.providers.models import Provider, ProviderStatus
    from lijiao.training.models import ClassStatus, Enrollment, TrainingClass

    rng = random.Random(10)
    today = timezone.localdate()
    edition = Edition.objects.create(
        name="基准版",
        year=today.year - 10,
        status=EditionStatus.PUBLISHED,
        effective_from=today - dt.timedelta(days=3700),
        published_at=timezone.now(),
    )
    category = Category.objects.create(code="bench", name="基准类别", sort_order=1)
    items = [
        CatalogItem.objects.create(
            edition=edition,
            kind="occupation",
            occupation=Occupation.objects.create(code=f"6-31-01-{n:02d}", name=f"职业{n}"),
            level=5,
            category=category,
            subsidy_standard=Decimal("800"),
            min_lesson_hours=40,
        )
        for n in range(10)
    ]
    areas = list(HandlingArea.objects.all())
    providers = [
        Provider.objects.create(
            credit_code=valid_credit_code(900 + n),
            name=f"基准培训学校{n}",
            type=Provider.Type.PRIVATE_SCHOOL,
            handling_area=areas[n % len(areas)],
            status=ProviderStatus.APPROVED,
        )
        for n in range(20)
    ]
    statuses = list(ClassStatus.values)
    rows = []
    for n in range(count):
        provider = rng.choice(providers)
        start = today - dt.timedelta(days=rng.randrange(3650))
        rows.append(
            TrainingClass(
                code=f"PX{n:010d}",
                name=f"{rng.choice(['电工', '焊工', '养老护理', '育婴'])}培训班{n}",
                provider=provider,
                handling_area=provider.handling_area,
                catalog_item=rng.choice(items),
                start_date=start,
                end_date=start + dt.timedelta(days=14),
                lesson_hours=80,
                practical_hours=40,
                capacity=60,
                status=rng.choice(statuses),
                filed_on=start,
            )
        )
    TrainingClass.objects.bulk_create(rows, batch_size=5000)
    roster_class = TrainingClass.objects.first()
    people = [make_person(f"学员{n}", birth=dt.date(1990, 1, 1) + dt.timedelta(days=n)) for n in range(40)]
    Enrollment.objects.bulk_create(Enrollment(training_class=roster_class, person=p) for p in people)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lijiao.accounts.roles import Role
    from lijiao.accounts.services import create_user
    from lijiao.training.models import TrainingClass

    admin = get_user_model().objects.filter(username="bench_admin").first() or create_user(
        actor=None, username="bench_admin", password="Bench-Passw0rd-2026", roles=[Role.CITY_ADMIN]
    )
    client = Client()
    client.force_login(admin)
    roster_class = TrainingClass.objects.first()
    api = "/api/v1/training/classes"
    first = client.get(api, {"limit": 50, "offset": 40000}).json()
    cases = [
        ("screen /training/classes/", "/training/classes/"),
        ("screen, status=approved", "/training/classes/?status=approved"),
        ("screen, page 800 (bounded)", "/training/classes/?page=800"),
        ("API list", f"{api}?limit=50"),
        ("API status=approved", f"{api}?limit=50&status=approved"),
        ("API q=电工", f"{api}?limit=50&q=电工"),
        ("API offset=40000", f"{api}?limit=50&offset=40000"),
    ]
    if first.get("next_cursor"):
        cases.append(("API cursor (after offset 40000)", f"{api}?limit=50&cursor={first['next_cursor']}"))
    cases.append(
        (f"API roster ({roster_class.enrollments.count()} trainees)", f"{api}/{roster_class.pk}/enrollments")
    )
    print(f"{'case':40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, url in cases:
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:200])
        times = []
        for _ in range(20):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - began) * 1000)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{label:40} {statistics.median(times):10.1f} {p95:8.1f} {len(captured):8d}")


if __name__ == "__main__":
    main()
