"""Exactly-once payment under concurrency (issue 12 item 7), on PostgreSQL with several processes.

Forked worker processes (each with its own database connection) run two batch runs and two approval runs at
once, then two more batch runs, then two "mark paid" of every batch at once. Afterwards: exactly one payment
line per claim, every batch's total equals its lines, every claim paid once, one notification per payment.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Count, Sum
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.people.models import Notification
from lijiao.subsidies.models import Claim, ClaimStatus, PaymentBatch, PaymentLine
from tests.subsidies.payment.conftest import make_claim, make_publicity

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _child(task: str, user_id: int, ids: list[int], barrier: Any, out: Any) -> None:
    connections.close_all()  # never share the parent's socket: a connection of our own
    from lijiao.core.errors import DomainError
    from lijiao.subsidies.services import payment, publicity

    user = User.objects.get(pk=user_id)
    done: list[str] = []
    try:
        barrier.wait(timeout=30)
        if task == "batch":
            result = payment.create_payment_batch(actor=user)
            done.append(f"batch:{result.batch.number if result.batch else '-'}:{len(result.skipped)}")
        elif task == "approve":
            for pk in ids:
                try:
                    publicity.approve_after_publicity(claim=Claim.objects.get(pk=pk), actor=user)
                    done.append(f"approved:{pk}")
                except DomainError as exc:
                    done.append(f"refused:{pk}:{exc.code}")
        elif task == "pay":
            for pk in ids:
                batch = payment.mark_batch_paid(
                    batch=PaymentBatch.objects.get(pk=pk), actor=user, bank_reference=f"HD{pk}"
                )
                done.append(f"paid:{batch.number}")
    except Exception as exc:  # pragma: no cover - reported by the parent's assertion
        done.append(f"error:{exc!r}")
    finally:
        connections.close_all()
    out.put((task, done))


def _run(tasks: list[tuple[str, int, list[int]]]) -> list[tuple[str, list[str]]]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(tasks))
    out = context.Queue()
    connections.close_all()  # the children must not inherit an open connection
    processes = [context.Process(target=_child, args=(*task, barrier, out)) for task in tasks]
    for process in processes:
        process.start()
    results = [out.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return results


def test_concurrent_batches_and_approvals_pay_each_claim_once(make_user: Callable[..., User]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("several processes with their own connections: PostgreSQL")
    from lijiao.core.models import HandlingArea

    HandlingArea.objects.get_or_create(code="ZS", defaults={"name": "中山区"})
    finance = make_user(Role.FINANCE)
    reviewer = make_user(Role.SECOND_REVIEWER)
    today = timezone.localdate()
    notice = make_publicity(
        reviewer, starts_on=today - dt.timedelta(days=12), ends_on=today - dt.timedelta(days=1)
    )
    approved = [make_claim(amount=Decimal(100 + n)) for n in range(30)]
    on_notice = [
        make_claim(status=ClaimStatus.PUBLICITY, publicity=notice, amount=Decimal(500 + n)) for n in range(20)
    ]
    ids = [c.pk for c in on_notice]
    expected_total = sum((c.amount for c in approved + on_notice), Decimal(0))

    round1 = _run(
        [
            ("batch", finance.pk, []),
            ("batch", finance.pk, []),
            ("approve", reviewer.pk, ids),
            ("approve", reviewer.pk, ids[::-1]),
        ]
    )
    assert not [r for _, done in round1 for r in done if r.startswith("error")], round1
    approvals = [r for task, done in round1 if task == "approve" for r in done if r.startswith("approved")]
    assert sorted(approvals) == sorted(f"approved:{pk}" for pk in ids)  # each approved exactly once

    round2 = _run([("batch", finance.pk, []), ("batch", finance.pk, [])])
    assert not [r for _, done in round2 for r in done if r.startswith("error")], round2

    # exactly one line per claim, and every claim on a line
    assert PaymentLine.objects.count() == 50
    assert not PaymentLine.objects.values("claim").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert PaymentLine.objects.aggregate(t=Sum("amount"))["t"] == expected_total
    for batch in PaymentBatch.objects.annotate(n=Count("lines"), t=Sum("lines__amount")):
        assert (batch.line_count, batch.total) == (batch.n, batch.t)  # type: ignore[attr-defined]

    from lijiao.subsidies.services import payment

    batch_ids = list(PaymentBatch.objects.values_list("pk", flat=True))
    for pk in batch_ids:
        payment.export_bank_file(batch=PaymentBatch.objects.get(pk=pk), actor=finance, fmt="csv")
    round3 = _run([("pay", finance.pk, batch_ids), ("pay", finance.pk, batch_ids[::-1])])
    assert not [r for _, done in round3 for r in done if r.startswith("error")], round3
    assert Claim.objects.filter(status=ClaimStatus.PAID).count() == 50
    assert PaymentBatch.objects.exclude(status=PaymentBatch.Status.PAID).count() == 0
    assert Notification.objects.filter(kind="subsidy_paid").count() == 50  # paid, and told, once
