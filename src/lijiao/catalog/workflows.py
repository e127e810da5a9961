"""Edition lifecycle as data: the allowed transitions, and a race-safe way to apply one.

    draft ──publish──▶ published ──supersede──▶ superseded

A transition is a conditional ``UPDATE … WHERE id = … AND status = <from>``: of two concurrent publishers
exactly one wins, the other gets :class:`~lijiao.core.errors.Conflict`.
"""

from __future__ import annotations

from typing import Any

from lijiao.catalog.models import Edition, EditionStatus
from lijiao.core.errors import Conflict

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    EditionStatus.DRAFT: frozenset({EditionStatus.PUBLISHED}),
    EditionStatus.PUBLISHED: frozenset({EditionStatus.SUPERSEDED}),
    EditionStatus.SUPERSEDED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


def transition(edition: Edition, target: str, **changes: Any) -> Edition:
    """Move ``edition`` to ``target`` if the table allows it and nobody moved it meanwhile."""
    current = edition.status
    if not can_transition(current, target):
        raise Conflict(
            f"目录版本“{edition.name}”当前为“{EditionStatus(current).label}”，不能变更为“{EditionStatus(target).label}”"
            f"（transition {current} → {target} not allowed）",
            code="transition_not_allowed",
        )
    updated = Edition.objects.filter(pk=edition.pk, status=current).update(status=target, **changes)
    if updated != 1:
        raise Conflict(
            f"目录版本“{edition.name}”已被他人修改，请刷新后重试（edition changed meanwhile）",
            code="stale_status",
        )
    edition.status = target
    for name, value in changes.items():
        setattr(edition, name, value)
    return edition
