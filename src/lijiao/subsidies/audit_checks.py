"""The anti-fraud checks (issue 12 items 9, 10): set-based, a fixed handful of queries each, no per-claim loop.

Each check narrows the data with an aggregate or a join in the database (groups over a threshold, overlapping
pairs, rows that break a date rule) and only the few candidates it returns are turned into :class:`Draft`
findings in Python. The same register check serves the pre-payment check of one claim
(:func:`lijiao.subsidies.services.registers.check_registers`) and the nightly audit of every claim: both get
the same fingerprint, so a finding is never written twice.

Everything here is the ORM or portable SQL: the answers are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, ExtractYear, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.certificates.models import Certificate, EvaluatingBody
from lijiao.core.retirement import category_for, statutory_retirement
from lijiao.core.rules import add_months
from lijiao.people.models import Person
from lijiao.providers.models import BlacklistEntry
from lijiao.subsidies.models import (
    CERTIFICATE_HOLDING_STATUSES,
    Claim,
    ClaimStatus,
    ContributionMonth,
    RegisterEntry,
    RegisterKind,
    RegisterSnapshot,
    SchemeKind,
    SchemeVersion,
)
from lijiao.training.models import CheckIn, ClassSession, Enrollment, TrainingClass

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


# --- R2: caps per person and year ------------------------------------------------------------------------------


def _param(parameters: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = parameters.get(name)
        if isinstance(value, dict):
            value = value.get("value")
        if value is not None:
            return value
    return None


ROLLING = "rolling_12_months"


def r2_rules() -> dict[str, tuple[int, str]]:
    """Per scheme kind: (cap, scope) from the newest published version's parameters; default 3 per kind."""
    return {kind: (cap, scope) for kind, (cap, scope, _period) in r2_rules_with_period().items()}


def r2_rules_with_period() -> dict[str, tuple[int, str, str]]:
    """Per scheme kind: (cap, scope, period) from the newest published version's parameters; default 3 per kind
    in the calendar year (``r2_period`` ``calendar_year`` or ``rolling_12_months``)."""
    rules: dict[str, tuple[int, str, str]] = {}
    versions = SchemeVersion.objects.filter(status=SchemeVersion.Status.PUBLISHED).order_by(
        "scheme_id", "-effective_from", "-number"
    )
    for version in versions.values("scheme__kind", "parameters"):
        kind = version["scheme__kind"]
        if kind in rules:
            continue
        params = version["parameters"] or {}
        cap = _param(params, "r2_max_per_year", "r2_max", "r2_cap", "r2_limit")
        scope = _param(params, "r2_scope") or "per_kind"
        period = ROLLING if _param(params, "r2_period") == ROLLING else "calendar_year"
        try:
            rules[kind] = (int(cap) if cap is not None else DEFAULT_R2_CAP, str(scope), period)
        except (TypeError, ValueError):
            rules[kind] = (DEFAULT_R2_CAP, str(scope), period)
    return rules


def check_r2_cap(ctx: Context) -> list[Draft]:
    """R2 as each kind's newest published version counts it: per calendar year (grouped by year), or in the 12
    months before each claim (:func:`_r2_rolling`)."""
    with_period = r2_rules_with_period()
    rolling_drafts = _r2_rolling(ctx, with_period)
    rules = {k: (cap, scope) for k, (cap, scope, period) in with_period.items() if period != ROLLING}
    rolling_kinds = {k for k, (_cap, _scope, period) in with_period.items() if period == ROLLING}
    per_kind_min = min([DEFAULT_R2_CAP, *(cap for cap, _scope in rules.values())])
    holding = ctx.live_claims().filter(
        status__in=CERTIFICATE_HOLDING_STATUSES, application_date__isnull=False
    )
    holding = holding.exclude(part=Claim.Part.ADVANCE)
    year = ExtractYear("application_date")
    groups: list[tuple[int, str, int, int]] = []
    for group in (
        holding.values("person_id", "kind")
        .annotate(y=year, n=Count("id"))
        .filter(n__gt=per_kind_min)
        .values_list("person_id", "kind", "y", "n")
    ):
        if group[1] in rolling_kinds:
            continue
        cap, scope = rules.get(group[1], (DEFAULT_R2_CAP, "per_kind"))
        if scope != "total" and group[3] > cap:
            groups.append(group)
    total_caps = [cap for cap, scope in rules.values() if scope == "total"]
    if total_caps:
        total_cap = min(total_caps)
        for person_id, y, n in (
            holding.values("person_id")
            .annotate(y=year, n=Count("id"))
            .filter(n__gt=total_cap)
            .values_list("person_id", "y", "n")
        ):
            groups.append((person_id, "", y, n))
    if not groups:
        return rolling_drafts
    wanted = {(p, k, y) for p, k, y, _n in groups} | {(p, "", y) for p, _k, y, _n in groups}
    members: dict[tuple[int, str, int], list[Any]] = defaultdict(list)
    persons = sorted({g[0] for g in groups})
    for chunk in _chunks(persons):
        for row in (
            holding.filter(person_id__in=chunk)
            .values(
                "id",
                "number",
                "kind",
                "status",
                "person_id",
                "handling_area_id",
                "application_date",
                "amount",
            )
            .order_by("application_date", "id")
        ):
            y = row["application_date"].year if row["application_date"] else 0
            for key in ((row["person_id"], row["kind"], y), (row["person_id"], "", y)):
                if key in wanted:
                    members[key].append(row)
    drafts = []
    for person_id, kind, y, n in groups:
        rows = members[(person_id, kind, y)]
        cap = rules.get(kind, (DEFAULT_R2_CAP, ""))[0] if kind else min(total_caps)
        last = rows[-1]
        kind_label = str(SchemeKind(kind).label) if kind in SchemeKind.values else _("全部补贴类型")
        drafts.append(
            Draft(
                check_code="r2_cap",
                key=f"person:{person_id}|kind:{kind or '*'}|year:{y}",
                severity=1,
                summary=_("%(year)d年%(kind)s已申请%(count)d次，超过每人每年%(cap)d次的上限")
                % {"year": y, "kind": kind_label, "count": n, "cap": cap},
                evidence={
                    "year": y,
                    "kind": kind or None,
                    "cap": cap,
                    "count": n,
                    "claims": [_claim_ref(r) for r in rows[:EVIDENCE_LIST_MAX]],
                },
                claim_id=last["id"],
                person_id=person_id,
                handling_area_id=last["handling_area_id"],
                hold=True,
            )
        )
    return drafts + rolling_drafts


def _r2_rolling(ctx: Context, rules: dict[str, tuple[int, str, str]]) -> list[Draft]:
    """R2 for the kinds counted over a rolling 12 months: a claim is over the cap when the person's claims of
    the kind (or of every kind, scope ``total``) in the 12 months up to and including its application date —
    the window the decision counts, ``(date − 12 months, date]`` — are more than the cap. One finding per claim
    over the cap (its key names the claim, so re-running finds the same one); a year run looks back 12 months
    before the year for the earlier claims of each window."""
    per_kind = {k: cap for k, (cap, scope, period) in rules.items() if period == ROLLING and scope != "total"}
    total_caps = [cap for cap, scope, period in rules.values() if period == ROLLING and scope == "total"]
    if not per_kind and not total_caps:
        return []
    history = Claim.objects.filter(
        status__in=CERTIFICATE_HOLDING_STATUSES, application_date__isnull=False
    ).exclude(part=Claim.Part.ADVANCE)
    in_focus: Callable[[Any], bool] = lambda row: True  # noqa: E731
    if ctx.claims is not None:
        focus_ids = set(ctx.claims.values_list("id", flat=True))
        history = history.filter(person_id__in=ctx.claims.values("person_id"))
        in_focus = lambda row: row["id"] in focus_ids  # noqa: E731
    elif ctx.year is not None:
        year = ctx.year
        history = history.filter(
            application_date__gt=add_months(dt.date(year, 1, 1), -12),
            application_date__lte=dt.date(year, 12, 31),
        )
        in_focus = lambda row: row["application_date"].year == year  # noqa: E731
    if not total_caps:
        history = history.filter(kind__in=per_kind)
    least = min([*per_kind.values(), *total_caps])
    persons = sorted(
        history.values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gt=least)
        .order_by()
        .values_list("person_id", flat=True)
    )
    groups: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for chunk in _chunks(persons):
        for row in (
            history.filter(person_id__in=chunk)
            .values(
                "id",
                "number",
                "kind",
                "status",
                "person_id",
                "handling_area_id",
                "application_date",
                "amount",
            )
            .order_by("application_date", "id")
        ):
            if row["kind"] in per_kind:
                groups[(row["person_id"], row["kind"])].append(row)
            if total_caps:
                groups[(row["person_id"], "")].append(row)
    drafts: list[Draft] = []
    for (person_id, kind), rows in groups.items():
        cap = per_kind[kind] if kind else min(total_caps)
        start = 0
        for i, row in enumerate(rows):
            window_from = add_months(row["application_date"], -12)
            while rows[start]["application_date"] <= window_from:
                start += 1
            count = i - start + 1
            if count <= cap or not in_focus(row):
                continue
            kind_label = str(SchemeKind(kind).label) if kind in SchemeKind.values else _("全部补贴类型")
            drafts.append(
                Draft(
                    check_code="r2_cap",
                    key=f"person:{person_id}|kind:{kind or '*'}|rolling:claim:{row['id']}",
                    severity=1,
                    summary=_(
                        "%(kind)s在%(start)s至%(end)s的12个月内已申请%(count)d次，超过每12个月%(cap)d次的上限"
                    )
                    % {
                        "kind": kind_label,
                        "start": window_from + dt.timedelta(days=1),
                        "end": row["application_date"],
                        "count": count,
                        "cap": cap,
                    },
                    evidence={
                        "window_from": _d(window_from + dt.timedelta(days=1)),
                        "window_to": _d(row["application_date"]),
                        "kind": kind or None,
                        "cap": cap,
                        "count": count,
                        "claims": [_claim_ref(r) for r in rows[start : i + 1][:EVIDENCE_LIST_MAX]],
                    },
                    claim_id=row["id"],
                    person_id=person_id,
                    handling_area_id=row["handling_area_id"],
                    hold=True,
                )
            )
    return drafts


# --- R3: the same occupation and level twice, or a lower level after a higher one ------------------------------


def check_r3_repeat(ctx: Context) -> list[Draft]:
    occupation = Coalesce("certificate__occupation_id", "catalog_item__occupation_id")
    level = Coalesce("certificate__level", "catalog_item__level")
    base = (
        ctx.live_claims()
        .filter(status__in=CERTIFICATE_HOLDING_STATUSES)
        .exclude(part=Claim.Part.ADVANCE)
        .annotate(occ=occupation, lvl=level)
        .filter(occ__isnull=False, lvl__isnull=False)
    )
    pairs = list(
        base.values("person_id", "occ")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("person_id", "occ")
    )
    if not pairs:
        return []
    wanted = set(pairs)
    by_group: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for chunk in _chunks(sorted({p for p, _o in pairs})):
        for row in (
            base.filter(person_id__in=chunk)
            .values(
                "id",
                "number",
                "kind",
                "status",
                "person_id",
                "handling_area_id",
                "application_date",
                "amount",
                "occ",
                "lvl",
            )
            .order_by("id")
        ):
            if (row["person_id"], row["occ"]) in wanted:
                by_group[(row["person_id"], row["occ"])].append(row)
    drafts = []
    for (person_id, occ), rows in by_group.items():
        for index, row in enumerate(rows):
            # an earlier claim at the same level or higher (lower number: 1 一级 is higher than 5 五级)
            earlier = next((e for e in rows[:index] if e["lvl"] <= row["lvl"]), None)
            if earlier is None:
                continue
            same = earlier["lvl"] == row["lvl"]
            drafts.append(
                Draft(
                    check_code="r3_repeat",
                    key=f"claim:{row['id']}",
                    severity=1,
                    summary=(
                        _("同一职业同一等级已于申请%(number)s补贴过") % {"number": earlier["number"]}
                        if same
                        else _("已于申请%(number)s按更高等级补贴过同一职业") % {"number": earlier["number"]}
                    ),
                    evidence={
                        "occupation_id": occ,
                        "level": row["lvl"],
                        "earlier_level": earlier["lvl"],
                        "claim": _claim_ref(row),
                        "earlier_claim": _claim_ref(earlier),
                    },
                    claim_id=row["id"],
                    person_id=person_id,
                    handling_area_id=row["handling_area_id"],
                    hold=True,
                )
            )
    return drafts


# --- R4: one certificate on more than one claim ----------------------------------------------------------------


def check_r4_certificate_reuse(ctx: Context) -> list[Draft]:
    base = ctx.live_claims().filter(certificate__isnull=False).exclude(part=Claim.Part.ADVANCE)
    certificates = list(
        base.values("certificate_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("certificate_id", flat=True)
    )
    if not certificates:
        return []
    groups: dict[int, list[Any]] = defaultdict(list)
    for chunk in _chunks(sorted(certificates)):
        for row in (
            base.filter(certificate_id__in=chunk)
            .values(
                "id",
                "number",
                "kind",
                "status",
                "person_id",
                "handling_area_id",
                "application_date",
                "amount",
                "certificate_id",
                "certificate__number",
            )
            .order_by("id")
        ):
            groups[row["certificate_id"]].append(row)
    drafts = []
    for certificate_id, rows in groups.items():
        last = rows[-1]
        drafts.append(
            Draft(
                check_code="r4_certificate_reuse",
                key=f"certificate:{certificate_id}",
                severity=1,
                summary=_("证书%(number)s用于%(count)d笔补贴申请")
                % {"number": last["certificate__number"], "count": len(rows)},
                evidence={
                    "certificate_number": last["certificate__number"],
                    "claims": [_claim_ref(r) for r in rows[:EVIDENCE_LIST_MAX]],
                },
                claim_id=last["id"],
                person_id=last["person_id"],
                handling_area_id=last["handling_area_id"],
                hold=True,
            )
        )
    return drafts


# --- attendance: overlapping classes, borrowed trainees, classes shorter than filed ---------------------------


def _overlapping_enrollments(ctx: Context, *, other_provider: bool) -> list[tuple[int, int, int]]:
    """(person, class a, class b) of one person enrolled in two classes whose dates overlap (a < b); with
    ``other_provider`` only pairs of classes of two different providers. One portable SQL self-join."""
    enrollment = Enrollment._meta.db_table
    klass = TrainingClass._meta.db_table
    pair = "c1.provider_id <> c2.provider_id AND c1.id < c2.id" if other_provider else "c1.id < c2.id"
    params: list[Any] = [Enrollment.Status.WITHDRAWN, Enrollment.Status.WITHDRAWN]
    year = ""
    if ctx.year is not None:
        year = "AND c1.end_date >= %s AND c1.start_date <= %s"
        params += [dt.date(ctx.year, 1, 1), dt.date(ctx.year, 12, 31)]
    # table names from the models, values as parameters
    sql = f"""
        SELECT e1.person_id, c1.id, c2.id
        FROM {enrollment} e1
        JOIN {klass} c1 ON c1.id = e1.training_class_id
        JOIN {enrollment} e2 ON e2.person_id = e1.person_id AND e2.id <> e1.id
        JOIN {klass} c2 ON c2.id = e2.training_class_id
        WHERE {pair} AND c1.start_date <= c2.end_date AND c2.start_date <= c1.end_date
          AND e1.status <> %s AND e2.status <> %s {year}
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(p), int(a), int(b)) for p, a, b in cursor.fetchall()]


def _class_refs(ids: Iterable[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for chunk in _chunks(sorted(set(ids))):
        for row in TrainingClass.objects.filter(pk__in=chunk).values(
            "id",
            "code",
            "name",
            "provider_id",
            "provider__name",
            "handling_area_id",
            "start_date",
            "end_date",
        ):
            out[row["id"]] = row
    return out


def _class_ref(row: Any) -> dict[str, Any]:
    return {
        "code": row["code"],
        "name": row["name"],
        "provider": row["provider__name"],
        "start_date": _d(row["start_date"]),
        "end_date": _d(row["end_date"]),
    }


def check_overlap_attendance(ctx: Context) -> list[Draft]:
    pairs = _overlapping_enrollments(ctx, other_provider=False)
    if not pairs:
        return []
    persons = sorted({p for p, _a, _b in pairs})
    classes = {c for _p, a, b in pairs for c in (a, b)}
    sessions: dict[int, list[tuple[dt.datetime, dt.datetime, int, int]]] = defaultdict(list)
    for chunk in _chunks(persons):
        for person_id, class_id, session_id, starts, ends in (
            CheckIn.objects.filter(person_id__in=chunk, session__training_class_id__in=classes)
            .values_list(
                "person_id",
                "session__training_class_id",
                "session_id",
                "session__starts_at",
                "session__ends_at",
            )
            .distinct()
        ):
            sessions[person_id].append((starts, ends, class_id, session_id))
    found: dict[tuple[int, int, int], list[dict[str, str]]] = defaultdict(list)
    for person_id, rows in sessions.items():
        rows.sort()
        for index, (starts, ends, class_id, _sid) in enumerate(rows):
            for other_starts, other_ends, other_class, _osid in rows[index + 1 :]:
                if other_starts >= ends:
                    break
                if other_class != class_id:
                    a, b = sorted((class_id, other_class))
                    found[(person_id, a, b)].append(
                        {
                            "session_a": f"{timezone.localtime(starts):%Y-%m-%d %H:%M}–{timezone.localtime(ends):%H:%M}",
                            "session_b": f"{timezone.localtime(other_starts):%Y-%m-%d %H:%M}–"
                            f"{timezone.localtime(other_ends):%H:%M}",
                        }
                    )
    if not found:
        return []
    refs = _class_refs(classes)
    drafts = []
    for (person_id, a, b), overlaps in found.items():
        drafts.append(
            Draft(
                check_code="overlap_attendance",
                key=f"person:{person_id}|classes:{a},{b}",
                severity=1,
                summary=_("同一学员在%(a)s和%(b)s两个班的签到时间重叠%(count)d次")
                % {"a": refs[a]["code"], "b": refs[b]["code"], "count": len(overlaps)},
                evidence={
                    "class_a": _class_ref(refs[a]),
                    "class_b": _class_ref(refs[b]),
                    "overlaps": overlaps[:EVIDENCE_LIST_MAX],
                },
                person_id=person_id,
                training_class_id=b,
                provider_id=refs[b]["provider_id"],
                handling_area_id=refs[b]["handling_area_id"],
            )
        )
    return drafts


def check_cross_provider(ctx: Context) -> list[Draft]:
    pairs = _overlapping_enrollments(ctx, other_provider=True)
    if not pairs:
        return []
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for person_id, a, b in pairs:
        groups[(a, b)].append(person_id)
    refs = _class_refs({c for pair in groups for c in pair})
    drafts = []
    for (a, b), persons in groups.items():
        ra, rb = refs[a], refs[b]
        # the later-starting class is the one that borrowed the other's trainees
        borrower, lender = (rb, ra) if (rb["start_date"], b) >= (ra["start_date"], a) else (ra, rb)
        drafts.append(
            Draft(
                check_code="cross_provider",
                key=f"classes:{a},{b}",
                severity=2,
                summary=_("%(count)d名%(lender)s的学员同时在%(borrower)s的班级%(code)s参训")
                % {
                    "count": len(persons),
                    "lender": lender["provider__name"],
                    "borrower": borrower["provider__name"],
                    "code": borrower["code"],
                },
                evidence={
                    "class": _class_ref(borrower),
                    "other_class": _class_ref(lender),
                    "person_count": len(persons),
                    "person_ids": sorted(persons)[:EVIDENCE_LIST_MAX],
                },
                provider_id=borrower["provider_id"],
                training_class_id=borrower["id"],
                handling_area_id=borrower["handling_area_id"],
            )
        )
    return drafts


def _days_per_class(qs: QuerySet[Any], class_field: str, moment: str) -> dict[int, int]:
    """Distinct local days of ``moment`` per class: DISTINCT (class, day) pairs hashed first, then counted —
    cheaper than COUNT(DISTINCT …), which sorts. The inner query is the ORM's (the local-day expression is each
    database's own), the outer one portable SQL."""
    inner = qs.order_by().values(cls=F(class_field), day=TruncDate(moment)).distinct()
    sql, params = inner.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t.cls, COUNT(*) FROM ({sql}) t GROUP BY t.cls", params)  # noqa: S608
        return {int(c): int(n) for c, n in cursor.fetchall()}


def check_short_class(ctx: Context) -> list[Draft]:
    finished = ctx.classes().filter(end_date__lt=ctx.today)
    claimed = Claim.objects.exclude(status__in=LIVE_EXCLUDED).filter(training_class_id=OuterRef("pk"))
    finished = finished.filter(Exists(claimed))
    timetable = _days_per_class(
        ClassSession.objects.filter(training_class__in=finished), "training_class_id", "starts_at"
    )
    attended = _days_per_class(
        CheckIn.objects.filter(session__training_class__in=finished),
        "session__training_class_id",
        "checked_at",
    )
    short = {
        class_id: (days, attended[class_id])
        for class_id, days in timetable.items()
        if class_id in attended and attended[class_id] < days * SHORT_CLASS_RATIO
    }
    if not short:
        return []
    refs = _class_refs(short)
    drafts = []
    for class_id, (days, checked_days) in short.items():
        ref = refs[class_id]
        drafts.append(
            Draft(
                check_code="short_class",
                key=f"class:{class_id}",
                severity=2,
                summary=_("%(code)s课表安排%(days)d天，签到只分布在%(checked)d天")
                % {"code": ref["code"], "days": days, "checked": checked_days},
                evidence={
                    "class": _class_ref(ref),
                    "timetable_days": days,
                    "checkin_days": checked_days,
                    "ratio_threshold": SHORT_CLASS_RATIO,
                },
                provider_id=ref["provider_id"],
                training_class_id=class_id,
                handling_area_id=ref["handling_area_id"],
            )
        )
    return drafts


# --- people: shared phones, ages, names ------------------------------------------------------------------------


def check_shared_phone(ctx: Context) -> list[Draft]:
    claimants = ctx.live_claims().values("person_id")
    persons = Person.objects.filter(pk__in=claimants).exclude(phone_digest="")
    digests = list(
        persons.values("phone_digest")
        .annotate(n=Count("id"))
        .filter(n__gte=SHARED_PHONE_MIN_PERSONS)
        .values_list("phone_digest", flat=True)
    )
    if not digests:
        return []
    members: dict[str, list[Any]] = defaultdict(list)
    for chunk in _chunks(sorted(digests)):
        for row in persons.filter(phone_digest__in=chunk).values("id", "name", "phone_digest").order_by("id"):
            members[row["phone_digest"]].append(row)
    claims: dict[int, list[str]] = defaultdict(list)
    area: dict[int, int] = {}
    person_ids = [p["id"] for rows in members.values() for p in rows]
    for chunk in _chunks(person_ids):
        for person_id, number, area_id in (
            ctx.live_claims()
            .filter(person_id__in=chunk)
            .values_list("person_id", "number", "handling_area_id")
            .order_by("id")
        ):
            claims[person_id].append(number)
            area.setdefault(person_id, area_id)
    drafts = []
    for digest, rows in members.items():
        drafts.append(
            Draft(
                check_code="shared_phone",
                key=f"phone:{digest}",
                severity=2,
                summary=_("%(count)d名申请人登记了同一个手机号") % {"count": len(rows)},
                evidence={
                    "person_count": len(rows),
                    "threshold": SHARED_PHONE_MIN_PERSONS,
                    "persons": [
                        {"name": r["name"], "claims": claims[r["id"]][:10]} for r in rows[:EVIDENCE_LIST_MAX]
                    ],
                },
                person_id=rows[0]["id"],
                handling_area_id=area.get(rows[0]["id"]),
            )
        )
    return drafts


def check_identity_age(ctx: Context) -> list[Draft]:
    start = Coalesce("training_class__start_date", "certificate__issued_on", "application_date")
    end = Coalesce("training_class__end_date", "certificate__issued_on", "application_date")
    base = ctx.live_claims().annotate(p_start=start, p_end=end).filter(p_start__isnull=False)
    years = ExtractYear("p_start") - ExtractYear("person__birth_date")
    candidates = (
        base.annotate(age_years=years)
        .filter(
            Q(age_years__lte=MIN_AGE)
            | Q(person__gender="M", age_years__gte=60)
            | Q(person__gender="F", age_years__gte=55)
            | Q(person__gender="F", person__position="worker", age_years__gte=50)
        )
        .values(
            "id",
            "number",
            "kind",
            "status",
            "person_id",
            "handling_area_id",
            "application_date",
            "amount",
            "p_start",
            "p_end",
            "person__birth_date",
            "person__gender",
            "person__position",
        )
    )
    drafts = []
    for row in candidates:
        birth: dt.date = row["person__birth_date"]
        starts: dt.date = row["p_start"]
        sixteen = _add_years(birth, MIN_AGE)
        category, assumed = category_for(row["person__gender"], row["person__position"] or "")
        retirement = statutory_retirement(birth, category)
        if starts < sixteen:
            summary = _("培训开始时（%(date)s）未满16周岁") % {"date": starts.isoformat()}
            detail: dict[str, Any] = {"sixteen_on": sixteen.isoformat()}
        elif retirement.reached_on(starts):
            summary = _("培训开始时（%(date)s）已达法定退休年龄（%(retire)s）") % {
                "date": starts.isoformat(),
                "retire": retirement.date.isoformat(),
            }
            detail = {
                "retirement_date": retirement.date.isoformat(),
                "category": category,
                "assumed": assumed,
            }
        else:
            continue
        drafts.append(
            Draft(
                check_code="identity_age",
                key=f"claim:{row['id']}",
                severity=1,
                summary=summary,
                evidence={
                    "claim": _claim_ref(row),
                    "birth_date": birth.isoformat(),
                    "class_start": _d(starts),
                    "class_end": _d(row["p_end"]),
                    **detail,
                },
                claim_id=row["id"],
                person_id=row["person_id"],
                handling_area_id=row["handling_area_id"],
                hold=True,
            )
        )
    return drafts


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_identity_name(ctx: Context) -> list[Draft]:
    rows = (
        ctx.live_claims()
        .filter(certificate__isnull=False)
        .exclude(certificate__holder_name=F("person__name"))
        .values(
            "id",
            "number",
            "kind",
            "status",
            "person_id",
            "handling_area_id",
            "application_date",
            "amount",
            "person__name",
            "certificate__holder_name",
            "certificate__number",
        )
    )
    return [
        Draft(
            check_code="identity_name",
            key=f"claim:{row['id']}",
            severity=2,
            summary=_("同一身份证号以两个姓名申请：申请人“%(name)s”，证书持证人“%(holder)s”")
            % {"name": row["person__name"], "holder": row["certificate__holder_name"]},
            evidence={
                "claim": _claim_ref(row),
                "person_name": row["person__name"],
                "certificate_holder_name": row["certificate__holder_name"],
                "certificate_number": row["certificate__number"],
            },
            claim_id=row["id"],
            person_id=row["person_id"],
            handling_area_id=row["handling_area_id"],
        )
        for row in rows
    ]


# --- certificates: dated before the class ended, issuance spikes ----------------------------------------------


def check_certificate_before_class_end(ctx: Context) -> list[Draft]:
    class_end = Coalesce("training_class__end_date", "certificate__training_class__end_date")
    rows = (
        ctx.live_claims()
        .filter(certificate__isnull=False)
        .annotate(class_end=class_end)
        .filter(certificate__issued_on__lt=F("class_end"))
        .values(
            "id",
            "number",
            "kind",
            "status",
            "person_id",
            "handling_area_id",
            "application_date",
            "amount",
            "class_end",
            "certificate__number",
            "certificate__issued_on",
            "certificate__body_id",
            "training_class_id",
        )
    )
    return [
        Draft(
            check_code="certificate_before_class_end",
            key=f"claim:{row['id']}",
            severity=2,
            summary=_("证书%(number)s发证日期%(issued)s早于培训结业日期%(end)s")
            % {
                "number": row["certificate__number"],
                "issued": row["certificate__issued_on"].isoformat(),
                "end": row["class_end"].isoformat(),
            },
            evidence={
                "claim": _claim_ref(row),
                "certificate_number": row["certificate__number"],
                "issued_on": _d(row["certificate__issued_on"]),
                "class_end": _d(row["class_end"]),
            },
            claim_id=row["id"],
            person_id=row["person_id"],
            training_class_id=row["training_class_id"],
            evaluating_body_id=row["certificate__body_id"],
            handling_area_id=row["handling_area_id"],
            hold=True,
        )
        for row in rows
    ]


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def check_evaluator_spike(ctx: Context) -> list[Draft]:
    certificates = Certificate.objects.filter(body__isnull=False)
    if ctx.year is not None:
        certificates = certificates.filter(
            issued_on__gte=dt.date(ctx.year - 1, 1, 1), issued_on__lte=dt.date(ctx.year, 12, 31)
        )
    volumes: dict[int, dict[int, int]] = defaultdict(dict)
    for body_id, month, n in (
        certificates.annotate(m=TruncMonth("issued_on"))
        .values("body_id", "m")
        .annotate(n=Count("id"))
        .values_list("body_id", "m", "n")
    ):
        volumes[body_id][_month_index(month)] = n
    spikes: list[tuple[int, int, int, float]] = []
    for body_id, months in volumes.items():
        for index, n in months.items():
            if n < SPIKE_MIN_CERTIFICATES or (ctx.year is not None and index // 12 != ctx.year):
                continue
            trailing = [months.get(index - k, 0) for k in range(1, SPIKE_TRAILING_MONTHS + 1)]
            history = [v for v in trailing if v]
            if len(history) < 3:  # too little history to call anything "usual"
                continue
            median = statistics.median(history)
            if median and n > SPIKE_FACTOR * median:
                spikes.append((body_id, index, n, median))
    if not spikes:
        return []
    bodies = {
        row["id"]: row
        for row in EvaluatingBody.objects.filter(pk__in={s[0] for s in spikes}).values(
            "id", "code", "name", "handling_area_id"
        )
    }
    drafts = []
    for body_id, index, n, median in spikes:
        year, month = divmod(index, 12)
        body = bodies[body_id]
        drafts.append(
            Draft(
                check_code="evaluator_spike",
                key=f"body:{body_id}|month:{year}-{month + 1:02d}",
                severity=3,
                summary=_(
                    "%(body)s在%(year)d年%(month)d月发证%(count)d张，是此前%(months)d个月中位数的%(ratio).1f倍"
                )
                % {
                    "body": body["name"],
                    "year": year,
                    "month": month + 1,
                    "count": n,
                    "months": SPIKE_TRAILING_MONTHS,
                    "ratio": n / median,
                },
                evidence={
                    "body": {"code": body["code"], "name": body["name"]},
                    "month": f"{year}-{month + 1:02d}",
                    "count": n,
                    "trailing_median": median,
                    "factor": SPIKE_FACTOR,
                },
                evaluating_body_id=body_id,
                handling_area_id=body["handling_area_id"],
            )
        )
    return drafts


# --- providers: blacklisted on the class dates -----------------------------------------------------------------


def check_provider_blacklisted(ctx: Context) -> list[Draft]:
    listed = BlacklistEntry.objects.filter(
        provider_id=OuterRef("provider_id"), starts_on__lte=OuterRef("end_date")
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("start_date")))
    listed = listed.filter(Q(lifted_at__isnull=True) | Q(lifted_at__date__gte=OuterRef("start_date")))
    claimed = Claim.objects.exclude(status__in=LIVE_EXCLUDED).filter(training_class_id=OuterRef("pk"))
    if ctx.claims is not None:
        claimed = claimed.filter(pk__in=ctx.claims.values("pk"))
    classes = list(
        ctx.classes()
        .filter(Exists(listed), Exists(claimed))
        .values(
            "id",
            "code",
            "name",
            "provider_id",
            "provider__name",
            "handling_area_id",
            "start_date",
            "end_date",
        )
    )
    if not classes:
        return []
    entries: dict[int, list[Any]] = defaultdict(list)
    for entry in BlacklistEntry.objects.filter(provider_id__in={c["provider_id"] for c in classes}).values(
        "provider_id", "reason", "starts_on", "ends_on", "lifted_at"
    ):
        entries[entry["provider_id"]].append(entry)
    claim_numbers: dict[int, list[str]] = defaultdict(list)
    for class_id, number in (
        Claim.objects.exclude(status__in=LIVE_EXCLUDED)
        .filter(training_class_id__in=[c["id"] for c in classes])
        .values_list("training_class_id", "number")
        .order_by("id")
    ):
        claim_numbers[class_id].append(number)
    drafts = []
    for row in classes:
        periods = [
            {
                "reason": e["reason"],
                "starts_on": _d(e["starts_on"]),
                "ends_on": _d(e["ends_on"]),
                "lifted_at": timezone.localtime(e["lifted_at"]).date().isoformat()
                if e["lifted_at"]
                else None,
            }
            for e in entries[row["provider_id"]]
            if e["starts_on"] <= row["end_date"]
            and (e["ends_on"] is None or e["ends_on"] >= row["start_date"])
        ]
        drafts.append(
            Draft(
                check_code="provider_blacklisted",
                key=f"class:{row['id']}",
                severity=1,
                summary=_("%(provider)s在%(code)s开班期间处于黑名单中")
                % {"provider": row["provider__name"], "code": row["code"]},
                evidence={
                    "class": _class_ref(row),
                    "blacklist": periods,
                    "claims": claim_numbers[row["id"]][:EVIDENCE_LIST_MAX],
                    "claim_count": len(claim_numbers[row["id"]]),
                },
                provider_id=row["provider_id"],
                training_class_id=row["id"],
                handling_area_id=row["handling_area_id"],
            )
        )
    return drafts


# --- registers -------------------------------------------------------------------------------------------------


def latest_snapshots() -> dict[str, RegisterSnapshot]:
    """The newest snapshot of each register kind (one query)."""
    latest: dict[str, RegisterSnapshot] = {}
    for snapshot in RegisterSnapshot.objects.order_by("kind", "-as_of", "-id"):
        latest.setdefault(snapshot.kind, snapshot)
    return latest


_REGISTER_SEVERITY = 1


def _period_claims(ctx: Context) -> Any:  # QuerySet[Claim] with the period annotated
    start = Coalesce(
        "training_class__start_date",
        "enrollment__training_class__start_date",
        "certificate__issued_on",
        "application_date",
    )
    end = Coalesce(
        "training_class__end_date",
        "enrollment__training_class__end_date",
        "certificate__issued_on",
        "application_date",
    )
    return ctx.live_claims().annotate(p_start=start, p_end=end).filter(p_start__isnull=False)


def _students_allowed() -> set[str]:
    """Scheme kinds whose version lets full-time students claim (graduate conversion; a parameter elsewhere)."""
    allowed = {SchemeKind.GRADUATE_CONVERSION.value}
    for kind, params in SchemeVersion.objects.filter(status=SchemeVersion.Status.PUBLISHED).values_list(
        "scheme__kind", "parameters"
    ):
        if _param(params or {}, "students_eligible", "students_allowed") is True:
            allowed.add(kind)
    return allowed


def _entry_overlaps(entry: Any, start: dt.date, end: dt.date) -> bool:
    return entry["starts_on"] <= end and (entry["ends_on"] is None or entry["ends_on"] >= start)


def check_registers(ctx: Context, snapshots: dict[str, RegisterSnapshot] | None = None) -> list[Draft]:
    """Claims whose person is on the latest snapshot of a register where they must not be, during the class.

    Driven from the registers: the people on the latest snapshots (digest index) → their claims (person index)
    in one query, their register rows in one, their contribution months in one; the date rules of each kind
    are then applied to these few candidates (:func:`_register_draft`).
    """
    snapshots = latest_snapshots() if snapshots is None else snapshots
    matched = {
        kind: snapshots[kind]
        for kind in (
            RegisterKind.PENSION,
            RegisterKind.STUDENT,
            RegisterKind.PAYROLL,
            RegisterKind.UNEMPLOYMENT,
        )
        if kind in snapshots
    }
    if not matched:
        return []
    snapshot_ids = [s.pk for s in matched.values()]
    # the people on the registers (digest index), then their claims (person index): two short queries
    on_registers = Person.objects.filter(
        citizen_id_digest__in=RegisterEntry.objects.filter(snapshot_id__in=snapshot_ids).values(
            "citizen_id_digest"
        )
    )
    if ctx.claims is not None:  # one claim (the pre-payment check): its person only
        on_registers = on_registers.filter(pk__in=ctx.claims.values("person_id"))
    listed = list(on_registers.values_list("pk", flat=True))
    rows: list[Any] = []
    for people in _chunks(listed, _in_size()):
        rows += (
            _period_claims(ctx)
            .filter(person_id__in=people)
            .order_by()
            .values(
                "id",
                "number",
                "kind",
                "status",
                "person_id",
                "handling_area_id",
                "application_date",
                "amount",
                "p_start",
                "p_end",
                "person__citizen_id_digest",
                "training_class_id",
                "training_class__code",
            )
        )
    if not rows:
        return []
    digests = sorted({r["person__citizen_id_digest"] for r in rows})
    by_snapshot = {s.pk: kind for kind, s in matched.items()}
    found: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for chunk in _chunks(digests):
        for entry in RegisterEntry.objects.filter(
            snapshot_id__in=snapshot_ids, citizen_id_digest__in=chunk
        ).values("snapshot_id", "citizen_id_digest", "name", "starts_on", "ends_on", "detail"):
            found[(by_snapshot[entry["snapshot_id"]], entry["citizen_id_digest"])].append(entry)
    months: dict[str, list[Any]] = defaultdict(list)
    unemployed = sorted({d for kind, d in found if kind == RegisterKind.UNEMPLOYMENT})
    if unemployed:
        low = min(r["p_start"] for r in rows).replace(day=1)
        high = max(r["p_end"] for r in rows)
        for chunk in _chunks(unemployed):
            for month in (
                ContributionMonth.objects.filter(citizen_id_digest__in=chunk, month__gte=low, month__lte=high)
                .exclude(employer_name="")
                .values("citizen_id_digest", "month", "employer_name", "employer_kind")
                .order_by("month")
            ):
                months[month["citizen_id_digest"]].append(month)
    students_allowed = _students_allowed() if any(k == RegisterKind.STUDENT for k, _d in found) else set()
    drafts: list[Draft] = []
    for row in rows:
        digest = row["person__citizen_id_digest"]
        for kind, snapshot in matched.items():
            entries = found.get((kind, digest))
            if not entries or (kind == RegisterKind.STUDENT and row["kind"] in students_allowed):
                continue
            draft = _register_draft(kind, snapshot, row, entries, months)
            if draft is not None:
                drafts.append(draft)
    return drafts


def _register_draft(
    kind: str,
    snapshot: RegisterSnapshot,
    row: Any,
    entries: list[Any],
    months: dict[str, list[Any]],
) -> Draft | None:
    start, end = row["p_start"], row["p_end"]
    if kind == RegisterKind.PENSION:
        matching = [e for e in entries if e["starts_on"] <= end]
    else:
        matching = [e for e in entries if _entry_overlaps(e, start, end)]
    if kind == RegisterKind.STUDENT:  # a part-time student (非全日制) may train
        matching = [e for e in matching if "非全日制" not in e["detail"].get("study_mode", "")]
    employed: list[Any] = []
    if kind == RegisterKind.UNEMPLOYMENT:
        for entry in matching:
            reg_start = entry["starts_on"].replace(day=1)
            employed += [
                m
                for m in months[row["person__citizen_id_digest"]]
                if start.replace(day=1) <= m["month"] <= end
                and m["month"] >= reg_start
                and (entry["ends_on"] is None or m["month"] <= entry["ends_on"])
            ]
        if not employed:
            return None
    if not matching:
        return None
    entry = matching[0]
    label = str(RegisterKind(kind).label)
    summaries = {
        RegisterKind.PENSION: _("%(date)s起领取养老金，早于培训结束（%(end)s）"),
        RegisterKind.STUDENT: _("培训期间为在校学生（%(date)s入学）"),
        RegisterKind.PAYROLL: _("培训期间为财政供养人员（%(date)s起）"),
        RegisterKind.UNEMPLOYMENT: _("培训期间登记失业（%(date)s起），同期有单位缴纳社会保险"),
    }
    summary = _("%(register)s名册（%(as_of)s）：") % {"register": label, "as_of": snapshot.as_of.isoformat()}
    summary += summaries[RegisterKind(kind)] % {
        "date": entry["starts_on"].isoformat(),
        "end": end.isoformat(),
    }
    evidence: dict[str, Any] = {
        "register": {
            "kind": kind,
            "label": label,
            "as_of": snapshot.as_of.isoformat(),
            "source": snapshot.source,
            "file_name": snapshot.file_name,
            "snapshot_id": snapshot.pk,
        },
        "entries": [
            {
                "name": e["name"],
                "starts_on": _d(e["starts_on"]),
                "ends_on": _d(e["ends_on"]),
                "detail": e["detail"],
            }
            for e in matching[:10]
        ],
        "claim": {
            **_claim_ref(row),
            "class_code": row["training_class__code"],
            "period_start": _d(start),
            "period_end": _d(end),
        },
    }
    if employed:
        evidence["contributions"] = [
            {
                "month": m["month"].strftime("%Y-%m"),
                "employer": m["employer_name"],
                "employer_kind": m["employer_kind"],
            }
            for m in employed[:24]
        ]
    return Draft(
        check_code=f"register_{kind}",
        key=f"claim:{row['id']}",
        severity=_REGISTER_SEVERITY,
        summary=summary[:300],
        evidence=evidence,
        claim_id=row["id"],
        person_id=row["person_id"],
        training_class_id=row["training_class_id"],
        handling_area_id=row["handling_area_id"],
        hold=True,
    )


# Findings of these checks hold the claim's payment while open (their drafts say ``hold=True``).
HOLDING_CHECKS = frozenset(
    {
        "r2_cap",
        "r3_repeat",
        "r4_certificate_reuse",
        "identity_age",
        "certificate_before_class_end",
        *(f"register_{kind}" for kind in RegisterKind.values),
    }
)

# --- the catalogue of checks -----------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[Context], list[Draft]]] = {
    "r2_cap": check_r2_cap,
    "r3_repeat": check_r3_repeat,
    "r4_certificate_reuse": check_r4_certificate_reuse,
    "overlap_attendance": check_overlap_attendance,
    "short_class": check_short_class,
    "shared_phone": check_shared_phone,
    "cross_provider": check_cross_provider,
    "certificate_before_class_end": check_certificate_before_class_end,
    "evaluator_spike": check_evaluator_spike,
    "provider_blacklisted": check_provider_blacklisted,
    "identity_age": check_identity_age,
    "identity_name": check_identity_name,
    "registers": check_registers,
}


def check_labels() -> dict[str, str]:
    """Each check code (and register check) with its name for people."""
    return {
        "r2_cap": _("超过年度补贴次数上限（R2）"),
        "r3_repeat": _("重复或降级补贴（R3）"),
        "r4_certificate_reuse": _("同一证书多次申请（R4）"),
        "overlap_attendance": _("跨班签到时间重叠"),
        "short_class": _("实际培训天数少于课表"),
        "shared_phone": _("多名学员共用手机号"),
        "cross_provider": _("学员同时在其他机构班级参训"),
        "certificate_before_class_end": _("发证日期早于结业日期"),
        "evaluator_spike": _("评价机构发证量异常"),
        "provider_blacklisted": _("培训机构开班期间在黑名单中"),
        "identity_age": _("年龄不符（未满16周岁或已达退休年龄）"),
        "identity_name": _("同一身份证号不同姓名"),
        "register_pension": _("养老金领取人员"),
        "register_student": _("在校学生"),
        "register_payroll": _("财政供养人员"),
        "register_unemployment": _("失业登记期间有单位缴费"),
    }


__all__ = [
    "CHECKS",
    "HOLDING_CHECKS",
    "Context",
    "Draft",
    "check_labels",
    "check_registers",
    "fingerprint",
    "latest_snapshots",
]
