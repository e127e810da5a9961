"""Checks on attendance: overlapping classes, borrowed trainees, classes that ran shorter than filed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.subsidies.audit_checks.base import (
    EVIDENCE_LIST_MAX,
    LIVE_EXCLUDED,
    SHORT_CLASS_RATIO,
    Context,
    Draft,
    _chunks,
    _d,
)
from lijiao.subsidies.models import (
    Claim,
)
from lijiao.training.models import CheckIn, ClassSession, Enrollment, TrainingClass

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
