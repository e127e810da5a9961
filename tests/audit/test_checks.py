"""Deployment checks (``lijiao check --deploy``) of the audit chain's keys and checkpoint folder (ADR 0004)."""

from __future__ import annotations

from lijiao.audit import checkpoints
from lijiao.audit.checks import audit_keys


def _ids() -> list[str]:
    return [message.id for message in audit_keys()]


def test_a_complete_configuration_passes(settings):
    checkpoints.generate_signing_key(settings.AUDIT_SIGNING_KEY_FILE)
    assert _ids() == []


def test_production_needs_the_audit_key_and_the_signing_key(settings):
    settings.AUDIT_KEY = ""
    settings.AUDIT_SIGNING_KEY_AUTOCREATE = False
    assert _ids() == ["audit.E001", "audit.E002"]


def test_keys_and_checkpoints_must_be_owner_only(settings):
    checkpoints.generate_signing_key(settings.AUDIT_SIGNING_KEY_FILE)
    settings.AUDIT_SIGNING_KEY_FILE.chmod(0o644)
    settings.AUDIT_CHECKPOINT_DIR.mkdir(parents=True)
    settings.AUDIT_CHECKPOINT_DIR.chmod(0o755)
    assert _ids() == ["audit.E003", "audit.W001"]
