"""Policy simulation (issue 12, item 12): before publishing a draft scheme version or a draft catalog edition,
re-price a year's claims with it and show the budget impact by category, district and program.

Each claim is re-decided from the facts stored with its current evaluation (what was known when it was decided),
so the simulation needs no per-claim queries: one query for the claims and their facts, one for the versions
(edition simulation) and one for the draft edition's items — whatever the number of claims. Writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.catalog.models import SHORTAGE_UPLIFT, CatalogItem, Edition
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError
from lijiao.core.permissions import require_perm
from lijiao.subsidies.models import ClaimEvaluation, SchemeVersion
from lijiao.subsidies.policy import FactsError, VersionData, decide
from lijiao.subsidies.selectors.facts import LIVE_STATUSES
from lijiao.subsidies.services.schemes import version_data

ZERO = Decimal("0.00")


@dataclass
class ImpactGroup:
    """Claims of one category, district or program: how many, paid before, after, and the difference."""

    label: str
    claims: int = 0
    before: Decimal = ZERO
    after: Decimal = ZERO
    changed: int = 0

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class RepricedClaim:
    claim_id: int
    number: str
    before: Decimal
    after: Decimal
    failed_after: tuple[str, ...]


@dataclass
class SimulationResult:
    subject: str  # what was simulated, in words
    year: int
    claims: int = 0
    before: Decimal = ZERO
    after: Decimal = ZERO
    skipped: int = 0  # claims whose stored facts could not be re-decided
    by_category: list[ImpactGroup] = field(default_factory=list)
    by_district: list[ImpactGroup] = field(default_factory=list)
    by_program: list[ImpactGroup] = field(default_factory=list)
    changed: list[RepricedClaim] = field(default_factory=list)  # the first 100 claims whose amount changes

    @property
    def delta(self) -> Decimal:
        return self.after - self.before

    def as_dict(self) -> dict[str, Any]:
        def groups(rows: list[ImpactGroup]) -> list[dict[str, Any]]:
            return [
                {
                    "label": g.label,
                    "claims": g.claims,
                    "changed": g.changed,
                    "before": str(g.before),
                    "after": str(g.after),
                    "delta": str(g.delta),
                }
                for g in rows
            ]

        return {
            "subject": self.subject,
            "year": self.year,
            "claims": self.claims,
            "skipped": self.skipped,
            "before": str(self.before),
            "after": str(self.after),
            "delta": str(self.delta),
            "by_category": groups(self.by_category),
            "by_district": groups(self.by_district),
            "by_program": groups(self.by_program),
            "changed": [
                {
                    "claim_id": c.claim_id,
                    "number": c.number,
                    "before": str(c.before),
                    "after": str(c.after),
                    "failed_rules": list(c.failed_after),
                }
                for c in self.changed
            ],
        }


def last_year() -> int:
    return timezone.localdate().year - 1


def _rows(year: int, kind: str | None) -> Iterable[Mapping[str, Any]]:
    evaluations = ClaimEvaluation.objects.filter(
        current=True,
        claim__status__in=LIVE_STATUSES,
        claim__application_date__gte=dt.date(year, 1, 1),
        claim__application_date__lte=dt.date(year, 12, 31),
    )
    if kind is not None:
        evaluations = evaluations.filter(claim__kind=kind)
    return (
        evaluations.order_by("claim_id")
        .annotate(
            number=F("claim__number"),
            district=F("claim__handling_area__name"),
            category=Coalesce(
                F("claim__training_class__catalog_item__category__name"),
                F("claim__catalog_item__category__name"),
            ),
            program=F("claim__training_class__program__name"),
            claim_amount=F("claim__amount"),
        )
        .values(
            "claim_id",
            "number",
            "district",
            "category",
            "program",
            "facts",
            "claim_amount",
            "amount",
            "scheme_version_id",
        )
        .iterator(chunk_size=2000)
    )


def _aggregate(
    result: SimulationResult, rows: Iterable[tuple[Mapping[str, Any], Decimal, Decimal, tuple[str, ...]]]
) -> SimulationResult:
    groups: dict[str, dict[str, ImpactGroup]] = {"category": {}, "district": {}, "program": {}}
    none_label = {
        "category": _("（无行业类别）"),
        "district": _("（无经办区域）"),
        "program": _("（无培训项目）"),
    }
    for row, before, after, failed in rows:
        result.claims += 1
        result.before += before
        result.after += after
        for key, by in groups.items():
            label = row[key] or none_label[key]
            group = by.setdefault(label, ImpactGroup(label))
            group.claims += 1
            group.before += before
            group.after += after
            group.changed += int(before != after)
        if before != after and len(result.changed) < 100:
            result.changed.append(RepricedClaim(row["claim_id"], row["number"], before, after, failed))
    order = lambda g: (-abs(g.delta), g.label)  # noqa: E731
    result.by_category = sorted(groups["category"].values(), key=order)
    result.by_district = sorted(groups["district"].values(), key=order)
    result.by_program = sorted(groups["program"].values(), key=order)
    return result


def simulate_version(*, actor: Actor, version: SchemeVersion, year: int | None = None) -> SimulationResult:
    """Re-price ``year``'s claims of the version's kind (default: last year) under ``version``."""
    require_perm(actor, "subsidies.add_schemeversion")
    year = year or last_year()
    data = version_data(version)
    result = SimulationResult(
        subject=_("%(scheme)s第%(number)s版") % {"scheme": version.scheme.name, "number": version.number},
        year=year,
    )

    def repriced() -> Iterable[tuple[Mapping[str, Any], Decimal, Decimal, tuple[str, ...]]]:
        for row in _rows(year, version.scheme.kind):
            before = row["claim_amount"] if row["claim_amount"] is not None else row["amount"]
            try:
                decision = decide(row["facts"], data)
            except FactsError:
                result.skipped += 1
                continue
            yield row, before, decision.amount, tuple(decision.failed_rules)

    return _aggregate(result, repriced())


def _item_key(facts: Mapping[str, Any]) -> tuple[str, str, Any] | None:
    item = facts.get("catalog_item") or {}
    if not item:
        return None
    if item.get("special_item"):
        return ("special", item["special_item"], None)
    return ("occupation", f"{item.get('occupation', '')}|{item.get('work_type', '')}", item.get("level"))


def simulate_edition(*, actor: Actor, edition: Edition, year: int | None = None) -> SimulationResult:
    """Re-price ``year``'s claims (default: last year) as if their items had ``edition``'s standards, uplift and
    cap: a claim whose item is not in the edition gets nothing."""
    require_perm(actor, "catalog.change_edition")
    if edition.status != "draft":
        raise DomainError(_("只能模拟草稿目录版本"), code="edition_not_draft")
    year = year or last_year()
    items: dict[tuple[str, str, Any], CatalogItem] = {}
    for item in CatalogItem.objects.filter(edition=edition).select_related(
        "occupation", "work_type", "special_item"
    ):
        if item.special_item is not None:
            items[("special", item.special_item.code, None)] = item
        elif item.occupation is not None:
            work_type = item.work_type.code if item.work_type is not None else ""
            items[("occupation", f"{item.occupation.code}|{work_type}", item.level)] = item
    versions = {v.pk: version_data(v) for v in SchemeVersion.objects.select_related("scheme")}
    cap = str(edition.policy_cap)
    result = SimulationResult(subject=str(edition.name), year=year)

    def repriced() -> Iterable[tuple[Mapping[str, Any], Decimal, Decimal, tuple[str, ...]]]:
        for row in _rows(year, None):
            facts = row["facts"]
            key = _item_key(facts)
            if key is None:
                continue  # a claim without a catalog item (apprenticeship, living): the catalog does not price it
            before = row["claim_amount"] if row["claim_amount"] is not None else row["amount"]
            item = items.get(key)
            if item is None:
                yield row, before, ZERO, ("R5",)
                continue
            new_facts = {
                **facts,
                "catalog_item": {
                    **facts["catalog_item"],
                    "subsidy_standard": str(item.subsidy_standard),
                    "assessment_subsidy": str(item.assessment_subsidy)
                    if item.assessment_subsidy is not None
                    else None,
                    "uplift": str(SHORTAGE_UPLIFT.get(item.shortage_tier, Decimal("0"))),
                    "edition_cap": cap,
                },
            }
            data: VersionData = versions[row["scheme_version_id"]]
            try:
                decision = decide(new_facts, data)
            except FactsError:
                result.skipped += 1
                continue
            yield row, before, decision.amount, tuple(decision.failed_rules)

    return _aggregate(result, repriced())
