"""Status lifecycles as data, applied race-safely: the one helper every app's ``workflows.py`` uses.

An app declares its table (which status may move to which) and, for screens and the API, its actions (the
status each leads to and, where the table alone is ambiguous, the statuses it starts from). ``transition``
applies a move as a conditional ``UPDATE … WHERE id = … AND status = <from>``: of two concurrent reviewers
exactly one wins, the other gets :class:`~lijiao.core.errors.Conflict` (Polar's ``ALLOWED_STATUS_TRANSITIONS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from lijiao.core.errors import Conflict


@dataclass(frozen=True)
class Workflow[M: models.Model]:
    """The allowed transitions of one model's ``status`` field, and a race-safe way to apply one.

    ``noun`` names the object in messages (a lazily translated “培训班”); ``statuses`` is the model's ``TextChoices`` (for labels);
    ``actions`` maps an action (``approve``) to the status it leads to; ``action_sources`` narrows the statuses
    an action may start from where the table alone would allow more; ``touch`` names a timestamp field set on
    every transition.
    """

    model: type[M]
    noun: str | Promise
    statuses: type[models.TextChoices]
    transitions: Mapping[str, frozenset[str]]
    actions: Mapping[str, str] = field(default_factory=dict)
    action_sources: Mapping[str, frozenset[str]] = field(default_factory=dict)
    touch: str | None = None
    status_field: str = "status"
    # available_actions per status, computed once: the tables are constants, and lists ask for every row
    _available: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def label(self, status: str) -> str:
        """The status's label for people (“已备案”)."""
        return str(self.statuses(status).label)

    def can_transition(self, current: str, target: str) -> bool:
        """Whether the table allows ``current → target``."""
        return target in self.transitions.get(current, frozenset())

    def sources(self, action: str) -> frozenset[str]:
        """The statuses ``action`` may start from."""
        if action in self.action_sources:
            return self.action_sources[action]
        target = self.actions[action]
        return frozenset(s for s in self.transitions if self.can_transition(s, target))

    def available_actions(self, current: str) -> list[str]:
        """The actions allowed from ``current``, in the declared order (who may perform them is separate)."""
        found = self._available.get(current)
        if found is None:
            found = [action for action in self.actions if current in self.sources(action)]
            self._available[current] = found
        return list(found)

    def require_transition(self, obj: M, target: str, *, source: frozenset[str] | None = None) -> None:
        """Raise :class:`Conflict` unless ``obj`` may move to ``target`` now (and starts from ``source``)."""
        current = getattr(obj, self.status_field)
        if not self.can_transition(current, target) or (source is not None and current not in source):
            raise Conflict(
                _("%(noun)s“%(name)s”当前为“%(current)s”，不能变更为“%(target)s”")
                % {
                    "noun": str(self.noun),
                    "name": _display_name(obj),
                    "current": self.label(current),
                    "target": self.label(target),
                },
                code="transition_not_allowed",
            )

    def transition(self, obj: M, target: str, *, source: frozenset[str] | None = None, **changes: Any) -> M:
        """Move ``obj`` to ``target`` if the table allows it and nobody moved it meanwhile; returns ``obj``."""
        self.require_transition(obj, target, source=source)
        current = getattr(obj, self.status_field)
        if self.touch:
            changes.setdefault(self.touch, timezone.now())
        updated = self.model._default_manager.filter(pk=obj.pk, **{self.status_field: current}).update(
            **{self.status_field: target}, **changes
        )
        if updated != 1:
            raise Conflict(
                _("%(noun)s“%(name)s”已被他人修改，请刷新后重试")
                % {"noun": str(self.noun), "name": _display_name(obj)},
                code="stale_status",
            )
        setattr(obj, self.status_field, target)
        for name, value in changes.items():
            setattr(obj, name, value)
        return obj


def _display_name(obj: models.Model) -> str:
    return str(getattr(obj, "name", None) or obj)
