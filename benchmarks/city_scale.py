"""City-scale benchmark: build a city in a scratch PostgreSQL database, then time every everyday screen and list API.

Usage::

    .venv/bin/python benchmarks/city_scale.py [--scale 1.0] [--runs 20] [--json FILE] [--keep] [--db NAME]
        [--reuse [--vacuum]] [--only SUBSTRING ...]

``--scale 1`` (the default) is the specification's everyday city: 1,000,000 persons, 50,000 classes over ten
years (~720,000 sessions), ~1,000,000 enrollments, ~1,400,000 check-ins and ~1,000,000 audit events; ``--scale
0.01`` is a quick run. The database ``lijiao_city_<pid>`` is created on the PostgreSQL of ``LIJIAO_CITY_SERVER``
(default ``postgres://postgres@127.0.0.1:5432``), migrated, and dropped at the end unless ``--keep``.

How the city is made (ADR 0013): the demo (``load_demo``: one user per role, catalog, providers, programs, ~200
classes) through the services; then persons, classes (copies of the demo classes with new codes, dates over ten
years and a status fitting their dates), sessions, enrollments, check-ins and audit events written with
:func:`lijiao.core.bulk_write.bulk_insert` (COPY), personal data encrypted and digested by the project's own field
code; the audit events continue the demo's hash chain with the configured key (a valid chain).

Each screen is requested with Django's test ``Client`` as the role that uses it: warm-up, then ``--runs`` timed
runs; the table shows median, p95 and query count, and for anything over the budget (100 ms p95) the
``EXPLAIN (ANALYZE, BUFFERS)`` of its slowest query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the subsidies part lives beside this file
from city_subsidies import city_claims_exist, make_claims, subsidy_screens

BUDGET_MS = 100.0
SERVER = os.environ.get("LIJIAO_CITY_SERVER", "postgres://postgres@127.0.0.1:5432")
BATCH = 50_000
YEARS = 10
CITIZEN_AREA = "210283"  # 庄河市: no demo person has it, so generated ID numbers never collide with theirs

# The full-scale sizes (scale 1): the specification's everyday city.
PERSONS = 1_000_000
CLASSES = 50_000
SESSIONS_PER_CLASS = 14.4  # ~720,000 sessions
ENROLLMENTS_PER_CLASS = 20  # ~1,000,000 enrollments
CHECKINS_PER_ENROLLMENT = 1.4  # ~1,400,000 check-ins
AUDIT_EVENTS = 1_000_000


@dataclass
class Measure:
    name: str
    role: str
    url: str
    status: int = 0
    median_ms: float = 0.0
    p95_ms: float = 0.0
    queries: int = 0
    slowest_sql: str = ""
    explain: str = ""
    runs: list[float] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.p95_ms > BUDGET_MS


# --------------------------------------------------------------------------------------------------- database


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(name: str) -> None:
    """Point the test settings (fast hashers, no external services) at the scratch database and start Django."""
    os.environ["LIJIAO_TEST_DATABASE_URL"] = f"{SERVER}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lijiao.test_settings"
    src = Path(__file__).resolve().parent.parent / "src"
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    import django

    django.setup()


# --------------------------------------------------------------------------------------------------- the city


def _chunks(total: int, size: int = BATCH) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(total, start + size)


def citizen_id(index: int) -> tuple[str, dt.date]:
    """A valid, unique 18-digit ID number for ``index`` (birth day and sequence derived from it) and the birth date."""
    from lijiao.core.identity import citizen_id_check_char

    days = 365 * 45
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=index % days)
    body = f"{CITIZEN_AREA}{birth:%Y%m%d}{index // days:03d}"
    return body + citizen_id_check_char(body), birth


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def person_name(index: int) -> str:
    return (
        SURNAMES[index % len(SURNAMES)]
        + GIVEN[(index // 20) % len(GIVEN)]
        + GIVEN[(index // 500) % len(GIVEN)]
    )


def make_persons(count: int, progress: Any) -> list[int]:
    from lijiao.core.bulk_write import bulk_insert
    from lijiao.core.pii import pii_digester
    from lijiao.people.models import Person

    digest = pii_digester("citizen_id")
    taken = set(
        Person.objects.values_list("citizen_id_digest", flat=True)
    )  # the demo's people keep their numbers
    ids: list[int] = []
    task = progress.add_task("persons", total=count)
    fields = [
        "name",
        "citizen_id",
        "gender",
        "birth_date",
        "phone",
        "household",
        "education",
        "citizen_id_digest",
    ]
    index = 0
    for start, stop in _chunks(count):
        rows = []
        while len(rows) < stop - start:
            number, birth = citizen_id(index)
            key = digest(number)
            if key not in taken:
                sex = "M" if int(number[16]) % 2 else "F"
                rows.append([person_name(index), number, sex, birth, f"139{index:08d}", "", "", key])
            index += 1
        ids += bulk_insert(Person, fields, rows, return_ids=True)
        progress.advance(task, stop - start)
    return ids


_CLASS_SKIP = {"id", "code", "start_date", "end_date", "status", "enrolled_count", "capacity", "created_at"}
_CLASS_SKIP |= {"updated_at", "filed_on", "reviewed_at", "status_reason", "assessed_count", "passed_count"}


def _status_for(start: dt.date, end: dt.date, today: dt.date, rng: random.Random) -> str:
    if end < today - dt.timedelta(days=60):
        return rng.choices(["closed", "assessed", "finished", "rejected"], [80, 10, 5, 5])[0]
    if end < today:
        return rng.choice(["finished", "assessed"])
    if start <= today:
        return "running"
    return rng.choices(["draft", "filed", "returned", "approved"], [20, 30, 10, 40])[0]


def make_classes(count: int, rng: random.Random, progress: Any) -> list[tuple[int, dt.date, int, int]]:
    """Classes copied from the demo's (provider, area, catalog item, program…), spread over ten years: their
    (id, start date, lesson hours, number of trainees)."""
    from django.utils import timezone

    from lijiao.core.bulk_write import bulk_insert
    from lijiao.training.models import TrainingClass

    concrete = [f for f in TrainingClass._meta.concrete_fields if f.name not in _CLASS_SKIP]
    names = [f.attname for f in concrete]
    templates = list(TrainingClass.objects.values_list(*names))
    today = timezone.localdate()
    first = today - dt.timedelta(days=365 * YEARS)
    span = (today + dt.timedelta(days=90) - first).days
    fields = [*names, "code", "start_date", "end_date", "status", "enrolled_count", "capacity", "filed_on"]
    out: list[tuple[int, dt.date, int, int]] = []
    task = progress.add_task("classes", total=count)
    hours_at = names.index("lesson_hours")
    for start, stop in _chunks(count):
        rows = []
        meta = []
        for i in range(start, stop):
            template = templates[i % len(templates)]
            begin = first + dt.timedelta(days=rng.randrange(span))
            end = begin + dt.timedelta(days=rng.randint(7, 40))
            trainees = max(1, round(rng.gauss(ENROLLMENTS_PER_CLASS, 6)))
            status = _status_for(begin, end, today, rng)
            enrolled = 0 if status in {"draft", "filed", "returned", "rejected"} else trainees
            capacity = max(trainees, 30)
            filed = None if status == "draft" else begin - dt.timedelta(days=20)
            rows.append([*template, f"CITY{i:07d}", begin, end, status, enrolled, capacity, filed])
            meta.append((begin, int(template[hours_at]), enrolled))
        ids = bulk_insert(TrainingClass, fields, rows, return_ids=True)
        out += [(pk, *m) for pk, m in zip(ids, meta, strict=True)]
        progress.advance(task, stop - start)
    return out


def make_sessions(
    classes: Sequence[tuple[int, dt.date, int, int]], rng: random.Random, progress: Any
) -> dict[int, list[int]]:
    """~14 half-day sessions per class on consecutive days from its start: session ids by class."""
    from django.utils import timezone

    from lijiao.core.bulk_write import bulk_insert
    from lijiao.training.models import ClassSession

    tz = timezone.get_current_timezone()
    fields = ["training_class_id", "starts_at", "ends_at", "kind", "topic", "lesson_hours"]
    by_class: dict[int, list[int]] = {}
    task = progress.add_task("sessions", total=len(classes))
    for start, stop in _chunks(len(classes), 5_000):
        rows = []
        owners = []
        for pk, begin, _hours, _n in classes[start:stop]:
            count = max(1, round(rng.gauss(SESSIONS_PER_CLASS, 3)))
            for day in range(count):
                at = dt.datetime.combine(begin + dt.timedelta(days=day), dt.time(9 if day % 2 else 14), tz)
                kind = "practical" if day % 3 == 2 else "theory"
                rows.append([pk, at, at + dt.timedelta(hours=3), kind, f"第{day + 1}次课", 4])
                owners.append(pk)
        ids = bulk_insert(ClassSession, fields, rows, return_ids=True)
        for pk, sid in zip(owners, ids, strict=True):
            by_class.setdefault(pk, []).append(sid)
        progress.advance(task, stop - start)
    return by_class


def make_enrollments_and_checkins(
    classes: Sequence[tuple[int, dt.date, int, int]],
    persons: Sequence[int],
    sessions: dict[int, list[int]],
    rng: random.Random,
    progress: Any,
) -> tuple[int, int]:
    """Enrollments (distinct trainees per class, completed in finished classes) and manual check-ins on the
    class's sessions (~1.4 per enrollment; a manual check-in needs a reason and no device)."""
    from django.utils import timezone

    from lijiao.core.bulk_write import bulk_insert
    from lijiao.training.models import CheckIn, Enrollment

    today = timezone.localdate()
    e_fields = ["training_class_id", "person_id", "status"]
    c_fields = ["session_id", "enrollment_id", "person_id", "checked_at", "method", "reason"]
    task = progress.add_task("enrollments + check-ins", total=len(classes))
    enrollments = checkins = 0
    for start, stop in _chunks(len(classes), 5_000):
        rows: list[list[Any]] = []
        for pk, begin, _hours, trainees in classes[start:stop]:
            status = "completed" if begin < today - dt.timedelta(days=60) else "active"
            rows += [[pk, person, status] for person in rng.sample(persons, min(trainees, len(persons)))]
        ids = bulk_insert(Enrollment, e_fields, rows, return_ids=True)
        enrollments += len(ids)
        c_rows = []
        for (pk, person, _status), eid in zip(rows, ids, strict=True):
            own = sessions.get(pk, [])
            wanted = int(CHECKINS_PER_ENROLLMENT) + (rng.random() < CHECKINS_PER_ENROLLMENT % 1)
            for sid in own[: min(wanted, len(own))]:
                c_rows.append([sid, eid, person, timezone.now(), "manual", "补录：纸质签到表"])
        bulk_insert(CheckIn, c_fields, c_rows)
        checkins += len(c_rows)
        progress.advance(task, stop - start)
    return enrollments, checkins


CERT_PASS_RATE = 0.9  # of completed enrollments
CERT_BODY = ("S", "9001", "大连市城市规模测试职业技能评价中心")


def make_certificates(rng: random.Random, progress: Any) -> int:
    """~1 certificate per passed (completed) enrollment: a 职业技能等级证书 of a test evaluating body when the
    class's catalog item is a skill level, else a 培训合格证; numbers, status-list places and serial counters as
    the issuance service keeps them (ADR 0016); some revoked, report statuses spread over the pipeline."""
    import secrets

    from django.utils import timezone

    from lijiao.certificates.models import Certificate, EvaluatingBody, EvaluationSite, SerialCounter
    from lijiao.certificates.services.counters import STATUS_LIST_PREFIX
    from lijiao.core.bulk_write import bulk_insert
    from lijiao.core.models import HandlingArea
    from lijiao.training.models import Enrollment

    today = timezone.localdate()
    area = HandlingArea.objects.order_by("pk").first()
    assert area is not None
    kind, code, name = CERT_BODY
    body = EvaluatingBody.objects.create(kind=kind, code=code, name=name, handling_area=area)
    site = EvaluationSite.objects.create(
        body=body, code="210201", name="城市规模测试考点", handling_area=area
    )
    rows_in = (
        Enrollment.objects.filter(status="completed")
        .order_by("pk")
        .values_list(
            "pk", "training_class_id", "person_id", "person__name", "training_class__end_date",
            "training_class__name", "training_class__catalog_item__occupation_id",
            "training_class__catalog_item__occupation__name", "training_class__catalog_item__level",
        )
    )  # fmt: skip
    total = rows_in.count()
    fields = [
        "certificate_type", "number", "holder_id", "holder_name", "occupation_id", "subject_name", "level",
        "body_id", "site_id", "issuer_name", "issued_on", "source", "status", "enrollment_id", "training_class_id",
        "revoked_on", "revoked_reason", "report_status", "status_index", "verification_token",
    ]  # fmt: skip
    serials: dict[str, int] = dict(SerialCounter.objects.values_list("prefix", "last_serial"))
    index = int(
        Certificate.objects.order_by("-status_index").values_list("status_index", flat=True).first() or 0
    )
    task = progress.add_task("certificates", total=total)
    made = 0
    batch: list[list[Any]] = []

    def flush() -> None:
        nonlocal batch
        bulk_insert(Certificate, fields, batch)
        batch = []

    for (
        eid,
        class_id,
        person,
        holder,
        end,
        class_name,
        occupation,
        occupation_name,
        level,
    ) in rows_in.iterator(chunk_size=BATCH):
        progress.advance(task)
        if rng.random() > CERT_PASS_RATE:
            continue
        issued = min(today, end + dt.timedelta(days=rng.randint(7, 30)))
        if occupation is not None and level in (5, 4, 3, 2, 1):
            prefix = f"{kind}{code}{body.province_code}{site.code}{issued.year % 100:02d}{level}"
            serials[prefix] = serials.get(prefix, 0) + 1
            number = f"{prefix}{serials[prefix]:06d}"
            report = rng.choices(["accepted", "pending", "exported", "failed"], [80, 12, 6, 2])[0]
            values = ["skill_level", number, person, holder, occupation, occupation_name, level, body.pk, site.pk,
                      name, issued, "assessment"]  # fmt: skip
        else:
            prefix = f"training:PX2102{issued.year}"
            serials[prefix] = serials.get(prefix, 0) + 1
            number = f"PX2102{issued.year}{serials[prefix]:07d}"
            report = "not_required"
            values = ["training", number, person, holder, None, class_name[:100], None, None, None, "", issued,
                      "completion"]  # fmt: skip
        revoked = rng.random() < 0.005
        index += 1
        batch.append([
            *values, "revoked" if revoked else "valid", eid, class_id,
            min(today, issued + dt.timedelta(days=30)) if revoked else None, "证书信息核查不实" if revoked else "",
            report, index, secrets.token_urlsafe(16),
        ])  # fmt: skip
        made += 1
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    serials[STATUS_LIST_PREFIX] = index
    SerialCounter.objects.all().delete()
    SerialCounter.objects.bulk_create(SerialCounter(prefix=p, last_serial=n) for p, n in serials.items())
    return made


class _Event:
    """The fields the chain hash covers (chain.ChainedEvent), for events not yet saved."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def make_audit_events(
    count: int, users: Sequence[tuple[int, str]], rng: random.Random, progress: Any
) -> None:
    """Audit events continuing the demo's chain (sequence, prev_hash, HMAC with the configured key) over the
    last ten years, then the chain head moved to the last one: ``verify`` accepts the log."""
    from django.utils import timezone

    from lijiao.audit import chain
    from lijiao.audit.models import AuditChainHead, AuditEvent
    from lijiao.core.bulk_write import bulk_insert

    head = AuditChainHead.objects.get()
    key = chain.key_ring().primary
    last = AuditEvent.objects.order_by("-sequence").first()
    sequence, prev = head.last_sequence, head.last_hash
    first_time = (last.occurred_at if last else timezone.now()) - dt.timedelta(days=365 * YEARS)
    # events go after the demo's in sequence, so their times continue from the last demo event
    begin = max(first_time, last.occurred_at if last else first_time)
    step = dt.timedelta(seconds=max(1, int(365 * YEARS * 86400 / max(count, 1))))
    begin = min(begin, timezone.now() - step * count)
    actions = [
        "training.class.update",
        "training.enrollment.create",
        "training.checkin.create",
        "people.person.update",
    ]
    fields = [
        "sequence", "occurred_at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_repr",
        "before", "after", "reason", "request_id", "ip_address", "channel", "prev_hash", "hash", "key_id",
    ]  # fmt: skip
    task = progress.add_task("audit events (chained)", total=count)
    at = begin
    for start, stop in _chunks(count):
        rows = []
        for i in range(start, stop):
            sequence += 1
            at += step
            actor_id, label = users[i % len(users)]
            action = actions[i % len(actions)]
            values = {
                "sequence": sequence, "occurred_at": at, "actor_id": actor_id, "actor_label": label,
                "action": action, "object_type": action.rsplit(".", 1)[0], "object_id": str(i),
                "object_repr": f"对象 {i}", "before": None, "after": {"n": i}, "reason": "",
                "request_id": f"city-{i:08d}", "ip_address": None, "channel": "web",
            }  # fmt: skip
            digest = key.mac(prev, _Event(**values))  # type: ignore[arg-type]
            rows.append([*values.values(), prev, digest, key.key_id])
            prev = digest
        bulk_insert(AuditEvent, fields, rows)
        progress.advance(task, stop - start)
    AuditChainHead.objects.filter(pk=head.pk).update(last_sequence=sequence, last_hash=prev)


def build_city(scale: float, seed: int, progress: Any) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import transaction

    from lijiao.accounts.models import User
    from lijiao.demo import load_demo

    rng = random.Random(seed)
    started = time.perf_counter()
    task = progress.add_task("migrate + demo", total=2)
    call_command("migrate", verbosity=0)
    progress.advance(task)
    load_demo()
    progress.advance(task)
    with transaction.atomic():
        persons = make_persons(max(50, round(PERSONS * scale)), progress)
        classes = make_classes(max(20, round(CLASSES * scale)), rng, progress)
        sessions = make_sessions(classes, rng, progress)
        make_enrollments_and_checkins(classes, persons, sessions, rng, progress)
        make_certificates(rng, progress)
        make_claims(rng, progress, scale)
        users = list(User.objects.values_list("pk", "username"))
        make_audit_events(max(100, round(AUDIT_EVENTS * scale)), users, rng, progress)
    vacuum()
    counts = reused_counts()
    counts["generation_s"] = round(time.perf_counter() - started, 1)
    return counts


def vacuum() -> None:
    """``VACUUM (ANALYZE)`` the city: the state autovacuum leaves a loaded table in — statistics for the planner
    and the visibility map set, so an index-only scan (a capped count, a deferred page's ids, the credit record's
    sums) reads no table pages. Without it, every such scan fetched its heap rows (ADR 0015, follow-up)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def reused_counts() -> dict[str, Any]:
    """Rows per table of the city."""
    from lijiao.audit.models import AuditEvent
    from lijiao.certificates.models import Certificate
    from lijiao.people.models import Person
    from lijiao.training.models import CheckIn, ClassSession, Enrollment, TrainingClass

    models = {
        "persons": Person, "classes": TrainingClass, "sessions": ClassSession, "enrollments": Enrollment,
        "check-ins": CheckIn, "audit events": AuditEvent, "certificates": Certificate,
    }  # fmt: skip
    return {label: model.objects.count() for label, model in models.items()}


# --------------------------------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Screen:
    name: str
    role: str  # a demo username, or "" for the anonymous public
    url: str
    method: str = "get"
    body: dict[str, Any] | None = None


def certificate_screens() -> list[Screen]:
    """The staff's certificate list and detail (issue 11), as the bureau, a district clerk and a provider."""
    from django.contrib.auth import get_user_model

    from lijiao.certificates.models import Certificate

    provider_id = get_user_model().objects.get(username="provider").provider_id
    any_cert = Certificate.objects.order_by("-pk").first()
    if any_cert is None:
        return []
    own = (
        Certificate.objects.filter(training_class__provider_id=provider_id).order_by("-pk").first()
        or any_cert
    )
    prefix = any_cert.number[:12]
    return [
        Screen("certificate list screen", "admin", "/certificates/staff/"),
        Screen("certificate list screen, clerk", "clerk", "/certificates/staff/"),
        Screen("certificate list screen, provider", "provider", "/certificates/staff/"),
        Screen(
            "certificate list screen, name", "admin", "/certificates/staff/?holder_name=%E7%8E%8B%E4%BC%9F"
        ),
        Screen("certificate list screen, pending", "admin", "/certificates/staff/?report_status=pending"),
        Screen("certificate list API", "admin", "/api/v1/certificates/certificates"),
        Screen("certificate list API, number", "admin", f"/api/v1/certificates/certificates?number={prefix}"),
        Screen("certificate list API, clerk", "clerk", "/api/v1/certificates/certificates"),
        Screen("certificate list API, provider", "provider", "/api/v1/certificates/certificates"),
        Screen("certificate detail screen", "admin", f"/certificates/staff/{any_cert.pk}/"),
        Screen("certificate detail API", "provider", f"/api/v1/certificates/certificates/{own.pk}"),
    ]


def screens() -> list[Screen]:
    """Every everyday screen and list API, as the role that uses it."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from lijiao.audit.models import AuditEvent
    from lijiao.catalog.models import Edition
    from lijiao.people.models import Person
    from lijiao.providers.models import Provider
    from lijiao.training.models import TrainingClass

    provider = get_user_model().objects.get(username="provider").provider or Provider.objects.first()
    assert provider is not None
    own = (
        TrainingClass.objects.filter(provider=provider)
        .annotate(n=Count("enrollments"))
        .order_by("-n", "-pk")
        .first()
    )
    assert own is not None
    any_class = TrainingClass.objects.order_by("-enrolled_count", "-pk").first()
    assert any_class is not None
    from lijiao.core.pagination import MAX_DEPTH

    # the deepest page a user can reach: page 200 of the screen, offset 10,000 of the API (ADR 0014); deeper,
    # the API's cursor (one index range whatever the depth)
    deep = min(MAX_DEPTH, TrainingClass.objects.count() // 50 * 50)
    person = Person.objects.filter(enrollments__training_class=own).order_by("pk").first()
    assert person is not None
    middle = AuditEvent.objects.order_by("sequence")[AuditEvent.objects.count() // 2].occurred_at.date()
    oldest = AuditEvent.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    early = (oldest + dt.timedelta(days=180)).date() if oldest else middle
    edition = Edition.objects.filter(status="published").order_by("-pk").first()
    out = [
        Screen("class list screen", "admin", "/training/classes/"),
        Screen("class list screen, status", "admin", "/training/classes/?status=approved"),
        Screen("class list screen, clerk", "clerk", "/training/classes/"),
        Screen("class list screen, provider", "provider", "/training/classes/"),
        Screen("class list screen, leader", "leader", "/training/classes/"),
        Screen("class list screen, text", "admin", "/training/classes/?q=%E7%8F%AD"),
        Screen("class list screen, text 2 chars", "admin", "/training/classes/?q=%E7%94%B5%E5%B7%A5"),
        Screen("class list screen, deep page", "admin", f"/training/classes/?page={max(1, deep // 50)}"),
        Screen("class list API", "admin", "/api/v1/training/classes"),
        Screen("class list API, status", "admin", "/api/v1/training/classes?status=approved"),
        Screen("class list API, deep offset", "admin", f"/api/v1/training/classes?offset={deep}"),
        Screen("class list API, provider", "provider", "/api/v1/training/classes"),
        Screen("class detail screen", "admin", f"/training/classes/{any_class.pk}/"),
        Screen("class detail screen, provider", "provider", f"/training/classes/{own.pk}/"),
        Screen("class detail API", "provider", f"/api/v1/training/classes/{own.pk}"),
        Screen("class roster screen", "provider", f"/training/classes/{own.pk}/roster/"),
        Screen("class enrollments API", "provider", f"/api/v1/training/classes/{own.pk}/enrollments"),
        Screen("class sessions API", "provider", f"/api/v1/training/classes/{own.pk}/sessions"),
        Screen("review queue screen", "clerk", "/training/review/"),
        Screen("review queue API", "clerk", "/api/v1/training/classes/review-queue"),
        Screen("provider list screen", "admin", "/providers/"),
        Screen("provider list API", "admin", "/api/v1/providers"),
        Screen("provider detail screen", "admin", f"/providers/{provider.pk}/"),
        Screen("listed providers API", "", "/api/v1/providers/listed"),
        Screen(
            "person lookup API",
            "provider",
            "/api/v1/training/persons/lookup",
            "post",
            {"citizen_id": person.citizen_id, "name": person.name},
        ),
        Screen("person screen", "provider", f"/training/people/{person.pk}/"),
        Screen("catalog public list", "", "/catalog/"),
        Screen("audit search screen", "auditor", "/audit/"),
        Screen("audit search, actor", "auditor", "/audit/?actor=admin"),
        Screen("audit search, date", "auditor", f"/audit/?since={middle}&until={middle}"),
        Screen("audit search, until (first year)", "auditor", f"/audit/?until={early}"),
        Screen("audit search, actor matching no user", "auditor", "/audit/?actor=system"),
        Screen("audit events API", "auditor", "/api/v1/audit/events"),
        Screen("audit events API, actor", "auditor", "/api/v1/audit/events?actor=admin"),
        Screen("program list screen", "admin", "/training/programs/"),
        Screen("program list API", "", "/api/v1/training/programs"),
        Screen("home (leadership)", "leader", "/"),
        *certificate_screens(),
        *subsidy_screens(),
    ]
    if edition is not None:
        out.append(Screen("catalog items API", "", f"/api/v1/catalog/editions/{edition.pk}/items"))
    return out


def _explain(sql: str) -> str:
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return ""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def time_screen(screen: Screen, runs: int, warmup: int = 2) -> Measure:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if screen.role:
        client.force_login(get_user_model().objects.get(username=screen.role))

    def request() -> Any:
        if screen.method == "post":
            return client.post(screen.url, data=screen.body, content_type="application/json")
        return client.get(screen.url)

    result = Measure(screen.name, screen.role or "public", screen.url)
    for _ in range(warmup):
        result.status = request().status_code
    slowest = -1.0
    slowest_queries: list[dict[str, str]] = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = request()
            elapsed = (time.perf_counter() - start) * 1000
        result.runs.append(elapsed)
        result.status = response.status_code
        result.queries = len(captured.captured_queries)
        if elapsed > slowest:
            slowest, slowest_queries = elapsed, list(captured.captured_queries)
    ordered = sorted(result.runs)
    result.median_ms = statistics.median(ordered)
    result.p95_ms = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    if result.over and slowest_queries:
        query = max(slowest_queries, key=lambda q: float(q.get("time") or 0))
        result.slowest_sql = query["sql"]
        try:
            result.explain = _explain(query["sql"])
        except Exception as error:
            result.explain = f"(EXPLAIN failed: {error})"
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    console = Console(width=max(120, Console().width))
    name = args.db or f"lijiao_city_{os.getpid()}"
    if not args.reuse:
        create_database(name)
    setup_django(name)
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)  # "testserver" allowed, e-mail kept in memory
    try:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, disable=args.quiet) as progress:
            if args.reuse:  # a kept city, brought to the code's migrations (new indexes) before timing
                from django.core.management import call_command

                call_command("migrate", verbosity=0)
                from lijiao.certificates.models import Certificate

                if not Certificate.objects.exists():  # a city kept before the certificates app: add them
                    make_certificates(random.Random(args.seed), progress)
                if not city_claims_exist():  # a city kept before the subsidies app: add its claims
                    make_claims(random.Random(args.seed), progress, args.scale)
                if args.vacuum:
                    vacuum()
                counts = reused_counts()
            else:
                counts = build_city(args.scale, args.seed, progress)
            if not args.quiet:
                console.print(counts)
            found = [s for s in screens() if not args.only or any(o in s.name for o in args.only)]
            task = progress.add_task("timing screens", total=len(found))
            measures = []
            for screen in found:
                measures.append(time_screen(screen, args.runs))
                progress.advance(task)
        table = Table(title=f"Everyday screens at scale {args.scale} ({args.runs} runs after warm-up)")
        for column in ("screen", "role", "status", "median ms", "p95 ms", "queries", "budget"):
            table.add_column(column, justify="right" if column.endswith(("ms", "queries")) else "left")
        for m in measures:
            table.add_row(
                m.name, m.role, str(m.status), f"{m.median_ms:.1f}", f"{m.p95_ms:.1f}", str(m.queries),
                "[red]ERROR[/red]" if m.status != 200 else "[red]OVER[/red]" if m.over else "ok",
            )  # fmt: skip
        console.print(table)
        for m in measures:
            if m.over:
                console.rule(f"{m.name} ({m.url}): p95 {m.p95_ms:.0f} ms, slowest query")
                console.print(m.slowest_sql, markup=False, highlight=False)
                console.print(m.explain, markup=False, highlight=False)
        report = {
            "scale": args.scale,
            "runs": args.runs,
            "budget_ms": BUDGET_MS,
            "counts": counts,
            "screens": [{k: v for k, v in asdict(m).items() if k != "runs"} for m in measures],
        }
        if args.json:
            Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        return report
    finally:
        if not args.keep and not args.reuse:
            drop_database(name)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the city (1M persons, 50k classes)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per screen after warm-up")
    parser.add_argument("--json", help="also write the table as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--db", help="database name (default lijiao_city_<pid>)")
    parser.add_argument(
        "--reuse", action="store_true", help="time a kept city (--db NAME): migrate it, no rebuild"
    )
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--vacuum", action="store_true", help="with --reuse: VACUUM (ANALYZE) the kept city before timing"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="SUBSTRING",
        help="time only the screens whose name contains SUBSTRING (repeatable)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    return run(parse(argv))


if __name__ == "__main__":
    main()


__all__ = ["Callable", "Measure", "Screen", "main", "parse"]
