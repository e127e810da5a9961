"""Reading claims within the user's scope (SPEC C12): lists, the detail with its trace, the review queues and the
worker's own claims.

Scope: city-wide roles see every claim; area roles (district clerk, first and second reviewers) their handling
area's; provider staff their provider's; evaluating-body staff their body's; anyone else (an employer's staff)
the claims they filed. A claim out of scope answers 404 like an unknown id. The worker's view (``my_claims``)
needs no permission: it is every claim in the name of the person the user is (matched by the ID digest).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from lijiao.accounts.scope import Scope
from lijiao.audit.models import AuditEvent
from lijiao.catalog.models import CatalogItem
from lijiao.certificates.models import EvaluatorMembership
from lijiao.core.calendar import CalendarUnknown, get_calendar
from lijiao.core.errors import NotFound
from lijiao.core.permissions import require_perm
from lijiao.people.models import Notification
from lijiao.subsidies.models import (
    Claim,
    ClaimEvaluation,
    ClaimStatus,
    Objection,
    PaymentLine,
    RuleOverride,
    SchemeKind,
)
from lijiao.subsidies.trace_labels import labelled_inputs

__all__ = [
    "QUEUE_PAGE_SIZE",
    "VIEW_PERM",
    "ClaimDetail",
    "claim_detail",
    "claim_labels",
    "first_review_queue",
    "for_list",
    "get_claim",
    "label_claims",
    "my_claim",
    "my_claims",
    "my_notifications",
    "queue_rows",
    "second_review_queue",
    "target_days",
    "visible_claims",
]

VIEW_PERM = "subsidies.view_claim"
_ITEM = ("catalog_item__occupation", "catalog_item__special_item", "catalog_item__work_type")
_LIST_RELATED = ("person", "provider", "handling_area", "training_class", *_ITEM)
_LIST_JOINED = ("person", "provider", "handling_area")
_ITEMS = CatalogItem.objects.select_related("occupation", "special_item", "work_type")


def visible_claims(user: Any) -> QuerySet[Claim]:
    """The claims ``user`` may read (403 without ``subsidies.view_claim``)."""
    require_perm(user, VIEW_PERM)
    scope = Scope.for_user(user)
    qs = Claim.objects.all()
    if scope.all_areas:
        return qs
    if scope.provider_ids:
        return qs.filter(provider__in=scope.provider_ids)
    if scope.area_ids:
        return qs.filter(handling_area__in=scope.area_ids)
    body_id = EvaluatorMembership.objects.filter(user_id=user.pk).values_list("body_id", flat=True).first()
    own = Q(created_by_id=user.pk)
    if body_id is not None:
        own |= Q(evaluating_body_id=body_id, applicant=Claim.Applicant.EVALUATOR)
    return qs.filter(own)


def for_list(qs: QuerySet[Claim]) -> QuerySet[Claim]:
    """The columns of a list: the claim with its person, provider and area in one query; the class and the
    catalog item (with its occupation, 工种, special item) prefetched for the page — two more queries, whatever
    the page's size. Planning the eight-table join cost more than running it on a city (17–50 ms against 1 ms,
    city benchmark at scale 0.1; ADR 0014's slim list query)."""
    return (
        qs.select_related(*_LIST_JOINED)
        .prefetch_related("training_class", Prefetch("catalog_item", queryset=_ITEMS))
        .order_by("-created_at", "-id")
    )


def get_claim(user: Any, claim_id: int) -> Claim:
    """One claim in scope, for a write (404 otherwise)."""
    claim = (
        visible_claims(user)
        .select_related("person", "provider", "handling_area", "catalog_item", "certificate")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound()
    return claim


@dataclass
class ClaimDetail:
    """A claim and its trace: the current evaluation's lines, the earlier ones, overrides, objections, the audit
    history and the payment line."""

    claim: Claim
    current: ClaimEvaluation | None
    earlier: list[ClaimEvaluation]
    overrides: list[RuleOverride]
    objections: list[Objection]
    history: list[AuditEvent]
    payment: PaymentLine | None
    overridden_rules: set[str] = field(default_factory=set)

    @property
    def lines(self) -> list[dict[str, Any]]:
        rows = []
        for line in (self.current.lines if self.current else None) or []:
            row = dict(line)
            row["overridden"] = str(line.get("rule")) in self.overridden_rules
            row["shown_inputs"] = labelled_inputs(line.get("inputs") or {})
            rows.append(row)
        return rows


def _detail(claim: Claim) -> ClaimDetail:
    evaluations = list(
        claim.evaluations.select_related("scheme_version", "evaluated_by").order_by("-evaluated_at", "-id")
    )
    current = next((e for e in evaluations if e.current), None)
    overrides = list(claim.overrides.select_related("created_by"))
    history = list(
        AuditEvent.objects.filter(object_type="subsidies.claim", object_id=str(claim.pk))
        .select_related("actor")
        .order_by("sequence")
    )
    payment = PaymentLine.objects.select_related("batch").filter(claim=claim).first()
    return ClaimDetail(
        claim=claim,
        current=current,
        earlier=[e for e in evaluations if not e.current],
        overrides=overrides,
        objections=list(claim.objections.all()),
        history=history,
        payment=payment,
        overridden_rules={o.rule for o in overrides},
    )


def claim_detail(user: Any, claim_id: int) -> ClaimDetail:
    """A claim in scope with its trace (404 otherwise)."""
    claim = (
        visible_claims(user)
        .select_related(
            *_LIST_RELATED,
            "certificate",
            "evaluating_body",
            "scheme_version",
            "publicity",
            "created_by",
        )
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound()
    return _detail(claim)


def _queue(user: Any, status: str, perm: str, since: str) -> QuerySet[Claim]:
    require_perm(user, perm)
    return for_list(visible_claims(user).filter(status=status)).order_by(since, "id")


def first_review_queue(user: Any) -> QuerySet[Claim]:
    """Submitted claims of the reviewer's area, the longest waiting first."""
    return _queue(user, ClaimStatus.SUBMITTED, "subsidies.review_first_claim", "submitted_at")


def second_review_queue(user: Any) -> QuerySet[Claim]:
    """First-approved claims of the reviewer's area, the longest waiting first."""
    return _queue(user, ClaimStatus.FIRST_APPROVED, "subsidies.review_second_claim", "first_reviewed_at")


QUEUE_PAGE_SIZE = 50


def target_days() -> int:
    """The working days a claim may wait in a review queue (``LIJIAO_CLAIM_REVIEW_DAYS``, default 10)."""
    return int(getattr(settings, "LIJIAO_CLAIM_REVIEW_DAYS", 10))


def claim_labels() -> dict[str, dict[str, str]]:
    """The display labels of a claim's choices, translated once for a page (not ``get_…_display()`` per row)."""
    return {
        "kind": {str(v): str(label) for v, label in SchemeKind.choices},
        "status": {str(v): str(label) for v, label in ClaimStatus.choices},
    }


def label_claims(claims: Iterable[Claim]) -> list[Claim]:
    """The page's claims with ``kind_label`` and ``status_label`` set from one dict per page (the lists' and
    queues' serialisers read them before falling back to ``get_…_display()``)."""
    labels = claim_labels()
    rows = list(claims)
    for claim in rows:
        claim.kind_label = labels["kind"].get(claim.kind, claim.kind)  # type: ignore[attr-defined]
        claim.status_label = labels["status"].get(claim.status, claim.status)  # type: ignore[attr-defined]
    return rows


def queue_rows(claims: Iterable[Claim], since: str) -> list[dict[str, Any]]:
    """A queue page's rows with the working days each claim has waited: one calendar read for the page and one
    count per distinct date (a page's claims share a few dates), the labels from one dict per page."""
    calendar = get_calendar()
    target = target_days()
    today = timezone.localdate()
    waited_on: dict[dt.date, int | None] = {}
    rows = []
    for claim in label_claims(claims):
        moment = getattr(claim, since)
        waited: int | None = None
        if moment is not None:
            day = timezone.localtime(moment).date()
            if day not in waited_on:
                try:
                    waited_on[day] = calendar.working_days_between(day, today)
                except CalendarUnknown:
                    waited_on[day] = None
            waited = waited_on[day]
        rows.append({"claim": claim, "waited": waited, "overdue": waited is not None and waited > target})
    return rows


def _digest(user: Any) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    return str(getattr(user, "citizen_id_digest", "") or "")


def my_claims(user: Any) -> QuerySet[Claim]:
    """Every claim in the name of the person the user is (none without an ID number on file)."""
    digest = _digest(user)
    if not digest:
        return Claim.objects.none()
    current = Prefetch(
        "evaluations", queryset=ClaimEvaluation.objects.filter(current=True), to_attr="current_evaluations"
    )
    return (
        Claim.objects.filter(person__citizen_id_digest=digest)
        .select_related("training_class", "certificate", "payment_line__batch", "publicity", *_ITEM)
        .prefetch_related(current)
        .order_by("-created_at", "-id")
    )


def finished_classes_to_claim(user: Any) -> QuerySet[Any]:
    """A provider's finished classes (newest first), for its 申请补贴 links; none for anyone else."""
    from lijiao.training.models import ClassStatus, TrainingClass

    provider_id = getattr(user, "provider_id", None)
    if not provider_id or not user.has_perm("subsidies.file_claim"):
        return TrainingClass.objects.none()
    return TrainingClass.objects.filter(
        provider_id=provider_id, status__in=[ClassStatus.FINISHED, ClassStatus.ASSESSED, ClassStatus.CLOSED]
    ).order_by("-end_date", "-id")


def my_claim(user: Any, claim_id: int) -> Claim:
    claim = my_claims(user).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound()
    return claim


def my_notifications(user: Any) -> QuerySet[Notification]:
    digest = _digest(user)
    if not digest:
        return Notification.objects.none()
    return Notification.objects.filter(person__citizen_id_digest=digest).order_by("-created_at", "-id")
