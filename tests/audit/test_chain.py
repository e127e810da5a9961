import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from lijiao.audit.chain import key_ring
from lijiao.audit.context import request_context
from lijiao.audit.models import AuditEvent
from lijiao.audit.services import record_event, verify_chain


def _events(n: int) -> list[AuditEvent]:
    with request_context(request_id="req-12345678", ip_address="127.0.0.1", channel="cli"):
        return [
            record_event(
                actor=None,
                action="test.happened",
                object_type="thing",
                object_id=i,
                after={"n": i, "x": "一"},
            )
            for i in range(1, n + 1)
        ]


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.django_db
def test_intact_chain_verifies():
    events = _events(5)
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    assert events[0].request_id == "req-12345678" and events[0].channel == "cli"
    assert events[1].prev_hash == events[0].hash
    report = verify_chain()
    assert report.ok and report.checked == 5
    call_command("verify_audit")


@pytest.mark.django_db
def test_edited_row_is_found():
    events = _events(5)
    _sql("UPDATE audit_auditevent SET reason = %s WHERE sequence = 3", ["tampered"])
    report = verify_chain()
    assert (report.problem.kind, report.problem.sequence, report.checked) == ("edited", 3, 2)
    assert events  # the others untouched
    with pytest.raises(CommandError, match="事件 #3 的内容与其带密钥的哈希不符"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_edited_json_is_found():
    _events(3)
    _sql("UPDATE audit_auditevent SET after = %s WHERE sequence = 2", ['{"n": 999, "x": "一"}'])
    assert verify_chain().problem.sequence == 2


@pytest.mark.django_db
def test_deleted_row_is_found():
    _events(5)
    _sql("DELETE FROM audit_auditevent WHERE sequence = 2", [])
    problem = verify_chain().problem
    assert (problem.kind, problem.sequence) == ("deleted", 2)


@pytest.mark.django_db
def test_deleted_tail_is_found():
    _events(5)
    _sql("DELETE FROM audit_auditevent WHERE sequence >= 4", [])
    problem = verify_chain().problem
    assert (problem.kind, problem.sequence) == ("truncated", 4)


@pytest.mark.django_db
def test_inserted_row_is_found():
    events = _events(3)
    # move row 3 up and insert a forged row 3 whose own hash is right but does not link to row 2
    _sql("UPDATE audit_auditevent SET sequence = 4 WHERE sequence = 3", [])
    forged = AuditEvent(
        sequence=3,
        occurred_at=events[2].occurred_at,
        action="test.forged",
        prev_hash="f" * 64,
    )
    key = key_ring().primary
    forged.key_id = key.key_id
    forged.hash = key.mac(forged.prev_hash, forged)
    forged.save(force_insert=True)
    problem = verify_chain().problem
    assert (problem.kind, problem.sequence) == ("inserted", 3)


@pytest.mark.django_db
def test_events_are_append_only_through_the_orm():
    event = _events(1)[0]
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(reason="x")


@pytest.mark.django_db
def test_event_rolls_back_with_the_change():
    _events(1)

    class Boom(Exception):
        pass

    def change_then_fail() -> None:
        with transaction.atomic():
            record_event(actor=None, action="test.rolled_back")
            raise Boom

    with pytest.raises(Boom):
        change_then_fail()
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    assert verify_chain().ok
    assert record_event(actor=None, action="test.next").sequence == 2
