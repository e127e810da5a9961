"""Anti-fraud audit at city scale (issue 12, Benchmark): 1,000,000 claims in a scratch PostgreSQL database.

Usage::

    .venv/bin/python benchmarks/claims_audit.py [--scale 1.0] [--db NAME] [--reuse] [--keep] [--naive 10000]
                                                [--json FILE]

``--scale 1`` writes 1,000,000 claims with their persons (0.8 per claim), classes (one per 20 claims, 10 sessions
each), enrollments, check-ins (2 per enrollment), certificates, register snapshots (pension, students, payroll,
unemployment, contributions) and a few planted patterns per check (one per 10,000 claims), all with COPY
(:func:`lijiao.core.bulk_write.bulk_insert`). ``--scale 0.1`` is 100,000 claims. The database (default
``lijiao_claims_<pid>``) is created on ``LIJIAO_CITY_SERVER`` (default ``postgres://postgres@127.0.0.1:5432``),
migrated and dropped at the end unless ``--keep``; ``--reuse --db NAME`` times a kept one without rebuilding.

Then, in the same run:

1. the full audit (:func:`lijiao.subsidies.services.audit.run_audit`) twice — the first run writes the findings,
   the second is the nightly steady state (nothing new; ``last_seen_at`` touched) — time per check and total;
2. the floor: the same checks as one hand-written SQL script (:data:`FLOOR_SQL`), each statement timed;
3. the naive approach: a per-claim ORM loop evaluating the same checks for ``--naive`` claims (default 10,000),
   extrapolated linearly to all claims.

Goals (2 shared cores): full audit ≤ 5 s, ≤ 1.5 × the floor, ≥ 50 × faster than the naive loop.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SERVER = os.environ.get("LIJIAO_CITY_SERVER", "postgres://postgres@127.0.0.1:5432")
CLAIMS = 1_000_000
PERSONS_PER_CLAIM = 0.8
CLAIMS_PER_CLASS = 20
SESSIONS = 10
PROVIDERS = 50
BODIES = 10
OCCUPATIONS = 5
PLANT_EVERY = 10_000
CITIZEN_AREA = "210283"
BATCH = 50_000


# --------------------------------------------------------------------------------------------------- database


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(name: str) -> None:
    os.environ["LIJIAO_TEST_DATABASE_URL"] = f"{SERVER}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lijiao.test_settings"
    src = Path(__file__).resolve().parent.parent / "src"
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    import django

    django.setup()


# --------------------------------------------------------------------------------------------------- generation


def _citizen_id(index: int, birth: dt.date) -> str:
    from lijiao.core.identity import citizen_id_check_char

    body = f"{CITIZEN_AREA}{birth:%Y%m%d}{index % 1000:03d}"
    return body + citizen_id_check_char(body)


def _credit_code(serial: int) -> str:
    from lijiao.core.identity import credit_code_check_char

    body = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    first17 = "91210283" + body + {10: "X", 11: "0"}.get(check, str(check))
    return first17 + credit_code_check_char(first17)


def _insert(model: Any, fields: Sequence[str], rows: list[list[Any]], *, ids: bool = False) -> list[int]:
    from lijiao.core.bulk_write import bulk_insert

    out: list[int] = []
    for start in range(0, len(rows), BATCH):
        out += bulk_insert(model, fields, rows[start : start + BATCH], return_ids=ids)
    return out


def _reference() -> dict[str, Any]:
    from django.utils import timezone

    from lijiao.accounts.models import User
    from lijiao.catalog.models import CatalogItem, Category, Edition, EditionStatus, Occupation
    from lijiao.certificates.models import EvaluatingBody
    from lijiao.core.models import HandlingArea
    from lijiao.providers.models import Provider
    from lijiao.subsidies.models import Scheme, SchemeKind

    area = HandlingArea.objects.order_by("id").first()
    assert area is not None, "the migrations load the handling areas"
    user = User.objects.create(username=f"bench{secrets.token_hex(4)}")
    category = Category.objects.get_or_create(code="bench", defaults={"name": "基准测试", "sort_order": 999})[
        0
    ]
    edition = Edition.objects.create(
        name="基准测试版",
        year=timezone.localdate().year,
        status=EditionStatus.PUBLISHED,
        effective_from=dt.date(2000, 1, 1),
        published_at=timezone.now(),
    )
    occupations, items = [], []
    for n in range(OCCUPATIONS):
        occupation = Occupation.objects.get_or_create(
            code=f"9-99-99-{n:02d}", defaults={"name": f"基准职业{n}"}
        )[0]
        occupations.append(occupation)
        items.append(
            CatalogItem.objects.create(
                edition=edition,
                kind="occupation",
                occupation=occupation,
                level=4,
                category=category,
                subsidy_standard=1200,
                min_lesson_hours=30,
            )
        )
    providers = [
        Provider.objects.create(
            credit_code=_credit_code(7_000_000 + n),
            name=f"基准培训学校{n}",
            type=Provider.Type.PRIVATE_SCHOOL,
            handling_area=area,
            status="approved",
        )
        for n in range(PROVIDERS)
    ]
    bodies = [
        EvaluatingBody.objects.create(
            kind="S", code=f"{9100 + n}", name=f"基准评价机构{n}", handling_area=area
        )
        for n in range(BODIES)
    ]
    schemes = {
        kind: Scheme.objects.get_or_create(kind=kind, defaults={"name": str(SchemeKind(kind).label)})[0]
        for kind in (SchemeKind.TRAINING, SchemeKind.ASSESSMENT)
    }
    return {
        "area": area,
        "user": user,
        "occupations": occupations,
        "items": items,
        "providers": providers,
        "bodies": bodies,
        "schemes": schemes,
    }


def generate(claims: int, *, seed: int = 1, log: Any = print) -> dict[str, int]:
    """Write ``claims`` claims and everything they rest on, with the planted patterns; returns row counts."""
    from django.utils import timezone

    from lijiao.certificates.models import Certificate
    from lijiao.people.models import Person
    from lijiao.providers.models import BlacklistEntry
    from lijiao.subsidies.models import Claim, ContributionMonth, RegisterEntry, RegisterSnapshot
    from lijiao.training.models import CheckIn, ClassSession, Enrollment, TrainingClass

    rng = random.Random(seed)
    ref = _reference()
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    plant = max(1, claims // PLANT_EVERY)
    persons_n = max(2, int(claims * PERSONS_PER_CLAIM))
    classes_n = max(4, claims // CLAIMS_PER_CLASS)
    began = time.perf_counter()

    # persons
    rows: list[list[Any]] = []
    births: list[dt.date] = []
    for i in range(persons_n):
        birth = dt.date(1976, 1, 1) + dt.timedelta(days=i * 7 % (365 * 30))
        births.append(birth)
        rows.append(
            [f"学员{i}", _citizen_id(i // 10_950, birth), "M" if i % 2 else "F", birth, f"139{i:08d}"]
        )
    shared = rng.sample(range(persons_n), min(persons_n, plant * 5))
    for g, index in enumerate(shared):  # shared phones: groups of 5
        rows[index][4] = f"1380000{g // 5:04d}"
    young = rng.sample(range(persons_n), plant)
    for index in young:  # too young at the class dates
        rows[index][3] = today - dt.timedelta(days=365 * 14)
    person_ids = _insert(Person, ["name", "citizen_id", "gender", "birth_date", "phone"], rows, ids=True)
    digests = dict(
        Person.objects.filter(pk__in=person_ids[: plant * 20]).values_list("pk", "citizen_id_digest")
    )
    log(f"persons {persons_n:,} in {time.perf_counter() - began:.1f}s")

    # classes: start dates spread evenly over the past ~400 days, 10 daily sessions from 09:00
    base = today - dt.timedelta(days=420)
    class_rows, class_meta = [], []
    for j in range(classes_n):
        start = base + dt.timedelta(days=j * 370 // classes_n)
        provider = ref["providers"][j % PROVIDERS]
        item = ref["items"][j % OCCUPATIONS]
        class_rows.append(
            [
                f"BENCH{j:08d}",
                f"基准班{j}",
                provider.pk,
                ref["area"].pk,
                item.pk,
                start,
                start + dt.timedelta(days=SESSIONS - 1),
                30,
                30,
                "finished",
            ]
        )
        class_meta.append((start, provider.pk, j % OCCUPATIONS))
    class_ids = _insert(
        TrainingClass,
        [
            "code",
            "name",
            "provider_id",
            "handling_area_id",
            "catalog_item_id",
            "start_date",
            "end_date",
            "lesson_hours",
            "capacity",
            "status",
        ],
        class_rows,
        ids=True,
    )
    session_rows = []
    for j, pk in enumerate(class_ids):
        for d in range(SESSIONS):
            at = dt.datetime.combine(class_meta[j][0] + dt.timedelta(days=d), dt.time(9), tz)
            session_rows.append([pk, at, at + dt.timedelta(hours=3), "theory", f"第{d + 1}次课", 3])
    session_ids = _insert(
        ClassSession,
        ["training_class_id", "starts_at", "ends_at", "kind", "topic", "lesson_hours"],
        session_rows,
        ids=True,
    )
    sessions = {pk: session_ids[j * SESSIONS : (j + 1) * SESSIONS] for j, pk in enumerate(class_ids)}
    session_at = {sid: row[1] for sid, row in zip(session_ids, session_rows, strict=True)}
    log(f"classes {classes_n:,}, sessions {len(session_ids):,} in {time.perf_counter() - began:.1f}s")

    # one enrollment per claim: a person's first claim in the first 45 % of classes, a second one after 55 %
    first_half, second_half = int(classes_n * 0.45), int(classes_n * 0.55)
    plan: list[tuple[int, int]] = []  # (person index, class index)
    rank: list[int] = []  # the enrollment's place in its class: which sessions it checks in to
    later = classes_n - second_half
    for i in range(claims):
        if i < persons_n:
            plan.append((i, i % first_half))
            rank.append(i // first_half)
        else:
            j = i - persons_n
            plan.append((j, second_half + j % later))
            rank.append(j // later)
    enrollment_ids = _insert(
        Enrollment,
        ["training_class_id", "person_id", "status"],
        [[class_ids[c], person_ids[p], "completed"] for p, c in plan],
        ids=True,
    )
    checkin_rows = []
    for n, ((p, c), eid) in enumerate(zip(plan, enrollment_ids, strict=True)):
        own = sessions[class_ids[c]]
        for sid in (own[rank[n] % 5], own[rank[n] % 5 + 5]):
            checkin_rows.append([sid, eid, person_ids[p], session_at[sid], "manual", "纸质签到表"])
    # planted: overlapping attendance (+ another provider's class at the same time)
    overlap_people = rng.sample(range(min(persons_n, claims)), plant)
    extra_enrol = []
    for p in overlap_people:
        c = plan[p][1]
        extra_enrol.append([class_ids[c + 1], person_ids[p], "completed"])
    extra_ids = _insert(Enrollment, ["training_class_id", "person_id", "status"], extra_enrol, ids=True)
    for (cid, person, _s), eid in zip(extra_enrol, extra_ids, strict=True):
        for sid in sessions[cid]:
            checkin_rows.append([sid, eid, person, session_at[sid], "manual", "纸质签到表"])
    # planted: classes that ran shorter than filed (every check-in on the first day)
    short = set(rng.sample(range(first_half), plant))
    short_ids = {class_ids[c] for c in short}
    first_session = {pk: session_at[sessions[pk][0]] for pk in short_ids}
    owner = {sid: pk for pk, sids in sessions.items() if pk in short_ids for sid in sids}
    for row in checkin_rows:
        if row[0] in owner:
            row[3] = first_session[owner[row[0]]]
    _insert(
        CheckIn, ["session_id", "enrollment_id", "person_id", "checked_at", "method", "reason"], checkin_rows
    )
    log(
        f"enrollments {claims + plant:,}, check-ins {len(checkin_rows):,} in {time.perf_counter() - began:.1f}s"
    )

    # certificates: one per claim, 10 days after the class ended; a second claim is of another occupation
    cert_rows = []
    spike_body = ref["bodies"][0].pk
    early = set(rng.sample(range(claims), plant))
    renamed = set(rng.sample(range(claims), plant))
    for n, (p, c) in enumerate(plan):
        start, _provider, occ = class_meta[c]
        if n >= persons_n:  # the second claim: another occupation than the first
            occ = (class_meta[plan[p][1]][2] + 1) % OCCUPATIONS
        issued = start + dt.timedelta(days=SESSIONS + 9) if n not in early else start
        body = ref["bodies"][n % BODIES].pk
        cert_rows.append(
            [
                "skill_level",
                f"B{n:021d}",
                person_ids[p],
                f"学员{p}" if n not in renamed else f"别名{p}",
                ref["occupations"][occ].pk,
                4,
                body,
                issued,
                "assessment",
                5_000_000 + n,
                secrets.token_urlsafe(16),
                class_ids[c],
            ]
        )
    # planted: one body issues 5× its usual volume in the last full month
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    usual = max(1, claims // BODIES // 13)
    for k in range(usual * 5):
        cert_rows.append(
            [
                "skill_level",
                f"BS{k:020d}",
                person_ids[k % persons_n],
                f"学员{k % persons_n}",
                ref["occupations"][0].pk,
                4,
                spike_body,
                month + dt.timedelta(days=k % 27),
                "assessment",
                9_000_000 + k,
                secrets.token_urlsafe(16),
                None,
            ]
        )
    cert_ids = _insert(
        Certificate,
        [
            "certificate_type",
            "number",
            "holder_id",
            "holder_name",
            "occupation_id",
            "level",
            "body_id",
            "issued_on",
            "source",
            "status_index",
            "verification_token",
            "training_class_id",
        ],
        cert_rows,
        ids=True,
    )
    log(f"certificates {len(cert_rows):,} in {time.perf_counter() - began:.1f}s")

    # claims
    statuses = ["paid"] * 6 + ["approved"] * 2 + ["submitted"] * 2
    claim_rows = []
    for n, (p, c) in enumerate(plan):
        start, provider, occ = class_meta[c]
        kind = "training" if n < persons_n else "assessment"
        if n >= persons_n:
            occ = (class_meta[plan[p][1]][2] + 1) % OCCUPATIONS
        claim_rows.append(
            [
                f"BC{n:010d}",
                ref["schemes"][kind].pk,
                kind,
                "full",
                statuses[n % 10],
                person_ids[p],
                "worker",
                f"学员{p}",
                provider,
                class_ids[c],
                enrollment_ids[n],
                cert_ids[n],
                ref["items"][occ].pk,
                ref["area"].pk,
                cert_rows[n][7] + dt.timedelta(days=5),
                1200,
            ]
        )
    extra = len(claim_rows)
    for k, p in enumerate(rng.sample(range(persons_n), plant)):  # R2: four more claims this year
        for m in range(4):
            claim_rows.append(
                [
                    f"BX{extra + k * 4 + m:010d}",
                    ref["schemes"]["training"].pk,
                    "training",
                    "full",
                    "submitted",
                    person_ids[p],
                    "worker",
                    f"学员{p}",
                    None,
                    None,
                    None,
                    None,
                    None,
                    ref["area"].pk,
                    today - dt.timedelta(days=m),
                    800,
                ]
            )
    extra = len(claim_rows)
    for k, n in enumerate(rng.sample(range(min(persons_n, claims)), plant)):  # R3: the same item again
        p, c = plan[n]
        claim_rows.append(
            [
                f"BR{extra + k:010d}",
                ref["schemes"]["training"].pk,
                "training",
                "full",
                "submitted",
                person_ids[p],
                "worker",
                f"学员{p}",
                None,
                None,
                None,
                None,
                ref["items"][class_meta[c][2]].pk,
                ref["area"].pk,
                today,
                1200,
            ]
        )
    extra = len(claim_rows)
    for k, n in enumerate(rng.sample(range(claims), plant)):  # R4: a returned claim on a claimed certificate
        p, c = plan[n]
        claim_rows.append(
            [
                f"BD{extra + k:010d}",
                ref["schemes"]["assessment"].pk,
                "assessment",
                "full",
                "returned",
                person_ids[p],
                "worker",
                f"学员{p}",
                None,
                None,
                None,
                cert_ids[n],
                None,
                ref["area"].pk,
                today,
                300,
            ]
        )
    _insert(
        Claim,
        [
            "number",
            "scheme_id",
            "kind",
            "part",
            "status",
            "person_id",
            "applicant",
            "applicant_name",
            "provider_id",
            "training_class_id",
            "enrollment_id",
            "certificate_id",
            "catalog_item_id",
            "handling_area_id",
            "application_date",
            "amount",
        ],
        claim_rows,
    )
    log(f"claims {len(claim_rows):,} in {time.perf_counter() - began:.1f}s")

    # blacklist: one provider for ten days
    BlacklistEntry.objects.create(
        provider=ref["providers"][1],
        reason="虚报培训人数（基准测试）",
        starts_on=base + dt.timedelta(days=100),
        ends_on=base + dt.timedelta(days=110),
        created_by=ref["user"],
    )

    # registers: the latest snapshot of each kind, mostly people who never claimed, a few who did
    hits = list(person_ids[: plant * 20])
    rng.shuffle(hits)
    noise = max(100, claims // 20)
    for kind, starts, ends in (
        ("pension", dt.date(2015, 1, 1), None),
        ("student", dt.date(2015, 9, 1), None),
        ("payroll", dt.date(2010, 1, 1), None),
        ("unemployment", base - dt.timedelta(days=30), None),
    ):
        snapshot = RegisterSnapshot.objects.create(
            kind=kind, as_of=today, source="基准测试", row_count=0, imported_by=ref["user"]
        )
        entry_rows = [
            [snapshot.pk, f"{kind}{i:060d}"[-64:], f"名册{i}", starts, ends, {}] for i in range(noise)
        ]
        chosen = hits[:plant]
        hits = hits[plant:]
        entry_rows += [[snapshot.pk, digests[pk], "", starts, ends, {}] for pk in chosen]
        _insert(
            RegisterEntry,
            ["snapshot_id", "citizen_id_digest", "name", "starts_on", "ends_on", "detail"],
            entry_rows,
        )
        if kind == "unemployment":
            insurance = RegisterSnapshot.objects.create(
                kind="insurance", as_of=today, source="基准测试", imported_by=ref["user"]
            )
            months = []
            for pk in chosen:
                day = base
                while day < today:
                    months.append([digests[pk], day.replace(day=1), "某公司", "企业", insurance.pk])
                    day += dt.timedelta(days=31)
            _insert(
                ContributionMonth,
                ["citizen_id_digest", "month", "employer_name", "employer_kind", "snapshot_id"],
                months,
            )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"registers and ANALYZE in {time.perf_counter() - began:.1f}s")
    return {
        "claims": len(claim_rows),
        "persons": persons_n,
        "classes": classes_n,
        "sessions": len(session_ids),
        "enrollments": claims + plant,
        "checkins": len(checkin_rows),
        "certificates": len(cert_rows),
        "planted_per_check": plant,
    }


# --------------------------------------------------------------------------------------------------- the floor

# The same checks as hand-written SQL (PostgreSQL): what the database must do at least. Each returns the
# candidates the ORM version turns into findings.
FLOOR_SQL: dict[str, str] = {
    "r2_cap": """
        SELECT person_id, kind, extract(year FROM application_date), count(*) FROM subsidies_claim
        WHERE status IN ('submitted','first_approved','publicity','approved','paid','archived','clawed_back')
          AND part <> 'advance' AND application_date IS NOT NULL
        GROUP BY 1, 2, 3 HAVING count(*) > 3""",
    "r3_repeat": """
        SELECT c.person_id, coalesce(ce.occupation_id, ci.occupation_id), count(*) FROM subsidies_claim c
        LEFT JOIN certificates_certificate ce ON ce.id = c.certificate_id
        LEFT JOIN catalog_catalogitem ci ON ci.id = c.catalog_item_id
        WHERE c.status IN ('submitted','first_approved','publicity','approved','paid','archived','clawed_back')
          AND c.part <> 'advance' AND coalesce(ce.occupation_id, ci.occupation_id) IS NOT NULL
          AND coalesce(ce.level, ci.level) IS NOT NULL
        GROUP BY 1, 2 HAVING count(*) > 1""",
    "r4_certificate_reuse": """
        SELECT certificate_id, count(*) FROM subsidies_claim
        WHERE certificate_id IS NOT NULL AND status NOT IN ('draft','rejected') AND part <> 'advance'
        GROUP BY 1 HAVING count(*) > 1""",
    "overlap_attendance": """
        SELECT e1.person_id, c1.id, c2.id FROM training_enrollment e1
        JOIN training_trainingclass c1 ON c1.id = e1.training_class_id
        JOIN training_enrollment e2 ON e2.person_id = e1.person_id AND e2.id <> e1.id
        JOIN training_trainingclass c2 ON c2.id = e2.training_class_id
        WHERE c1.id < c2.id AND c1.start_date <= c2.end_date AND c2.start_date <= c1.end_date
          AND e1.status <> 'withdrawn' AND e2.status <> 'withdrawn'""",
    "short_class": """
        WITH claimed AS (SELECT id FROM training_trainingclass t WHERE end_date < current_date
                         AND EXISTS (SELECT 1 FROM subsidies_claim c WHERE c.training_class_id = t.id
                                     AND c.status NOT IN ('draft','rejected'))),
             planned AS (SELECT training_class_id, count(DISTINCT (starts_at AT TIME ZONE 'Asia/Shanghai')::date) d
                         FROM training_classsession WHERE training_class_id IN (SELECT id FROM claimed) GROUP BY 1),
             attended AS (SELECT s.training_class_id, count(DISTINCT (ci.checked_at AT TIME ZONE 'Asia/Shanghai')::date) d
                          FROM training_checkin ci JOIN training_classsession s ON s.id = ci.session_id
                          WHERE s.training_class_id IN (SELECT id FROM claimed) GROUP BY 1)
        SELECT p.training_class_id FROM planned p JOIN attended a USING (training_class_id) WHERE a.d < p.d * 0.8""",
    "shared_phone": """
        SELECT phone_digest, count(*) FROM core_person
        WHERE phone_digest <> '' AND id IN (SELECT person_id FROM subsidies_claim WHERE status NOT IN ('draft','rejected'))
        GROUP BY 1 HAVING count(*) >= 4""",
    "certificate_before_class_end": """
        SELECT c.id FROM subsidies_claim c JOIN certificates_certificate ce ON ce.id = c.certificate_id
        LEFT JOIN training_trainingclass t ON t.id = c.training_class_id
        LEFT JOIN training_trainingclass t2 ON t2.id = ce.training_class_id
        WHERE c.status NOT IN ('draft','rejected') AND ce.issued_on < coalesce(t.end_date, t2.end_date)""",
    "evaluator_spike": """
        SELECT body_id, date_trunc('month', issued_on), count(*) FROM certificates_certificate
        WHERE body_id IS NOT NULL GROUP BY 1, 2""",
    "provider_blacklisted": """
        SELECT t.id FROM training_trainingclass t WHERE EXISTS (
            SELECT 1 FROM providers_blacklistentry b WHERE b.provider_id = t.provider_id AND b.starts_on <= t.end_date
            AND (b.ends_on IS NULL OR b.ends_on >= t.start_date)
            AND (b.lifted_at IS NULL OR (b.lifted_at AT TIME ZONE 'Asia/Shanghai')::date >= t.start_date))
          AND EXISTS (SELECT 1 FROM subsidies_claim c WHERE c.training_class_id = t.id AND c.status NOT IN ('draft','rejected'))""",
    "identity_age": """
        SELECT c.id FROM subsidies_claim c JOIN core_person p ON p.id = c.person_id
        LEFT JOIN training_trainingclass t ON t.id = c.training_class_id
        LEFT JOIN certificates_certificate ce ON ce.id = c.certificate_id
        WHERE c.status NOT IN ('draft','rejected')
          AND coalesce(t.start_date, ce.issued_on, c.application_date) IS NOT NULL
          AND (extract(year FROM coalesce(t.start_date, ce.issued_on, c.application_date)) - extract(year FROM p.birth_date) <= 16
               OR (p.gender = 'M' AND extract(year FROM coalesce(t.start_date, ce.issued_on, c.application_date)) - extract(year FROM p.birth_date) >= 60)
               OR (p.gender = 'F' AND extract(year FROM coalesce(t.start_date, ce.issued_on, c.application_date)) - extract(year FROM p.birth_date) >= 55)
               OR (p.gender = 'F' AND p.position = 'worker' AND extract(year FROM coalesce(t.start_date, ce.issued_on, c.application_date)) - extract(year FROM p.birth_date) >= 50))""",
    "identity_name": """
        SELECT c.id FROM subsidies_claim c JOIN core_person p ON p.id = c.person_id
        JOIN certificates_certificate ce ON ce.id = c.certificate_id
        WHERE c.status NOT IN ('draft','rejected') AND ce.holder_name <> p.name""",
    "registers": """
        WITH latest AS (SELECT DISTINCT ON (kind) id, kind FROM subsidies_registersnapshot ORDER BY kind, as_of DESC, id DESC),
             claims AS (SELECT c.id, p.citizen_id_digest d,
                               coalesce(t.start_date, t2.start_date, ce.issued_on, c.application_date) s,
                               coalesce(t.end_date, t2.end_date, ce.issued_on, c.application_date) e
                        FROM subsidies_claim c JOIN core_person p ON p.id = c.person_id
                        LEFT JOIN training_trainingclass t ON t.id = c.training_class_id
                        LEFT JOIN training_enrollment en ON en.id = c.enrollment_id
                        LEFT JOIN training_trainingclass t2 ON t2.id = en.training_class_id
                        LEFT JOIN certificates_certificate ce ON ce.id = c.certificate_id
                        WHERE c.status NOT IN ('draft','rejected'))
        SELECT c.id, l.kind FROM claims c JOIN subsidies_registerentry r ON r.citizen_id_digest = c.d
        JOIN latest l ON l.id = r.snapshot_id
        WHERE c.s IS NOT NULL AND r.starts_on <= c.e
          AND (l.kind = 'pension' OR r.ends_on IS NULL OR r.ends_on >= c.s)
          AND (l.kind <> 'unemployment' OR EXISTS (
                SELECT 1 FROM subsidies_contributionmonth m WHERE m.citizen_id_digest = c.d AND m.employer_name <> ''
                AND m.month >= date_trunc('month', c.s) AND m.month <= c.e))""",
}
# cross_provider is the overlap self-join restricted to two providers
FLOOR_SQL["cross_provider"] = FLOOR_SQL["overlap_attendance"].replace(
    "c1.id < c2.id", "c1.provider_id <> c2.provider_id AND c1.id < c2.id"
)


def run_floor() -> dict[str, float]:
    from django.db import connection

    timings: dict[str, float] = {}
    with connection.cursor() as cursor:
        for name, sql in FLOOR_SQL.items():
            began = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            timings[name] = round(time.perf_counter() - began, 4)
    return timings


# --------------------------------------------------------------------------------------------------- naive


def run_naive(sample: int) -> tuple[float, int]:
    """The per-claim ORM loop: every check asked of one claim at a time (what a first version would do)."""
    from django.db.models import Q

    from lijiao.providers.models import BlacklistEntry
    from lijiao.subsidies.audit_checks import latest_snapshots
    from lijiao.subsidies.models import Claim, ContributionMonth, RegisterEntry
    from lijiao.training.models import CheckIn, Enrollment

    began = time.perf_counter()
    snapshots = latest_snapshots()
    flagged = 0
    claims = Claim.objects.exclude(status__in=["draft", "rejected"]).select_related(
        "person", "certificate", "training_class", "catalog_item"
    )[:sample]
    for claim in claims:
        hits = 0
        year = claim.application_date.year if claim.application_date else None
        hits += (
            Claim.objects.filter(
                person_id=claim.person_id, kind=claim.kind, application_date__year=year
            ).count()
            > 3
        )
        occupation = (
            claim.certificate.occupation_id
            if claim.certificate
            else (claim.catalog_item.occupation_id if claim.catalog_item else None)
        )
        if occupation:
            hits += (
                Claim.objects.filter(person_id=claim.person_id, id__lt=claim.id)
                .filter(Q(certificate__occupation_id=occupation) | Q(catalog_item__occupation_id=occupation))
                .exists()
            )
        if claim.certificate_id:
            hits += Claim.objects.filter(certificate_id=claim.certificate_id).exclude(pk=claim.pk).exists()
        klass = claim.training_class
        if klass:
            others = Enrollment.objects.filter(
                person_id=claim.person_id,
                training_class__start_date__lte=klass.end_date,
                training_class__end_date__gte=klass.start_date,
            ).exclude(training_class_id=klass.pk)
            for other in others:
                mine = list(
                    CheckIn.objects.filter(
                        person_id=claim.person_id, session__training_class_id=klass.pk
                    ).values_list("session__starts_at", "session__ends_at")
                )
                theirs = CheckIn.objects.filter(enrollment=other).values_list(
                    "session__starts_at", "session__ends_at"
                )
                hits += any(a < d and c < b for a, b in mine for c, d in theirs)
            hits += (
                BlacklistEntry.objects.filter(provider_id=klass.provider_id, starts_on__lte=klass.end_date)
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=klass.start_date))
                .exists()
            )
            days = (
                CheckIn.objects.filter(session__training_class_id=klass.pk).dates("checked_at", "day").count()
            )
            hits += days < SESSIONS * 0.8
            if claim.certificate and claim.certificate.issued_on < klass.end_date:
                hits += 1
        hits += (
            Claim.objects.filter(person__phone_digest=claim.person.phone_digest)
            .values("person_id")
            .distinct()
            .count()
            >= 4
        )
        hits += claim.certificate is not None and claim.certificate.holder_name != claim.person.name
        for snapshot in snapshots.values():
            entries = RegisterEntry.objects.filter(
                snapshot=snapshot, citizen_id_digest=claim.person.citizen_id_digest
            )
            if entries.exists():
                hits += 1
                if snapshot.kind == "unemployment":
                    ContributionMonth.objects.filter(
                        citizen_id_digest=claim.person.citizen_id_digest
                    ).exists()
        flagged += bool(hits)
    return time.perf_counter() - began, flagged


# --------------------------------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> dict[str, Any]:
    name = args.db or f"lijiao_claims_{os.getpid()}"
    if not args.reuse:
        create_database(name)
    setup_django(name)
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        counts: dict[str, Any] = {}
        if not args.reuse:
            counts = generate(int(CLAIMS * args.scale), log=lambda m: print(f"  {m}", flush=True))
        return measure(counts, naive=args.naive)
    finally:
        if not args.keep and not args.reuse:
            drop_database(name)


def measure(counts: dict[str, Any], *, naive: int) -> dict[str, Any]:
    from django.db.models import Count

    from lijiao.subsidies.models import Claim, Finding
    from lijiao.subsidies.services.audit import run_audit

    total_claims = Claim.objects.count()
    first = run_audit(actor=None)
    second = run_audit(actor=None)
    floor = run_floor()
    floor_total = round(sum(floor.values()), 4)
    naive_n = min(naive, total_claims)
    naive_seconds, _flagged = run_naive(naive_n)
    naive_all = naive_seconds * total_claims / max(1, naive_n)
    audit_total = second.timings["total"]
    result = {
        "counts": counts or {"claims": total_claims},
        "findings": dict(Finding.objects.values_list("check_code").annotate(n=Count("id")).order_by()),
        "first_run": first.timings,
        "audit": second.timings,
        "floor": {**floor, "total": floor_total},
        "naive": {
            "sample": naive_n,
            "seconds": round(naive_seconds, 3),
            "extrapolated_seconds": round(naive_all, 1),
        },
        "ratio_to_floor": round(audit_total / floor_total, 2) if floor_total else None,
        "speedup_vs_naive": round(naive_all / audit_total, 1) if audit_total else None,
    }
    print(f"\nclaims: {total_claims:,}")
    print(f"{'check':32} {'audit s':>9} {'1st run s':>10} {'floor s':>9} {'findings':>9}")
    for check in second.timings:
        if check == "total":
            continue
        print(
            f"{check:32} {second.timings[check]:9.3f} {first.timings.get(check, 0):10.3f} "
            f"{floor.get(check, 0):9.3f} {second.counts.get(check, 0):9d}"
        )
    print(f"{'total':32} {audit_total:9.3f} {first.timings['total']:10.3f} {floor_total:9.3f}")
    print(
        f"audit/floor = {result['ratio_to_floor']}×; naive loop {naive_seconds:.2f}s for {naive_n:,} claims → "
        f"{naive_all:,.0f}s for all (×{result['speedup_vs_naive']} slower than the audit)"
    )
    print(
        f"goals: audit ≤ 5 s: {audit_total <= 5}; ≤ 1.5× floor: {(result['ratio_to_floor'] or 99) <= 1.5}; "
        f"≥ 50× naive: {(result['speedup_vs_naive'] or 0) >= 50}"
    )
    return result


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 claims (default 1)")
    parser.add_argument("--db", help="database name (default lijiao_claims_<pid>)")
    parser.add_argument("--reuse", action="store_true", help="time a kept database (--db NAME), no rebuild")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--naive", type=int, default=10_000, help="claims in the naive loop's sample")
    parser.add_argument("--json", help="write the figures to this file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    result = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return result


if __name__ == "__main__":
    main()
