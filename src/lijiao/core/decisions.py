"""Rule decisions stored once, by content: :class:`lijiao.core.models.DecisionRecord` rows keyed by a digest.

A decision record (``Decision.as_dict()`` plus its context, e.g. the date and the program) is identified by the
SHA-256 of its canonical JSON (sorted keys, no spaces, UTF-8, values JSON does not know written as text). Storing
a record that is already there returns the existing row's id, so a roster import of 100,000 rows that took a few
dozen distinct decisions writes a few dozen rows. The rows never change: nothing here updates them, and only
:func:`purge_orphan_decisions` deletes one — a record nothing points at any more, left by an import that was
killed or rolled back after it stored its decisions (ADR 0007).

Race-safe: missing records are inserted with ``ON CONFLICT DO NOTHING`` (``INSERT OR IGNORE`` on SQLite) on the
unique digest, then read back, so two transactions storing the same record both get the one row's id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.apps import apps
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from lijiao.core.models import DecisionRecord

logger = logging.getLogger(__name__)

__all__ = ["canonical_json", "decision_digest", "purge_orphan_decisions", "store_decision", "store_decisions"]

LOOKUP_CHUNK = 500  # digests per ``digest__in`` query (well under SQLite's bound-parameter limit)


def canonical_json(record: Mapping[str, Any]) -> str:
    """The record as canonical JSON: sorted keys, compact separators, non-ASCII kept, other values as text."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def decision_digest(record: Mapping[str, Any]) -> str:
    """The SHA-256 hex digest of the record's canonical JSON (what :class:`DecisionRecord` is unique on)."""
    return hashlib.sha256(canonical_json(record).encode()).hexdigest()


def _ids_by_digest(digests: Iterable[str], chunk: int) -> dict[str, int]:
    wanted = list(digests)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), chunk):
        part = wanted[start : start + chunk]
        found.update(DecisionRecord.objects.filter(digest__in=part).values_list("digest", "pk"))
    return found


def store_decisions(records: Sequence[Mapping[str, Any]], *, chunk: int = LOOKUP_CHUNK) -> list[int]:
    """The :class:`DecisionRecord` id of each record, in input order (the same record twice gives the same id).

    Records already stored are found by digest (``chunk`` digests per query); the missing ones are created with
    one ``bulk_create`` that ignores conflicts (another transaction may store the same record meanwhile) and
    read back by digest. What is stored is the canonical JSON parsed back, i.e. exactly what was hashed.
    """
    if not records:
        return []
    canonical: dict[str, str] = {}  # digest -> canonical JSON, first occurrence order
    digests: list[str] = []
    for record in records:
        text = canonical_json(record)
        digest = hashlib.sha256(text.encode()).hexdigest()
        canonical.setdefault(digest, text)
        digests.append(digest)
    ids = _ids_by_digest(canonical, chunk)
    missing = [digest for digest in canonical if digest not in ids]
    if missing:
        DecisionRecord.objects.bulk_create(
            [DecisionRecord(digest=digest, record=json.loads(canonical[digest])) for digest in missing],
            batch_size=chunk,
            ignore_conflicts=True,
        )
        ids.update(_ids_by_digest(missing, chunk))
        lost = [digest for digest in missing if digest not in ids]
        if lost:  # only under an isolation level that hides the concurrent insert we conflicted with
            raise RuntimeError(f"decision records not readable after insert: {', '.join(lost[:3])}")
    return [ids[digest] for digest in digests]


def store_decision(record: Mapping[str, Any]) -> int:
    """The :class:`DecisionRecord` id of one record (created when it is not stored yet)."""
    return store_decisions([record])[0]


ORPHAN_GRACE = dt.timedelta(hours=24)


def purge_orphan_decisions(*, now: dt.datetime | None = None, grace: dt.timedelta = ORPHAN_GRACE) -> int:
    """Delete decision records that no row points at and that were stored longer than ``grace`` ago; returns how
    many were deleted.

    How orphans arise: the roster import's stream strategy stores a batch's decisions from its checking thread, in
    a transaction of their own, before the writer's transaction commits the enrollments that point at them; an
    import killed (or rolled back) in between leaves them behind. Whatever points at a record is found from the
    model relations (every foreign key to :class:`DecisionRecord`, in any app), so no app is imported here. The
    grace period keeps the records of an import still running; the deletion runs in its own transaction and a
    record that became referenced meanwhile (the database's foreign key refuses its deletion) is left for the next
    run.
    """
    cutoff = (now or timezone.now()) - grace
    ids = list(_unreferenced().filter(created_at__lt=cutoff).values_list("pk", flat=True)[:10_000])
    deleted = 0
    for start in range(0, len(ids), LOOKUP_CHUNK):
        part = ids[start : start + LOOKUP_CHUNK]
        try:
            with transaction.atomic():
                deleted += _delete_unreferenced(part)
        except DatabaseError:
            logger.info("decision records %s…: referenced meanwhile, kept for the next run", part[:3])
    return deleted


def _delete_unreferenced(ids: list[int]) -> int:
    """Delete those of ``ids`` that are still unreferenced (checked again inside the transaction)."""
    still = list(_unreferenced().filter(pk__in=ids).values_list("pk", flat=True))
    count, _detail = DecisionRecord.objects.filter(pk__in=still).delete()
    return count


def _unreferenced() -> QuerySet[DecisionRecord]:
    """Records no row of any model points at (every foreign key to :class:`DecisionRecord`, hidden ones too)."""
    qs = DecisionRecord.objects.all()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is DecisionRecord:
                qs = qs.filter(~Exists(model._base_manager.filter(**{field.name: OuterRef("pk")})))
    return qs
