"""The audit checks' shared pieces: thresholds, the finding draft, the run's context, small helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from lijiao.subsidies.models import (
    Claim,
    ClaimStatus,
    SchemeKind,
)
from lijiao.training.models import TrainingClass

# Thresholds (documented in the findings' evidence).
DEFAULT_R2_CAP = 3
SHARED_PHONE_MIN_PERSONS = 4
SPIKE_FACTOR = 3
SPIKE_MIN_CERTIFICATES = 10
SPIKE_TRAILING_MONTHS = 6
SHORT_CLASS_RATIO = 0.8
MIN_AGE = 16
EVIDENCE_LIST_MAX = 50
_IN_CHUNK = 900  # SQLite's variable limit is 999 in older builds

# Claims the audit looks at: filed and not refused.
LIVE_EXCLUDED = (ClaimStatus.DRAFT, ClaimStatus.REJECTED)


def fingerprint(check_code: str, key: str) -> str:
    """The finding's identity: the check and what it found (hashed); re-running finds the same fingerprint."""
    return hashlib.sha256(f"{check_code}|{key}".encode()).hexdigest()


@dataclass(slots=True)
class Draft:
    """A finding before it is written: what, how bad, the evidence, what it concerns."""

    check_code: str
    key: str
    summary: str
    evidence: dict[str, Any]
    severity: int = 2
    claim_id: int | None = None
    person_id: int | None = None
    provider_id: int | None = None
    training_class_id: int | None = None
    evaluating_body_id: int | None = None
    handling_area_id: int | None = None
    hold: bool = False  # holds its claim's payment while open

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.check_code, self.key)


@dataclass(slots=True)
class Context:
    """What a run looks at: claims of one year (by application date) or all, and "today"."""

    year: int | None = None
    today: dt.date = field(default_factory=timezone.localdate)
    claims: QuerySet[Claim] | None = None  # restrict to these claims (the pre-payment check)

    def live_claims(self) -> QuerySet[Claim]:
        if self.claims is not None:  # the claims named (the pre-payment check): whatever their status
            return self.claims
        qs = Claim.objects.exclude(status__in=LIVE_EXCLUDED)
        if self.year is not None:
            qs = qs.filter(application_date__year=self.year)
        return qs

    def classes(self) -> QuerySet[TrainingClass]:
        qs = TrainingClass.objects.all()
        if self.year is not None:
            qs = qs.filter(end_date__year=self.year)
        return qs


def _in_size() -> int:
    """How many values an ``IN (…)`` list may hold here: SQLite's variable limit, PostgreSQL many more."""
    return _IN_CHUNK if connection.vendor == "sqlite" else 20_000


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _chunks[T](items: Sequence[T], size: int = _IN_CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _claims_by_id(ids: Iterable[int]) -> dict[int, Any]:
    """Claim numbers, dates and areas of a few claims (the evidence), in one query per 900."""
    out: dict[int, Any] = {}
    for chunk in _chunks(sorted(set(ids))):
        for row in Claim.objects.filter(pk__in=chunk).values(
            "id", "number", "kind", "status", "person_id", "handling_area_id", "application_date", "amount"
        ):
            out[row["id"]] = row
    return out


def _claim_ref(row: Any) -> dict[str, Any]:
    return {
        "number": row["number"],
        "kind": row["kind"],
        "kind_label": str(SchemeKind(row["kind"]).label) if row["kind"] in SchemeKind.values else row["kind"],
        "status": row["status"],
        "application_date": _d(row["application_date"]),
        "amount": str(row["amount"]) if row["amount"] is not None else None,
    }
