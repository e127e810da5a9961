"""Signed checkpoints (ADR 0004): written by the background task after a commit, owner-only, never rewritten;
forged or altered files are reported; key rotation of the chain."""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from lijiao.audit import checkpoints, services
from lijiao.audit.chain import key_ring
from lijiao.audit.models import AuditChainHead, AuditEvent
from lijiao.audit.services import record_event
from lijiao.audit.tasks import make_checkpoint
from lijiao.audit.verification import verify_chain

from .conftest import make_events, sql


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files(settings) -> list:
    return sorted(settings.AUDIT_CHECKPOINT_DIR.glob("*.json"))


@pytest.mark.django_db
def test_the_task_writes_an_owner_only_checkpoint_after_commit(settings, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_INTERVAL = 300
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        # one transaction each: the first queues a checkpoint, the next two are within the interval
        make_events(3)
    assert len(callbacks) == 1  # run when the capture ends, i.e. after the three commits
    [path] = _files(settings)
    assert _mode(path) == 0o600
    assert _mode(settings.AUDIT_CHECKPOINT_DIR) == 0o700
    assert _mode(settings.AUDIT_SIGNING_KEY_FILE) == 0o600
    record = json.loads(path.read_text())
    assert (record["sequence"], record["event_count"]) == (3, 3)
    assert record["head_hash"] == AuditEvent.objects.get(sequence=3).hash
    # after the interval the next event queues another; the first file is left as it was
    first = path.read_bytes()
    AuditChainHead.objects.filter(pk=1).update(
        checkpoint_requested_at=timezone.now() - dt.timedelta(seconds=301)
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_events(1)
    assert callbacks == []  # this process queued one less than the interval ago (by its monotonic clock)
    services._pacing.last -= 301
    with django_capture_on_commit_callbacks(execute=True):
        make_events(1)
    assert len(_files(settings)) == 2 and path.read_bytes() == first
    assert json.loads(_files(settings)[-1].read_text())["sequence"] == 5
    report = verify_chain()
    assert report.ok and report.checkpoints == 2 and report.latest.sequence == 5


@pytest.mark.django_db
def test_no_checkpoint_is_queued_when_the_interval_is_zero(settings, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_INTERVAL = 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_events(2)
    assert callbacks == [] and _files(settings) == []


def _record_then_fail() -> None:
    with transaction.atomic():
        record_event(actor=None, action="test.rolled_back")
        raise ZeroDivisionError


@pytest.mark.django_db
def test_an_event_rolled_back_queues_nothing(settings, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_INTERVAL = 300
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ZeroDivisionError):
        _record_then_fail()
    assert callbacks == [] and _files(settings) == []


@pytest.mark.django_db
def test_a_checkpoint_file_is_never_overwritten(settings):
    make_events(2)
    key = checkpoints.load_signing_key()
    now = timezone.now()
    record = checkpoints.sign(key, sequence=2, head_hash="a" * 64, event_count=2, now=now)
    path = checkpoints.write(record)
    with pytest.raises(FileExistsError):
        checkpoints.write(checkpoints.sign(key, sequence=2, head_hash="b" * 64, event_count=2, now=now))
    assert json.loads(path.read_text())["head_hash"] == "a" * 64


@pytest.mark.django_db
def test_nothing_new_writes_no_second_checkpoint(settings):
    make_events(2)
    assert make_checkpoint().path is not None
    again = make_checkpoint()
    assert again.path is None and again.unchanged and again.sequence == 2
    assert len(_files(settings)) == 1
    assert make_checkpoint().problems == []


@pytest.mark.django_db
def test_no_event_no_checkpoint(settings):
    result = make_checkpoint()
    assert result.unchanged and result.path is None and _files(settings) == []


@pytest.mark.django_db
def test_the_task_refuses_to_sign_a_tampered_chain(settings):
    make_events(3)
    sql("UPDATE audit_auditevent SET reason = %s WHERE sequence = 2", ["改过"])
    result = make_checkpoint()
    assert [p.kind for p in result.problems] == ["edited"] and result.path is None
    assert _files(settings) == []
    with pytest.raises(CommandError, match="审计链校验失败，未写入检查点"):
        call_command("audit_checkpoint")


@pytest.mark.django_db
def test_a_modified_checkpoint_is_detected(settings):
    make_events(5)
    path = make_checkpoint().path
    record = json.loads(path.read_text())
    record["sequence"] = 3  # the attacker "moves" the anchor back, keeping the signature
    path.chmod(0o600)
    path.write_text(json.dumps(record))
    report = verify_chain()
    assert [p.kind for p in report.problems] == ["checkpoint_forged"]
    assert "签名不符，内容已被改动" in report.problem.detail and path.name in report.problem.detail
    with pytest.raises(CommandError, match="检查点文件被伪造或篡改"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_a_checkpoint_signed_by_another_key_is_detected(settings, tmp_path):
    make_events(2)
    other = tmp_path / "attacker.pem"
    checkpoints.generate_signing_key(other)
    settings.AUDIT_CHECKPOINT_DIR.mkdir(parents=True)
    forged = checkpoints.sign(
        checkpoints.serialization.load_pem_private_key(other.read_bytes(), password=None),
        sequence=2,
        head_hash="0" * 64,
        event_count=2,
        now=timezone.now(),
    )
    checkpoints.write(forged)
    checkpoints.load_signing_key()  # the real key exists
    report = verify_chain()
    assert [p.kind for p in report.problems] == ["checkpoint_forged"]
    assert "签名密钥不是已配置的检查点公钥" in report.problem.detail


@pytest.mark.django_db
def test_an_unreadable_checkpoint_file_is_detected(settings):
    make_events(1)
    make_checkpoint()
    (settings.AUDIT_CHECKPOINT_DIR / "checkpoint-000000000009-x.json").write_text("{not json")
    assert [p.kind for p in verify_chain().problems] == ["checkpoint_forged"]
    # the task goes on from the newest checkpoint that holds
    make_events(2)
    assert make_checkpoint().sequence == 3
    assert checkpoints.latest_valid().sequence == 3


@pytest.mark.django_db
def test_a_verifying_host_needs_only_the_public_key(settings, tmp_path):
    make_events(3)
    make_checkpoint()
    public = settings.AUDIT_SIGNING_KEY_FILE.with_name(settings.AUDIT_SIGNING_KEY_FILE.name + ".pub")
    assert b"PUBLIC KEY" in public.read_bytes() and b"PRIVATE" not in public.read_bytes()
    settings.AUDIT_VERIFY_KEY_FILES = [public]
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "absent.pem"
    report = verify_chain()
    assert report.ok and report.checkpoints == 1


@pytest.mark.django_db
def test_production_never_creates_a_signing_key(settings):
    settings.AUDIT_SIGNING_KEY_AUTOCREATE = False
    make_events(1)
    with pytest.raises(CommandError, match="无法写入检查点"):
        call_command("audit_checkpoint")
    assert not settings.AUDIT_SIGNING_KEY_FILE.exists()


@pytest.mark.django_db
def test_keygen_creates_an_owner_only_key_once(settings, capsys):
    call_command("audit_keygen")
    assert _mode(settings.AUDIT_SIGNING_KEY_FILE) == 0o600
    assert _mode(settings.AUDIT_SIGNING_KEY_FILE.parent) == 0o700
    key = settings.AUDIT_SIGNING_KEY_FILE.read_bytes()
    with pytest.raises(CommandError, match="签名私钥已存在，不会覆盖"):
        call_command("audit_keygen")
    call_command("audit_keygen", if_missing=True)
    assert settings.AUDIT_SIGNING_KEY_FILE.read_bytes() == key


@pytest.mark.django_db
def test_verify_audit_reports_the_checkpoints(settings, capsys):
    make_events(2)
    call_command("verify_audit")
    assert "尚无签名检查点" in capsys.readouterr().out
    make_checkpoint()
    call_command("verify_audit")
    assert "与 1 个签名检查点一致（最新：#2" in capsys.readouterr().out


@pytest.mark.django_db
def test_missing_audit_key_is_a_clear_error(settings):
    make_events(1)
    settings.AUDIT_KEY = ""
    with pytest.raises(CommandError, match="无法校验审计链"):
        call_command("verify_audit")


# --- key rotation -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotated_key_keeps_old_events_verifiable(settings):
    make_events(2)
    old_id = key_ring().primary.key_id
    settings.AUDIT_OLD_KEYS = [settings.AUDIT_KEY]
    settings.AUDIT_KEY = "the-new-audit-key"
    make_events(2)
    assert list(AuditEvent.objects.order_by("sequence").values_list("key_id", flat=True)) == [
        old_id,
        old_id,
        key_ring().primary.key_id,
        key_ring().primary.key_id,
    ]
    assert verify_chain().ok
    settings.AUDIT_OLD_KEYS = []  # the old key dropped too early
    assert [(p.kind, p.sequence) for p in verify_chain().problems] == [("unknown_key", 1)]


@pytest.mark.django_db
def test_a_retired_key_cannot_append_after_a_newer_one(settings):
    """A leaked retired key does not let its holder add events: after the first event under the new key, an
    event under an older key is refused even though its HMAC is right."""
    old_key = settings.AUDIT_KEY
    make_events(1)
    settings.AUDIT_OLD_KEYS = [old_key]
    settings.AUDIT_KEY = "the-new-audit-key"
    make_events(1)
    settings.AUDIT_KEY, settings.AUDIT_OLD_KEYS = old_key, []
    make_events(1)  # written under the old key, as the attacker holding it would
    settings.AUDIT_KEY, settings.AUDIT_OLD_KEYS = "the-new-audit-key", [old_key]
    assert [(p.kind, p.sequence) for p in verify_chain().problems] == [("key_order", 3)]
