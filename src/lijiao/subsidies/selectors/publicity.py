"""Reading 公示: the public lists (masked, no login) and the second reviewers' screens (scoped to their area).

What the public sees of a claim is :class:`PublicRow`: the name masked (张*三), the ID number masked
(2102**********123X), the item, the amount and the notice's dates — never a full ID, never an internal id.
Claims withdrawn from a notice (returned after an upheld objection, rejected) are not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from lijiao.accounts.scope import Scope
from lijiao.certificates.selectors.verification import mask_name
from lijiao.core.actors import Actor
from lijiao.core.errors import NotFound
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, mask
from lijiao.subsidies.models import Claim, ClaimStatus, Objection, Publicity

__all__ = [
    "PUBLIC_RECENT_DAYS",
    "PublicRow",
    "get_public_publicity",
    "listed_claims",
    "listed_totals",
    "public_publicities",
    "public_row",
    "public_rows",
    "review_claims",
    "review_objections",
    "review_publicities",
]

PUBLIC_RECENT_DAYS = 30  # ended notices stay on the portal this long
LISTED = (ClaimStatus.PUBLICITY, ClaimStatus.APPROVED, ClaimStatus.PAID, ClaimStatus.ARCHIVED)


@dataclass(frozen=True, slots=True)
class PublicRow:
    """One claim as the public 公示 shows it (masked)."""

    number: str
    name: str
    citizen_id: str
    kind: str
    item: str
    amount: Decimal | None
    applicant: str


def public_publicities(today: dt.date | None = None) -> QuerySet[Publicity]:
    """Notices running now and those ended in the last 30 days, newest first, with their claim counts."""
    today = today or timezone.localdate()
    return (
        Publicity.objects.filter(
            starts_on__lte=today, ends_on__gte=today - dt.timedelta(days=PUBLIC_RECENT_DAYS)
        )
        .select_related("handling_area")
        .annotate(listed=Count("claims", filter=Q(claims__status__in=LISTED)))
        .order_by("-starts_on", "-id")
    )


def get_public_publicity(number: str) -> Publicity:
    """A notice the portal shows, by its number (404 for an unknown, future or long-ended one)."""
    notice = public_publicities().filter(number=number).first()
    if notice is None:
        raise NotFound()
    return notice


def item_of(claim: Claim) -> str:
    if claim.certificate_id and claim.certificate is not None:
        return claim.certificate.subject_name
    if claim.catalog_item_id and claim.catalog_item is not None:
        return str(claim.catalog_item)
    return ""


def listed_claims(notice: Publicity) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(publicity=notice, status__in=LISTED)
        .select_related(
            "person",
            "certificate",
            "catalog_item__occupation",
            "catalog_item__work_type",
            "catalog_item__special_item",
        )
        .order_by("id")
    )


def listed_totals(notice: Publicity) -> dict[str, Any]:
    """How many claims the notice lists and their total amount (one query; the screen shows a page of them)."""
    totals = Claim.objects.filter(publicity=notice, status__in=LISTED).aggregate(
        listed=Count("id"), total=Sum("amount")
    )
    return {"listed": totals["listed"], "total": totals["total"] or 0}


def public_row(claim: Claim) -> PublicRow:
    return PublicRow(
        number=claim.number,
        name=mask_name(claim.person.name),
        citizen_id=mask(PIIKind.CITIZEN_ID, claim.person.citizen_id),
        kind=claim.get_kind_display(),
        item=item_of(claim),
        amount=claim.amount,
        applicant=claim.applicant_name
        if claim.applicant != Claim.Applicant.WORKER
        else mask_name(claim.applicant_name),
    )


def public_rows(notice: Publicity) -> list[PublicRow]:
    """The notice's claims as the public sees them (two queries whatever their number)."""
    return [public_row(claim) for claim in listed_claims(notice)]


# ---------------------------------------------------------------------------------------- second reviewers


def review_publicities(actor: Actor) -> QuerySet[Publicity]:
    """Notices with claims in the reviewer's area, with counts of claims on notice and open objections."""
    require_perm(actor, "subsidies.view_publicity")
    scope = Scope.for_user(actor)
    queryset = Publicity.objects.all()
    if not scope.all_areas:
        queryset = queryset.filter(claims__handling_area__in=scope.area_ids or [0]).distinct()
    return queryset.annotate(
        on_notice=Count("claims", filter=Q(claims__status=ClaimStatus.PUBLICITY), distinct=True),
        total=Count("claims", distinct=True),
        open_objections=Count(
            "claims__objections", filter=Q(claims__objections__status=Objection.Status.OPEN), distinct=True
        ),
    ).order_by("-starts_on", "-id")


def review_claims(actor: Actor, notice: Publicity) -> QuerySet[Claim]:
    """The notice's claims in the reviewer's area, with whether an objection is open."""
    open_objection = Objection.objects.filter(claim=OuterRef("pk"), status=Objection.Status.OPEN)
    return (
        Scope.for_user(actor)
        .filter_by_area(Claim.objects.filter(publicity=notice))
        .select_related(
            "person",
            "certificate",
            "catalog_item__occupation",
            "catalog_item__work_type",
            "catalog_item__special_item",
        )
        .annotate(has_open_objection=Exists(open_objection))
        .order_by("id")
    )


def get_review_publicity(actor: Actor, pk: int) -> Publicity:
    notice = review_publicities(actor).filter(pk=pk).first()
    if notice is None:
        raise NotFound()
    return notice


def review_objections(actor: Actor) -> QuerySet[Objection]:
    """Objections to claims of the reviewer's area, open ones first."""
    require_perm(actor, "subsidies.view_objection")
    return (
        Scope.for_user(actor)
        .filter_by_area(Objection.objects.all(), "claim__handling_area")
        .select_related("claim__person", "claim__publicity", "resolved_by")
        .order_by("status", "-created_at", "-id")
    )


def get_review_objection(actor: Actor, pk: int) -> Objection:
    objection = review_objections(actor).filter(pk=pk).first()
    if objection is None:
        raise NotFound()
    return objection


def masked_person(claim: Claim) -> dict[str, Any]:
    return {"name": claim.person.name, "citizen_id": mask(PIIKind.CITIZEN_ID, claim.person.citizen_id)}
