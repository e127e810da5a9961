"""The facts a subsidy decision reads, gathered for a claim in a fixed number of queries (whatever the history).

:func:`claim_facts` returns the JSON shape :func:`lijiao.subsidies.policy.decide` reads (README, "补贴政策计算器"):
dates as ``YYYY-MM-DD``, money as decimal strings, so the facts are stored as they were with each evaluation.

Queries (always the same number, asserted in the tests): 1. the claim with its person, certificate, class,
provider, catalog item and edition, and as subqueries the blacklist on the class dates, the provider's scope,
another live claim on the certificate (R4), an earlier certificate of the person (R7), lesson hours attended
(R9), months insured as of the application date and the latest contributing employer's kind (R6); 2. the
person's groups; 3. the person's other live claims counted per kind (calendar year, rolling 12 months, ever);
4. the levels already subsidised for the certificate's occupation and 工种 (R3).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from lijiao.catalog.models import CatalogItem
from lijiao.certificates.models import Certificate
from lijiao.core.rules import add_months
from lijiao.people.models import PersonGroup
from lijiao.providers.models import BlacklistEntry, ProviderScope, ProviderStatus
from lijiao.subsidies.models import CERTIFICATE_HOLDING_STATUSES, Claim, ClaimStatus, ContributionMonth
from lijiao.training.checks import person_facts
from lijiao.training.models import CheckIn, ClassStatus

# Claims that count in a person's history (R2, R3, R7, R11): money promised or paid, and not taken back.
LIVE_STATUSES = tuple(s for s in CERTIFICATE_HOLDING_STATUSES if s != ClaimStatus.CLAWED_BACK)
APPROVED_CLASS_STATUSES = (
    ClassStatus.APPROVED,
    ClassStatus.RUNNING,
    ClassStatus.FINISHED,
    ClassStatus.ASSESSED,
    ClassStatus.CLOSED,
)
PUBLIC_INSTITUTION = "事业单位"


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _money(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _annotated_claim(pk: int) -> Claim:
    on = Coalesce(OuterRef("application_date"), Value(timezone.localdate()))
    klass = "training_class"
    blacklisted = BlacklistEntry.objects.filter(
        provider=OuterRef(f"{klass}__provider"),
        lifted_at__isnull=True,
        starts_on__lte=OuterRef(f"{klass}__end_date"),
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef(f"{klass}__start_date")))
    in_scope = ProviderScope.objects.filter(provider=OuterRef(f"{klass}__provider")).filter(
        Q(
            occupation=OuterRef(f"{klass}__catalog_item__occupation"),
            highest_level__lte=OuterRef(f"{klass}__catalog_item__level"),
        )
        | Q(special_item=OuterRef(f"{klass}__catalog_item__special_item"))
    )
    elsewhere = (
        Claim.objects.filter(certificate=OuterRef("certificate"), status__in=CERTIFICATE_HOLDING_STATUSES)
        .exclude(pk=OuterRef("pk"))
        .exclude(part=Claim.Part.ADVANCE)
    )
    earlier_certificate = Certificate.objects.filter(
        holder=OuterRef("person"), issued_on__lte=OuterRef("certificate__issued_on")
    ).exclude(pk=OuterRef("certificate"))
    attended = (
        CheckIn.objects.filter(person=OuterRef("person"), session__training_class=OuterRef("training_class"))
        .order_by()
        .values("person")
        .annotate(hours=Sum("session__lesson_hours"))
        .values("hours")
    )
    contributions = ContributionMonth.objects.filter(
        citizen_id_digest=OuterRef("person__citizen_id_digest"), month__lte=on
    )
    insured = contributions.order_by().values("citizen_id_digest").annotate(n=Count("id")).values("n")
    latest_kind = contributions.order_by("-month").values("employer_kind")[:1]
    return (
        Claim.objects.select_related(
            "person",
            "certificate__occupation",
            "certificate__work_type",
            "training_class__provider",
            "training_class__catalog_item__edition",
            "training_class__catalog_item__occupation",
            "training_class__catalog_item__work_type",
            "catalog_item__edition",
            "catalog_item__occupation",
            "catalog_item__work_type",
        )
        .annotate(
            f_blacklisted=Exists(blacklisted),
            f_in_scope=Exists(in_scope),
            f_elsewhere=Exists(elsewhere),
            f_earlier_certificate=Exists(earlier_certificate),
            f_attended=Subquery(attended, output_field=IntegerField()),
            f_insured=Coalesce(Subquery(insured, output_field=IntegerField()), Value(0)),
            f_employer_kind=Subquery(latest_kind),
        )
        .get(pk=pk)
    )


def claim_facts(claim: Claim) -> dict[str, Any]:
    """The facts of ``claim`` as of its application date (today when it has none), JSON-ready."""
    c: Any = _annotated_claim(claim.pk)
    on: dt.date = c.application_date or timezone.localdate()
    person = c.person
    groups = list(PersonGroup.objects.filter(person_id=person.pk))
    base = person_facts(
        birth_date=person.birth_date,
        gender=person.gender,
        groups=groups,
        on=on,
        household=person.household,
        education=person.education,
        employer_name=person.employer_name,
        position=person.position,
    )
    employer_kind = c.f_employer_kind or ""
    group_codes = list(base["groups"])
    if employer_kind == PUBLIC_INSTITUTION and "public_institution" not in group_codes:
        group_codes.append("public_institution")

    klass = c.training_class
    item: CatalogItem | None = klass.catalog_item if klass is not None else c.catalog_item
    cert: Certificate | None = c.certificate

    history = _history(c, on, cert)
    facts: dict[str, Any] = {
        "kind": c.kind,
        "part": c.part,
        "application_date": on.isoformat(),
        "person": {
            "birth_date": person.birth_date.isoformat(),
            "gender": person.gender,
            "position": person.position,
            "age": base["age"],
            "retirement_age_reached": base["retirement_age_reached"],
            "retirement_date": _iso(base["retirement_date"]),
            "retirement_category": base["retirement_category"],
            "groups": sorted(group_codes),
            "graduation_year": base["graduation_year"],
            "employed": base["employed"],
            "employer_kind": employer_kind,
        },
        "certificate": _certificate(cert, item),
        "training_class": _class(c, klass),
        "attendance": {
            "lesson_hours_attended": (c.f_attended or 0) if klass is not None else None,
            "lesson_hours_planned": klass.lesson_hours if klass is not None else None,
        },
        "catalog_item": _item(item),
        "history": {
            **history,
            "certificate_claimed_elsewhere": bool(c.f_elsewhere) if cert is not None else None,
            "first_assessment": not c.f_earlier_certificate if cert is not None else None,
            "insured_months": c.f_insured,
        },
        "apprenticeship": dict(c.facts.get("apprenticeship") or {}),
        "graduate": {
            "graduation_year": base["graduation_year"],
            "employed": base["employed"],
            **dict(c.facts.get("graduate") or {}),
        },
    }
    return facts


def _certificate(cert: Certificate | None, item: CatalogItem | None) -> dict[str, Any]:
    if cert is None:
        return {}
    matches: bool | None = None
    if item is not None:
        if item.occupation_id is not None:
            matches = (
                cert.occupation_id == item.occupation_id
                and cert.level == item.level
                and (item.work_type_id is None or cert.work_type_id == item.work_type_id)
            )
        else:
            matches = cert.special_item_id is not None and cert.special_item_id == item.special_item_id
    return {
        "number": cert.number,
        "level": cert.level,
        "occupation": cert.occupation.code if cert.occupation is not None else "",
        "work_type": cert.work_type.code if cert.work_type is not None else "",
        "issued_on": cert.issued_on.isoformat(),
        "status": cert.status,
        "matches_item": matches,
    }


def _class(c: Any, klass: Any) -> dict[str, Any]:
    if klass is None:
        return {}
    provider = klass.provider
    listed = provider.status == ProviderStatus.APPROVED and (
        provider.licence_expires_on is None or provider.licence_expires_on >= klass.end_date
    )
    return {
        "code": klass.code,
        "filed_on": _iso(klass.filed_on),
        "start_date": _iso(klass.start_date),
        "end_date": _iso(klass.end_date),
        "training_days": (klass.end_date - klass.start_date).days + 1,
        "lesson_hours": klass.lesson_hours,
        "approved": klass.status in APPROVED_CLASS_STATUSES,
        "provider_listed": listed,
        "provider_blacklisted": bool(c.f_blacklisted),
        "item_in_scope": bool(c.f_in_scope),
    }


def _item(item: CatalogItem | None) -> dict[str, Any]:
    if item is None:
        return {}
    return {
        "edition": item.edition.name,
        "subsidy_standard": _money(item.subsidy_standard),
        "assessment_subsidy": _money(item.assessment_subsidy),
        "uplift": str(item.uplift),
        "shortage_tier": item.shortage_tier,
        "edition_cap": str(item.edition.policy_cap),
        "level": item.level,
        "occupation": item.occupation.code if item.occupation is not None else "",
        "work_type": item.work_type.code if item.work_type is not None else "",
    }


def _history(c: Any, on: dt.date, cert: Certificate | None) -> dict[str, Any]:
    others = Claim.objects.filter(person_id=c.person_id, status__in=LIVE_STATUSES).exclude(pk=c.pk)
    year_start = dt.date(on.year, 1, 1)
    rolling_start = add_months(on, -12)
    rows = (
        others.order_by()
        .values("kind")
        .annotate(
            calendar=Count("id", filter=Q(application_date__gte=year_start, application_date__lte=on)),
            rolling=Count("id", filter=Q(application_date__gt=rolling_start, application_date__lte=on)),
            ever=Count("id"),
        )
    )
    calendar: dict[str, int] = {}
    rolling: dict[str, int] = {}
    ever: dict[str, int] = {}
    for row in rows:
        calendar[row["kind"]] = row["calendar"]
        rolling[row["kind"]] = row["rolling"]
        ever[row["kind"]] = row["ever"]
    levels: list[dict[str, Any]] = []
    if cert is not None and cert.occupation_id is not None:
        same = (
            others.filter(
                certificate__occupation_id=cert.occupation_id, certificate__work_type_id=cert.work_type_id
            )
            .exclude(certificate__level__isnull=True)
            .order_by()
            .values_list("kind", "certificate__level")
            .distinct()
        )
        levels = [{"kind": kind, "level": level} for kind, level in sorted(same)]
    return {
        "subsidies": {
            "calendar_year": {"total": sum(calendar.values()), "by_kind": calendar},
            "rolling_12_months": {"total": sum(rolling.values()), "by_kind": rolling},
            "ever": {"total": sum(ever.values()), "by_kind": ever},
        },
        "subsidised_levels": levels,
        "assessment_claims": ever.get("assessment", 0),
        "graduate_conversion_claims": ever.get("graduate_conversion", 0),
    }
