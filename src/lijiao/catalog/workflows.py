"""Edition lifecycle as data: the allowed transitions, and a race-safe way to apply one.

    draft ──publish──▶ published ──supersede──▶ superseded

A transition is a conditional ``UPDATE … WHERE id = … AND status = <from>``: of two concurrent publishers
exactly one wins, the other gets :class:`~lijiao.core.errors.Conflict`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from lijiao.catalog.models import Edition, EditionStatus
from lijiao.core.workflow import Workflow

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    EditionStatus.DRAFT: frozenset({EditionStatus.PUBLISHED}),
    EditionStatus.PUBLISHED: frozenset({EditionStatus.SUPERSEDED}),
    EditionStatus.SUPERSEDED: frozenset(),
}

EDITION_WORKFLOW = Workflow(
    model=Edition,
    noun=gettext_lazy("目录版本"),
    statuses=EditionStatus,
    transitions=ALLOWED_TRANSITIONS,
)
can_transition = EDITION_WORKFLOW.can_transition
transition = EDITION_WORKFLOW.transition
