"""Foreign keys of a bulk load checked in bulk: one set-based query per referenced table instead of PostgreSQL's
query per inserted row (ADR 0002).

PostgreSQL checks a foreign key with an internal trigger that runs, for every inserted row, its own query and row
lock. For a 100,000-row roster that is about 480,000 queries, and they cost more than all the heap and index writes
together. A bulk load may instead switch those triggers off for its own ``COPY`` statements
(``session_replication_role = replica``: what ``pg_restore --disable-triggers`` and logical replication do) and
check exactly what they would have checked, in the same transaction, before it commits: every referenced key
exists, and its row is locked ``FOR KEY SHARE`` — the lock PostgreSQL's own check takes, so a concurrent
``DELETE`` of a referenced row waits for this transaction and then fails as it would have. The constraints stay
declared, and enforced by PostgreSQL for every other statement (the parameter is set back at once).

It is used only where it is exactly equivalent (:func:`bulk_checks_available`): PostgreSQL; a role allowed to set
the parameter (a superuser, or ``GRANT SET ON PARAMETER session_replication_role TO …`` on PostgreSQL 15+); tables
whose only triggers are PostgreSQL's foreign-key triggers and that have no rules; and no foreign-key constraint in
the database but those the model fields declare, to the tables and columns they declare (each is checked here).
Otherwise the load keeps the per-row triggers. Nothing here imports Django's ORM query machinery: it runs plain SQL on the load's connection.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import DatabaseError, IntegrityError, models

References = dict[tuple[str, str], set[Any]]
"""The keys a load refers to: (referenced table, referenced column) → the keys written."""


def declared_foreign_keys(model: type[models.Model]) -> dict[str, tuple[str, str]]:
    """The model's columns that the database constrains as foreign keys: column → (referenced table, column)."""
    keys = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and getattr(field, "db_constraint", True):
            target = field.target_field
            keys[str(field.column)] = (target.model._meta.db_table, str(target.column))
    return keys


def references_of(
    model: type[models.Model], columns: Sequence[str], data: Sequence[Sequence[Any]]
) -> References:
    """The keys that rows of ``model`` refer to, from their column names (unquoted) and values (one list per
    column, as written)."""
    keys = declared_foreign_keys(model)
    references: References = {}
    for column, values in zip(columns, data, strict=True):
        target = keys.get(column)
        if target is not None:
            wanted = references.setdefault(target, set())
            wanted.update(values)
            wanted.discard(None)
    return references


def merge_references(into: References, more: References) -> None:
    """Add ``more``'s keys to ``into``."""
    for target, keys in more.items():
        into.setdefault(target, set()).update(keys)


def bulk_checks_available(connection: Any, tables: Iterable[type[models.Model]]) -> bool:
    """Whether a load into these models' tables may switch the per-row foreign-key triggers off and check the keys
    with :func:`check_references` instead (the conditions in the module's docstring)."""
    if connection.vendor != "postgresql":
        return False
    models_ = list(tables)
    names = [model._meta.db_table for model in models_]
    declared = {
        (model._meta.db_table, column): target
        for model in models_
        for column, target in declared_foreign_keys(model).items()
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN current_setting('server_version_num')::int >= 150000 "
            "THEN has_parameter_privilege('session_replication_role', 'SET') "
            "ELSE (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) END"
        )
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(  # triggers other than foreign-key ones, and rules: both obey session_replication_role
            "SELECT (SELECT count(*) FROM pg_trigger t LEFT JOIN pg_constraint c ON c.oid = t.tgconstraint "
            "        WHERE t.tgrelid = ANY(%s::regclass[]) AND c.contype IS DISTINCT FROM 'f') "
            "     + (SELECT count(*) FROM pg_rewrite r WHERE r.ev_class = ANY(%s::regclass[]))",
            [names, names],
        )
        if cursor.fetchone()[0]:
            return False
        cursor.execute(  # every foreign key in the database on these tables: its columns and what they refer to
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, "
            "       array(SELECT a.attname::text FROM unnest(c.conkey) k "
            "             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k), "
            "       array(SELECT a.attname::text FROM unnest(c.confkey) k "
            "             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k) "
            "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])",
            [names],
        )
        for table, target, columns, target_columns in cursor.fetchall():
            if len(columns) != 1 or declared.get((table.strip('"'), columns[0])) != (
                target.strip('"'),
                target_columns[0],
            ):
                return False
    return True


@contextlib.contextmanager
def row_triggers_off(connection: Any) -> Iterator[None]:
    """Within the current transaction, this connection's statements fire no triggers (foreign-key checks
    included) until the block ends; the caller then checks the keys with :func:`check_references`."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield
        except BaseException:
            # back to normal if the transaction goes on (a savepoint rolled back); an aborted one is rolled back
            with contextlib.suppress(DatabaseError):
                cursor.execute("SET LOCAL session_replication_role = origin")
            raise
        cursor.execute("SET LOCAL session_replication_role = origin")


def check_references(connection: Any, references: References, created: References | None = None) -> None:
    """Every referenced key exists, and its row is now locked ``FOR KEY SHARE`` until the transaction ends (what
    PostgreSQL's own foreign-key check does per row); else :class:`IntegrityError` naming a missing key.

    ``created``: keys of rows this transaction inserted itself — no other transaction can see, let alone delete
    them, so they are only looked up (locking a row writes to it: 100,000 new people would be written twice).
    """
    created = created or {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for (table, column), keys in sorted(references.items()):
            ours = keys & created.get((table, column), set())
            for subset, lock in ((keys - ours, f" ORDER BY {quote(column)} FOR KEY SHARE"), (ours, "")):
                if not subset:
                    continue
                wanted, array = _array(subset)
                where = f"FROM {quote(table)} WHERE {quote(column)} = ANY({array})"
                cursor.execute(f"SELECT count(*) FROM (SELECT {quote(column)} {where}{lock}) found", [wanted])
                if cursor.fetchone()[0] == len(subset):
                    continue
                cursor.execute(f"SELECT {quote(column)} {where}", [wanted])
                missing = sorted(subset - {row[0] for row in cursor.fetchall()}, key=str)
                raise IntegrityError(
                    f"insert violates a foreign key: key ({column})=({missing[0]}) is not present in table "
                    f'"{table}"' + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                )


def _array(keys: set[Any]) -> tuple[Any, str]:
    """Integer keys as one comma-joined text parameter (a 10,000-element list costs psycopg milliseconds to adapt
    on every query); other keys as a list."""
    if all(key.__class__ is int for key in keys):
        return ",".join(map(str, keys)), "string_to_array(%s, ',')::bigint[]"
    return list(keys), "%s"
