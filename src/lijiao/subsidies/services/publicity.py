"""公示: second review puts claims on public notice for 5 working days; objections; approval after the notice.

* :func:`publish_claims` (called by the claims helper's second review): the notice starts on a working day (the
  next one if ``starts_on`` is not) and ends on the 5th working day counted with :mod:`lijiao.core.calendar`
  (national holidays skipped, make-up workdays counted). A year the calendar does not know (no library data, no
  arrangement entered by the bureau) is refused with :class:`~lijiao.core.calendar.CalendarUnknown` before
  anything is written. The batch number comes from a race-safe counter (``GS<year><serial>``).
* :func:`raise_objection`: the person concerned (from their own page, or recorded by staff) at any time while
  the claim is alive; the public only while the claim is on notice.
* :func:`resolve_objection`: **upheld → the claim is returned for correction** (退回补正) with the resolution as
  the reason. Returning, not rejecting, because an objection usually says a fact is wrong (the amount, the
  person, the employer) and the applicant or the first reviewer can correct and resubmit it; a claim that proves
  fraudulent is then rejected from ``returned`` (the workflow allows it), with the objection on record. An upheld
  objection against an approved claim (not yet paid) holds its payment instead (approved cannot go back).
  Dismissed → nothing moves.
* :func:`approve_after_publicity`: refused before the notice's last day has passed and while an objection is
  open; runs :func:`~lijiao.subsidies.services.registers.check_registers` first. **A held claim can be approved
  but not paid**: the notice and the register match are independent facts — approval records that the notice
  passed without a valid objection, the hold (``payment_hold``) blocks the money, and payment batches skip held
  claims; once the fraud reviewer clears the hold, the claim is paid without a second approval.
* :func:`approve_ended_publicities`: the same for every claim whose notice has ended (the bulk button).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.audit.services import record_event
from lijiao.certificates.services.counters import draw_serial
from lijiao.core.actors import Actor, is_authenticated
from lijiao.core.calendar import get_calendar
from lijiao.core.errors import Conflict, DomainError, NotFound
from lijiao.core.permissions import has_any_perm, require_perm
from lijiao.people.services import notify
from lijiao.subsidies.models import Claim, ClaimStatus, Objection, Publicity
from lijiao.subsidies.services.registers import check_registers
from lijiao.subsidies.workflows import CLAIM_WORKFLOW

__all__ = [
    "OBJECTION_TEXT_MAX",
    "OBJECTION_TEXT_MIN",
    "PUBLICITY_WORKING_DAYS",
    "BulkApproval",
    "approve_after_publicity",
    "approve_ended_publicities",
    "publicity_dates",
    "publish_claims",
    "raise_objection",
    "resolve_objection",
]

PUBLICITY_WORKING_DAYS = 5
OBJECTION_TEXT_MIN = 5
OBJECTION_TEXT_MAX = 1000
OBJECTION_CONTACT_MAX = 100
DEFAULT_OBJECTION_CONTACT = (
    "公示期内如有异议，可通过本公示页面的异议表单提出，或向经办区人力资源和社会保障局反映。"
)
# The statuses in which someone may still object (the money is promised, paid, or about to be).
OBJECTABLE = frozenset(
    {
        ClaimStatus.SUBMITTED,
        ClaimStatus.FIRST_APPROVED,
        ClaimStatus.PUBLICITY,
        ClaimStatus.APPROVED,
        ClaimStatus.PAID,
        ClaimStatus.ARCHIVED,
    }
)
RETURNABLE = frozenset({ClaimStatus.SUBMITTED, ClaimStatus.FIRST_APPROVED, ClaimStatus.PUBLICITY})


def publicity_dates(
    starts_on: dt.date, working_days: int = PUBLICITY_WORKING_DAYS
) -> tuple[dt.date, dt.date]:
    """(first day, last day) of a notice of ``working_days`` working days from ``starts_on`` (moved to the next
    working day if it is not one). Raises :class:`~lijiao.core.calendar.CalendarUnknown` for an unknown year."""
    calendar = get_calendar()
    first = calendar.add_working_days(starts_on, 0)
    return first, calendar.add_working_days(first, working_days - 1)


def _in_scope(actor: Actor, claims: Sequence[Claim]) -> None:
    scope = Scope.for_user(actor)
    if scope.all_areas:
        return
    if any(claim.handling_area_id not in scope.area_ids for claim in claims):
        raise NotFound(_("补贴申请不存在"))


@transaction.atomic
def publish_claims(
    *,
    claims: Sequence[Claim],
    actor: Actor,
    starts_on: dt.date | None = None,
    title: str = "",
    objection_contact: str = "",
) -> Publicity:
    """Second-review approval: put ``claims`` (first-approved) on 公示 for 5 working days from ``starts_on``."""
    require_perm(actor, "subsidies.review_second_claim")
    claims = list(claims)
    if not claims:
        raise DomainError(_("请选择要公示的补贴申请"), code="no_claims")
    _in_scope(actor, claims)
    for claim in claims:
        CLAIM_WORKFLOW.require_transition(claim, ClaimStatus.PUBLICITY)
    start, ends_on = publicity_dates(starts_on or timezone.localdate())  # CalendarUnknown: nothing written
    serial = draw_serial(f"subsidies-publicity-{start:%Y}")
    areas = {claim.handling_area_id for claim in claims}
    publicity = Publicity.objects.create(
        number=f"GS{start:%Y}{serial:06d}",
        title=(
            title.strip()
            or _("%(year)s年职业技能补贴公示（第%(serial)s批）") % {"year": start.year, "serial": serial}
        )[:200],
        handling_area_id=areas.pop() if len(areas) == 1 else None,
        starts_on=start,
        ends_on=ends_on,
        working_days=PUBLICITY_WORKING_DAYS,
        objection_contact=(objection_contact.strip() or DEFAULT_OBJECTION_CONTACT)[:300],
        created_by=actor,  # type: ignore[misc]
    )
    now = timezone.now()
    for claim in claims:
        CLAIM_WORKFLOW.transition(
            claim,
            ClaimStatus.PUBLICITY,
            publicity=publicity,
            second_reviewed_at=now,
            second_reviewed_by=actor,
        )
        record_event(
            actor=actor,
            action="subsidies.claim.second_approve",
            obj=claim,
            after={"publicity": publicity.number, "starts_on": start, "ends_on": ends_on},
        )
    record_event(
        actor=actor,
        action="subsidies.publicity.published",
        obj=publicity,
        after={"claims": len(claims), "starts_on": start, "ends_on": ends_on},
    )
    return publicity


def _is_own_claim(actor: Actor | None, claim: Claim) -> bool:
    digest = str(getattr(actor, "citizen_id_digest", "") or "")
    return bool(digest) and is_authenticated(actor) and digest == claim.person.citizen_id_digest


def clean_objection(text: str, contact: str) -> tuple[str, str]:
    """The objection's text and contact, stripped and checked (:class:`DomainError` with field errors)."""
    text, contact = (text or "").strip(), (contact or "").strip()
    errors: dict[str, str] = {}
    if len(text) < OBJECTION_TEXT_MIN:
        errors["text"] = _("请说明异议的具体内容（至少%(n)s个字）") % {"n": OBJECTION_TEXT_MIN}
    elif len(text) > OBJECTION_TEXT_MAX:
        errors["text"] = _("异议内容不能超过%(n)s个字") % {"n": OBJECTION_TEXT_MAX}
    if len(contact) > OBJECTION_CONTACT_MAX:
        errors["contact"] = _("联系方式不能超过%(n)s个字") % {"n": OBJECTION_CONTACT_MAX}
    if errors:
        raise DomainError.for_fields(_("异议信息有误"), errors)
    return text, contact


@transaction.atomic
def raise_objection(
    *, claim: Claim, source: str, text: str, contact: str = "", actor: Actor | None = None
) -> Objection:
    """Record an objection to ``claim`` (by the person concerned, or from the public during 公示)."""
    if source not in Objection.Source.values:
        raise DomainError.for_fields(_("异议信息有误"), {"source": _("异议来源无效")})
    text, contact = clean_objection(text, contact)
    claim = Claim.objects.select_related("person", "publicity").get(pk=claim.pk)
    if source == Objection.Source.PERSON:
        # The person concerned, from their page; or staff recording what the person said at the counter.
        if not (_is_own_claim(actor, claim) or has_any_perm(actor, "subsidies.change_objection")):
            raise NotFound(_("补贴申请不存在"))
        if claim.status not in OBJECTABLE:
            raise Conflict(_("该补贴申请当前状态不能提出异议"), code="not_objectable")
    else:
        today = timezone.localdate()
        notice = claim.publicity
        if (
            claim.status != ClaimStatus.PUBLICITY
            or notice is None
            or not (notice.starts_on <= today <= notice.ends_on)
        ):
            raise Conflict(_("该补贴申请不在公示期内，不能通过公示提出异议"), code="not_in_publicity")
    objection = Objection.objects.create(
        claim=claim,
        source=source,
        raised_by=actor if is_authenticated(actor) else None,  # type: ignore[misc]
        contact=contact,
        text=text,
    )
    record_event(
        actor=actor if is_authenticated(actor) else "public",
        action="subsidies.objection.raised",
        obj=objection,
        after={"claim": claim.number, "source": source},
    )
    return objection


@transaction.atomic
def resolve_objection(*, objection: Objection, upheld: bool, resolution: str, actor: Actor) -> Objection:
    """Decide an open objection. Upheld: the claim returns for correction (or, once approved, its payment is
    held); dismissed: nothing moves. The claim's person is told the outcome."""
    require_perm(actor, "subsidies.change_objection")
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError.for_fields(_("请填写处理意见"), {"resolution": _("请填写处理意见")})
    if len(resolution) > 500:
        raise DomainError.for_fields(_("处理意见有误"), {"resolution": _("处理意见不能超过500个字")})
    objection = Objection.objects.select_related("claim__person").get(pk=objection.pk)
    claim = objection.claim
    _in_scope(actor, [claim])
    now = timezone.now()
    status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    if not Objection.objects.filter(pk=objection.pk, status=Objection.Status.OPEN).update(
        status=status, resolution=resolution, resolved_by=actor, resolved_at=now
    ):
        raise Conflict(_("该异议已处理"), code="objection_resolved")
    objection.status, objection.resolution, objection.resolved_at = status, resolution, now
    objection.resolved_by = actor  # type: ignore[assignment]
    claim_after: dict[str, object] = {}
    if upheld:
        reason = _("公示异议成立：%(text)s") % {"text": resolution}
        if claim.status in RETURNABLE:
            CLAIM_WORKFLOW.transition(claim, ClaimStatus.RETURNED, status_reason=reason[:500])
            claim_after = {"status": ClaimStatus.RETURNED}
        elif claim.status == ClaimStatus.APPROVED:
            Claim.objects.filter(pk=claim.pk).update(payment_hold=True, hold_reason=reason[:500])
            claim_after = {"payment_hold": True}
        record_event(
            actor=actor,
            action="subsidies.claim.objection_upheld",
            obj=claim,
            after=claim_after,
            reason=resolution,
        )
    record_event(
        actor=actor,
        action="subsidies.objection.resolved",
        obj=objection,
        after={"status": status, "claim": claim.number, **claim_after},
        reason=resolution,
    )
    notify(
        person=claim.person,
        kind="subsidy_objection",
        title=_("您的补贴申请%(number)s的异议已处理：%(status)s")
        % {"number": claim.number, "status": objection.get_status_display()},
        body=resolution,
    )
    return objection


def _approve_refusal(claim: Claim, today: dt.date) -> str | None:
    if claim.status != ClaimStatus.PUBLICITY or claim.publicity is None:
        return _("补贴申请“%(number)s”当前为“%(status)s”，不在公示中") % {
            "number": claim.number,
            "status": claim.get_status_display(),
        }
    if today <= claim.publicity.ends_on:
        return _("补贴申请“%(number)s”的公示期至%(end)s结束，期满后方可批准") % {
            "number": claim.number,
            "end": f"{claim.publicity.ends_on:%Y-%m-%d}",
        }
    if claim.objections.filter(status=Objection.Status.OPEN).exists():
        return _("补贴申请“%(number)s”有未处理的异议，处理后方可批准") % {"number": claim.number}
    return None


def _approve(claim: Claim, actor: Actor) -> Claim:
    check_registers(claim=claim, actor=actor)  # may hold the claim: approved, but not paid (module docstring)
    claim.refresh_from_db(fields=["payment_hold", "hold_reason", "status"])
    CLAIM_WORKFLOW.transition(claim, ClaimStatus.APPROVED, approved_at=timezone.now())
    record_event(
        actor=actor,
        action="subsidies.claim.approve",
        obj=claim,
        after={"status": ClaimStatus.APPROVED, "payment_hold": claim.payment_hold},
    )
    notify(
        person=claim.person,
        kind="subsidy_approved",
        title=_("您的补贴申请%(number)s公示期满，已批准发放") % {"number": claim.number},
    )
    return claim


@transaction.atomic
def approve_after_publicity(*, claim: Claim, actor: Actor) -> Claim:
    """公示期满且无未处理异议：批准发放 (refused before the notice ends or while an objection is open)."""
    require_perm(actor, "subsidies.review_second_claim")
    claim = Claim.objects.select_related("publicity", "person").get(pk=claim.pk)
    _in_scope(actor, [claim])
    refusal = _approve_refusal(claim, timezone.localdate())
    if refusal:
        raise Conflict(refusal, code="not_approvable")
    return _approve(claim, actor)


@dataclass
class BulkApproval:
    """What the bulk approval did: the claims approved, and the ones left with the reason."""

    approved: list[Claim] = field(default_factory=list)
    skipped: list[tuple[Claim, str]] = field(default_factory=list)


def approve_ended_publicities(*, actor: Actor, publicity: Publicity | None = None) -> BulkApproval:
    """Approve every claim (of ``publicity``, or of every notice) whose notice has ended with no open objection;
    each claim in its own transaction, the others reported with the reason."""
    require_perm(actor, "subsidies.review_second_claim")
    today = timezone.localdate()
    open_objection = Objection.objects.filter(claim=OuterRef("pk"), status=Objection.Status.OPEN)
    candidates = Scope.for_user(actor).filter_by_area(
        Claim.objects.filter(status=ClaimStatus.PUBLICITY, publicity__ends_on__lt=today)
    )
    if publicity is not None:
        candidates = candidates.filter(publicity=publicity)
    result = BulkApproval()
    for claim in candidates.select_related("publicity", "person").annotate(has_open=Exists(open_objection)):
        if claim.has_open:
            result.skipped.append((claim, _("有未处理的异议")))
            continue
        try:
            with transaction.atomic():
                result.approved.append(_approve(claim, actor))
        except DomainError as exc:
            result.skipped.append((claim, exc.message))
    ended = Publicity.objects.filter(closed_at__isnull=True, ends_on__lt=today).exclude(
        Exists(Claim.objects.filter(publicity=OuterRef("pk"), status=ClaimStatus.PUBLICITY))
    )
    ended.update(closed_at=timezone.now())
    return result


# Public objections are writes from anyone: a stricter limit than public verification's, on the same shared
# per-client counter rows (a key of their own, so the two quotas never mix).
PUBLIC_OBJECTIONS_PER_MINUTE = 3
PUBLIC_OBJECTIONS_PER_DAY = 10


def take_public_objection(*, client_ip: str) -> None:
    """Count one public objection for the client; :class:`RateLimited` (429) past the limits."""
    from lijiao.certificates.services.verification import RateLimited, take_verification

    quota = take_verification(client_ip=f"subsidies-objection|{client_ip}")
    if quota.day_count > PUBLIC_OBJECTIONS_PER_DAY:
        raise RateLimited(_seconds_to_midnight())
    if quota.minute_count > PUBLIC_OBJECTIONS_PER_MINUTE:
        raise RateLimited(60 - timezone.now().second)


def _seconds_to_midnight() -> int:
    now = timezone.localtime()
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))
