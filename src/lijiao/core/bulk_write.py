"""Bulk writes for imports: many rows of one model in one statement, stored exactly as ``Model.save`` would.

:func:`bulk_insert` is the whole API most callers need. PostgreSQL (psycopg 3) gets ``COPY … FROM STDIN`` with
primary keys reserved from the table's sequence; SQLite a multi-row ``INSERT … RETURNING``; any other database
``bulk_create``. A caller that builds the data on one thread and sends it on another (the roster import's writer)
uses the three steps separately: :func:`reserve_ids`, :func:`copy_payload` (pure: builds the statement and its
data) and :func:`copy_send` (runs it). Foreign keys are checked by the database as for any other insert.

:class:`InList` is ``field IN (…)`` for thousands of values (one text parameter on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import select
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections, models, router
from django.db.models.lookups import In
from django.utils import timezone

from lijiao.core.pii import EncryptedPIIField, PIIDigestField, PIIKind, encrypt_many, pii_digester

__all__ = ["CopyPayload", "InList", "bulk_insert", "can_copy", "copy_payload", "copy_send", "reserve_ids"]

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


def can_copy(connection: Any) -> bool:
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
    if can_copy(connection):
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
    return CopyPayload(sql, text.encode())


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
    head = f"INSERT INTO {table} ({', '.join(map(quote, columns))}) VALUES "  # noqa: S608 -- quoted names
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


class InList(In):
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
