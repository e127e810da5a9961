"""The facts a subsidy decision reads, gathered for a claim in a fixed number of queries (whatever the history).

:func:`claim_facts` returns the JSON shape :func:`lijiao.subsidies.policy.decide` reads (README, "补贴政策计算器"):
dates as ``YYYY-MM-DD``, money as decimal strings, so the facts are stored as they were with each evaluation.

Queries (always the same number, asserted in the tests): 1. the claim (compiled once per connection) with its person, certificate, class,
provider, catalog item and edition, and as subqueries the blacklist on the class dates, the provider's scope,
another live claim on the certificate (R4), an earlier certificate of the person (R7), lesson hours attended
(R9), months insured as of the application date, the latest contributing employer's kind and whether the
certificate's occupation is a shortage one in the catalog edition in force (R6); 2. the
person's groups; 3. the person's other live claims counted per kind (calendar year, rolling 12 months, ever);
4. the levels already subsidised for the certificate's occupation and 工种 (R3).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from lijiao.catalog.models import SHORTAGE_UPLIFT, CatalogItem, EditionStatus
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


_PK_SENTINEL = -7_364_219
_DAY_SENTINEL = dt.date(1901, 2, 3)

# alias → path of every column the facts read (the claim's own, its person's, certificate's, class's, items')
_ITEM_FIELDS = {
    "standard": "subsidy_standard",
    "assessment": "assessment_subsidy",
    "tier": "shortage_tier",
    "level": "level",
    "occ_id": "occupation_id",
    "occ_code": "occupation__code",
    "wt_id": "work_type_id",
    "wt_code": "work_type__code",
    "special_id": "special_item_id",
    "special_code": "special_item__code",
    "edition": "edition__name",
    "cap": "edition__subsidy_cap",
}
_COLUMNS = {
    "c_id": "id",
    "c_kind": "kind",
    "c_part": "part",
    "c_application_date": "application_date",
    "c_facts": "facts",
    "c_person_id": "person_id",
    "p_birth": "person__birth_date",
    "p_gender": "person__gender",
    "p_household": "person__household",
    "p_education": "person__education",
    "p_employer": "person__employer_name",
    "p_position": "person__position",
    "cert_id": "certificate_id",
    "cert_number": "certificate__number",
    "cert_level": "certificate__level",
    "cert_occ_id": "certificate__occupation_id",
    "cert_occ_code": "certificate__occupation__code",
    "cert_wt_id": "certificate__work_type_id",
    "cert_wt_code": "certificate__work_type__code",
    "cert_special_id": "certificate__special_item_id",
    "cert_issued": "certificate__issued_on",
    "cert_status": "certificate__status",
    "k_id": "training_class_id",
    "k_code": "training_class__code",
    "k_filed": "training_class__filed_on",
    "k_start": "training_class__start_date",
    "k_end": "training_class__end_date",
    "k_hours": "training_class__lesson_hours",
    "k_status": "training_class__status",
    "k_provider_status": "training_class__provider__status",
    "k_provider_licence": "training_class__provider__licence_expires_on",
    **{f"ki_{alias}": f"training_class__catalog_item__{path}" for alias, path in _ITEM_FIELDS.items()},
    "ci_id": "catalog_item_id",
    **{f"ci_{alias}": f"catalog_item__{path}" for alias, path in _ITEM_FIELDS.items()},
}


def _claim_queryset(on_default: dt.date) -> Any:
    on = Coalesce(OuterRef("application_date"), Value(on_default))
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
    shortage = (
        CatalogItem.objects.filter(
            occupation=OuterRef("certificate__occupation"), edition__effective_from__lte=on
        )
        .exclude(edition__status=EditionStatus.DRAFT)
        .exclude(shortage_tier="")
        .filter(Q(edition__effective_to__isnull=True) | Q(edition__effective_to__gt=on))
        .order_by("pk")
        .values("shortage_tier")[:1]
    )
    return (
        Claim.objects.order_by()
        .annotate(
            **{alias: F(path) for alias, path in _COLUMNS.items()},
            f_blacklisted=Exists(blacklisted),
            f_in_scope=Exists(in_scope),
            f_elsewhere=Exists(elsewhere),
            f_earlier_certificate=Exists(earlier_certificate),
            f_attended=Subquery(attended, output_field=IntegerField()),
            f_insured=Coalesce(Subquery(insured, output_field=IntegerField()), Value(0)),
            f_employer_kind=Subquery(latest_kind),
            f_cert_shortage=Subquery(shortage),
        )
        .values(*_COLUMNS, *_FLAGS)
    )


_FLAGS = (
    "f_blacklisted",
    "f_in_scope",
    "f_elsewhere",
    "f_earlier_certificate",
    "f_attended",
    "f_insured",
    "f_employer_kind",
    "f_cert_shortage",
)


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    params: tuple[Any, ...]
    pk_slots: tuple[int, ...]
    day_slots: tuple[int, ...]
    names: tuple[str, ...]
    compiler: Any
    converters: Any


_prepared: dict[int, _Prepared] = {}


def _prepare() -> _Prepared:
    """The claim query compiled once per database connection (compiling it costs more than running it); each
    call only swaps the claim id and today's date into its parameters."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # the thread's connection (``connection`` is a proxy to it)
    key = id(wrapper)
    cached = _prepared.get(key)
    if cached is not None and cached.compiler.connection is wrapper:
        return cached
    queryset = _claim_queryset(_DAY_SENTINEL).filter(pk=_PK_SENTINEL)
    compiler = queryset.query.get_compiler(DEFAULT_DB_ALIAS)
    sql, params = compiler.as_sql()
    day_values = {_DAY_SENTINEL, _DAY_SENTINEL.isoformat()}
    pk_slots = tuple(i for i, v in enumerate(params) if v == _PK_SENTINEL)
    day_slots = tuple(i for i, v in enumerate(params) if isinstance(v, dt.date | str) and v in day_values)
    names = tuple(
        queryset.query.selected or (*queryset.query.values_select, *queryset.query.annotation_select)
    )
    converters = compiler.get_converters([col for col, *_ in compiler.select])
    prepared = _Prepared(sql, tuple(params), pk_slots, day_slots, names, compiler, converters)
    _prepared[key] = prepared
    return prepared


def _claim_row(pk: int, today: dt.date) -> dict[str, Any]:
    prepared = _prepare()
    params = list(prepared.params)
    for i in prepared.pk_slots:
        params[i] = pk
    for i in prepared.day_slots:
        params[i] = today if isinstance(prepared.params[i], dt.date) else today.isoformat()
    with connection.cursor() as cursor:
        cursor.execute(prepared.sql, params)
        rows = cursor.fetchall()
    if not rows:
        raise Claim.DoesNotExist
    if prepared.converters:
        rows = list(prepared.compiler.apply_converters(rows, prepared.converters))
    return dict(zip(prepared.names, rows[0], strict=True))


def _cap(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(settings.SUBSIDY_POLICY_CAP)


def claim_facts(claim: Claim) -> dict[str, Any]:
    """The facts of ``claim`` as of its application date (today when it has none), JSON-ready."""
    today = timezone.localdate()
    row = _claim_row(claim.pk, today)
    on: dt.date = row["c_application_date"] or today
    groups = list(PersonGroup.objects.filter(person_id=row["c_person_id"]))
    return _facts(row, groups, _history(row, on), today)


def claims_facts(claim_ids: Iterable[int], *, chunk: int = 500) -> dict[int, dict[str, Any]]:
    """:func:`claim_facts` for many claims, set-based: three queries per ``chunk`` claims (the claims, their
    people's groups, their people's other live claims), whatever the history. Same facts as one by one."""
    today = timezone.localdate()
    ids = list(dict.fromkeys(claim_ids))
    result: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), chunk):
        rows = list(_claim_queryset(today).filter(pk__in=ids[start : start + chunk]))
        persons = {row["c_person_id"] for row in rows}
        groups: dict[int, list[PersonGroup]] = {pid: [] for pid in persons}
        for group in PersonGroup.objects.filter(person_id__in=persons):
            groups[group.person_id].append(group)
        claims: dict[int, list[tuple[Any, ...]]] = {pid: [] for pid in persons}
        for other in (
            Claim.objects.filter(person_id__in=persons, status__in=LIVE_STATUSES)
            .order_by()
            .values_list(
                "pk",
                "person_id",
                "kind",
                "application_date",
                "certificate__occupation_id",
                "certificate__work_type_id",
                "certificate__level",
            )
        ):
            claims[other[1]].append(other)
        for row in rows:
            on = row["c_application_date"] or today
            history = _history_from(row, on, claims[row["c_person_id"]])
            result[row["c_id"]] = _facts(row, groups[row["c_person_id"]], history, today)
    return result


def _facts(
    row: dict[str, Any], groups: list[PersonGroup], history: dict[str, Any], today: dt.date
) -> dict[str, Any]:
    on: dt.date = row["c_application_date"] or today
    base = person_facts(
        birth_date=row["p_birth"],
        gender=row["p_gender"],
        groups=groups,
        on=on,
        household=row["p_household"],
        education=row["p_education"],
        employer_name=row["p_employer"],
        position=row["p_position"],
    )
    employer_kind = row["f_employer_kind"] or ""
    group_codes = list(base["groups"])
    if employer_kind == PUBLIC_INSTITUTION and "public_institution" not in group_codes:
        group_codes.append("public_institution")
    prefix = "ki_" if row["k_id"] is not None else ("ci_" if row["ci_id"] is not None else None)
    has_class = row["k_id"] is not None
    has_cert = row["cert_id"] is not None
    claim_data = row["c_facts"] or {}
    if isinstance(claim_data, str):
        claim_data = json.loads(claim_data)
    return {
        "kind": row["c_kind"],
        "part": row["c_part"],
        "application_date": on.isoformat(),
        "person": {
            "birth_date": row["p_birth"].isoformat(),
            "gender": row["p_gender"],
            "position": row["p_position"],
            "age": base["age"],
            "retirement_age_reached": base["retirement_age_reached"],
            "retirement_date": _iso(base["retirement_date"]),
            "retirement_category": base["retirement_category"],
            "groups": sorted(group_codes),
            "graduation_year": base["graduation_year"],
            "employed": base["employed"],
            "employer_kind": employer_kind,
        },
        "certificate": {**_certificate(row, prefix), "shortage_tier": row["f_cert_shortage"] or ""}
        if has_cert
        else {},
        "training_class": _class(row) if has_class else {},
        "attendance": {
            "lesson_hours_attended": (row["f_attended"] or 0) if has_class else None,
            "lesson_hours_planned": row["k_hours"] if has_class else None,
        },
        "catalog_item": _item(row, prefix) if prefix else {},
        "history": {
            **history,
            "certificate_claimed_elsewhere": bool(row["f_elsewhere"]) if has_cert else None,
            "first_assessment": not row["f_earlier_certificate"] if has_cert else None,
            "insured_months": row["f_insured"],
        },
        "apprenticeship": dict(claim_data.get("apprenticeship") or {}),
        "graduate": {
            "graduation_year": base["graduation_year"],
            "employed": base["employed"],
            **dict(claim_data.get("graduate") or {}),
        },
    }


def _certificate(row: dict[str, Any], prefix: str | None) -> dict[str, Any]:
    matches: bool | None = None
    if prefix is not None:
        if row[f"{prefix}occ_id"] is not None:
            matches = (
                row["cert_occ_id"] == row[f"{prefix}occ_id"]
                and row["cert_level"] == row[f"{prefix}level"]
                and (row[f"{prefix}wt_id"] is None or row["cert_wt_id"] == row[f"{prefix}wt_id"])
            )
        else:
            matches = (
                row["cert_special_id"] is not None and row["cert_special_id"] == row[f"{prefix}special_id"]
            )
    return {
        "number": row["cert_number"],
        "level": row["cert_level"],
        "occupation": row["cert_occ_code"] or "",
        "work_type": row["cert_wt_code"] or "",
        "issued_on": _iso(row["cert_issued"]),
        "status": row["cert_status"],
        "matches_item": matches,
    }


def _class(row: dict[str, Any]) -> dict[str, Any]:
    start, end = row["k_start"], row["k_end"]
    licence = row["k_provider_licence"]
    listed = row["k_provider_status"] == ProviderStatus.APPROVED and (licence is None or licence >= end)
    return {
        "code": row["k_code"],
        "filed_on": _iso(row["k_filed"]),
        "start_date": _iso(start),
        "end_date": _iso(end),
        "training_days": (end - start).days + 1,
        "lesson_hours": row["k_hours"],
        "approved": row["k_status"] in APPROVED_CLASS_STATUSES,
        "provider_listed": listed,
        "provider_blacklisted": bool(row["f_blacklisted"]),
        "item_in_scope": bool(row["f_in_scope"]),
    }


def _item(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    tier = row[f"{prefix}tier"] or ""
    return {
        "edition": row[f"{prefix}edition"],
        "subsidy_standard": _money(row[f"{prefix}standard"]),
        "assessment_subsidy": _money(row[f"{prefix}assessment"]),
        "uplift": str(SHORTAGE_UPLIFT.get(tier, Decimal("0"))),
        "shortage_tier": tier,
        "edition_cap": str(_cap(row[f"{prefix}cap"])),
        "level": row[f"{prefix}level"],
        "occupation": row[f"{prefix}occ_code"] or "",
        "work_type": row[f"{prefix}wt_code"] or "",
        "special_item": row[f"{prefix}special_code"] or "",
    }


def _history(row: dict[str, Any], on: dt.date) -> dict[str, Any]:
    others = Claim.objects.filter(person_id=row["c_person_id"], status__in=LIVE_STATUSES).exclude(
        pk=row["c_id"]
    )
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
    for counted in rows:
        calendar[counted["kind"]] = counted["calendar"]
        rolling[counted["kind"]] = counted["rolling"]
        ever[counted["kind"]] = counted["ever"]
    levels: list[dict[str, Any]] = []
    if row["cert_occ_id"] is not None:
        same = (
            others.filter(
                certificate__occupation_id=row["cert_occ_id"], certificate__work_type_id=row["cert_wt_id"]
            )
            .exclude(certificate__level__isnull=True)
            .order_by()
            .values_list("kind", "certificate__level")
            .distinct()
        )
        levels = [{"kind": kind, "level": level} for kind, level in sorted(same)]
    return _history_dict(calendar, rolling, ever, levels)


def _history_from(row: dict[str, Any], on: dt.date, claims: list[tuple[Any, ...]]) -> dict[str, Any]:
    """:func:`_history` computed from the person's live claims already read (the set-based variant)."""
    year_start = dt.date(on.year, 1, 1)
    rolling_start = add_months(on, -12)
    calendar: dict[str, int] = {}
    rolling: dict[str, int] = {}
    ever: dict[str, int] = {}
    levels: set[tuple[str, int]] = set()
    for pk, _person, kind, applied, occupation, work_type, level in claims:
        if pk == row["c_id"]:
            continue
        ever[kind] = ever.get(kind, 0) + 1
        if applied is not None and year_start <= applied <= on:
            calendar[kind] = calendar.get(kind, 0) + 1
        if applied is not None and rolling_start < applied <= on:
            rolling[kind] = rolling.get(kind, 0) + 1
        if (
            row["cert_occ_id"] is not None
            and occupation == row["cert_occ_id"]
            and work_type == row["cert_wt_id"]
            and level is not None
        ):
            levels.add((kind, level))
    return _history_dict(
        calendar, rolling, ever, [{"kind": kind, "level": level} for kind, level in sorted(levels)]
    )


def _history_dict(
    calendar: dict[str, int], rolling: dict[str, int], ever: dict[str, int], levels: list[dict[str, Any]]
) -> dict[str, Any]:
    calendar = {k: n for k, n in sorted(calendar.items()) if n}
    rolling = {k: n for k, n in sorted(rolling.items()) if n}
    ever = {k: n for k, n in sorted(ever.items()) if n}
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
