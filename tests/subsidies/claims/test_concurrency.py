"""Two reviewers at the same moment on PostgreSQL (threads, each its own connection): exactly one wins."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.errors import Conflict
from lijiao.subsidies.models import Claim, ClaimStatus
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import review


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_approve_and_reject_one_wins(
    schemes: Any, trainees: dict[str, Any], provider_staff: Any, reviewer1: Any, make_user: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections need PostgreSQL")
    other = make_user(Role.FIRST_REVIEWER, username="reviewer1c", area="ZS")
    claim = filing.file_for_trainee(actor=provider_staff, enrollment=trainees["张三"])
    review.submit_claim(claim=claim, actor=provider_staff)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(kind: str) -> None:
        try:
            mine = Claim.objects.get(pk=claim.pk)
            barrier.wait()
            if kind == "approve":
                review.first_approve_claim(claim=mine, actor=reviewer1)
            else:
                review.reject_claim(claim=mine, actor=other, reason="同时办理")
            outcomes.append(kind)
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(k,)) for k in ("approve", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("conflict") == 1, outcomes
    final = Claim.objects.get(pk=claim.pk).status
    winner = next(o for o in outcomes if o != "conflict")
    assert final == (ClaimStatus.FIRST_APPROVED if winner == "approve" else ClaimStatus.REJECTED)
    actions = {"subsidies.claim.first_approved", "subsidies.claim.rejected"}
    assert AuditEvent.objects.filter(object_id=str(claim.pk), action__in=actions).count() == 1
