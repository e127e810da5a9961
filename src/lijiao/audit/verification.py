"""Verifying the audit chain: the keyed hash of every event, and the chain against every signed checkpoint.

One verifier for ``lijiao verify-audit``, ``lijiao audit-checkpoint``, the checkpoint task and any screen that
shows the chain's state (ADR 0004). It finds:

- an edited event (its HMAC no longer matches; recomputing it needs the key, which is not in the database),
- a deleted event (a gap in the sequence), an inserted or re-ordered one (it does not link to its predecessor),
- an event under an unknown key, or under an older key than the event before it,
- a cut tail with a rewound head, or an emptied table: the chain ends before a checkpoint, or differs from it,
- a forged, altered or unreadable checkpoint file (its Ed25519 signature does not hold).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.translation import gettext as _

from lijiao.audit import checkpoints as checkpoint_files
from lijiao.audit.chain import GENESIS_HASH, KeyRing, key_ring
from lijiao.audit.checkpoints import Checkpoint, CheckpointFile
from lijiao.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """One place where the stored chain differs from what was written (``kind`` for programs, ``detail`` for
    people)."""

    kind: str  # edited, deleted, inserted, unknown_key, key_order, truncated, rewound, emptied, diverged,
    # checkpoint_forged
    sequence: int
    detail: str

    @property
    def label(self) -> str:
        """What happened, in a few words for people."""
        return _labels().get(self.kind, _("审计链异常"))


def _labels() -> dict[str, str]:
    return {
        "edited": _("事件被修改"),
        "deleted": _("事件被删除"),
        "inserted": _("事件被插入或调换"),
        "unknown_key": _("密钥无法识别"),
        "key_order": _("密钥顺序异常"),
        "truncated": _("链尾被截断"),
        "rewound": _("链尾被截断并回退"),
        "emptied": _("审计日志被全部删除"),
        "diverged": _("与检查点不一致"),
        "checkpoint_forged": _("检查点文件被伪造或篡改"),
    }


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int  # events whose hash was verified
    problems: list[ChainProblem] = field(default_factory=list)
    checkpoints: int = 0  # valid checkpoints compared with the chain
    latest: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> ChainProblem | None:
        """The first problem (the chain's own before the checkpoints'), or None."""
        return self.problems[0] if self.problems else None


@dataclass(slots=True)
class _Walk:
    """The state of a walk along the chain: the next sequence expected and the hash it must link to."""

    expected_sequence: int
    prev_hash: str
    rank: int | None = None  # the key rank of the last event (ranks may only go down: newer keys)
    checked: int = 0


def _check_event(walk: _Walk, event: AuditEvent, ring: KeyRing) -> ChainProblem | None:
    sequence = event.sequence
    if sequence > walk.expected_sequence:
        detail = _("事件 #%(first)s–#%(last)s 缺失") % {"first": walk.expected_sequence, "last": sequence - 1}
        return ChainProblem("deleted", walk.expected_sequence, detail)
    if event.prev_hash != walk.prev_hash or sequence < walk.expected_sequence:
        return ChainProblem(
            "inserted", sequence, _("事件 #%(sequence)s 与前一事件不衔接") % {"sequence": sequence}
        )
    key = ring.by_id.get(event.key_id)
    if key is None:
        return ChainProblem(
            "unknown_key",
            sequence,
            _("事件 #%(sequence)s 的密钥不是已配置的审计密钥，无法核对") % {"sequence": sequence},
        )
    if walk.rank is not None and key.rank > walk.rank:
        return ChainProblem(
            "key_order",
            sequence,
            _("事件 #%(sequence)s 使用了比前一事件更旧的密钥") % {"sequence": sequence},
        )
    if key.mac(walk.prev_hash, event) != event.hash:
        detail = _("事件 #%(sequence)s 的内容与其带密钥的哈希不符") % {"sequence": sequence}
        return ChainProblem("edited", sequence, detail)
    walk.prev_hash = event.hash
    walk.expected_sequence = sequence + 1
    walk.rank = key.rank
    walk.checked += 1
    return None


def _events(after_sequence: int = 0) -> Iterator[AuditEvent]:
    return (
        AuditEvent.objects.filter(sequence__gt=after_sequence)
        .order_by("sequence")
        .only(*(f.attname for f in AuditEvent._meta.concrete_fields))
        .iterator(chunk_size=5000)
    )


def walk_chain(
    *,
    start: Checkpoint | None = None,
    marks: Iterable[int] = (),
    ring: KeyRing | None = None,
) -> tuple[_Walk, ChainProblem | None, dict[int, str]]:
    """Verify the events after ``start`` (a checkpoint already known good, or the genesis), in order.

    Returns the walk's end state, the first problem (None when every event verified) and the hashes of the
    events whose sequence is in ``marks`` (to compare with checkpoints)."""
    ring = ring or key_ring()
    walk = _Walk(start.sequence + 1, start.head_hash) if start else _Walk(1, GENESIS_HASH)
    wanted = set(marks)
    seen: dict[int, str] = {}
    for event in _events(start.sequence if start else 0):
        problem = _check_event(walk, event, ring)
        if problem is not None:
            return walk, problem, seen
        if event.sequence in wanted:
            seen[event.sequence] = event.hash
    return walk, None, seen


def _file_problem(item: CheckpointFile) -> ChainProblem:
    reasons = {
        "unreadable": _("无法读取，不是有效的检查点"),
        "unknown_signer": _("签名密钥不是已配置的检查点公钥"),
        "bad_signature": _("签名不符，内容已被改动"),
    }
    return ChainProblem(
        "checkpoint_forged",
        0,
        _("检查点文件 %(name)s %(reason)s") % {"name": item.path.name, "reason": reasons[item.error]},
    )


def compare_with_checkpoint(
    checkpoint: Checkpoint, last_sequence: int, stored: int, seen: dict[int, str]
) -> ChainProblem | None:
    """How the chain (verified up to ``last_sequence``, ``stored`` events in all) differs from a checkpoint."""
    values = {
        "sequence": checkpoint.sequence,
        "count": checkpoint.event_count,
        "time": checkpoint.created_at[:19].replace("T", " "),
        "last": last_sequence,
    }
    if checkpoint.sequence in seen:
        if seen[checkpoint.sequence] == checkpoint.head_hash:
            return None
        detail = _("事件 #%(sequence)s 的哈希与 %(time)s（UTC）的签名检查点不同") % values
        return ChainProblem("diverged", checkpoint.sequence, detail)
    if stored == 0:
        detail = (
            _(
                "数据库中没有任何审计事件，而 %(time)s（UTC）的签名检查点记录链尾为 #%(sequence)s，共 %(count)s 条事件"
            )
            % values
        )
        return ChainProblem("emptied", 1, detail)
    if checkpoint.sequence > last_sequence:
        detail = _("签名检查点（%(time)s UTC）记录链尾为 #%(sequence)s，数据库中的链只到 #%(last)s") % values
        return ChainProblem("rewound", last_sequence + 1, detail)
    detail = _("签名检查点（%(time)s UTC）所记录的事件 #%(sequence)s 已不在数据库中") % values
    return ChainProblem("deleted", checkpoint.sequence, detail)


def verify_chain() -> ChainReport:
    """Verify every event's keyed hash and the chain against every checkpoint file; all findings, in order:
    the chain's first problem, then each checkpoint that does not match, then each bad checkpoint file."""
    files = checkpoint_files.read_all()
    valid = [item.checkpoint for item in files if item.checkpoint is not None]
    walk, problem, seen = walk_chain(marks=[c.sequence for c in valid])
    problems = [problem] if problem else []
    last_sequence = walk.expected_sequence - 1
    stored = AuditEvent.objects.count() if walk.checked == 0 or problem else walk.checked
    if problem is None:
        head = AuditChainHead.objects.filter(pk=1).first()
        if head and (head.last_sequence != last_sequence or head.last_hash != walk.prev_hash):
            detail = _("链尾缺失：应至 #%(expected)s，实至 #%(actual)s") % {
                "expected": head.last_sequence,
                "actual": last_sequence,
            }
            problems.append(ChainProblem("truncated", last_sequence + 1, detail))
    else:
        # the walk stopped early: compare the checkpoints with what is stored beyond it
        last_sequence = max(last_sequence, AuditEvent.objects.aggregate(m=Max("sequence"))["m"] or 0)
    # each kind of difference once, shown against the newest checkpoint that has it
    kinds = {p.kind for p in problems}
    for checkpoint in sorted(valid, key=lambda c: (c.sequence, c.created_at), reverse=True):
        if problem and problem.sequence <= checkpoint.sequence <= last_sequence:
            continue  # beyond where the walk stopped: already reported
        found = compare_with_checkpoint(checkpoint, last_sequence, stored, seen)
        if found is not None and found.kind not in kinds:
            problems.append(found)
            kinds.add(found.kind)
    problems.extend(_file_problem(item) for item in files if item.checkpoint is None)
    return ChainReport(walk.checked, problems, len(valid), checkpoint_files.latest(files))
