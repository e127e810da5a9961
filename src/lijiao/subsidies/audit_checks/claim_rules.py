"""Checks on the claims themselves: R2 caps, R3 repeats (a lower level after a higher one), R4 reuse."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db.models import Count
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext as _

from lijiao.core.rules import add_months
from lijiao.subsidies.audit_checks.base import (
    DEFAULT_R2_CAP,
    EVIDENCE_LIST_MAX,
    Context,
    Draft,
    _chunks,
    _claim_ref,
    _d,
)
from lijiao.subsidies.models import (
    CERTIFICATE_HOLDING_STATUSES,
    Claim,
    SchemeKind,
    SchemeVersion,
)

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
