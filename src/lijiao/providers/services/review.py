"""The provider workflow: one service per transition (approve, reject, suspend, reinstate, remove)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.errors import NotFound
from lijiao.providers import workflows
from lijiao.providers.models import Provider
from lijiao.providers.services.access import _locked, _require_reviewer
from lijiao.providers.services.validation import MAX_REASON, _reason


def _move(actor: Actor, provider: Provider, action: str, reason: str, **changes: Any) -> Provider:
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
def approve_provider(*, actor: Actor, provider: Provider, note: str = "") -> Provider:
    """申请中 → 已认定: the provider is listed and may file classes within its scope."""
    note = (note or "").strip()[:MAX_REASON]
    return _move(actor, provider, "approve", note, approved_at=timezone.now(), status_reason="")


@transaction.atomic
def reject_provider(*, actor: Actor, provider: Provider, reason: str) -> Provider:
    """申请中 → 未通过, with the reason."""
    text = _reason(reason)
    return _move(actor, provider, "reject", text, status_reason=text)


@transaction.atomic
def suspend_provider(*, actor: Actor, provider: Provider, reason: str) -> Provider:
    """已认定 → 暂停, with the reason: no new classes until reinstated."""
    text = _reason(reason)
    return _move(actor, provider, "suspend", text, status_reason=text)


@transaction.atomic
def reinstate_provider(*, actor: Actor, provider: Provider, note: str = "") -> Provider:
    """暂停 → 已认定 (the suspension is over)."""
    note = (note or "").strip()[:MAX_REASON]
    return _move(actor, provider, "reinstate", note, status_reason="")


@transaction.atomic
def remove_provider(*, actor: Actor, provider: Provider, reason: str) -> Provider:
    """已认定 or 暂停 → 已清退, with the reason (e.g. faked trainees, identities or hours). Final."""
    text = _reason(reason)
    return _move(actor, provider, "remove", text, status_reason=text)


_TRANSITIONS = {
    "approve": lambda actor, provider, text: approve_provider(actor=actor, provider=provider, note=text),
    "reject": lambda actor, provider, text: reject_provider(actor=actor, provider=provider, reason=text),
    "suspend": lambda actor, provider, text: suspend_provider(actor=actor, provider=provider, reason=text),
    "reinstate": lambda actor, provider, text: reinstate_provider(actor=actor, provider=provider, note=text),
    "remove": lambda actor, provider, text: remove_provider(actor=actor, provider=provider, reason=text),
}
ACTIONS = tuple(_TRANSITIONS)


@transaction.atomic
def change_provider_status(*, actor: Actor, provider: Provider, action: str, reason: str = "") -> Provider:
    """One workflow action by name (``approve``, ``reject``, ``suspend``, ``reinstate``, ``remove``), as the
    screen's buttons and the API's endpoints name them; the reason is required where the action needs one."""
    transition = _TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(_("未知的操作"))
    return transition(actor, provider, reason or "")
