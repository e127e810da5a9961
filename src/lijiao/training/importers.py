"""Roster import (SPEC C4, issue #3 item 7): a class's trainees from an xlsx/csv file as clerks really produce it.

All or nothing. Every row is checked first; when any row (or the file as a whole) is wrong nothing is written and
the clerk gets the error report (the rows as sent, with row numbers and reasons) through a failed
:class:`~lijiao.core.models.ImportJob`. When every row is right one transaction upserts the people, records their
groups, creates the enrollments, takes the seats once for the whole file and writes one audit event.

The checks are the single-person enrollment's (:mod:`lijiao.training.services.enrollment`,
:mod:`lijiao.people.services`, :mod:`lijiao.training.checks`), run set-based:

* cells: name; citizen ID (every kind of bad number, and a NUMBER cell — Excel has already lost digits — is
  refused with the "format the column as text" message, never converted); phone; gender and birth date, when
  given, must agree with the ID; household, education; groups (``高校毕业生、失业人员`` …, separated by
  ``、,，/;；``) with their evidence (graduation year, unemployment registration number, months insured,
  employer), validated by :func:`lijiao.people.services.validate_group_evidence`;
* rows against each other: the same ID twice (both rows are reported);
* rows against the database: a registered person whose name differs; already enrolled in this class; the
  eligibility rule of the class's program (the reasons are reported); an active enrollment in another class
  whose sessions overlap; and for the file as a whole: the remaining seats and the program's yearly quota.

How it runs, for 1,000,000 rows in bounded memory: rows stream from :func:`lijiao.core.importing.open_table` in
batches of :data:`BATCH_ROWS`; each batch is checked with a constant number of queries (registered people by ID
digest; their groups; their enrollments in this class; overlapping classes). Memory holds a batch, a dict of the
file's ID numbers (duplicates) and one eligibility record per distinct set of facts; the row errors (with the
rows' values) go to a temporary file, from which the error report is written; the rows of errors found later
(duplicates, a rollback) are read again from the file. Writes go through :func:`bulk_insert` (PostgreSQL
``COPY``, SQLite multi-row ``INSERT``). Two strategies, with the same result:

* ``spool`` — validate every row first (what to write is spooled to a temporary file), then write in one
  transaction. Progress of the validation is committed to the job after every batch, on any database; during the
  write it goes through a second connection where the database allows (row locks), else the job says "writing".
* ``stream`` — chosen where the database has row-level locks (PostgreSQL) and no transaction is open: a writer
  thread with its own connection writes each batch as soon as it passed, in one transaction, while this thread
  validates the next one (the database's work overlaps the checks); the first error rolls the writes back and
  the checks go on to complete the report. Progress is committed by this thread after every batch.

Either way, the writing transaction takes the seats and the quota for the whole file under the class's row lock,
locks the registered people and checks them again for overlapping classes, and writes one audit event.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import heapq
import io
import itertools
import json
import logging
import pickle
import queue
import re
import select
import sys
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, router, transaction
from django.db.models import F
from django.db.models.lookups import In
from django.utils import timezone

from lijiao.audit.services import record_event
from lijiao.core.bulk_keys import (
    References,
    bulk_checks_available,
    check_references,
    merge_references,
    references_of,
    row_triggers_off,
)
from lijiao.core.decisions import canonical_json, store_decisions
from lijiao.core.errors import Conflict, DomainError, NotFound
from lijiao.core.identity import InvalidCitizenId, parse_citizen_id
from lijiao.core.importing import (
    REPORT_FIELD_COLUMN,
    REPORT_REASON_COLUMN,
    REPORT_ROW_COLUMN,
    CellError,
    ColumnSpec,
    ImportResult,
    RowError,
    SourceRow,
    Table,
    cell_date,
    cell_int,
    cell_text,
    error_report_xlsx,
    is_blank,
    open_table,
    save_job,
    write_template_header,
)
from lijiao.core.models import ImportJob
from lijiao.core.pii import (
    EncryptedPIIField,
    PIIDigestField,
    PIIKind,
    encrypt_many,
    pii_digest,
    pii_digester,
)
from lijiao.core.rules import evaluate, facts_read
from lijiao.people.models import Person, PersonGroup
from lijiao.people.services import normalise_phone, validate_group_evidence
from lijiao.training.checks import (
    PersonGroupEvidence,
    age_on,
    eligibility_rule_for,
    group_evidence_by_person,
    overlapping_people,
    person_facts,
    reserve_seats,
)
from lijiao.training.models import Enrollment, TrainingClass
from lijiao.training.services.enrollment import (
    _check_quota,
    _class_open,
    eligibility_refusal,
    require_class_staff,
)

__all__ = [
    "BATCH_ROWS",
    "COLUMNS",
    "IMPORT_KIND",
    "RosterImportResult",
    "bulk_insert",
    "check_can_import",
    "get_import_job",
    "import_roster",
    "report_preview",
    "roster_template_xlsx",
]

logger = logging.getLogger(__name__)

IMPORT_KIND = "training.roster"
BATCH_ROWS = 10_000
FIRST_BATCH_ROWS = 1_250
KEEP_ERRORS = 1_000  # errors kept in memory for screens and the API; the report has all of them
FILE_ROW = 0  # RowError.row_number of a problem with the file as a whole (seats, quota)
STRATEGY: str | None = None  # "spool" or "stream" to force one (tests, benchmarks); None chooses

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("name", "姓名", ("学员姓名", "人员姓名", "真实姓名", "姓名（必填）"), required=True),
    ColumnSpec(
        "citizen_id",
        "身份证号",
        (
            "证件号码",
            "公民身份号码",
            "身份证号码",
            "证件号",
            "身份证",
            "身份证件号码",
            "公民身份证号",
            "公民身份证号码",
            "居民身份证号码",
            "身份证号（必填）",
        ),
        required=True,
    ),
    ColumnSpec(
        "phone", "手机号", ("联系电话", "手机", "手机号码", "联系方式", "电话", "电话号码", "移动电话")
    ),
    ColumnSpec("gender", "性别"),
    ColumnSpec("birth_date", "出生日期", ("出生年月日", "出生日期（年月日）", "生日")),
    ColumnSpec("household", "户籍类型", ("户口性质", "户籍性质", "户口类型", "户籍类别", "户籍")),
    ColumnSpec("education", "学历", ("文化程度", "最高学历", "学历层次")),
    ColumnSpec("employer_name", "工作单位", ("单位名称", "所在单位", "就业单位", "工作单位名称", "单位")),
    ColumnSpec(
        "groups", "人员类别", ("人员类型", "参训人员类别", "人员身份", "身份类别", "人员类别（可多选）")
    ),
    ColumnSpec("graduation_year", "毕业年份", ("毕业年度", "毕业时间", "毕业年月")),
    ColumnSpec(
        "registration_number",
        "失业登记证号",
        ("失业证号", "就业失业登记证号", "就业创业证号", "失业登记号", "就业创业证编号"),
    ),
    ColumnSpec("insured_months", "参保月数", ("缴费月数", "参保缴费月数", "社保缴费月数", "累计缴费月数")),
)
HEADER: tuple[str, ...] = tuple(spec.label for spec in COLUMNS)

_GENDERS = {"男": "M", "男性": "M", "m": "M", "male": "M", "女": "F", "女性": "F", "f": "F", "female": "F"}
_HOUSEHOLDS = {
    **{str(label): str(code) for code, label in Person.Household.choices},
    **{str(code): str(code) for code in Person.Household.values},
    "城镇户口": "urban",
    "城镇户籍": "urban",
    "非农": "urban",
    "非农业": "urban",
    "非农业户口": "urban",
    "城市": "urban",
    "居民户口": "urban",
    "农村户口": "rural",
    "农村户籍": "rural",
    "农业": "rural",
    "农业户口": "rural",
}
_EDUCATIONS = {
    **{str(label): str(code) for code, label in Person.Education.choices},
    **{str(code): str(code) for code in Person.Education.values},
    "小学": "primary",
    "小学以下": "primary",
    "文盲": "primary",
    "高中": "senior",
    "中专": "senior",
    "中技": "senior",
    "技校": "senior",
    "职高": "senior",
    "中职": "senior",
    "高中及中专": "senior",
    "专科": "college",
    "大学专科": "college",
    "高职": "college",
    "大专及以上": "college",
    "大学本科": "bachelor",
    "学士": "bachelor",
    "硕士": "postgraduate",
    "博士": "postgraduate",
    "硕士研究生": "postgraduate",
    "博士研究生": "postgraduate",
    "研究生及以上": "postgraduate",
}
_GROUPS = {
    **{str(label): str(code) for code, label in PersonGroup.Group.choices},
    **{str(code): str(code) for code in PersonGroup.Group.values},
    "高校毕业生": "graduate",
    "离校未就业高校毕业生": "graduate",
    "毕业生": "graduate",
    "大学毕业生": "graduate",
    "毕业年度高校毕业生": "upcoming_graduate",
    "应届高校毕业生": "upcoming_graduate",
    "应届毕业生": "upcoming_graduate",
    "应届生": "upcoming_graduate",
    "失业人员": "unemployed",
    "登记失业人员": "unemployed",
    "城镇失业人员": "unemployed",
    "农村转移劳动者": "rural_migrant",
    "农村转移就业劳动者": "rural_migrant",
    "农村劳动力": "rural_migrant",
    "农民工": "rural_migrant",
    "脱贫人口": "low_income",
    "脱贫家庭": "low_income",
    "脱贫家庭成员": "low_income",
    "低保家庭": "low_income",
    "低保家庭成员": "low_income",
    "低保": "low_income",
    "退役军人": "veteran",
    "残疾人": "disabled",
    "企业职工": "employee",
    "职工": "employee",
    "在职职工": "employee",
    "参保职工": "insured",
    "参保人员": "insured",
    "在校学生": "student",
    "在校生": "student",
    "学生": "student",
    "事业单位人员": "public_institution",
    "事业单位": "public_institution",
}
_EMPTY = (None, "")  # empty cells as both readers give them (whitespace-only ones go through is_blank)
_GROUP_SPLIT = re.compile(r"[、,，/／;；|\s]+")
_YEAR = re.compile(r"^(\d{4})(?:\s*(?:年|[-/.]\s*\d{1,2}\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?)?)?$")
_GRADUATE_GROUPS = ("graduate", "upcoming_graduate")
_EVIDENCE_GROUP = {"registration_number": ("unemployed",), "insured_months": ("insured", "employee")}


def _norm_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


_GROUPS = {_norm_key(k): v for k, v in _GROUPS.items()}
_HOUSEHOLDS = {_norm_key(k): v for k, v in _HOUSEHOLDS.items()}
_EDUCATIONS = {_norm_key(k): v for k, v in _EDUCATIONS.items()}


@dataclass(slots=True)
class RosterImportResult(ImportResult):
    """:class:`ImportResult` with the roster's counts. ``errors`` holds at most :data:`KEEP_ERRORS` (the first by
    row number); ``error_count`` counts them all and the job's report lists them all."""

    error_count: int = 0
    people_created: int = 0
    people_updated: int = 0
    groups_recorded: int = 0
    reenrolled: int = 0
    message: str = ""


# --- permission -----------------------------------------------------------------------------------------------


def check_can_import(actor: Any, training_class: TrainingClass) -> None:
    """Raise unless ``actor`` may import into the class now: staff of its provider with
    ``training.import_roster`` (``None`` is the system, e.g. the command line), and the class takes enrollments
    (approved or running, not past its end date)."""
    if actor is not None:
        require_class_staff(actor, training_class, "training.import_roster")
    _class_open(training_class)


# --- bulk insert ----------------------------------------------------------------------------------------------

_PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DateTimeField,
    models.DecimalField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
)


def _is_plain(field: Any) -> bool:
    """A field whose Python value psycopg stores as Django would (no custom preparation, no pre_save hook)."""
    return type(field) in _PLAIN_FIELDS and not getattr(field, "auto_now", False)


def _can_copy(connection: Any) -> bool:
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return bool(is_psycopg3)


def bulk_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    return_ids: bool = False,
) -> list[int]:
    """Insert ``rows`` — values for ``fields`` (attnames), as one would assign them to model instances — and
    return the new primary keys when ``return_ids``.

    PostgreSQL (psycopg 3): ids are reserved from the table's sequence, then one ``COPY … FROM STDIN``. SQLite:
    multi-row ``INSERT … RETURNING`` of the same prepared values. Any other database: ``bulk_create``. All store
    exactly what ``Model.save`` would: fields with their own preparation (encrypted personal data, JSON) go
    through ``get_db_prep_save``; digests (:class:`PIIDigestField`) are computed from their source value as its
    ``pre_save`` does (or taken from ``rows`` when given there); ``auto_now``/``auto_now_add`` get the time;
    fields not given get their default. The result never depends on which path ran.
    """
    if not rows:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    if _can_copy(connection):
        return _copy_insert(connection, model, list(fields), rows, return_ids)
    if connection.vendor == "sqlite":
        return _sqlite_insert(connection, model, fields, rows, return_ids)
    objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
    model._default_manager.using(using).bulk_create(objs, batch_size=2_000)
    return [obj.pk for obj in objs] if return_ids else []


def _copy_insert(
    connection: Any,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    return_ids: bool,
) -> list[int]:
    ids = reserve_ids(connection, model, len(rows)) if return_ids else None
    copy_send(connection, copy_payload(connection, model, fields, rows, ids))
    return ids or []


@dataclass(frozen=True, slots=True)
class CopyPayload:
    """A ``COPY … FROM STDIN`` statement and its data, ready to send (built on one thread, sent on another)."""

    sql: str
    data: bytes
    # the keys its rows refer to through foreign keys (lijiao.core.bulk_keys)
    references: References = dataclasses.field(default_factory=dict)


def reserve_ids(connection: Any, model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys from the table's sequence (PostgreSQL; a sequence is outside transactions, so
    any connection may reserve them, and a rolled-back import only leaves a gap)."""
    quote = connection.ops.quote_name
    opts = model._meta
    with connection.cursor() as cursor:
        cursor.execute(  # the sequence looked up once, not once per id (8x faster)
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [quote(opts.db_table), opts.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


_COPY_PIECE = 1 << 20  # bytes handed to libpq at a time


def copy_send(connection: Any, payload: CopyPayload) -> None:
    """Run a prepared COPY on ``connection`` (errors raised as Django's database errors).

    psycopg's own ``copy.write`` steps through its wait loop in 128 kB pieces, each needing the GIL back: while the
    checking thread runs, every piece waits up to the interpreter's switch interval and the server idles. Here
    libpq gets a megabyte at a time and the waits are ``select`` calls (GIL released): a few GIL hand-overs per
    batch instead of dozens.
    """
    from psycopg import pq
    from psycopg.errors import error_from_result

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    sock = pgconn.socket

    def flush() -> None:
        while pgconn.flush() == 1:  # the rest of libpq's buffer is waiting for the socket
            select.select([], [sock], [])

    def result() -> Any:
        while True:
            pgconn.consume_input()
            if not pgconn.is_busy():
                return pgconn.get_result()
            select.select([sock], [], [])

    with connection.wrap_database_errors:
        pgconn.send_query(payload.sql.encode())
        flush()
        outcome = result()
        if outcome is not None and outcome.status == pq.ExecStatus.COPY_IN:
            data = memoryview(payload.data)
            for start in range(0, len(data), _COPY_PIECE):
                piece = data[start : start + _COPY_PIECE]
                while (sent := pgconn.put_copy_data(piece)) == 0:  # libpq's buffer is full: let it drain
                    flush()
                if sent < 0:
                    break  # the server has already answered: its result says why
                flush()
            while pgconn.put_copy_end() == 0:
                flush()
            flush()
            outcome = result()
        while result() is not None:  # the end of this command's results
            pass
        if outcome is None:
            raise RuntimeError(f"no result for {payload.sql}")
        if outcome.status != pq.ExecStatus.COMMAND_OK:
            raise error_from_result(outcome, encoding="utf-8")


def copy_send_keys_deferred(connection: Any, payload: CopyPayload, referenced: References | None) -> None:
    """:func:`copy_send`; with ``referenced`` (a batch whose foreign keys are checked in bulk, see
    :mod:`lijiao.core.bulk_keys`) the COPY fires no row triggers and the keys it refers to are added to
    ``referenced`` for :func:`check_references` once the batch is in; with ``None`` PostgreSQL checks them per
    row."""
    if referenced is None:
        copy_send(connection, payload)
        return
    with row_triggers_off(connection):
        copy_send(connection, payload)
    merge_references(referenced, payload.references)


def _columns(
    connection: Any,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    prepare: Callable[[Any, Any], Any],
) -> tuple[list[str], list[list[Any]], list[Any]]:
    """Every concrete column to write, its values (one per row) as :func:`bulk_insert` stores them, and
    per column its field when the values are still as given (a :func:`_is_plain` field: the caller's writer
    takes them as they are or prepares them) or ``None`` when they are final.

    Digests (given, or computed from their source), encrypted values, ``auto_now`` stamps and defaults are worked
    out here; every other value goes through ``prepare(field, value)``, how the caller's path writes a value.
    """
    opts = model._meta
    position = {name: index for index, name in enumerate(fields)}
    count = len(rows)
    now = timezone.now()
    columns: list[str] = []
    data: list[list[Any]] = []
    as_given: list[Any] = []
    for db_field in opts.concrete_fields:
        if db_field.primary_key and db_field.attname not in position:
            continue
        columns.append(str(db_field.column))
        index = position.get(db_field.attname)
        as_given.append(None)
        if isinstance(db_field, models.DateField) and (db_field.auto_now or db_field.auto_now_add):
            stamp = now if isinstance(db_field, models.DateTimeField) else timezone.localdate(now)
            data.append([prepare(db_field, stamp)] * count)
        elif isinstance(db_field, PIIDigestField) and index is not None:  # computed by the caller
            data.append([row[index] for row in rows])
        elif isinstance(db_field, PIIDigestField):  # what its pre_save computes from the source value
            source_field: Any = opts.get_field(db_field.source)
            source = position.get(source_field.attname)
            digest = pii_digester(getattr(source_field, "kind", PIIKind.OTHER))
            if source is None:  # the source gets its default
                default = source_field.get_default()
                data.append([digest(default) if default else ""] * count)
            else:
                data.append([digest(row[source]) if row[source] else "" for row in rows])
        elif index is None:
            data.append([prepare(db_field, db_field.get_default())] * count)
        elif _is_plain(db_field):
            data.append([row[index] for row in rows])
            as_given[-1] = db_field
        elif isinstance(db_field, EncryptedPIIField):
            data.append(encrypt_many(db_field.kind, [row[index] or "" for row in rows]))
        else:
            # a value object seen again (one eligibility decision shared by many rows) is prepared once
            prepared: dict[int, tuple[Any, Any]] = {}
            column: list[Any] = []
            for row in rows:
                value = row[index]
                hit = prepared.get(id(value)) if isinstance(value, dict | list) else None
                if hit is not None:
                    column.append(hit[1])
                    continue
                out = prepare(db_field, value)
                if isinstance(value, dict | list):
                    prepared[id(value)] = (value, out)
                column.append(out)
            data.append(column)
    return columns, data, as_given


def copy_payload(
    connection: Any,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    ids: Sequence[int] | None = None,
) -> CopyPayload:
    """The COPY of ``rows`` as :func:`bulk_insert` writes them (``ids``: primary keys from :func:`reserve_ids`)."""
    from psycopg.types.json import Json, Jsonb

    def prepare(db_field: Any, value: Any) -> Any:
        out = db_field.get_db_prep_save(value, connection)
        if isinstance(out, Json | Jsonb):  # the text psycopg would send for it
            out = (out.dumps or json.dumps)(out.obj)
        return out

    columns, data, _ = _columns(connection, model, fields, rows, prepare)
    text_columns = [_copy_column(values) for values in data]
    if ids is not None:
        columns.insert(0, str(model._meta.pk.column))
        data.insert(0, list(ids))
        text_columns.insert(0, list(map(str, ids)))
    text = "".join(["\t".join(values) + "\n" for values in zip(*text_columns, strict=True)])
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    # Django sets client_encoding to UTF8
    return CopyPayload(sql, text.encode(), references_of(model, columns, data))


def _sqlite_insert(
    connection: Any,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    return_ids: bool,
) -> list[int]:
    """SQLite: multi-row ``INSERT … RETURNING`` (or ``executemany``) of values prepared as Django would, without
    building a model instance and compiling an insert per row (what makes ``bulk_create`` slow)."""

    def prepare(db_field: Any, value: Any) -> Any:
        return db_field.get_db_prep_save(value, connection)

    opts = model._meta
    quote = connection.ops.quote_name
    columns, data, as_given = _columns(connection, model, fields, rows, prepare)
    for position, db_field in enumerate(as_given):  # plain values as assigned: prepared here
        if db_field is not None:
            prep = db_field.get_db_prep_save
            data[position] = [prep(value, connection) for value in data[position]]
    table = quote(opts.db_table)
    values = list(zip(*data, strict=True))
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = f"INSERT INTO {table} ({', '.join(map(quote, columns))}) VALUES "
    ids: list[int] = []
    with connection.cursor() as cursor:
        if not return_ids:
            cursor.executemany(head + placeholders, values)
            return []
        per_statement = max(1, min(500, connection.features.max_query_params // len(columns)))
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            sql = head + ", ".join([placeholders] * len(chunk)) + f" RETURNING {quote(opts.pk.column)}"
            cursor.execute(sql, [value for row in chunk for value in row])
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_escape(text: str) -> str:
    """Backslash, tab, newline and carriage return escaped for COPY's text format."""
    if _COPY_SPECIAL.search(text) is None:
        return text
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_text(value: Any) -> str:
    """A value in COPY's text format (as psycopg's text dumpers would write it)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return _copy_escape(str.__str__(value))  # a str enum (TextChoices) as its value
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"bulk_insert cannot write a {type(value).__name__} with COPY")


def _copy_column(values: list[Any]) -> list[str]:
    kinds = {value.__class__ for value in values}
    if kinds == {str}:
        if _COPY_SPECIAL.search("".join(values)) is None:
            return values
        escaped: dict[str, str] = {}  # repeated values (one JSON decision for many rows) escaped once
        return [escaped[v] if v in escaped else escaped.setdefault(v, _copy_escape(v)) for v in values]
    if kinds == {int}:
        return list(map(str, values))
    # dates, timestamps, decimals: the same value (a birth date, the import's one timestamp) written once
    texts: dict[Any, str] = {}
    try:
        return [texts[v] if v in texts else texts.setdefault(v, _copy_text(v)) for v in values]
    except TypeError:  # an unhashable value
        return [_copy_text(value) for value in values]


class _InList(In):
    """``field IN (values)``; on PostgreSQL ``field = ANY(%s)`` with the list as one parameter (the same rows: a
    5,000-value IN list costs psycopg milliseconds to split and quote on every query)."""

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        values = [v for v in self.rhs if v is not None]
        kinds = {v.__class__ for v in values}
        # thousands of hex digests or ids: one text parameter split by the server, not a list psycopg dumps item
        # by item
        if kinds == {str} and not any("," in v for v in values):
            return f"{lhs} = ANY(string_to_array(%s, ','))", [*params, ",".join(values)]
        if kinds == {int}:
            return f"{lhs} = ANY(string_to_array(%s, ',')::bigint[])", [*params, ",".join(map(str, values))]
        return f"{lhs} = ANY(%s)", [*params, values]


# --- cells ----------------------------------------------------------------------------------------------------


def _year(value: Any) -> int | None:
    """毕业年份: 2024, "2024", "2024年", "2024-06", "2024.6", "2024年6月", an Excel date → 2024."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.year
    if isinstance(value, bool):
        raise CellError("应填写年份，如 2024（expected a year such as 2024）")
    if isinstance(value, int | float):
        if float(value).is_integer() and 1900 <= value <= 2200:
            return int(value)
        raise CellError(f"“{cell_text(value)}”不是年份，应填写如 2024（not a year; use e.g. 2024）")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _YEAR.match(text)
    if not match:
        raise CellError(f"“{text}”不是年份，应填写如 2024（not a year; use e.g. 2024）")
    return int(match[1])


def _choice(value: Any, table: dict[str, str], what: str, what_en: str, allowed: str) -> str:
    """A code from a cell's label or synonym (exact text first, then normalised); "" for an empty cell."""
    if value.__class__ is str:
        code = table.get(value)
        if code is not None:
            return code
    if is_blank(value):
        return ""
    text = cell_text(value)
    code = table.get(_norm_key(text))
    if code is None:
        raise CellError(f"{what}“{text}”无法识别，应为：{allowed}（unknown {what_en}）")
    return code


_HOUSEHOLD_ALLOWED = "城镇、农村"
_EDUCATION_ALLOWED = "、".join(str(label) for label in Person.Education.labels)
_UNKNOWN_GROUP = (
    "人员类别“{part}”无法识别，可填：高校毕业生、毕业年度高校毕业生、失业人员、农村转移劳动者、脱贫/低保家庭成员、"
    "退役军人、残疾人、企业职工、参保职工、在校学生、事业单位人员，多个用“、”分隔（unknown group “{part}”）"
)


# --- rows -----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    """A row that passed the cell checks, on its way to the database."""

    number: int
    name: str
    citizen_id: str
    digest: str
    gender: str
    birth_date: dt.date
    phone: str
    household: str
    education: str
    employer_name: str
    groups: dict[str, PersonGroupEvidence]
    person_id: int | None = None
    changes: tuple[str, ...] = ()
    reenroll_id: int | None = None
    decision: int = -1
    failed: bool = False

    def astuple(self) -> tuple[Any, ...]:
        """The row as plain values for the spool (a slotted dataclass pickles slowly); see :meth:`fromtuple`."""
        return (
            self.number,
            self.name,
            self.citizen_id,
            self.digest,
            self.gender,
            self.birth_date,
            self.phone,
            self.household,
            self.education,
            self.employer_name,
            [tuple(e.__getattribute__(f) for f in _EVIDENCE_FIELDS) for e in self.groups.values()],
            self.person_id,
            self.changes,
            self.reenroll_id,
            self.decision,
        )

    @classmethod
    def fromtuple(cls, values: tuple[Any, ...]) -> _Row:
        row = cls(*values)
        row.groups = {e[0]: PersonGroupEvidence(*e) for e in values[10]}
        return row


_EVIDENCE_FIELDS = ("group", "graduation_year", "registration_number", "insured_months", "employer_name")


class _Spool:
    """A temporary file of pickled batches, written once and read back in order (as often as needed)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="lijiao-roster-")  # noqa: SIM115 - see close()
        self.batches = 0

    def dump(self, batch: Any) -> None:
        pickle.dump(batch, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.batches += 1

    def __iter__(self) -> Iterator[Any]:
        self.file.seek(0)
        for _ in range(self.batches):
            yield pickle.load(self.file)  # our own temporary file
        self.file.seek(0, io.SEEK_END)

    def close(self) -> None:
        self.file.close()


LateError = tuple[int, str, str]  # row number, column, message: the row's values are looked up afterwards


class _Rollback(Exception):
    """Raised inside the write transaction: what was found under lock (rows or the file as a whole)."""

    def __init__(self, late: Sequence[LateError] = (), file_level: Sequence[RowError] = ()) -> None:
        super().__init__("roster import rolled back")
        self.late = list(late)
        self.file_level = list(file_level)


# --- progress -------------------------------------------------------------------------------------------------


class _Progress:
    """Job progress, written in the job row by short autocommit updates of their own.

    While a transaction of ours is open on the default connection (the spool strategy's write), the updates go
    through a second connection — when the database lets another connection update the job row meanwhile
    (row-level locks). Otherwise that phase publishes nothing and the job page says "writing".
    """

    def __init__(self, job: ImportJob | None, callback: Callable[[int, int], None] | None) -> None:
        self.job = job
        self.callback = callback
        self.side: Any = None

    def update(self, done: int, total: int, message: str | None = None) -> None:
        if self.job is not None:
            values: dict[str, Any] = {"processed_rows": done, "total_rows": max(total, done)}
            if message is not None:
                values["message"] = message
            if self.side is not None:
                self._side_update(values)
            else:
                ImportJob.objects.filter(pk=self.job.pk).update(**values)
        if self.callback is not None:
            self.callback(done, total)

    def open_side_channel(self) -> None:
        """Called just before the write transaction opens on the default connection."""
        connection = connections[DEFAULT_DB_ALIAS]
        if self.job is None or connection.in_atomic_block or not connection.features.has_select_for_update:
            return
        try:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            self.side.ensure_connection()
        except Exception:  # progress is a courtesy: the import goes on without it
            logger.warning("roster import %s: no second connection for progress", self.job.pk, exc_info=True)
            self.side = None

    def _side_update(self, values: dict[str, Any]) -> None:
        assert self.job is not None
        quote = self.side.ops.quote_name
        opts = ImportJob._meta
        columns = {f.name: f.column for f in opts.concrete_fields}
        assignments = ", ".join(f"{quote(columns[name])} = %s" for name in values)
        sql = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {quote(opts.pk.column)} = %s"
        try:
            with self.side.cursor() as cursor:
                cursor.execute(sql, [*values.values(), self.job.pk])
        except Exception:
            logger.warning("roster import %s: progress update failed", self.job.pk, exc_info=True)

    def close_side_channel(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


# --- the import -----------------------------------------------------------------------------------------------


_PERSON_FIELDS = (
    "name",
    "citizen_id",
    "citizen_id_digest",
    "gender",
    "birth_date",
    "phone",
    "household",
    "education",
    "employer_name",
)
_GROUP_FIELDS = (
    "person_id",
    "group",
    "graduation_year",
    "registration_number",
    "insured_months",
    "employer_name",
    "recorded_by_id",
)


_ENROLLMENT_FIELDS = ("training_class_id", "person_id", "status", "enrolled_by_id", "eligibility_decision_id")
_COPIED_MODELS = (Person, PersonGroup, Enrollment)  # the tables the stream writer COPYs into


def _enrollment_values(
    class_id: int, person_id: int | None, actor_id: int | None, decision_id: int
) -> tuple[Any, ...]:
    return (class_id, person_id, Enrollment.Status.ACTIVE, actor_id, decision_id)


def _person_values(r: _Row) -> tuple[Any, ...]:
    return (
        r.name,
        r.citizen_id,
        r.digest,
        r.gender,
        r.birth_date,
        r.phone,
        r.household,
        r.education,
        r.employer_name,
    )


def _group_values(person_id: int | None, e: PersonGroupEvidence, actor_id: int | None) -> tuple[Any, ...]:
    return (
        person_id,
        e.group,
        e.graduation_year,
        e.registration_number,
        e.insured_months,
        e.employer_name,
        actor_id,
    )


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A batch's new people (with their reserved ids), their groups and the batch's enrollments as COPY data (see
    ``prepare_batch``)."""

    person_ids: list[int]
    people: CopyPayload | None
    groups: CopyPayload | None
    group_count: int
    enrollments: CopyPayload | None


class _Importer:
    """One run of :func:`import_roster`: the checks of every batch, and the writes."""

    def __init__(
        self,
        actor: Any,
        training_class: TrainingClass,
        file_name: str,
        table: Table,
        reopen: Callable[[], Table],
    ) -> None:
        self.actor = actor
        self.actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        self.training_class = training_class
        self.program = training_class.program
        self.file_name = file_name
        self.table = table
        self.on = training_class.start_date
        self.today = timezone.localdate()
        columns = table.columns
        self.i_name = columns["name"]
        self.i_id = columns["citizen_id"]
        self.i_phone = columns.get("phone", -1)
        self.i_gender = columns.get("gender", -1)
        self.i_birth = columns.get("birth_date", -1)
        self.i_household = columns.get("household", -1)
        self.i_education = columns.get("education", -1)
        self.i_employer = columns.get("employer_name", -1)
        self.i_groups = columns.get("groups", -1)
        self.i_year = columns.get("graduation_year", -1)
        self.i_registration = columns.get("registration_number", -1)
        self.i_months = columns.get("insured_months", -1)
        # every row is read through a list at least ``width`` long; a column the file lacks reads its last cell,
        # which is always None
        self.width = max(columns.values()) + 2
        optional = ("phone", "gender", "birth", "household", "education", "employer", "groups", "year")
        for attr in [f"i_{name}" for name in optional] + ["i_registration", "i_months"]:
            if getattr(self, attr) < 0:
                setattr(self, attr, self.width - 1)
        self.padding: list[Any] = [None] * self.width
        self.birth_dates: dict[str, dt.date | str] = {}  # birth date text → date, or why it is not one
        self.label = {spec.key: table.label(spec.key) for spec in COLUMNS}
        self.total = 0
        self.seen: dict[int, int] = {}  # ID number as an int → its first row number
        self.duplicates: dict[int, list[int]] = {}
        self.error_rows: set[int] = set()
        self.error_count = 0
        self.first_errors: list[RowError] = []
        # eligibility: one record per distinct set of facts, shared by every row with those facts
        self.decisions: list[dict[str, Any]] = []
        self.by_facts: dict[tuple[Any, ...], int] = {}  # the facts the rule reads → record
        self.by_content: dict[str, int] = {}  # record as JSON → record
        self.decision_ids: list[int] = []  # DecisionRecord id of each record, stored when first written
        # the stream writer's foreign keys checked per batch by lijiao.core.bulk_keys
        self.keys_in_bulk = False
        self.refusals: dict[int, str] = {}
        self.digest = pii_digester(PIIKind.CITIZEN_ID)
        self.rule = eligibility_rule_for(self.program)  # validated once (checks.evaluate_eligibility's rule)
        self.reads = sorted(facts_read(self.rule))
        self.by_inputs: dict[tuple[Any, ...], int] = {}  # what person_facts reads → record (a cache)
        self.ages: dict[dt.date, int] = {}  # birth date → age on the start date
        self.evidence_checks: dict[tuple[Any, ...], list[Any]] = {}
        # the file read again for the rows of late errors (duplicates, a rollback) in the report
        self.reopen = reopen
        self.errors = _Spool()  # row errors of each batch, in row order

    def close(self) -> None:
        self.errors.close()

    # -- the checks of one batch -------------------------------------------------------------------------------

    def check_batch(self, batch: list[SourceRow]) -> list[_Row]:
        """Every check of a batch (a constant number of queries); returns the rows that passed."""
        self.total += len(batch)
        errors: list[RowError] = []
        parsed = []
        for source in batch:
            row = self._parse(source, errors)
            if row is not None:
                parsed.append(row)
        values_of = {source.number: source.values for source in batch}
        self._registered(parsed, values_of, errors)
        self._eligibility(parsed, values_of, errors)
        if errors:
            errors.sort(key=lambda e: e.row_number)
            self.error_count += len(errors)
            self.error_rows.update(e.row_number for e in errors)
            room = KEEP_ERRORS - len(self.first_errors)
            if room > 0:
                self.first_errors.extend(errors[:room])
            self.errors.dump(errors)
        return [row for row in parsed if not row.failed]

    def _parse(self, source: SourceRow, errors: list[RowError]) -> _Row | None:
        values = source.values
        width = len(values)
        number = source.number
        failed = False
        label = self.label

        def fail(key: str, message: str) -> None:
            nonlocal failed
            failed = True
            errors.append(RowError(number, label[key], message, values))

        cells = values if width >= self.width else [*values, *self.padding[width:]]

        raw = cells[self.i_name]
        name = " ".join(raw.split()) if raw.__class__ is str else "" if is_blank(raw) else cell_text(raw)
        if not name:
            fail("name", "姓名不能为空（name is required）")
        elif len(name) > 50:
            fail("name", "姓名最多50字（name too long）")

        raw = cells[self.i_id]
        cid = None
        if raw.__class__ is str and raw:
            try:
                cid = parse_citizen_id(raw, today=self.today)
            except InvalidCitizenId as exc:
                fail("citizen_id", exc.message)
        elif is_blank(raw):
            fail("citizen_id", "身份证号不能为空（citizen ID is required）")
        else:  # a number cell: Excel has already lost digits — never converted
            try:
                cell_text(raw, allow_number=False)
                fail("citizen_id", f"身份证号应为文本，收到“{cell_text(raw)}”（the citizen ID must be text）")
            except CellError as exc:
                fail("citizen_id", exc.message)

        phone = ""
        raw = cells[self.i_phone]
        if (
            raw.__class__ is str
            and len(raw) == 11
            and raw.isdigit()
            and raw[0] == "1"
            and raw[1] in "3456789"
        ):
            phone = raw  # what normalise_phone returns for a plain mobile number
        elif not is_blank(raw):
            try:
                phone = normalise_phone(cell_text(raw))
            except DomainError as exc:
                fail("phone", exc.errors[0].message if exc.errors else exc.message)

        if cid is not None:
            raw = cells[self.i_gender]
            gender = _GENDERS.get(raw) if raw.__class__ is str else None
            if gender is None and raw is not None and raw != "" and not is_blank(raw):
                gender = _GENDERS.get(_norm_key(cell_text(raw)))
                if gender is None:
                    fail(
                        "gender", f"性别“{cell_text(raw)}”无法识别，应为“男”或“女”（gender must be 男 or 女）"
                    )
            if gender is not None and gender != cid.gender:
                shown = "男" if cid.gender == "M" else "女"
                fail(
                    "gender",
                    f"性别“{cell_text(raw)}”与身份证号不符，身份证号显示为{shown}"
                    f"（gender does not match the citizen ID）",
                )
            raw = cells[self.i_birth]
            birth: dt.date | str | None = None
            if raw.__class__ is str:
                birth = self.birth_dates.get(raw)
            if birth is None and raw is not None and raw != "" and not is_blank(raw):
                try:
                    birth = cell_date(raw)
                except CellError as exc:
                    birth = exc.message
                if raw.__class__ is str and birth is not None and len(self.birth_dates) < 100_000:
                    self.birth_dates[raw] = birth  # the same text in many rows is parsed once
            if birth is not None:
                if isinstance(birth, str):
                    fail("birth_date", birth)
                elif birth != cid.birth_date:
                    fail(
                        "birth_date",
                        f"出生日期 {birth:%Y-%m-%d} 与身份证号中的 {cid.birth_date:%Y-%m-%d} 不符"
                        f"（the birth date does not match the citizen ID's {cid.birth_date:%Y-%m-%d}）",
                    )

        household = education = employer = ""
        try:
            household = _choice(
                cells[self.i_household], _HOUSEHOLDS, "户籍类型", "household type", _HOUSEHOLD_ALLOWED
            )
        except CellError as exc:
            fail("household", exc.message)
        try:
            education = _choice(cells[self.i_education], _EDUCATIONS, "学历", "education", _EDUCATION_ALLOWED)
        except CellError as exc:
            fail("education", exc.message)
        raw = cells[self.i_employer]
        if raw is not None and raw != "" and not is_blank(raw):
            employer = " ".join(cell_text(raw).split())
            if len(employer) > 100:
                fail("employer_name", "工作单位最多100字（employer name too long）")

        groups = self._groups(cells, fail, employer, cid.birth_date.year if cid is not None else None)

        if cid is None:
            return None
        last = cid.number[17]
        key = int(cid.number[:17]) * 16 + (10 if last == "X" else ord(last) - 48)
        first = self.seen.setdefault(key, number)
        if first != number:
            self.duplicates.setdefault(key, [first]).append(number)
        if failed or groups is None:
            return None
        return _Row(
            number,
            name,
            cid.number,
            self.digest(cid.number),
            cid.gender,
            cid.birth_date,
            phone,
            household,
            education,
            employer,
            groups,
        )

    def _groups(
        self,
        cells: list[Any],
        fail: Callable[[str, str], None],
        employer: str,
        birth_year: int | None,
    ) -> dict[str, PersonGroupEvidence] | None:
        """The row's groups with their evidence ({} when none); None when something about them is wrong."""
        raw_groups = cells[self.i_groups]
        raw_year, raw_number, raw_months = (
            cells[self.i_year],
            cells[self.i_registration],
            cells[self.i_months],
        )
        if raw_groups in _EMPTY and raw_year in _EMPTY and raw_number in _EMPTY and raw_months in _EMPTY:
            return {}
        if is_blank(raw_groups) and is_blank(raw_year) and is_blank(raw_number) and is_blank(raw_months):
            return {}
        ok = True
        codes: list[str] = []
        if not is_blank(raw_groups):
            whole = _GROUPS.get(raw_groups) if raw_groups.__class__ is str else None
            if whole is not None:
                codes.append(whole)
            else:
                for part in _GROUP_SPLIT.split(unicodedata.normalize("NFKC", cell_text(raw_groups))):
                    if not part:
                        continue
                    code = _GROUPS.get(part) or _GROUPS.get(_norm_key(part))
                    if code is None:
                        fail("groups", _UNKNOWN_GROUP.format(part=part))
                        ok = False
                    elif code not in codes:
                        codes.append(code)
        year = months = None
        registration = ""
        try:
            year = None if raw_year in _EMPTY else _year(raw_year)
        except CellError as exc:
            fail("graduation_year", exc.message)
            ok = False
        try:
            registration = "" if raw_number in _EMPTY else cell_text(raw_number)
        except CellError as exc:
            fail("registration_number", exc.message)
            ok = False
        try:
            months = None if raw_months in _EMPTY else cell_int(raw_months, required=False)
        except CellError as exc:
            fail("insured_months", exc.message)
            ok = False
        if not ok:
            return None
        # evidence for a group the row does not name has nowhere to go: say so rather than drop it
        for key, given, holders, holder in (
            ("graduation_year", year is not None, _GRADUATE_GROUPS, "高校毕业生或毕业年度高校毕业生"),
            ("registration_number", bool(registration), ("unemployed",), "失业人员"),
            ("insured_months", months is not None, ("insured", "employee"), "参保职工或企业职工"),
        ):
            if given and set(codes).isdisjoint(holders):
                fail(
                    key,
                    f"填写了“{self.label[key]}”，但人员类别中没有{holder}"
                    f"（{key.replace('_', ' ')} given, but no group of the row it belongs to）",
                )
                ok = False
        evidence: dict[str, PersonGroupEvidence] = {}
        for code in codes:
            item = PersonGroupEvidence(
                code,
                year if code in _GRADUATE_GROUPS else None,
                registration if code == "unemployed" else "",
                months if code in ("insured", "employee") else None,
                employer if code == "employee" else "",
            )
            check = (
                code,
                birth_year,
                item.graduation_year,
                item.registration_number,
                item.insured_months,
                employer,
            )
            problems = self.evidence_checks.get(check)
            if problems is None:
                problems = validate_group_evidence(
                    group=code,
                    birth_year=birth_year,
                    graduation_year=item.graduation_year,
                    registration_number=item.registration_number,
                    insured_months=item.insured_months,
                    employer_name=item.employer_name,
                    today_year=self.today.year,
                )
                if len(self.evidence_checks) < 100_000:
                    self.evidence_checks[check] = problems
            for problem in problems:
                fail(problem.field if problem.field in self.label else "groups", problem.message)
                ok = False
            evidence[code] = item
        return evidence if ok else None

    def _registered(
        self, parsed: list[_Row], values_of: dict[int, list[Any]], errors: list[RowError]
    ) -> None:
        """People already registered (one query): their name, what the file changes about them, whether they are
        in this class already (withdrawn ones come back on their old row), and overlapping classes."""
        if not parsed:
            return
        found: dict[str, list[Any]] = {
            digest: rest
            for digest, *rest in Person.objects.filter(
                _InList(F("citizen_id_digest"), [r.digest for r in parsed])
            )
            .order_by()
            .values_list(
                "citizen_id_digest", "pk", "name", "phone_digest", "household", "education", "employer_name"
            )
        }
        if not found:
            return
        registered: dict[int, _Row] = {}
        for row in parsed:
            stored = found.get(row.digest)
            if stored is None:
                continue
            person_id, name, phone_digest, household, education, employer = stored
            row.person_id = person_id
            if name != row.name:
                row.failed = True
                errors.append(
                    RowError(
                        row.number,
                        self.label["name"],
                        "该身份证号已登记的姓名与本行姓名不一致，请核对身份证件"
                        "（the name differs from the one registered for this citizen ID; check the ID card）",
                        values_of[row.number],
                    )
                )
                continue
            registered[person_id] = row
            changes = []
            if row.phone and pii_digest(PIIKind.PHONE, row.phone) != phone_digest:
                changes.append("phone")
            for attr, current in (
                ("household", household),
                ("education", education),
                ("employer_name", employer),
            ):
                new = getattr(row, attr)
                if not new:
                    setattr(row, attr, current)  # an empty cell never erases what is recorded
                elif new != current:
                    changes.append(attr)
            row.changes = tuple(changes)
        if not registered:
            return
        label = self.label["citizen_id"]
        enrolled = Enrollment.objects.filter(
            _InList(F("person_id"), list(registered)), training_class_id=self.training_class.pk
        )
        for person_id, enrollment_id, status in enrolled.values_list("person_id", "pk", "status"):
            row = registered[person_id]
            if status == Enrollment.Status.WITHDRAWN:
                row.reenroll_id = enrollment_id
            else:
                row.failed = True
                message = "已在本班报名（already enrolled in this class）"
                errors.append(RowError(row.number, label, message, values_of[row.number]))
        for person_id, reason in overlapping_people(self.training_class, list(registered)).items():
            row = registered[person_id]
            row.failed = True
            errors.append(RowError(row.number, label, reason, values_of[row.number]))

    def _eligibility(
        self, parsed: list[_Row], values_of: dict[int, list[Any]], errors: list[RowError]
    ) -> None:
        """The class's eligibility rule for every row, with the facts it will have once imported (one query for the
        groups recorded for registered people). A decision is evaluated once per distinct set of facts."""
        registered = [r.person_id for r in parsed if r.person_id is not None and not r.failed]
        recorded = group_evidence_by_person(registered) if registered else {}
        by_facts, by_inputs, ages, reads, on = self.by_facts, self.by_inputs, self.ages, self.reads, self.on
        for row in parsed:
            if row.failed:
                continue
            groups = row.groups
            if row.person_id is not None and recorded.get(row.person_id):
                groups = {**recorded[row.person_id], **groups}
            # person_facts reads exactly these inputs (the birth date only through the age on the start date)
            age = ages.get(row.birth_date)
            if age is None:
                age = ages[row.birth_date] = age_on(row.birth_date, on)
            inputs = (
                age,
                row.gender,
                row.household,
                row.education,
                bool(row.employer_name),
                tuple(
                    [
                        (code, e.graduation_year, e.insured_months, bool(e.employer_name))
                        for code, e in sorted(groups.items())
                    ]
                )
                if groups
                else (),
            )
            index = by_inputs.get(inputs)
            if index is None:
                facts = person_facts(
                    birth_date=row.birth_date,
                    gender=row.gender,
                    groups=groups,
                    on=on,
                    household=row.household,
                    education=row.education,
                    employer_name=row.employer_name,
                )
                # the decision depends on the facts the rule reads, and on nothing else
                key = tuple([tuple(v) if (v := facts.get(name)).__class__ is list else v for name in reads])
                index = by_facts.get(key)
                if index is None:
                    index = by_facts[key] = self._decide(facts)
                if len(by_inputs) >= 100_000:
                    by_inputs.clear()
                by_inputs[inputs] = index
            row.decision = index
            refusal = self.refusals.get(index)
            if refusal is not None:
                row.failed = True
                errors.append(RowError(row.number, "", refusal, values_of[row.number]))

    def _decide(self, facts: dict[str, Any]) -> int:
        decision = evaluate(self.rule, facts)  # == checks.evaluate_eligibility(self.program, facts)
        # the record the single-person enrollment stores (services.enrollment.enroll); its trace holds only the
        # facts the rule reads, so people with different facts often share one record: kept once
        record = {
            **decision.as_dict(),
            "on": self.on.isoformat(),
            "program": self.program.code if self.program else None,
        }
        content = canonical_json(record)
        index = self.by_content.get(content)
        if index is not None:
            return index
        index = self.by_content[content] = len(self.decisions)
        self.decisions.append(record)
        if not decision.passed:
            self.refusals[index] = eligibility_refusal(decision).message
        return index

    # -- the whole file ----------------------------------------------------------------------------------------

    def duplicate_errors(self) -> list[LateError]:
        label = self.label["citizen_id"]
        late: list[LateError] = []
        for numbers in self.duplicates.values():
            for number in numbers:
                others = "、".join(str(n) for n in numbers if n != number)
                late.append(
                    (
                        number,
                        label,
                        f"与第 {others} 行的身份证号重复，同一人只能出现一次（same citizen ID as row {others}）",
                    )
                )
        return late

    def seats_and_quota(self) -> list[RowError]:
        """The remaining seats and the program's yearly quota for the whole file (taken, under locks, when
        writing)."""
        errors = []
        current = TrainingClass.objects.filter(pk=self.training_class.pk).values(
            "capacity", "enrolled_count"
        )[0]
        if self.total > current["capacity"] - current["enrolled_count"]:
            errors.append(
                _seats_error(self.total, current["capacity"] - current["enrolled_count"], current["capacity"])
            )
        try:
            with transaction.atomic():
                _check_quota(self.training_class, adding=self.total)
        except Conflict as exc:
            errors.append(RowError(FILE_ROW, "", exc.message, []))
        return errors

    def with_values(self, late: list[LateError]) -> list[RowError]:
        """Late errors with their rows' values, read again from the file (rare: keeping every row's values for
        them would cost every import); in row order."""
        if not late:
            return []
        wanted = {number for number, _, _ in late}
        last = max(wanted)
        values: dict[int, list[Any]] = {}
        for source in self.reopen().rows:
            if source.number in wanted:
                values[source.number] = source.values
            if source.number >= last:
                break
        errors = [
            RowError(number, column, message, values.get(number, [])) for number, column, message in late
        ]
        return sorted(errors, key=lambda e: e.row_number)

    def all_errors(self, late: list[RowError], file_level: list[RowError]) -> Iterator[RowError]:
        """Every error in row order (the file's own first), read back from the spool."""

        def spooled() -> Iterator[RowError]:
            for batch in self.errors:
                yield from batch

        yield from file_level
        yield from heapq.merge(spooled(), late, key=lambda e: e.row_number)

    # -- writing (inside the write transaction) ----------------------------------------------------------------

    def take_places(self) -> None:
        """Seats and quota for the whole file, under the class's and the program's row locks."""
        try:
            reserve_seats(self.training_class, self.total)
        except Conflict:
            current = TrainingClass.objects.filter(pk=self.training_class.pk).values(
                "capacity", "enrolled_count"
            )[0]
            remaining = current["capacity"] - current["enrolled_count"]
            raise _Rollback(file_level=[_seats_error(self.total, remaining, current["capacity"])]) from None
        try:
            _check_quota(self.training_class, adding=self.total)
        except Conflict as exc:
            raise _Rollback(file_level=[RowError(FILE_ROW, "", exc.message, [])]) from None

    def prepare_batch(self, rows: list[_Row]) -> _Prepared | None:
        """On PostgreSQL: the COPY data of a batch's new people, their groups and its enrollments, built by the
        checking thread (primary keys reserved from the sequence, eligibility records stored) so that the writer
        thread only sends it; else ``None``."""
        connection = connections[DEFAULT_DB_ALIAS]
        if not _can_copy(connection):
            return None
        new = [r for r in rows if r.person_id is None]
        ids = reserve_ids(connection, Person, len(new)) if new else []
        people = (
            copy_payload(connection, Person, _PERSON_FIELDS, [_person_values(r) for r in new], ids)
            if new
            else None
        )
        groups = [
            _group_values(person_id, e, self.actor_id)
            for r, person_id in zip(new, ids, strict=True)
            for e in r.groups.values()
        ]
        new_ids = {id(r): person_id for r, person_id in zip(new, ids, strict=True)}
        decision_ids = self.stored_decisions()
        enrollments = [
            _enrollment_values(
                self.training_class.pk,
                new_ids.get(id(r), r.person_id),
                self.actor_id,
                decision_ids[r.decision],
            )
            for r in rows
            if r.reenroll_id is None
        ]
        return _Prepared(
            ids,
            people,
            copy_payload(connection, PersonGroup, _GROUP_FIELDS, groups) if groups else None,
            len(groups),
            copy_payload(connection, Enrollment, _ENROLLMENT_FIELDS, enrollments) if enrollments else None,
        )

    def write_batch(
        self, rows: list[_Row], counts: dict[str, int], prepared: _Prepared | None = None
    ) -> None:
        """One batch: lock and re-check the registered people, then people, groups and enrollments in bulk
        (``prepared``: the new people, their groups and the enrollments as :meth:`prepare_batch` built them)."""
        registered = {r.person_id: r for r in rows if r.person_id is not None}
        if registered:
            list(
                Person.objects.select_for_update()
                .filter(pk__in=list(registered))
                .order_by("pk")
                .values_list("pk")
            )
            overlaps = overlapping_people(self.training_class, list(registered))
            if overlaps:
                label = self.label["citizen_id"]
                raise _Rollback([(registered[pid].number, label, reason) for pid, reason in overlaps.items()])
        now = timezone.now()
        new = [r for r in rows if r.person_id is None]
        changed = [r for r in registered.values() if r.changes]
        fresh = 0
        connection = connections[DEFAULT_DB_ALIAS]
        referenced: References | None = {} if self.keys_in_bulk else None
        if new:
            if prepared is not None:
                assert prepared.people is not None
                copy_send_keys_deferred(connection, prepared.people, referenced)
                ids = prepared.person_ids
            else:
                ids = bulk_insert(Person, _PERSON_FIELDS, [_person_values(r) for r in new], return_ids=True)
            for row, person_id in zip(new, ids, strict=True):
                row.person_id = person_id
            counts["people_created"] += len(new)
            if prepared is None:
                groups = [
                    _group_values(r.person_id, e, self.actor_id) for r in new for e in r.groups.values()
                ]
                bulk_insert(PersonGroup, _GROUP_FIELDS, groups)
                fresh = len(groups)
            elif prepared.groups is not None:
                copy_send_keys_deferred(connection, prepared.groups, referenced)
                fresh = prepared.group_count
        if changed:
            self._update_people(changed, now)
            counts["people_updated"] += len(changed)
        fields = _GROUP_FIELDS[:-1]
        known = [
            PersonGroup(
                person_id=r.person_id or 0,  # registered: always set
                group=e.group,
                graduation_year=e.graduation_year,
                registration_number=e.registration_number,
                insured_months=e.insured_months,
                employer_name=e.employer_name,
                recorded_by_id=self.actor_id,
            )
            for r in registered.values()
            for e in r.groups.values()
        ]
        if known:  # the file's evidence replaces what was recorded for the same group
            PersonGroup.objects.bulk_create(
                known,
                update_conflicts=True,
                unique_fields=["person", "group"],
                update_fields=[*fields[2:], "recorded_by", "recorded_at"],
            )
        counts["groups_recorded"] += fresh + len(known)
        enroll = [r for r in rows if r.reenroll_id is None]
        if prepared is not None:  # its records were stored when it was prepared
            decision_ids = self.decision_ids
            if prepared.enrollments is not None:
                copy_send_keys_deferred(connection, prepared.enrollments, referenced)
            if referenced:
                created: References = {
                    (Person._meta.db_table, str(Person._meta.pk.column)): set(prepared.person_ids)
                }
                check_references(connection, referenced, created)
        else:
            decision_ids = self.stored_decisions()
            bulk_insert(
                Enrollment,
                _ENROLLMENT_FIELDS,
                [
                    _enrollment_values(
                        self.training_class.pk, r.person_id, self.actor_id, decision_ids[r.decision]
                    )
                    for r in enroll
                ],
            )
        counts["enrollments"] += len(enroll)
        for row in rows:
            if row.reenroll_id is None:
                continue
            updated = Enrollment.objects.filter(
                pk=row.reenroll_id, status=Enrollment.Status.WITHDRAWN
            ).update(
                status=Enrollment.Status.ACTIVE,
                enrolled_by=self.actor_id,
                eligibility_decision_id=decision_ids[row.decision],
            )
            if not updated:
                raise IntegrityError("an enrollment changed during the import")
            counts["reenrolled"] += 1

    def stored_decisions(self) -> list[int]:
        """The DecisionRecord id of every eligibility record met so far, new ones stored: in the write transaction
        (spool strategy), or by the checking thread as it prepares a batch (stream strategy) — then a rolled-back
        import may leave a record no enrollment points at; records are immutable and shared, and the next import
        of the same people reuses it."""
        if len(self.decision_ids) < len(self.decisions):
            self.decision_ids.extend(store_decisions(self.decisions[len(self.decision_ids) :]))
        return self.decision_ids

    def _update_people(self, rows: list[_Row], now: dt.datetime) -> None:
        """Registered people whose file values differ: one bulk update per set of changed fields."""
        by_fields: dict[tuple[str, ...], list[Person]] = {}
        for row in rows:
            person = Person(pk=row.person_id, updated_at=now)
            fields = [*row.changes, "updated_at"]
            for attr in row.changes:
                setattr(person, attr, getattr(row, attr))
            if "phone" in row.changes:  # bulk_update runs no pre_save: the digest is set here
                person.phone_digest = pii_digest(PIIKind.PHONE, row.phone)
                fields.append("phone_digest")
            by_fields.setdefault(tuple(fields), []).append(person)
        for fields_changed, people in by_fields.items():
            Person.objects.bulk_update(people, list(fields_changed), batch_size=1_000)

    def finish(
        self, counts: dict[str, int], job: ImportJob | None, started: dt.datetime
    ) -> tuple[ImportJob, str]:
        """The import's audit event and its job, in the write transaction."""
        record_event(
            actor=self.actor,
            action="training.roster.imported",
            obj=self.training_class,
            after={"file_name": self.file_name, "rows": self.total, **counts},
        )
        message = (
            f"导入 {self.total} 名学员：新登记 {counts['people_created']} 人，更新信息 {counts['people_updated']} 人"
            f"（{self.total} trainees imported: {counts['people_created']} newly registered）"
        )
        return _finish_job(job, self, message, started), message


def _seats_error(total: int, remaining: int, capacity: int) -> RowError:
    remaining = max(remaining, 0)
    return RowError(
        FILE_ROW,
        "",
        f"名额不足：文件共 {total} 名学员，本班计划 {capacity} 人，剩余名额 {remaining} 个"
        f"（not enough places: {total} trainees in the file, {remaining} of {capacity} places left）",
        [],
    )


def _empty_counts() -> dict[str, int]:
    return {"people_created": 0, "people_updated": 0, "groups_recorded": 0, "enrollments": 0, "reenrolled": 0}


# --- strategies -----------------------------------------------------------------------------------------------


def _batches(table: Table, hint: int = 0) -> Iterator[list[SourceRow]]:
    """Batches of up to :data:`BATCH_ROWS` rows: the first one at most :data:`FIRST_BATCH_ROWS`, each next one
    twice as large, and again smaller towards the end of the file (``hint``: the rows expected), so that the
    writer (stream strategy) starts early and has little left to write when the checks are done."""
    smallest = min(FIRST_BATCH_ROWS, BATCH_ROWS)
    size, done = smallest, 0
    while batch := list(itertools.islice(table.rows, size)):
        yield batch
        done += len(batch)
        size = min(size * 2, BATCH_ROWS)
        if done < hint:  # (a wrong hint only costs speed)
            size = min(size, max(smallest, (hint - done) // 2))


def _choose_strategy() -> str:
    if STRATEGY is not None:
        return STRATEGY
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block and connection.features.has_select_for_update:
        return "stream"
    return "spool"


def _spool_strategy(
    importer: _Importer, tracker: _Progress, hint: int, job: ImportJob | None, started: dt.datetime
) -> RosterImportResult:
    """Validate every row first (spooling what to write), then write everything in one transaction."""
    spool = _Spool()
    try:
        for batch in _batches(importer.table, hint):
            rows = importer.check_batch(batch)
            if rows and not importer.error_count:
                spool.dump([row.astuple() for row in rows])
            tracker.update(importer.total, max(hint, importer.total), "正在校验（validating）")
        _require_rows(importer)
        late = importer.with_values(importer.duplicate_errors())
        file_level = importer.seats_and_quota()
        if importer.error_count or late or file_level:
            return _fail(importer, tracker, job, late, file_level, started)
        tracker.update(0, importer.total, "正在写入（writing）")
        tracker.open_side_channel()
        counts = _empty_counts()
        try:
            with transaction.atomic():
                importer.take_places()
                done = 0
                for batch in spool:
                    rows = [_Row.fromtuple(values) for values in batch]
                    importer.write_batch(rows, counts)
                    done += len(rows)
                    tracker.update(done, importer.total, "正在写入（writing）")
                tracker.close_side_channel()
                job, message = importer.finish(counts, job, started)
        except _Rollback as rollback:
            return _fail(
                importer, tracker, job, importer.with_values(rollback.late), rollback.file_level, started
            )
        except IntegrityError:
            return _fail(importer, tracker, job, [], [_changed_meanwhile(importer)], started)
        finally:
            tracker.close_side_channel()
        return _succeeded(importer, tracker, job, counts, message)
    finally:
        spool.close()


class _Writer(threading.Thread):
    """The stream strategy's writer: its own connection, one transaction, the batches as they come.

    The reading thread validates batch n+1 while this one (mostly waiting on the database, GIL released) writes
    batch n, so the database's work overlaps the validation. ``abort()`` rolls everything back; ``finish()``
    takes the places, writes the audit event and the job, and commits.
    """

    _ABORT = object()
    _FINISH = object()

    def __init__(self, importer: _Importer, job: ImportJob | None, started: dt.datetime) -> None:
        super().__init__(name="roster-import-writer", daemon=True)
        self.importer = importer
        self.job = job
        self.started = started
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=2)
        self.context = contextvars.copy_context()
        self.counts = _empty_counts()
        self.outcome: tuple[ImportJob, str] | None = None
        self.error: BaseException | None = None
        self.written = 0

    def run(self) -> None:
        self.context.run(self._run)

    def _run(self) -> None:
        try:
            with transaction.atomic():
                connection = connections[DEFAULT_DB_ALIAS]
                if connection.vendor == "postgresql":
                    # foreign keys checked as each batch is written, while the reading thread validates the next
                    # one, rather than all together at COMMIT when nothing else runs; where it is equivalent,
                    # with one query per referenced table and batch instead of one per row (ADR 0002)
                    self.importer.keys_in_bulk = bulk_checks_available(connection, _COPIED_MODELS)
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                while True:
                    item = self.queue.get()
                    if item is self._ABORT:
                        raise _Aborted
                    if item is self._FINISH:
                        self.importer.take_places()
                        self.outcome = self.importer.finish(self.counts, self.job, self.started)
                        break
                    rows, prepared = item
                    self.importer.write_batch(rows, self.counts, prepared)
                    self.written += len(rows)
        except _Aborted:
            pass
        except BaseException as exc:  # handed to the reading thread
            self.error = exc
            self._drain()
        finally:
            connections.close_all()

    def _drain(self) -> None:
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                return

    def put(self, item: tuple[list[_Row], _Prepared | None]) -> bool:
        """Hand a batch over (blocks while two are waiting); False once the writer has failed."""
        while self.error is None and self.is_alive():
            try:
                self.queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def stop(self, item: object) -> None:
        while self.is_alive():
            try:
                self.queue.put(item, timeout=0.5)
                break
            except queue.Full:
                continue
        self.join()


class _Aborted(Exception):
    pass


# While the writer thread waits on the database, the checking thread holds the GIL; when the database answers, the
# writer waits for the interpreter's switch interval (5 ms by default) before it can send the next piece, and the
# database idles meanwhile. A shorter interval for the duration of a stream import: 0.5 ms measured best on the
# 2-core machines (100,000 rows: csv 4.0 → 3.7 s, xlsx 4.6 → 4.4 s; 0.2 ms gained nothing more).
GIL_SWITCH_SECONDS = 0.0005
_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.0


@contextlib.contextmanager
def _short_gil_switches() -> Iterator[None]:
    """:data:`GIL_SWITCH_SECONDS` as the interpreter's switch interval while at least one import runs (it is
    process-wide: counted, so that concurrent imports restore the original only when the last one ends)."""
    global _switch_users, _switch_saved
    with _switch_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_saved, GIL_SWITCH_SECONDS))
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_saved)


def _stream_strategy(
    importer: _Importer, tracker: _Progress, hint: int, job: ImportJob | None, started: dt.datetime
) -> RosterImportResult:
    """Write each batch as soon as it passed, in one transaction on a second connection, rolled back at the first
    error; the reading thread keeps validating (and publishing progress on its own connection)."""
    with _short_gil_switches():
        return _stream(importer, tracker, hint, job, started)


def _stream(
    importer: _Importer, tracker: _Progress, hint: int, job: ImportJob | None, started: dt.datetime
) -> RosterImportResult:
    writer = _Writer(importer, job, started)
    writer.start()
    writing = True
    try:
        for batch in _batches(importer.table, hint):
            rows = importer.check_batch(batch)
            if writing and (importer.error_count or importer.duplicates or writer.error is not None):
                writer.stop(_Writer._ABORT)
                writing = False
            if writing and rows and not writer.put((rows, importer.prepare_batch(rows))):
                writing = False
            tracker.update(
                importer.total, max(hint, importer.total), "正在校验并写入（validating and writing）"
            )
        _require_rows(importer)
        late = importer.with_values(importer.duplicate_errors())
        file_level = [] if writing and not late else importer.seats_and_quota()
        if importer.error_count or late or file_level:
            if writing:
                writer.stop(_Writer._ABORT)
            return _fail(importer, tracker, job, late, file_level, started)
        writer.stop(_Writer._FINISH)
        writing = False
        if isinstance(writer.error, _Rollback):
            rollback = writer.error
            return _fail(
                importer, tracker, job, importer.with_values(rollback.late), rollback.file_level, started
            )
        if isinstance(writer.error, IntegrityError):
            return _fail(importer, tracker, job, [], [_changed_meanwhile(importer)], started)
        if writer.error is not None:
            raise writer.error
        assert writer.outcome is not None
        job, message = writer.outcome
        return _succeeded(importer, tracker, job, writer.counts, message)
    finally:
        if writing:
            writer.stop(_Writer._ABORT)


def _require_rows(importer: _Importer) -> None:
    if not importer.total:
        raise DomainError(
            "文件中只有表头，没有任何学员（the file has a header but no trainee rows）", code="empty_file"
        )


def _changed_meanwhile(importer: _Importer) -> RowError:
    logger.warning(
        "roster import into class %s collided with a concurrent change", importer.training_class.pk
    )
    return RowError(
        FILE_ROW,
        "",
        "导入期间本班名单或人员信息被其他操作修改，未导入任何学员，请重新导入"
        "（the class or its people changed during the import; nothing was imported, please import again）",
        [],
    )


# --- the service ----------------------------------------------------------------------------------------------


def import_roster(
    *,
    actor: Any,
    training_class: TrainingClass,
    file_name: str,
    data: bytes | Path,
    progress: Callable[[int, int], None] | None = None,
    job: ImportJob | None = None,
) -> RosterImportResult:
    """Enroll every trainee of an xlsx/xls/ods/csv roster in ``training_class`` — all rows or none.

    ``actor`` is a user (staff of the class's provider with ``training.import_roster``) or ``None`` for the
    system (the command line). ``progress(done, total)`` is called after every batch (``total`` is an estimate
    until the file is read; the spool strategy reports its write phase as a second round). ``job`` is a pending
    :class:`ImportJob` created by whoever queued a background import; without it the job is created at the end.

    Raises :class:`PermissionDenied`, :class:`Conflict` (class not open) and :class:`DomainError` (nothing
    written, no job) when the file itself cannot be used: not a spreadsheet or csv, no header, missing columns,
    no data rows. Row problems do not raise: the result lists them (the first :data:`KEEP_ERRORS`), nothing is
    written, and the failed job holds the full error report xlsx.
    """
    training_class = TrainingClass.objects.select_related("program").get(pk=training_class.pk)
    check_can_import(actor, training_class)
    started = timezone.now()
    tracker = _Progress(job, progress)
    if job is not None:
        job.status = ImportJob.Status.RUNNING
        job.kind = IMPORT_KIND
        job.started_at = started
        job.target_type = TrainingClass._meta.label_lower
        job.target_id = str(training_class.pk)
        job.message = "正在读取文件（reading the file）"
        job.save(update_fields=["status", "kind", "started_at", "target_type", "target_id", "message"])
    table = open_table(file_name, data, COLUMNS)
    hint = _total_hint(table, data)
    importer = _Importer(
        actor, training_class, file_name, table, reopen=lambda: open_table(file_name, data, COLUMNS)
    )
    try:
        if _choose_strategy() == "stream":
            return _stream_strategy(importer, tracker, hint, job, started)
        return _spool_strategy(importer, tracker, hint, job, started)
    finally:
        importer.close()


def _total_hint(table: Table, data: bytes | Path) -> int:
    """Data rows to expect, for progress: the sheet's last row, or the csv's line count."""
    if table.total_hint:
        return max(table.total_hint - table.header_row, 0)
    if isinstance(data, bytes):
        return max(data.count(b"\n") - table.header_row, 0)
    lines = 0
    with data.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - table.header_row, 0)


def _finish_job(job: ImportJob | None, importer: _Importer, message: str, started: dt.datetime) -> ImportJob:
    total = importer.total
    if job is None:
        created: ImportJob = save_job(
            kind=IMPORT_KIND,
            actor=importer.actor,
            file_name=importer.file_name,
            target=importer.training_class,
            total_rows=total,
            imported_rows=total,
            message=message,
            started_at=started,
        )
        return created
    job.status = ImportJob.Status.SUCCEEDED
    job.total_rows = job.processed_rows = job.imported_rows = total
    job.error_count = 0
    job.message = message
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "total_rows",
            "processed_rows",
            "imported_rows",
            "error_count",
            "message",
            "finished_at",
        ]
    )
    return job


def _succeeded(
    importer: _Importer, tracker: _Progress, job: ImportJob, counts: dict[str, int], message: str
) -> RosterImportResult:
    if tracker.callback is not None:
        tracker.callback(importer.total, importer.total)
    return RosterImportResult(
        total_rows=importer.total,
        imported_rows=importer.total,
        errors=[],
        job_id=job.pk,
        people_created=counts["people_created"],
        people_updated=counts["people_updated"],
        groups_recorded=counts["groups_recorded"],
        reenrolled=counts["reenrolled"],
        message=message,
    )


def _fail(
    importer: _Importer,
    tracker: _Progress,
    job: ImportJob | None,
    late: list[RowError],
    file_level: list[RowError],
    started: dt.datetime,
) -> RosterImportResult:
    """Nothing was written: the failed job with the error report (every error, streamed from the spool)."""
    first: list[RowError] = []
    count = 0

    def counted() -> Iterator[RowError]:
        nonlocal count
        for error in importer.all_errors(late, file_level):
            count += 1
            if len(first) < KEEP_ERRORS:
                first.append(error)
            yield error

    report = error_report_xlsx(importer.table.header, counted())
    bad_rows = len((importer.error_rows | {e.row_number for e in late}) - {FILE_ROW})
    parts = [f"{bad_rows} 行有误"] if bad_rows else []
    parts.extend(e.message for e in file_level)
    message = "；".join(parts) + f"；共 {count} 处错误，未导入任何学员（{count} errors; nothing imported）"
    stem = re.sub(r"[^\w.-]+", "_", Path(importer.file_name or "roster").stem)[:60] or "roster"
    if job is None:
        job = ImportJob(
            kind=IMPORT_KIND,
            file_name=(importer.file_name or "")[:255],
            created_by=importer.actor if importer.actor_id else None,
            started_at=started,
            target_type=TrainingClass._meta.label_lower,
            target_id=str(importer.training_class.pk),
        )
    job.status = ImportJob.Status.FAILED
    job.finished_at = timezone.now()
    job.total_rows = job.processed_rows = importer.total
    job.imported_rows = 0
    job.error_count = count
    job.message = message
    job.report.save(f"{stem}-errors.xlsx", ContentFile(report), save=False)
    job.save()
    if tracker.callback is not None:
        tracker.callback(importer.total, importer.total)
    return RosterImportResult(
        total_rows=importer.total,
        imported_rows=0,
        errors=first,
        job_id=job.pk,
        error_count=count,
        message=message,
    )


# --- template -------------------------------------------------------------------------------------------------


def roster_template_xlsx() -> bytes:
    """The import form: header row, two example rows to overwrite, the ID column formatted as text, notes."""
    import xlsxwriter

    from lijiao.core.identity import citizen_id_check_char

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_numbers": False})
    try:
        sheet = workbook.add_worksheet("学员名单")
        text = workbook.add_format({"num_format": "@"})
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        example = workbook.add_format({"font_color": "#808080", "num_format": "@"})
        example_date = workbook.add_format({"font_color": "#808080", "num_format": "yyyy-mm-dd"})
        widths = [10, 22, 14, 6, 12, 10, 10, 24, 24, 10, 18, 10]
        formats = [date if spec.key == "birth_date" else text for spec in COLUMNS]
        write_template_header(workbook, sheet, COLUMNS, widths, formats)
        first17, second17 = "21020219950312001", "21021119880705002"
        examples = [
            [
                "张三",
                first17 + citizen_id_check_char(first17),
                "13800000001",
                "男",
                dt.date(1995, 3, 12),
                "城镇",
                "本科",
                "",
                "高校毕业生",
                "2022",
                "",
                "",
            ],
            [
                "李四",
                second17 + citizen_id_check_char(second17),
                "13900000002",
                "女",
                dt.date(1988, 7, 5),
                "农村",
                "高中/中专/技校",
                "",
                "失业人员、农村转移劳动者",
                "",
                "2102110000123",
                "",
            ],
        ]
        for row, values in enumerate(examples, start=1):
            for col, value in enumerate(values):
                if isinstance(value, dt.date):
                    sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), example_date)
                elif value:
                    sheet.write_string(row, col, value, example)
        last = 5_000
        for key, choices in (
            ("gender", ["男", "女"]),
            ("household", ["城镇", "农村"]),
            ("education", [str(label) for label in Person.Education.labels]),
        ):
            col = HEADER.index(next(s.label for s in COLUMNS if s.key == key))
            sheet.data_validation(
                1,
                col,
                last,
                col,
                {"validate": "list", "source": choices, "ignore_blank": True, "error_type": "warning"},
            )

        notes = workbook.add_worksheet("填写说明")
        notes.set_column(0, 0, 16)
        notes.set_column(1, 1, 100)
        bold = workbook.add_format({"bold": True})
        lines = [
            ("列", "填写要求"),
            ("姓名", "必填，与身份证件一致；已登记的人员须与登记姓名一致。"),
            (
                "身份证号",
                "必填，18位（15位旧号码会自动升级）。本列已设为“文本”格式：请勿改为数字格式，"
                "否则 Excel 会把号码变成 2.10202E+17 并丢失末几位，系统将拒绝该行。",
            ),
            ("手机号", "11位手机号或带区号的固定电话，可不填。"),
            (
                "性别、出生日期",
                "可不填；填写时须与身份证号一致。日期可写 2025-03-01、2025/3/1 或 2025年3月1日。",
            ),
            ("户籍类型", "城镇 / 农村，可不填。"),
            ("学历", "、".join(str(label) for label in Person.Education.labels) + "，可不填。"),
            (
                "人员类别",
                "可多选，用“、”分隔：高校毕业生、毕业年度高校毕业生、失业人员、农村转移劳动者、脱贫/低保家庭成员、"
                "退役军人、残疾人、企业职工、参保职工、在校学生、事业单位人员。",
            ),
            ("毕业年份", "高校毕业生、毕业年度高校毕业生必填（如 2024）。"),
            ("失业登记证号", "失业人员必填。"),
            ("参保月数", "参保职工必填（整数）；企业职工可填。企业职工须填写工作单位。"),
            ("其他", "表头行之前可以有标题行；多余的列会被忽略；同一身份证号只能出现一次。"),
            ("", "任何一行有错误时不会导入任何学员，系统会给出带行号的错误报告，可修改后整表重新导入。"),
            ("", "示例行（灰色）请覆盖或删除。"),
        ]
        for row, (left, right) in enumerate(lines):
            notes.write_string(row, 0, left, bold if row == 0 or left else None)
            notes.write_string(row, 1, right, bold if row == 0 else None)
    finally:
        workbook.close()
    return output.getvalue()


# --- jobs -----------------------------------------------------------------------------------------------------


def get_import_job(user: Any, job_id: int) -> ImportJob:
    """A roster import job the user may follow: their own, or any of a class of their provider (with
    ``training.import_roster``). Anything else is :class:`NotFound`, exactly like a missing id — the job's report
    holds the personal data of the file."""
    job = ImportJob.objects.filter(pk=job_id, kind=IMPORT_KIND).select_related("created_by").first()
    if job is None or not getattr(user, "is_authenticated", False):
        raise NotFound("导入任务不存在（import job not found）")
    if user.is_superuser or (job.created_by_id is not None and job.created_by_id == user.pk):
        return job
    provider_id = (
        TrainingClass.objects.filter(pk=int(job.target_id)).values_list("provider_id", flat=True).first()
        if job.target_id.isdigit()
        else None
    )
    if (
        provider_id is not None
        and getattr(user, "provider_id", None) == provider_id
        and user.has_perm("training.import_roster")
    ):
        return job
    raise NotFound("导入任务不存在（import job not found）")


def report_preview(job: ImportJob, limit: int = 50) -> list[RowError]:
    """The first ``limit`` errors of a failed job, read from its report without loading the whole workbook:
    row number, column and reason (the report itself has the rows' values)."""
    if not job.report:
        return []
    from xml.etree.ElementTree import iterparse

    namespace = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rows: list[dict[int, str]] = []
    with job.report.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        sheet = next((n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")), None)
        if sheet is None:
            return []
        with archive.open(sheet) as stream:
            for _event, element in iterparse(stream):
                if element.tag != f"{namespace}row":
                    continue
                cells: dict[int, str] = {}
                for cell in element.iter(f"{namespace}c"):
                    text = "".join(cell.itertext()).strip()
                    if text:
                        cells[_column_index(cell.get("r", "A1"))] = text
                rows.append(cells)
                element.clear()
                if len(rows) > limit:
                    break
    if not rows:
        return []
    header = {text: index for index, text in rows[0].items()}
    where = [header.get(REPORT_ROW_COLUMN), header.get(REPORT_FIELD_COLUMN), header.get(REPORT_REASON_COLUMN)]
    if where[0] is None or where[2] is None:
        return []
    preview = []
    for cells in rows[1:]:
        number = cells.get(where[0], "0")
        preview.append(
            RowError(
                int(float(number)) if number.replace(".", "", 1).isdigit() else 0,
                cells.get(where[1], "") if where[1] is not None else "",
                cells.get(where[2], ""),
                [],
            )
        )
    return preview


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index - 1
