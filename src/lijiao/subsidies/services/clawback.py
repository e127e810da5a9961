"""Clawback (追回, SPEC C6): money paid and taken back — why, how much, and how much has come back.

:func:`claw_back` moves a paid (or archived) claim to ``clawed_back`` through the race-safe transition and opens
a :class:`~lijiao.subsidies.models.Clawback` (at most the amount paid); :func:`record_recovery` books money
received (partial, then recovered; never more than due); :func:`write_off` closes what cannot be recovered,
with the reason. Every step is audited; the person is told of the clawback.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError
from lijiao.core.permissions import require_perm
from lijiao.people.services import notify
from lijiao.subsidies.models import Claim, ClaimStatus, Clawback
from lijiao.subsidies.workflows import CLAIM_WORKFLOW

__all__ = ["claw_back", "record_recovery", "write_off"]

CLOSED = frozenset({Clawback.Recovery.RECOVERED, Clawback.Recovery.WRITTEN_OFF})


def _money(value: object, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError.for_fields(_("金额有误"), {field: _("请输入金额")}) from None
    if not amount.is_finite() or amount <= 0:
        raise DomainError.for_fields(_("金额有误"), {field: _("金额须大于0")})
    return amount


def _reason(value: str, field: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError.for_fields(_("请填写原因"), {field: _("请填写原因")})
    if len(text) > 1000:
        raise DomainError.for_fields(_("原因过长"), {field: _("原因不能超过1000个字")})
    return text


@transaction.atomic
def claw_back(*, claim: Claim, actor: Actor, reason: str, amount: Decimal | str) -> Clawback:
    """Record that ``claim``'s money must come back (paid/archived → clawed_back), at most the amount paid."""
    require_perm(actor, "subsidies.clawback_claim")
    reason = _reason(reason)
    due = _money(amount, "amount")
    claim = Claim.objects.select_related("person").get(pk=claim.pk)
    CLAIM_WORKFLOW.require_transition(claim, ClaimStatus.CLAWED_BACK)
    paid = claim.amount or Decimal(0)
    line = getattr(claim, "payment_line", None)
    if line is not None:
        paid = line.amount
    if due > paid:
        raise DomainError.for_fields(
            _("追回金额不能超过已发放金额"),
            {"amount": _("不能超过已发放的%(paid)s元") % {"paid": f"{paid:.2f}"}},
        )
    CLAIM_WORKFLOW.transition(claim, ClaimStatus.CLAWED_BACK, status_reason=reason[:500])
    clawback = Clawback.objects.create(claim=claim, reason=reason, amount=due, created_by=actor)  # type: ignore[misc]
    record_event(
        actor=actor,
        action="subsidies.claim.clawback",
        obj=claim,
        after={"status": ClaimStatus.CLAWED_BACK, "amount": due},
        reason=reason,
    )
    notify(
        person=claim.person,
        kind="subsidy_clawback",
        title=_("补贴追回通知：%(amount)s元") % {"amount": f"{due:.2f}"},
        body=_("您的补贴申请%(number)s需退回%(amount)s元。原因：%(reason)s")
        % {"number": claim.number, "amount": f"{due:.2f}", "reason": reason},
    )
    return clawback


@transaction.atomic
def record_recovery(*, clawback: Clawback, actor: Actor, amount: Decimal | str) -> Clawback:
    """Book ``amount`` received back: partial until the whole sum is in, then recovered; never beyond it."""
    require_perm(actor, "subsidies.change_clawback")
    received = _money(amount, "amount")
    clawback = Clawback.objects.select_for_update().get(pk=clawback.pk)
    if clawback.recovery_status in CLOSED:
        raise Conflict(_("该追回记录已结清，不能再登记"), code="clawback_closed")
    outstanding = clawback.amount - clawback.recovered_amount
    if received > outstanding:
        raise DomainError.for_fields(
            _("登记金额超过尚未追回的金额"),
            {"amount": _("尚未追回%(left)s元，登记金额不能超过它") % {"left": f"{outstanding:.2f}"}},
        )
    before = {"recovered_amount": clawback.recovered_amount, "recovery_status": clawback.recovery_status}
    clawback.recovered_amount += received
    clawback.recovery_status = (
        Clawback.Recovery.RECOVERED
        if clawback.recovered_amount == clawback.amount
        else Clawback.Recovery.PARTIAL
    )
    clawback.save(update_fields=["recovered_amount", "recovery_status", "updated_at"])
    record_event(
        actor=actor,
        action="subsidies.clawback.recovery",
        obj=clawback,
        before=before,
        after={
            "received": received,
            "recovered_amount": clawback.recovered_amount,
            "recovery_status": clawback.recovery_status,
        },
    )
    return clawback


@transaction.atomic
def write_off(*, clawback: Clawback, actor: Actor, reason: str) -> Clawback:
    """Close a clawback whose remaining money cannot be recovered (核销), with the reason."""
    require_perm(actor, "subsidies.change_clawback")
    reason = _reason(reason)
    clawback = Clawback.objects.select_for_update().get(pk=clawback.pk)
    if clawback.recovery_status in CLOSED:
        raise Conflict(_("该追回记录已结清，不能再核销"), code="clawback_closed")
    before = {"recovery_status": clawback.recovery_status}
    clawback.recovery_status = Clawback.Recovery.WRITTEN_OFF
    clawback.save(update_fields=["recovery_status", "updated_at"])
    record_event(
        actor=actor,
        action="subsidies.clawback.written_off",
        obj=clawback,
        before=before,
        after={
            "recovery_status": clawback.recovery_status,
            "outstanding": clawback.amount - clawback.recovered_amount,
        },
        reason=reason,
    )
    return clawback
