"""Rule decisions stored once, by content: :class:`lijiao.core.models.DecisionRecord` rows keyed by a digest.

A decision record (``Decision.as_dict()`` plus its context, e.g. the date and the program) is identified by the
SHA-256 of its canonical JSON (sorted keys, no spaces, UTF-8, values JSON does not know written as text). Storing
a record that is already there returns the existing row's id, so a roster import of 100,000 rows that took a few
dozen distinct decisions writes a few dozen rows. The rows never change: nothing here updates or deletes them.

Race-safe: missing records are inserted with ``ON CONFLICT DO NOTHING`` (``INSERT OR IGNORE`` on SQLite) on the
unique digest, then read back, so two transactions storing the same record both get the one row's id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lijiao.core.models import DecisionRecord

__all__ = ["canonical_json", "decision_digest", "store_decision", "store_decisions"]

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
