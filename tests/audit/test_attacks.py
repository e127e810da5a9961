"""Issue 9, Security 2: each way someone with write access to the database could rewrite the audit chain, played
out in raw SQL, and shown detected by the keyed chain and the signed checkpoints (``lijiao verify-audit``).

Before ADR 0004 the edit-and-recompute and the cut-and-rewind attacks verified as intact, and an emptied log
reported "intact: 0 events".
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from lijiao.audit.chain import GENESIS_HASH, MAC_VERSION, key_ring, payload
from lijiao.audit.models import AuditEvent
from lijiao.audit.tasks import make_checkpoint
from lijiao.audit.verification import verify_chain

from .conftest import make_events, plain_sha256, rechain_from, rewind_head_to, sql


def _kinds() -> list[tuple[str, int]]:
    return [(p.kind, p.sequence) for p in verify_chain().problems]


@pytest.mark.django_db
def test_edit_a_row_and_recompute_the_plain_sha256_chain_is_detected():
    make_events(5)
    sql("UPDATE audit_auditevent SET reason = %s, after = %s WHERE sequence = 3", ["改过", '{"n": 999}'])
    rechain_from(3, plain_sha256)  # every link and the head agree again, as the old verifier required
    event = AuditEvent.objects.get(sequence=4)
    assert event.prev_hash == AuditEvent.objects.get(sequence=3).hash
    assert _kinds() == [("edited", 3)]
    with pytest.raises(CommandError, match="事件被修改：事件 #3 的内容与其带密钥的哈希不符"):
        call_command("verify_audit")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "guess",
    [
        "",  # an empty key
        "test-secret-key-not-for-production",  # Django's SECRET_KEY
        "test-pii-key-not-for-production",  # the personal-data key
    ],
)
def test_recomputing_without_the_key_is_impossible(guess):
    """Whatever key the attacker guesses (even another of the application's secrets), the chain breaks at the
    first recomputed event; only LIJIAO_AUDIT_KEY, which is nowhere in the database, reproduces the hashes."""
    make_events(4)
    key_id = key_ring().primary.key_id  # stored on each row: it names the key, it does not reveal it
    sql("UPDATE audit_auditevent SET object_repr = %s WHERE sequence = 2", ["伪造"])

    def guessed_hmac(prev_hash: str, event: AuditEvent) -> str:
        message = b"|".join((MAC_VERSION, key_id.encode(), prev_hash.encode(), payload(event).encode()))
        return hmac.new(guess.encode(), message, hashlib.sha256).hexdigest()

    rechain_from(2, guessed_hmac)
    assert _kinds() == [("edited", 2)]


@pytest.mark.django_db
def test_the_key_is_not_in_the_database():
    make_events(3)
    secret = settings.AUDIT_KEY
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 -- table names
            for row in cursor.fetchall():
                assert not any(secret in str(value) for value in row), table


@pytest.mark.django_db
def test_with_the_key_an_edit_is_not_detected_by_the_chain_alone():
    """What the keyed chain does not protect against (ADR 0004): an attacker holding both the database and the
    key rewrites history undetected — unless a checkpoint signed before the edit covers the event."""
    make_events(4)
    key = key_ring().primary
    sql("UPDATE audit_auditevent SET reason = %s WHERE sequence = 2", ["改过"])
    rechain_from(2, key.mac)
    assert verify_chain().ok


@pytest.mark.django_db
def test_with_the_key_an_edit_before_a_checkpoint_is_still_detected():
    make_events(4)
    assert make_checkpoint().path is not None
    key = key_ring().primary
    sql("UPDATE audit_auditevent SET reason = %s WHERE sequence = 2", ["改过"])
    rechain_from(2, key.mac)
    assert _kinds() == [("diverged", 4)]


@pytest.mark.django_db
def test_cut_the_tail_and_rewind_the_head_is_detected_against_the_checkpoint():
    make_events(5)
    make_checkpoint()
    make_events(2)
    rewind_head_to(3)  # the chain #1–#3 is internally perfect, and the head agrees
    report = verify_chain()
    assert [(p.kind, p.sequence) for p in report.problems] == [("rewound", 4)]
    assert "链尾为 #5，数据库中的链只到 #3" in report.problem.detail
    with pytest.raises(CommandError, match="链尾被截断并回退"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_cut_rewind_and_let_the_application_write_over_it_is_detected():
    """After the rewind the application appends new, correctly keyed events #4, #5…: the chain verifies by
    itself, but event #5 is not the one the checkpoint signed."""
    make_events(5)
    make_checkpoint()
    rewind_head_to(3)
    make_events(3, action="test.after_rewind")
    assert _kinds() == [("diverged", 5)]
    assert make_checkpoint().problems[0].kind == "diverged"  # and the task refuses to sign it


@pytest.mark.django_db
def test_deleting_everything_is_detected():
    make_events(5)
    make_checkpoint()
    sql("DELETE FROM audit_auditevent")
    sql("UPDATE audit_auditchainhead SET last_sequence = 0, last_hash = %s WHERE id = 1", [GENESIS_HASH])
    report = verify_chain()
    assert [(p.kind, p.sequence) for p in report.problems] == [("emptied", 1)]
    assert report.checked == 0
    with pytest.raises(CommandError, match="审计日志被全部删除：数据库中没有任何审计事件") as raised:
        call_command("verify_audit")
    assert "共 5 条事件" in str(raised.value)


@pytest.mark.django_db
def test_deleting_everything_including_the_head_row_is_detected():
    make_events(2)
    make_checkpoint()
    sql("DELETE FROM audit_auditevent")
    sql("DELETE FROM audit_auditchainhead")
    assert _kinds() == [("emptied", 1)]


@pytest.mark.django_db
def test_deleting_the_checkpointed_event_alone_is_detected():
    make_events(3)
    make_checkpoint()
    make_events(2)
    sql("DELETE FROM audit_auditevent WHERE sequence = 3")
    assert ("deleted", 3) in _kinds()
    assert make_checkpoint().problems[0].kind == "deleted"


@pytest.mark.django_db
def test_the_window_after_the_newest_checkpoint(settings):
    """What checkpoints do not cover (ADR 0004): events written after the newest checkpoint can be cut with
    the head rewound; AUDIT_CHECKPOINT_INTERVAL bounds that window."""
    make_events(3)
    make_checkpoint()
    make_events(2)
    rewind_head_to(3)
    assert verify_chain().ok
