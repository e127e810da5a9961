"""The anti-fraud audit (issue 12 item 10): run the set-based checks, write findings once, resolve them.

:func:`run_audit` runs every check of :mod:`lijiao.subsidies.audit_checks` (``lijiao audit-claims`` and the
nightly task), writes new findings in bulk (the fingerprint is unique: a re-run adds nothing twice and updates
``last_seen_at``), holds the payment of unpaid claims with an open finding that must stop payment, and records
an :class:`AuditRun` with each check's time and count. :func:`resolve_finding` confirms or dismisses a finding
with a reason; a dismissal releases the claim's hold when no other open finding holds it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.core.actors import Actor, is_authenticated
from lijiao.core.errors import Conflict, DomainError
from lijiao.core.permissions import require_perm
from lijiao.subsidies.audit_checks import CHECKS, HOLDING_CHECKS, Context, Draft, latest_snapshots
from lijiao.subsidies.models import AuditRun, Claim, ClaimStatus, Finding

__all__ = [
    "HOLDABLE_STATUSES",
    "release_hold_if_clear",
    "request_audit_run",
    "resolve_finding",
    "run_audit",
    "save_drafts",
]

# A hold stops payment: it only means something before the money has gone.
HOLDABLE_STATUSES = (
    ClaimStatus.DRAFT,
    ClaimStatus.SUBMITTED,
    ClaimStatus.FIRST_APPROVED,
    ClaimStatus.PUBLICITY,
    ClaimStatus.APPROVED,
    ClaimStatus.RETURNED,
)
_CHUNK = 900


def _chunks[T](items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def save_drafts(drafts: Sequence[Draft], *, run: AuditRun | None = None) -> tuple[list[Finding], int]:
    """Write the drafts not yet known (bulk), touch ``last_seen_at`` of the known ones; hold their claims.

    Returns (the findings of ``drafts``, new and known, in order; how many were new). A fixed number of queries
    per 900 drafts.
    """
    now = timezone.now()
    unique: dict[str, Draft] = {}
    for draft in drafts:
        unique.setdefault(draft.fingerprint, draft)
    fingerprints = list(unique)
    known: dict[str, Finding] = {}
    for chunk in _chunks(fingerprints):
        known.update(
            {
                f.fingerprint: f
                for f in Finding.objects.filter(fingerprint__in=chunk).only("pk", "fingerprint", "status")
            }
        )
    new = [
        Finding(
            check_code=d.check_code,
            fingerprint=fp,
            severity=d.severity,
            summary=d.summary[:300],
            evidence=d.evidence,
            claim_id=d.claim_id,
            person_id=d.person_id,
            provider_id=d.provider_id,
            training_class_id=d.training_class_id,
            evaluating_body_id=d.evaluating_body_id,
            handling_area_id=d.handling_area_id,
            first_run=run,
            last_seen_at=now,
        )
        for fp, d in unique.items()
        if fp not in known
    ]
    if new:
        try:
            with transaction.atomic():
                Finding.objects.bulk_create(new, batch_size=1000)
        except IntegrityError:  # a concurrent check wrote some of them: write the rest one by one
            for finding in new:
                try:
                    with transaction.atomic():
                        finding.save()
                except IntegrityError:
                    pass
            for chunk in _chunks([f.fingerprint for f in new]):
                known.update({f.fingerprint: f for f in Finding.objects.filter(fingerprint__in=chunk)})
            new = [f for f in new if f.pk and f.fingerprint not in known]
    seen = [fp for fp in fingerprints if fp in known]
    for chunk in _chunks(seen):
        Finding.objects.filter(fingerprint__in=chunk).update(last_seen_at=now)
    by_fp = {f.fingerprint: f for f in new} | known
    _hold([d for d in unique.values() if d.hold and d.claim_id], by_fp)
    return [by_fp[fp] for fp in fingerprints if fp in by_fp], len(new)


def _hold(drafts: list[Draft], findings: dict[str, Finding]) -> None:
    """Hold the unpaid claims of open findings that stop payment (one UPDATE per reason group of 900)."""
    reasons: dict[int, list[str]] = {}
    for draft in drafts:
        finding = findings.get(draft.fingerprint)
        if finding is None or finding.status != Finding.Status.OPEN:
            continue
        assert draft.claim_id is not None
        reasons.setdefault(draft.claim_id, []).append(draft.summary)
    if not reasons:
        return
    unheld: list[int] = []
    for chunk in _chunks(sorted(reasons)):
        unheld += Claim.objects.filter(
            pk__in=chunk, payment_hold=False, status__in=HOLDABLE_STATUSES
        ).values_list("pk", flat=True)
    if not unheld:
        return
    now = timezone.now()
    held = [
        Claim(
            pk=pk,
            payment_hold=True,
            hold_reason=(_("监管核查发现待核查：") + "；".join(reasons[pk]))[:500],
            updated_at=now,
        )
        for pk in unheld
    ]
    Claim.objects.bulk_update(held, ["payment_hold", "hold_reason", "updated_at"], batch_size=500)


def release_hold_if_clear(claim_id: int) -> bool:
    """Release a claim's hold when no open finding that holds payment is left on it; returns whether released."""
    open_holding = Finding.objects.filter(
        claim_id=claim_id, status=Finding.Status.OPEN, check_code__in=HOLDING_CHECKS
    )
    if open_holding.exists():
        return False
    return bool(
        Claim.objects.filter(pk=claim_id, payment_hold=True).update(
            payment_hold=False, hold_reason="", updated_at=timezone.now()
        )
    )


def run_audit(
    *, actor: Actor | None, year: int | None = None, checks: Sequence[str] | None = None
) -> AuditRun:
    """Run the checks (all, or the named ones) over every claim (of ``year``), write the findings, time each.

    ``actor`` is ``None`` for the nightly task (the system); a person needs ``subsidies.run_auditrun``.
    """
    if actor is not None:
        require_perm(actor, "subsidies.run_auditrun")
    names = list(checks) if checks else list(CHECKS)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise DomainError(message=_("未知的核查项：%(names)s") % {"names": "、".join(unknown)})
    started = timezone.now()
    user = actor if actor is not None and is_authenticated(actor) else None
    run = AuditRun.objects.create(year=year, started_at=started, triggered_by=user)  # type: ignore[misc]
    ctx = Context(year=year)
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}
    new_counts: dict[str, int] = {}
    snapshots = latest_snapshots()
    for name in names:
        began = time.perf_counter()
        drafts = CHECKS[name](ctx) if name != "registers" else CHECKS[name](ctx, snapshots)  # type: ignore[call-arg]
        with transaction.atomic():
            _findings, created = save_drafts(drafts, run=run)
        timings[name] = round(time.perf_counter() - began, 4)
        counts[name] = len(drafts)
        new_counts[name] = created
    run.timings = {**timings, "total": round(sum(timings.values()), 4)}
    run.counts = {**counts, "new": new_counts}
    run.finished_at = timezone.now()
    run.save(update_fields=["timings", "counts", "finished_at"])
    record_event(
        actor=user,
        action="subsidies.audit.run",
        obj=run,
        object_repr=str(run),
        after={"year": year, "counts": counts, "new": sum(new_counts.values())},
    )
    return run


def request_audit_run(*, actor: Actor, year: int | None = None) -> None:
    """Queue a full audit in the background now (the nightly task's, on demand); audited."""
    require_perm(actor, "subsidies.run_auditrun")
    from lijiao.subsidies.tasks import audit_claims_task

    record_event(
        actor=actor,
        action="subsidies.audit.requested",
        object_type="subsidies.auditrun",
        after={"year": year},
    )
    transaction.on_commit(lambda: audit_claims_task.enqueue(year))


_RESOLUTIONS = {Finding.Status.CONFIRMED, Finding.Status.DISMISSED}


@transaction.atomic
def resolve_finding(*, actor: Actor, finding: Finding, status: str, reason: str) -> Finding:
    """Confirm (查实) or dismiss (排除) an open finding with a reason; a dismissal may release the claim's hold."""
    require_perm(actor, "subsidies.resolve_finding")
    reason = (reason or "").strip()
    if status not in _RESOLUTIONS:
        raise DomainError.for_fields(_("核查结论有误"), {"status": _("请选择查实或排除")})
    if not reason:
        raise DomainError.for_fields(_("请填写核查意见"), {"reason": _("核查意见不能为空")})
    if len(reason) > 2000:
        raise DomainError.for_fields(_("核查意见过长"), {"reason": _("核查意见最多2000字")})
    now = timezone.now()
    updated = Finding.objects.filter(pk=finding.pk, status=Finding.Status.OPEN).update(
        status=status, resolution=reason, resolved_by=actor, resolved_at=now
    )
    if not updated:
        raise Conflict(_("该发现已经核查过"))
    before = {"status": finding.status}
    finding.refresh_from_db()
    released = False
    if finding.claim_id and status == Finding.Status.DISMISSED:
        released = release_hold_if_clear(finding.claim_id)
    record_event(
        actor=actor,
        action="subsidies.finding.resolved",
        obj=finding,
        object_repr=finding.summary[:100],
        before=before,
        after={"status": status, "hold_released": released},
        reason=reason,
    )
    return finding
