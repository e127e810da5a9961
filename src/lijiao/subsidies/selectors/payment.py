"""Reading finance's data: payment batches with their lines, clawbacks, payable claims (SPEC C6).

Finance and the audit roles are city-wide (``subsidies.view_paymentbatch`` / ``view_clawback``); lines show
account numbers masked — the full numbers leave only in the bank file, whose download is logged.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from lijiao.core.actors import Actor
from lijiao.core.errors import NotFound
from lijiao.core.permissions import require_perm
from lijiao.subsidies.models import Claim, ClaimStatus, Clawback, PaymentBatch, PaymentLine

__all__ = [
    "batch_lines",
    "get_batch",
    "get_clawback",
    "payable_claims",
    "visible_batches",
    "visible_clawbacks",
]


def visible_batches(actor: Actor) -> QuerySet[PaymentBatch]:
    require_perm(actor, "subsidies.view_paymentbatch")
    return PaymentBatch.objects.select_related("created_by", "paid_by").order_by("-created_at", "-id")


def get_batch(actor: Actor, pk: int) -> PaymentBatch:
    batch = visible_batches(actor).filter(pk=pk).first()
    if batch is None:
        raise NotFound(None)
    return batch


def batch_lines(batch: PaymentBatch) -> QuerySet[PaymentLine]:
    return PaymentLine.objects.filter(batch=batch).select_related("claim").order_by("id")


def payable_claims(actor: Actor) -> QuerySet[Claim]:
    """Approved claims not held and on no line (what a new batch would take, before the account check)."""
    require_perm(actor, "subsidies.view_paymentbatch")
    return (
        Claim.objects.filter(status=ClaimStatus.APPROVED, payment_hold=False)
        .exclude(Exists(PaymentLine.objects.filter(claim=OuterRef("pk"))))
        .select_related("person")
        .order_by("approved_at", "id")
    )


def visible_clawbacks(actor: Actor) -> QuerySet[Clawback]:
    require_perm(actor, "subsidies.view_clawback")
    return Clawback.objects.select_related("claim__person", "created_by").order_by("-created_at", "-id")


def get_clawback(actor: Actor, pk: int) -> Clawback:
    clawback = visible_clawbacks(actor).filter(pk=pk).first()
    if clawback is None:
        raise NotFound(None)
    return clawback
