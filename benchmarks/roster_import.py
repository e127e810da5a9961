"""Roster import benchmark (issues #3, #8): rows/s and peak memory of ``lijiao.training.roster_import.import_roster``.

Generates rosters of 1,000 / 100,000 / 1,000,000 rows as xlsx and csv, each with 1 % invalid rows of every kind
(at least one of each): missing name, bad check character, bad length, impossible birth date, future birth
date, an ID typed into a NUMBER cell (csv: Excel's ``2.10202E+17``), bad phone, gender and birth date that
contradict the ID, an unknown group, a group without its evidence, the same ID twice, a person already enrolled
in the class, a person too old for the program, a person enrolled in an overlapping class, and a registered
person under another name. Each file is imported twice: as generated (all or nothing: the time to produce the
error report) and with the invalid rows removed (the end-to-end import).

Every import runs in a fresh subprocess (so its peak RSS is its own) against a fresh copy of a seeded database:
PostgreSQL (a scratch database created from a template and dropped afterwards) and SQLite (a temporary file).
In the same run: python-calamine alone reading each file (the floor), and django-import-export importing the
100,000-row file with a plain ``ModelResource`` for person + enrollment (what most projects would write).

Every PostgreSQL run (imports and write floors) also reports CPU seconds: the run's own process over the timed
region (user + system) and the PostgreSQL server's over the whole child process (every process of the
``postgres`` OS user, from /proc), with the shortest wall time the machine's cores allow for them,
(process + server CPU) / ``os.cpu_count()``, and the rows/s ceiling that sets.

Usage::

    .venv/bin/python benchmarks/roster_import.py [--sizes 1000,100000,1000000] [--skip-sqlite]
        [--formats xlsx,csv] [--variants errors,clean] [--skip-import-export] [--skip-write-floor]
        [--pg postgres://postgres@127.0.0.1:5432]
        [--data-dir /tmp/lijiao-roster-bench]

Generated files are kept in ``--data-dir`` and reused (writing a 1,000,000-row xlsx takes minutes).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lijiao.core.identity import citizen_id_check_char  # noqa: E402  (pure Python, no Django)

GENERATOR_VERSION = 4
SEED = 20251
HEADER = [
    "序号",
    "姓名",
    "公民身份号码",
    "联系电话",
    "性别",
    "出生日期",
    "户口性质",
    "文化程度",
    "工作单位",
    "人员类别",
    "毕业年份",
    "失业登记证号",
    "参保月数",
    "备注",
]
KINDS = [
    "missing_name",
    "bad_check_char",
    "bad_length",
    "bad_birth_date",
    "future_birth_date",
    "numeric_id_cell",
    "bad_phone",
    "gender_mismatch",
    "birth_date_mismatch",
    "unknown_group",
    "missing_evidence",
    "duplicate_in_file",
    "already_enrolled",
    "not_eligible",
    "overlapping_class",
    "name_mismatch",
]
SEEDED_KINDS = ("already_enrolled", "overlapping_class", "name_mismatch")
AREAS = ["210202", "210203", "210204", "210211", "210212", "210213", "210214", "210224", "210281", "210283"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红海燕玉梅飞鹏宇浩然子轩欣怡梓涵一诺晨曦思远"
)
EDUCATIONS = ["初中", "高中", "中专", "大专", "本科", "硕士", "小学"]
COMPANIES = [
    "大连港集团有限公司",
    "大连重工装备集团",
    "辽宁某机械制造有限公司",
    "大连某物流有限公司",
    "大连某软件有限公司",
]
EPOCH = dt.date(1967, 1, 1)
TODAY = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()  # Asia/Shanghai
DAYS = 365 * 38  # birth dates 1967 … 2004: every person is 21–59 when the class starts


def make_id(index: int, base: int, on: dt.date | None = None) -> str:
    """A valid citizen ID, distinct for every (index, base): base picks a block of sequence numbers."""
    area = AREAS[index % 10]
    born = on or EPOCH + dt.timedelta(days=(index // 10) % DAYS)
    seq = base + (index // (10 * DAYS))
    body = f"{area}{born:%Y%m%d}{seq:03d}"
    return body + citizen_id_check_char(body)


def seeded_id(kind: str, k: int) -> str:
    return make_id(k, 900 + SEEDED_KINDS.index(kind))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


# --- files ----------------------------------------------------------------------------------------------------


def _valid_row(i: int, number: str, rng: random.Random, year_now: int) -> list[Any]:
    born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    gender = "男" if int(number[16]) % 2 else "女"
    r = rng.random()
    groups, year, registration, months, employer = "", "", "", "", ""
    if r < 0.2:
        groups, registration = "失业人员", f"2102{i:010d}"
    elif r < 0.32 and born.year + 22 <= year_now:
        groups, year = "高校毕业生", str(min(year_now, born.year + 22 + rng.randint(0, 3)))
    elif r < 0.42:
        groups = "农村转移劳动者"
    elif r < 0.52:
        groups, employer = "企业职工", rng.choice(COMPANIES)
        months = str(rng.randint(1, 12 * max(1, year_now - born.year - 17)))
    elif r < 0.56:
        groups = "退役军人、失业人员"
        registration = f"2102{i:010d}"
    birth_cell: Any = ""
    shape = i % 4
    if shape == 0:
        birth_cell = born  # a date cell (xlsx) / ISO text (csv)
    elif shape == 1:
        birth_cell = f"{born.year}/{born.month}/{born.day}"
    elif shape == 2:
        birth_cell = f"{born.year}年{born.month}月{born.day}日"
    return [
        i,
        person_name(rng),
        number if i % 7 else number.lower() if number[-1] == "X" else f" {number} ",
        f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}" if i % 9 else "",
        gender if i % 2 else "",
        birth_cell,
        rng.choice(("城镇", "农村", "", "农业户口", "非农业户口")),
        rng.choice(EDUCATIONS),
        employer,
        groups,
        year,
        registration,
        months,
        "" if i % 5 else "备注",
    ]


def _invalid_row(kind: str, i: int, k: int, earlier: list[Any], rng: random.Random, size: int) -> list[Any]:
    """Row ``i`` broken in the way ``kind`` says; ``k`` counts the rows of that kind (for seeded people)."""
    number = make_id(10_000_000 + i, (size.bit_length() * 13) % 800)
    row = _valid_row(i, number, rng, TODAY.year)
    row[8:13] = ["", "", "", "", ""]
    if kind == "missing_name":
        row[1] = ""
    elif kind == "bad_check_char":
        row[2] = number[:17] + ("0" if number[17] != "0" else "1")
    elif kind == "bad_length":
        row[2] = number[:16]
    elif kind == "bad_birth_date":
        body = number[:10] + "1332" + number[14:17]
        row[2] = body + citizen_id_check_char(body)
    elif kind == "future_birth_date":
        row[2] = make_id(i, 7, TODAY + dt.timedelta(days=400))
        row[5] = ""
    elif kind == "numeric_id_cell":
        row[2] = float(number[:17] + "0")  # xlsx: a number cell; csv: Excel's display of it
    elif kind == "bad_phone":
        row[3] = "1234"
    elif kind == "gender_mismatch":
        row[4] = "女" if int(number[16]) % 2 else "男"
    elif kind == "birth_date_mismatch":
        row[5] = "1980-02-29" if number[6:10] != "1980" else "1981-03-01"
    elif kind == "unknown_group":
        row[9] = "外星人"
    elif kind == "missing_evidence":
        row[9] = "失业人员"
    elif kind == "duplicate_in_file":
        row = [i, *earlier[1:]]
    elif kind in {"already_enrolled", "overlapping_class"}:
        row[2], row[5] = seeded_id(kind, k), ""
        row[1], row[4] = f"已登记{k}", ""
    elif kind == "name_mismatch":
        row[2], row[5], row[4] = seeded_id(kind, k), "", ""
        row[1] = f"别名{k}"
    elif kind == "not_eligible":
        row[2], row[4], row[5] = make_id(i, 8, dt.date(1950, 5, 1)), "", ""
    return row


def invalid_positions(size: int) -> dict[int, str]:
    """Row index (1-based data row) → kind, about 1 % of the rows and at least one of each kind."""
    count = max(len(KINDS), size // 100)
    step = size // count
    return {1 + step // 2 + j * step: KINDS[j % len(KINDS)] for j in range(count)}


def seeded_counts(sizes: list[int]) -> int:
    """People to seed per seeded kind: enough for the largest file."""
    largest = max(sizes)
    per_kind = 0
    for kind in invalid_positions(largest).values():
        if kind == SEEDED_KINDS[0]:
            per_kind += 1
    return per_kind


def generate(size: int, data_dir: Path) -> dict[str, Path]:
    """roster-<size>.{xlsx,csv} and their -clean twins (no invalid rows); reused when already there."""
    stem = f"roster-v{GENERATOR_VERSION}-{size}"
    paths = {
        "xlsx": data_dir / f"{stem}.xlsx",
        "csv": data_dir / f"{stem}.csv",
        "xlsx-clean": data_dir / f"{stem}-clean.xlsx",
        "csv-clean": data_dir / f"{stem}-clean.csv",
    }
    if all(p.exists() for p in paths.values()):
        return paths
    import xlsxwriter

    print(f"generating {size:,}-row rosters in {data_dir} …", flush=True)
    started = time.perf_counter()
    rng = random.Random(SEED + size)
    year_now = TODAY.year
    positions = invalid_positions(size)
    tmp = {key: path.with_suffix(path.suffix + ".part") for key, path in paths.items()}
    books = {
        key: xlsxwriter.Workbook(str(tmp[key]), {"constant_memory": True, "strings_to_numbers": False})
        for key in ("xlsx", "xlsx-clean")
    }
    sheets, formats = {}, {}
    for key, book in books.items():
        sheet = book.add_worksheet("学员名单")
        formats[key] = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_string(0, 0, f"{TODAY.year}年职业技能培训学员花名册（基准测试）")
        sheet.write_string(1, 0, "培训机构：基准测试职业培训学校")
        for col, title in enumerate(HEADER):
            sheet.write_string(2, col, title)
        sheets[key] = sheet
    handles = {key: open(tmp[key], "w", encoding="utf-8-sig", newline="") for key in ("csv", "csv-clean")}  # noqa: SIM115
    writers = {key: csv.writer(handle) for key, handle in handles.items()}
    for writer in writers.values():
        writer.writerow([f"{TODAY.year}年职业技能培训学员花名册（基准测试）"])
        writer.writerow(HEADER)
    out_row = {"xlsx": 3, "xlsx-clean": 3}
    recent: list[list[Any]] = []
    seen_kind: dict[str, int] = {}
    for i in range(1, size + 1):
        kind = positions.get(i)
        if kind is None:
            row = _valid_row(i, make_id(i, (size.bit_length() * 13) % 800), rng, year_now)
            recent = [row, *recent[:9]]
        else:
            k = seen_kind[kind] = seen_kind.get(kind, -1) + 1
            row = _invalid_row(kind, i, k, recent[-1] if recent else ["", make_id(0, 1)], rng, size)
        targets = ("xlsx", "csv") if kind else ("xlsx", "csv", "xlsx-clean", "csv-clean")
        for key in targets:
            if key.startswith("xlsx"):
                sheet, r = sheets[key], out_row[key]
                for col, value in enumerate(row):
                    if isinstance(value, dt.date):
                        sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), formats[key])
                    elif isinstance(value, int | float):
                        sheet.write_number(r, col, value)
                    elif value != "":
                        sheet.write_string(r, col, value)
                out_row[key] += 1
            else:
                writers[key].writerow(
                    [
                        v.isoformat() if isinstance(v, dt.date) else f"{v:.6G}" if isinstance(v, float) else v
                        for v in row
                    ]
                )
    for key in ("xlsx", "csv"):  # blank trailing rows, as Excel leaves them
        if key == "csv":
            writers[key].writerow([])
            writers[key].writerow(["", "", ""])
    for book in books.values():
        book.close()
    for handle in handles.values():
        handle.close()
    for key, path in paths.items():
        tmp[key].replace(path)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return paths


# --- databases ------------------------------------------------------------------------------------------------


def child_env(db_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lijiao.settings",
            "LIJIAO_DATABASE_URL": db_url,
            "LIJIAO_SECRET_KEY": "benchmark-secret-key",
            "LIJIAO_PII_KEY": "benchmark-pii-key",
            "LIJIAO_DEBUG": "0",
            "LIJIAO_VAR_DIR": str(var_dir),
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    return env


def run_child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def server_cpu_seconds() -> float | None:
    """CPU seconds (user + system) the local PostgreSQL server has used so far: the sum over every process of
    the ``postgres`` OS user of utime + stime + cutime + cstime from /proc/<pid>/stat. A backend exits when
    its client's connection closes and its CPU then lands in the postmaster's cutime/cstime, so the difference
    around a child process holds its backends' work. The whole server on purpose: the checkpointer, WAL writer
    and background writer do part of every write (and anything else the server runs meanwhile counts too).
    ``None`` without /proc, a ``postgres`` user or any process of it (e.g. the server runs elsewhere)."""
    try:
        import pwd

        uid = pwd.getpwnam("postgres").pw_uid
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except (ImportError, KeyError, OSError):
        return None
    ticks, found = 0, False
    for pid in pids:
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # gone since the listing
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # from field 3 (state) on: comm may hold ' ' and ')'
        ticks += sum(int(field) for field in fields[11:15])  # fields 14–17: utime stime cutime cstime
        found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def cpu_bound(result: dict[str, Any]) -> float | None:
    """The shortest wall time the machine's cores allow for a run: (process + server CPU) / cores."""
    if result.get("server_cpu") is None:
        return None
    return (result["cpu"] + result["server_cpu"]) / (os.cpu_count() or 1)


def server_cpu_used(started: float | None) -> float | None:
    """Server CPU seconds since ``started`` (from ``server_cpu_seconds()``); ``None`` if one is missing."""
    now = server_cpu_seconds()
    return None if started is None or now is None else now - started


def cpu_note(result: dict[str, Any]) -> str:
    server = result.get("server_cpu")
    return f"cpu {result['cpu']:.2f} s + server {'n/a' if server is None else f'{server:.2f} s'}"


class Postgres:
    def __init__(self, server: str) -> None:
        import psycopg

        self.server = server.rstrip("/")
        self.admin = psycopg.connect(f"{self.server}/postgres", autocommit=True)
        self.template = f"lijiao_bench_tpl_{os.getpid()}"
        self.copies: list[str] = []

    def url(self, name: str) -> str:
        return f"{self.server}/{name}"

    def create(self, name: str, template: str | None = None) -> str:
        suffix = f" TEMPLATE {template}" if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def drop(self, name: str) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def fresh_copy(self) -> tuple[str, str]:
        name = f"lijiao_bench_run_{os.getpid()}_{len(self.copies)}"
        self.copies.append(name)
        return name, self.create(name, self.template)

    def close(self) -> None:
        for name in [*self.copies, self.template]:
            self.drop(name)
        self.admin.close()


def prepare(db_url: str, var_dir: Path, seed_people: int) -> dict[str, Any]:
    env = child_env(db_url, var_dir)
    subprocess.run(
        [sys.executable, "-m", "lijiao", "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT
    )
    return run_child(["seed", str(seed_people)], env)


# --- child processes ------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_cpu_seconds() -> float:
    """CPU seconds (user + system, all threads) this process has used so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_seed(people_per_kind: int) -> dict[str, Any]:
    import django

    django.setup()
    from decimal import Decimal

    from django.utils import timezone

    from lijiao.accounts.roles import Role
    from lijiao.accounts.services import create_user
    from lijiao.catalog.models import CatalogItem, Category, Edition, EditionStatus, Occupation
    from lijiao.core.decisions import store_decision
    from lijiao.core.identity import parse_citizen_id
    from lijiao.core.models import HandlingArea
    from lijiao.people.models import Person
    from lijiao.providers.models import Provider, ProviderScope, ProviderStatus
    from lijiao.training.models import ClassSession, ClassStatus, Enrollment, Program, TrainingClass

    today = timezone.localdate()
    area = HandlingArea.objects.get(code="ZS")
    category = Category.objects.create(code="bench", name="基准测试类", sort_order=1)
    occupation, _ = Occupation.objects.get_or_create(code="6-31-01-03", defaults={"name": "电工"})
    edition = Edition.objects.create(
        name="基准测试版",
        year=today.year,
        status=EditionStatus.PUBLISHED,
        effective_from=today - dt.timedelta(days=100),
        published_at=timezone.now(),
    )
    item = CatalogItem.objects.create(
        edition=edition,
        kind="occupation",
        occupation=occupation,
        level=5,
        category=category,
        subsidy_standard=Decimal("800"),
        min_lesson_hours=40,
    )
    provider = Provider.objects.create(
        credit_code=_credit_code(),
        name="基准测试职业培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        handling_area=area,
        status=ProviderStatus.APPROVED,
        licence_expires_on=today + dt.timedelta(days=999),
    )
    ProviderScope.objects.create(provider=provider, occupation=occupation, highest_level=3)
    program = Program.objects.create(
        code="BENCH",
        name="职业技能培训（基准测试）",
        kind=Program.Kind.GENERAL,
        year=today.year,
        eligibility_rule={
            "all": [
                {"fact": "age", "op": ">=", "value": 16, "label": "年满16周岁"},
                {"fact": "age", "op": "<=", "value": 60, "label": "不超过60周岁"},
            ]
        },
        quota=5_000_000,
    )
    user = create_user(
        actor=None,
        username="bench_provider",
        password="Bench-passw0rd-x",
        roles=[Role.PROVIDER_STAFF],
        provider=provider,
    )
    start = today + dt.timedelta(days=7 - today.weekday())

    def make_class(code: str) -> TrainingClass:
        training_class = TrainingClass.objects.create(
            code=code,
            name=f"基准测试班{code}",
            provider=provider,
            handling_area=area,
            catalog_item=item,
            program=program,
            start_date=start,
            end_date=start + dt.timedelta(days=11),
            lesson_hours=40,
            practical_hours=24,
            capacity=3_000_000,
            status=ClassStatus.APPROVED,
            filed_on=today,
        )
        sessions = []
        for day in range(10):
            when = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=day), dt.time(9)))
            sessions.append(
                ClassSession(
                    training_class=training_class, starts_at=when, ends_at=when + dt.timedelta(hours=3)
                )
            )
        ClassSession.objects.bulk_create(sessions)
        return training_class

    passed = store_decision({"passed": True, "reasons": [], "trace": []})
    target = make_class("BENCH-TARGET")
    other = make_class("BENCH-OTHER")
    for kind, training_class in (
        ("already_enrolled", target),
        ("overlapping_class", other),
        ("name_mismatch", None),
    ):
        people = []
        for k in range(people_per_kind):
            cid = parse_citizen_id(seeded_id(kind, k))
            people.append(
                Person(name=f"已登记{k}", citizen_id=cid.number, gender=cid.gender, birth_date=cid.birth_date)
            )
        Person.objects.bulk_create(people, batch_size=2_000)
        if training_class is not None:
            Enrollment.objects.bulk_create(
                [
                    Enrollment(training_class=training_class, person=p, eligibility_decision_id=passed)
                    for p in people
                ],
                batch_size=2_000,
            )
            TrainingClass.objects.filter(pk=training_class.pk).update(enrolled_count=len(people))
    return {"class_id": target.pk, "username": user.username}


def _credit_code() -> str:
    from lijiao.core.identity import credit_code_check_char

    body = "00000001"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    first17 = "91210202" + body + {10: "X", 11: "0"}.get(check, str(check))
    return first17 + credit_code_check_char(first17)


# PostgreSQL's share with its foreign keys (what the importer gets), and — on a scratch copy only, never the schema
# — with no foreign keys at all (docs/adr/0002-roster-import-at-scale.md).
AS_DESIGNED = "as designed; PostgreSQL checks the foreign keys"
FLOOR_VARIANTS: dict[str, list[str]] = {  # name: foreign keys dropped
    AS_DESIGNED: [],
    "without any FK on the written rows": ["training_enrollment:*", "core_persongroup:*"],
}


def drop_foreign_keys(db_url: str, targets: list[str]) -> None:
    """Drop the named foreign keys (``table:column``, ``table:*`` for all) in a scratch database."""
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        for target in targets:
            table, column = target.split(":")
            rows = conn.execute(
                "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
                "AND a.attnum = ANY(c.conkey) WHERE c.conrelid = %s::regclass AND c.contype = 'f' "
                "AND (%s = '*' OR a.attname = %s)",
                [table, column, column],
            ).fetchall()
            for (name,) in rows:
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')


def child_write_floor(rows: int, class_id: int, username: str) -> dict[str, Any]:
    """PostgreSQL's own share of a clean import: the same writes as the importer makes for ``rows`` new trainees
    (people, their groups, enrollments; same COPY data, constraints checked per batch, one transaction), with
    every payload built before the clock starts — no reading, no checks, no Python on the way."""
    import django

    django.setup()
    from django.db import connection, transaction

    from lijiao.accounts.models import User
    from lijiao.core.bulk_write import copy_payload, copy_send, reserve_ids
    from lijiao.core.decisions import store_decision
    from lijiao.core.pii import PIIKind, pii_digest
    from lijiao.people.models import Person, PersonGroup
    from lijiao.training.models import Enrollment
    from lijiao.training.roster_import import ImportOptions
    from lijiao.training.roster_import.writing import ENROLLMENT_FIELDS, GROUP_FIELDS, PERSON_FIELDS

    batch_rows = ImportOptions().batch_rows

    user = User.objects.get(username=username)
    decision = store_decision({"passed": True, "reasons": [], "trace": [], "bench": "write floor"})
    rng = random.Random(SEED)
    connection.ensure_connection()
    batches = []
    for start in range(0, rows, batch_rows):
        people, groups, enrollments = [], [], []
        count = min(batch_rows, rows - start)
        ids = reserve_ids(connection, Person, count)
        for offset, person_id in enumerate(ids):
            number = make_id(start + offset, 500)
            people.append(
                (
                    person_name(rng),
                    number,
                    pii_digest(PIIKind.CITIZEN_ID, number),
                    "M",
                    dt.date(1990, 1, 1),
                    f"138{rng.randint(0, 99_999_999):08d}",
                    "urban",
                    "college",
                    "",
                )
            )
            if rng.random() < 0.44:
                groups.append(
                    (person_id, "unemployed", None, f"2102{start + offset:010d}", None, "", user.pk)
                )
            enrollments.append((class_id, person_id, "active", user.pk, decision))
        batches.append(  # the importer's own column lists: the same COPY data it sends
            (
                copy_payload(connection, Person, PERSON_FIELDS, people, ids),
                copy_payload(connection, PersonGroup, GROUP_FIELDS, groups),
                copy_payload(connection, Enrollment, ENROLLMENT_FIELDS, enrollments),
            )
        )
    started, cpu_started = time.perf_counter(), process_cpu_seconds()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for payloads in batches:
            for payload in payloads:
                copy_send(connection, payload)
    seconds, cpu = time.perf_counter() - started, process_cpu_seconds() - cpu_started
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "rss_mb": peak_rss_mb()}


def child_import(path: str, class_id: int, username: str) -> dict[str, Any]:
    import django

    django.setup()
    from lijiao.accounts.models import User
    from lijiao.training.models import TrainingClass
    from lijiao.training.roster_import import import_roster

    user = User.objects.get(username=username)
    training_class = TrainingClass.objects.get(pk=class_id)
    started, cpu_started = time.perf_counter(), process_cpu_seconds()
    result = import_roster(
        actor=user, training_class=training_class, file_name=Path(path).name, data=Path(path)
    )
    seconds, cpu = time.perf_counter() - started, process_cpu_seconds() - cpu_started
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": result.total_rows,
        "imported": result.imported_rows,
        "errors": result.error_count,
        "rss_mb": peak_rss_mb(),
    }


def child_floor(path: str) -> dict[str, Any]:
    started = time.perf_counter()
    rows = 0
    if path.endswith(".xlsx"):
        import python_calamine

        workbook = python_calamine.CalamineWorkbook.from_path(path)
        for _ in workbook.get_sheet_by_index(0).iter_rows():
            rows += 1
    else:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for _ in csv.reader(handle):
                rows += 1
    return {"seconds": time.perf_counter() - started, "rows": rows, "rss_mb": peak_rss_mb()}


def child_import_export(path: str, class_id: int, username: str) -> dict[str, Any]:
    """django-import-export as a project would use it: a ModelResource for Person whose rows also enroll."""
    import django

    django.setup()
    import tablib
    from import_export import fields, resources

    from lijiao.accounts.models import User
    from lijiao.core.identity import parse_citizen_id
    from lijiao.people.models import Person
    from lijiao.training.models import Enrollment, TrainingClass

    user = User.objects.get(username=username)
    training_class = TrainingClass.objects.get(pk=class_id)

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        citizen_id = fields.Field(attribute="citizen_id", column_name="公民身份号码")
        phone = fields.Field(attribute="phone", column_name="联系电话")
        employer_name = fields.Field(attribute="employer_name", column_name="工作单位")

        class Meta:
            model = Person
            fields = ("name", "citizen_id", "phone", "employer_name")
            import_id_fields: tuple[str, ...] = ()

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            cid = parse_citizen_id(instance.citizen_id)
            instance.citizen_id, instance.gender, instance.birth_date = cid.number, cid.gender, cid.birth_date

        def after_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            if not kwargs.get("dry_run"):
                Enrollment.objects.create(training_class=training_class, person=instance, enrolled_by=user)

    with open(path, encoding="utf-8-sig") as handle:
        lines = handle.read().splitlines()
    dataset = tablib.Dataset().load("\n".join(lines[1:]), format="csv")  # drop the title row
    started = time.perf_counter()
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": len(dataset),
        "errors": int(result.has_errors()),
        "rss_mb": peak_rss_mb(),
    }


# --- main -----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-import-export", action="store_true")
    parser.add_argument("--skip-write-floor", action="store_true")
    parser.add_argument(
        "--variants", default="errors,clean", help="errors (as generated), clean (without them)"
    )
    parser.add_argument(
        "--pg", default=os.environ.get("LIJIAO_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "lijiao-roster-bench"))
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.child:
        command, *rest = args.child
        handlers = {
            "seed": lambda: child_seed(int(rest[0])),
            "import": lambda: child_import(rest[0], int(rest[1]), rest[2]),
            "floor": lambda: child_floor(rest[0]),
            "ie": lambda: child_import_export(rest[0], int(rest[1]), rest[2]),
            "write-floor": lambda: child_write_floor(int(rest[0]), int(rest[1]), rest[2]),
        }
        print(json.dumps(handlers[command]()))
        return

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    formats = [f for f in args.formats.split(",") if f]
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    files = {size: generate(size, data_dir) for size in sizes}
    work = Path(tempfile.mkdtemp(prefix="lijiao-bench-"))
    seed_people = seeded_counts(sizes)
    databases: dict[str, Any] = {}
    pg: Postgres | None = None
    results: list[dict[str, Any]] = []
    ie: dict[str, Any] | None = None
    write_floors: dict[int, dict[str, Any]] = {}
    floor_variants: list[dict[str, Any]] = []
    try:
        if not args.skip_postgres:
            pg = Postgres(args.pg)
            url = pg.create(pg.template)
            print(f"PostgreSQL: migrating and seeding {pg.template} …", flush=True)
            databases["postgresql"] = prepare(url, work, seed_people)
        if not args.skip_sqlite:
            template = work / "template.sqlite3"
            print("SQLite: migrating and seeding …", flush=True)
            databases["sqlite"] = prepare(f"sqlite:///{template}", work, seed_people)
        floors: dict[tuple[int, str], dict[str, Any]] = {}
        for size in sizes:
            if pg is not None and "postgresql" in databases and not args.skip_write_floor:
                seed = databases["postgresql"]
                clean_rows = size - len(invalid_positions(size))
                variants = FLOOR_VARIANTS if size == 100_000 else {AS_DESIGNED: FLOOR_VARIANTS[AS_DESIGNED]}
                for variant, targets in variants.items():
                    name, url = pg.fresh_copy()
                    drop_foreign_keys(url, targets)
                    server_started = server_cpu_seconds()
                    write_floor = run_child(
                        ["write-floor", str(clean_rows), str(seed["class_id"]), seed["username"]],
                        child_env(url, work),
                    )
                    write_floor["server_cpu"] = server_cpu_used(server_started)
                    pg.drop(name)
                    write_floor["variant"] = variant
                    if variant == AS_DESIGNED:
                        write_floors[size] = write_floor
                    elif size == 100_000:
                        floor_variants.append(write_floor)
                    print(
                        f"PostgreSQL write floor {clean_rows:>9,} rows  {write_floor['seconds']:7.2f} s  "
                        f"{clean_rows / write_floor['seconds']:>10,.0f} rows/s  ({variant})  "
                        f"{cpu_note(write_floor)}",
                        flush=True,
                    )
            for fmt in formats:
                floor = run_child(["floor", str(files[size][fmt])], child_env("sqlite:///:memory:", work))
                floors[size, fmt] = floor
                print(
                    f"floor  {size:>9,} {fmt:<4}  {floor['seconds']:7.2f} s  "
                    f"{size / floor['seconds']:>10,.0f} rows/s  {floor['rss_mb']:6.0f} MB",
                    flush=True,
                )
                for variant in [v for v in args.variants.split(",") if v]:
                    path = files[size][fmt if variant == "errors" else f"{fmt}-clean"]
                    for db, seed in databases.items():
                        if db == "postgresql":
                            assert pg is not None
                            name, url = pg.fresh_copy()
                        else:
                            name, url = "", f"sqlite:///{work / 'run.sqlite3'}"
                            shutil.copyfile(work / "template.sqlite3", work / "run.sqlite3")
                        server_started = server_cpu_seconds() if db == "postgresql" else None
                        outcome = run_child(
                            ["import", str(path), str(seed["class_id"]), seed["username"]],
                            child_env(url, work),
                        )
                        if db == "postgresql":
                            outcome["server_cpu"] = server_cpu_used(server_started)
                        if name and pg is not None:
                            pg.drop(name)
                        outcome.update(size=size, format=fmt, variant=variant, db=db, floor=floor["seconds"])
                        results.append(outcome)
                        print(
                            f"import {size:>9,} {fmt:<4} {variant:<6} {db:<10} {outcome['seconds']:7.2f} s  "
                            f"{outcome['rows'] / outcome['seconds']:>10,.0f} rows/s  {outcome['rss_mb']:6.0f} MB  "
                            f"imported {outcome['imported']:,}  errors {outcome['errors']:,}"
                            + (f"  {cpu_note(outcome)}" if db == "postgresql" else ""),
                            flush=True,
                        )
        if not args.skip_import_export and 100_000 in sizes and "postgresql" in databases and pg is not None:
            name, url = pg.fresh_copy()
            seed = databases["postgresql"]
            print("django-import-export: 100,000 rows (csv, clean) into PostgreSQL …", flush=True)
            ie = run_child(
                ["ie", str(files[100_000]["csv-clean"]), str(seed["class_id"]), seed["username"]],
                child_env(url, work),
            )
            pg.drop(name)
            print(
                f"  {ie['seconds']:.1f} s, {ie['rows'] / ie['seconds']:,.0f} rows/s, {ie['rss_mb']:.0f} MB",
                flush=True,
            )
    finally:
        if pg is not None:
            pg.close()
        shutil.rmtree(work, ignore_errors=True)
    report(results, ie, write_floors, floor_variants)


def cpu_goal(r: dict[str, Any]) -> str:
    """One line: the import's CPU, the server's, and the shortest wall time the cores allow for them."""
    cores, bound = os.cpu_count() or 1, cpu_bound(r)
    if bound is None:
        return f"  CPU: import {r['cpu']:.2f} s + PostgreSQL n/a on {cores} cores"
    cpu, server = r["cpu"], r["server_cpu"]
    return (
        f"  CPU: import {cpu:.2f} s + PostgreSQL {server:.2f} s = {cpu + server:.2f} s on {cores} cores "
        f"→ no schedule can finish in under {bound:.2f} s ({r['rows'] / bound:,.0f} rows/s)"
    )


def report(
    results: list[dict[str, Any]],
    ie: dict[str, Any] | None,
    write_floors: dict[int, dict[str, Any]],
    floor_variants: list[dict[str, Any]],
) -> None:
    print()
    print(
        "Roster import (rows/s = data rows / wall seconds of import_roster; RSS = peak of the import's process)"
    )
    head = f"{'rows':>9}  {'fmt':<4}  {'file':<6}  {'database':<10}  {'seconds':>8}  {'rows/s':>9}  {'peak RSS':>8}  {'× floor':>7}  imported / errors"
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['size']:>9,}  {r['format']:<4}  {r['variant']:<6}  {r['db']:<10}  {r['seconds']:>8.2f}  "
            f"{r['rows'] / r['seconds']:>9,.0f}  {r['rss_mb']:>6.0f}MB  {r['seconds'] / r['floor']:>7.2f}  "
            f"{r['imported']:,} / {r['errors']:,}"
        )
    print()
    cpu_runs = [
        (f"import {r['format']} {r['variant']}", r) for r in results if r["db"] == "postgresql" and "cpu" in r
    ]
    for size, wf in write_floors.items():
        cpu_runs.append((f"write floor ({wf['variant']})", wf))
        if size == 100_000:
            cpu_runs += [(f"write floor ({v['variant']})", v) for v in floor_variants]
    if cpu_runs:
        cores = os.cpu_count() or 1
        print(
            "CPU of the PostgreSQL runs (process = the run's own over its timed region; server = every "
            f"postgres\nprocess over the whole child run; bound = (process + server) / {cores} cores: no "
            "schedule can finish sooner)"
        )
        head = (
            f"{'run':<42}  {'rows':>9}  {'process':>7}  {'server':>7}  {'bound':>7}  {'ceiling/s':>9}  "
            f"{'wall':>7}  {'÷ bound':>7}"
        )
        print(head)
        print("-" * len(head))
        for label, r in cpu_runs:
            bound = cpu_bound(r)
            server = "n/a" if r["server_cpu"] is None else f"{r['server_cpu']:.2f}"
            figures = "n/a" if bound is None else f"{bound:>7.2f}  {r['rows'] / bound:>9,.0f}"
            ratio = "n/a" if bound is None else f"{r['seconds'] / bound:.2f}"
            print(
                f"{label:<42}  {r['rows']:>9,}  {r['cpu']:>7.2f}  {server:>7}  {figures:>18}  "
                f"{r['seconds']:>7.2f}  {ratio:>7}"
            )
        print()
    goals = []
    for r in results:
        if r["size"] == 100_000 and r["db"] == "postgresql" and r["variant"] == "clean":
            rate = r["rows"] / r["seconds"]
            goals.append(
                f"100,000 rows end to end on PostgreSQL ({r['format']}): {rate:,.0f} rows/s (goal ≥ 15,000) "
                f"{'met' if rate >= 15_000 else 'NOT met'}"
            )
            goals.append(f"  × read floor ({r['format']}): {r['seconds'] / r['floor']:.2f}")
            if 100_000 in write_floors:
                wf = write_floors[100_000]
                goals.append(
                    f"  PostgreSQL's own writes for these rows (write floor): {wf['seconds']:.2f} s "
                    f"({wf['rows'] / wf['seconds']:,.0f} rows/s); the import takes "
                    f"{r['seconds'] / wf['seconds']:.2f}× that"
                )
            if "cpu" in r:
                goals.append(cpu_goal(r))
            if ie is not None and r["format"] == "csv":
                ratio = ie["seconds"] / ie["rows"] / (r["seconds"] / r["rows"])
                goals.append(
                    f"  vs django-import-export (csv): {ratio:.1f}× faster (goal ≥ 20×) "
                    f"{'met' if ratio >= 20 else 'NOT met'}"
                )
        if r["size"] == 1_000_000:
            goals.append(
                f"1,000,000 rows {r['format']} {r['variant']} {r['db']}: peak RSS {r['rss_mb']:.0f} MB "
                f"(goal ≤ 500) {'met' if r['rss_mb'] <= 500 else 'NOT met'}"
            )
    if 100_000 in write_floors:
        base = write_floors[100_000]
        goals.append(
            f"PostgreSQL write floor, 99,000 rows: {base['seconds']:.2f} s {AS_DESIGNED} "
            f"({base['rows'] / base['seconds']:,.0f} rows/s)"
        )
        for wf in floor_variants:
            goals.append(
                f"  {wf['variant']}: {wf['seconds']:.2f} s ({wf['rows'] / wf['seconds']:,.0f} rows/s)"
                + ("" if wf["variant"].startswith("as designed") else " — on a scratch copy, not done")
            )
    if ie is not None:
        goals.append(
            f"django-import-export, 100,000 rows csv on PostgreSQL: {ie['seconds']:.1f} s "
            f"({ie['rows'] / ie['seconds']:,.0f} rows/s, peak RSS {ie['rss_mb']:.0f} MB)"
        )
    print("\n".join(goals))


if __name__ == "__main__":
    main()
