"""Writing the audit chain's signed checkpoints (ADR 0004), in the background and from ``lijiao audit-checkpoint``.

:func:`lijiao.audit.services.record_event` queues :func:`write_checkpoint_task` (after its transaction commits)
when the last checkpoint was asked for more than ``AUDIT_CHECKPOINT_INTERVAL`` seconds ago; the project's worker
(``lijiao db_worker``) runs it. A checkpoint is only signed for a chain that verifies from the last valid
checkpoint onwards, so a tampered chain is never blessed: the task then writes nothing and logs the finding.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Max
from django.tasks import task
from django.utils import timezone

from lijiao.audit import checkpoints
from lijiao.audit.models import AuditEvent
from lijiao.audit.verification import ChainProblem, compare_with_checkpoint, walk_chain

__all__ = ["CheckpointResult", "make_checkpoint", "write_checkpoint_task"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckpointResult:
    """What :func:`make_checkpoint` did: ``path`` of the new checkpoint, or why none was written."""

    path: Path | None = None
    sequence: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    unchanged: bool = False  # nothing new since the last checkpoint (or no event at all)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path else None,
            "sequence": self.sequence,
            "problems": [{"kind": p.kind, "sequence": p.sequence} for p in self.problems],
            "unchanged": self.unchanged,
        }


def _checkpointed_event_problem(start: checkpoints.Checkpoint) -> ChainProblem | None:
    """Whether the event the last checkpoint signed is still there, unchanged."""
    stored_hash = AuditEvent.objects.filter(sequence=start.sequence).values_list("hash", flat=True).first()
    if stored_hash is None:
        last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"] or 0
        return compare_with_checkpoint(start, last, AuditEvent.objects.count(), {})
    return compare_with_checkpoint(start, start.sequence, start.sequence, {start.sequence: stored_hash})


def make_checkpoint(*, now: dt.datetime | None = None) -> CheckpointResult:
    """Verify the chain from the last valid checkpoint to its end and sign a checkpoint of that end."""
    key = checkpoints.load_signing_key()
    start = checkpoints.latest_valid()
    problem = _checkpointed_event_problem(start) if start else None
    walk, chain_problem, _marks = walk_chain(start=start)
    problem = problem or chain_problem
    if problem is not None:
        logger.error(
            "audit chain not checkpointed: %s #%s: %s", problem.kind, problem.sequence, problem.detail
        )
        return CheckpointResult(problems=[problem])
    sequence = walk.expected_sequence - 1
    if sequence == 0 or walk.checked == 0:
        return CheckpointResult(sequence=sequence, unchanged=True)
    record = checkpoints.sign(
        key,
        sequence=sequence,
        head_hash=walk.prev_hash,
        event_count=AuditEvent.objects.filter(sequence__lte=sequence).count(),
        now=now or timezone.now(),
    )
    try:
        path = checkpoints.write(record)
    except FileExistsError:  # the same checkpoint, written at the same microsecond by another worker
        return CheckpointResult(sequence=sequence, unchanged=True)
    logger.info("audit checkpoint #%s written to %s", sequence, path)
    return CheckpointResult(path=path, sequence=sequence)


@task
def write_checkpoint_task() -> dict[str, Any]:
    """Background :func:`make_checkpoint` (queued by :func:`lijiao.audit.services.record_event`)."""
    return make_checkpoint().as_dict()
