"""Checks on people: shared phones, ages outside 16 to the retirement age, one ID under two names."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext as _

from lijiao.core.retirement import category_for, statutory_retirement
from lijiao.people.models import Person
from lijiao.subsidies.audit_checks.base import (
    EVIDENCE_LIST_MAX,
    MIN_AGE,
    SHARED_PHONE_MIN_PERSONS,
    Context,
    Draft,
    _chunks,
    _claim_ref,
    _d,
)

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
