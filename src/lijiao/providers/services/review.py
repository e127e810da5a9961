"""The provider workflow: one service per transition (approve, reject, suspend, reinstate, remove)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from lijiao.audit.services import record_event
from lijiao.providers import workflows
from lijiao.providers.models import Provider
from lijiao.providers.services.access import _locked, _require_reviewer
from lijiao.providers.services.validation import MAX_REASON, _reason


def _move(actor: Any, provider: Provider, action: str, reason: str, **changes: Any) -> Provider:
    provider = _locked(provider)
    _require_reviewer(actor, provider)
    before = {"status": provider.status, "status_reason": provider.status_reason}
    provider = workflows.transition(
        provider,
        workflows.ACTION_TARGETS[action],
        source=workflows.ACTION_SOURCES[action],
        updated_at=timezone.now(),
        **changes,
    )
    record_event(
        actor=actor,
        action=f"providers.provider.{action}",
        obj=provider,
        before=before,
        after={"status": provider.status, "status_reason": provider.status_reason},
        reason=reason,
    )
    return provider


@transaction.atomic
def approve_provider(*, actor: Any, provider: Provider, note: str = "") -> Provider:
    """申请中 → 已认定: the provider is listed and may file classes within its scope."""
    note = (note or "").strip()[:MAX_REASON]
    return _move(actor, provider, "approve", note, approved_at=timezone.now(), status_reason="")


@transaction.atomic
def reject_provider(*, actor: Any, provider: Provider, reason: str) -> Provider:
    """申请中 → 未通过, with the reason."""
    text = _reason(reason)
    return _move(actor, provider, "reject", text, status_reason=text)


@transaction.atomic
def suspend_provider(*, actor: Any, provider: Provider, reason: str) -> Provider:
    """已认定 → 暂停, with the reason: no new classes until reinstated."""
    text = _reason(reason)
    return _move(actor, provider, "suspend", text, status_reason=text)


@transaction.atomic
def reinstate_provider(*, actor: Any, provider: Provider, note: str = "") -> Provider:
    """暂停 → 已认定 (the suspension is over)."""
    note = (note or "").strip()[:MAX_REASON]
    return _move(actor, provider, "reinstate", note, status_reason="")


@transaction.atomic
def remove_provider(*, actor: Any, provider: Provider, reason: str) -> Provider:
    """已认定 or 暂停 → 已清退, with the reason (e.g. faked trainees, identities or hours). Final."""
    text = _reason(reason)
    return _move(actor, provider, "remove", text, status_reason=text)
