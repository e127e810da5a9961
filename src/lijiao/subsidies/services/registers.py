"""External registers (pension payees, students, payroll, contributions, unemployment) and the pre-payment match.

CONTRACT (skeleton; the fraud helper fills it in). :func:`check_registers` is called when a claim is submitted
and again before it is put on a payment batch; a match holds the claim (``payment_hold``) with the evidence as
an open :class:`~lijiao.subsidies.models.Finding`.
"""

from __future__ import annotations

from django.db import transaction

from lijiao.core.actors import Actor
from lijiao.subsidies.models import Claim, Finding


@transaction.atomic
def check_registers(*, claim: Claim, actor: Actor) -> list[Finding]:
    """Match ``claim``'s person against the latest register snapshots; hold the claim on a match (skeleton: none)."""
    return []
