"""External registers (pension payees, students, payroll, contributions, unemployment) and the pre-payment match.

:func:`check_registers` is called when a claim is submitted and again before it is put on a payment batch: the
claim's person (by ``person.citizen_id_digest``) is matched against the LATEST snapshot of each register kind —

* 养老金领取人员: a pension payee since before the class ended (a retiree passed off as a trainee);
* 在校学生: a full-time student enrolled during the class, unless the scheme lets students claim (毕业生专业转换,
  or a version parameter ``students_eligible``); 非全日制 students pass;
* 财政供养人员: on government payroll during the class;
* 失业登记: registered unemployed during the class while the contribution records show an employer paying for
  the same months (employed staff registered as unemployed).

A match is an open :class:`~lijiao.subsidies.models.Finding` (check ``register_<kind>``) with the evidence
(snapshot kind/date/source, the matching row's dates and detail, the claim's dates) and holds the claim
(``payment_hold``, ``hold_reason``). The finding's fingerprint is the check and the claim: checking again adds
nothing (``last_seen_at`` is updated). Dismissing the finding releases the hold when no other open finding holds
it (:func:`lijiao.subsidies.services.audit.resolve_finding`). The same set-based check runs over every claim in
the nightly audit. Register imports are :func:`lijiao.subsidies.importers_registers.import_register`.
"""

from __future__ import annotations

from django.db import transaction

from lijiao.audit.services import record_event
from lijiao.core.actors import Actor, is_authenticated
from lijiao.subsidies import audit_checks
from lijiao.subsidies.models import Claim, Finding
from lijiao.subsidies.services.audit import save_drafts

__all__ = ["check_registers"]


@transaction.atomic
def check_registers(*, claim: Claim, actor: Actor) -> list[Finding]:
    """Match ``claim``'s person against the latest register snapshots; hold the claim on a match.

    Returns the register findings of the claim that this check found (new or already known, whatever their
    status). A fixed number of queries (about a dozen) whatever the size of the registers. No permission is
    required: it runs inside the filing and payment services, which have checked theirs.
    """
    ctx = audit_checks.Context(claims=Claim.objects.filter(pk=claim.pk))
    drafts = audit_checks.check_registers(ctx)
    if not drafts:
        return []
    findings, created = save_drafts(drafts)
    claim.refresh_from_db(fields=["payment_hold", "hold_reason"])
    if created:
        record_event(
            actor=actor if is_authenticated(actor) else None,
            action="subsidies.claim.register_match",
            obj=claim,
            object_repr=claim.number,
            after={
                "checks": sorted({f.check_code for f in findings}),
                "payment_hold": claim.payment_hold,
                "hold_reason": claim.hold_reason,
            },
        )
    return findings
