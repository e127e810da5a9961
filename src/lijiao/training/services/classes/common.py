"""What every class service shares: the inputs, the limits, the permission and scope checks, the locked re-read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.catalog.models import CatalogItem
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, FieldError, NotFound
from lijiao.core.permissions import has_any_perm, require_perm
from lijiao.providers.models import Teacher, Venue
from lijiao.training import workflows
from lijiao.training.models import (
    ClassSession,
    ClassStatus,
    Program,
    TrainingClass,
)

CLASS_FIELDS = (
    "code",
    "name",
    "provider",
    "handling_area",
    "catalog_item",
    "work_type",
    "program",
    "start_date",
    "end_date",
    "lesson_hours",
    "practical_hours",
    "capacity",
    "venue",
    "mode",
    "status",
    "status_reason",
    "filed_on",
    "reviewed_by",
)
LESSON_MINUTES = 45
MAX_CAPACITY = 5000
MAX_SESSIONS = 1000
MAX_SESSION_MINUTES = 12 * 60
MAX_CLASS_DAYS = 3 * 366  # apprenticeships run 1–2 years, 3 exceptionally (SPEC R8)
CODE_PREFIX = "PX"


@dataclass(frozen=True, slots=True)
class ClassInput:
    """What a class application says, as the form and the API hand it to the services.

    ``catalog_item`` is resolved by :func:`resolve_subject` (an item of the edition in force today).
    ``lesson_hours`` / ``practical_hours`` are the declared hours; None leaves them as they are (a new class
    starts at 0 and :func:`set_sessions` fills them in from the timetable).
    """

    name: str
    catalog_item: CatalogItem
    start_date: dt.date
    end_date: dt.date
    capacity: int
    program: Program | None = None
    venue: Venue | None = None
    teachers: Sequence[Teacher] = field(default_factory=tuple)
    mode: str = TrainingClass.Mode.OFFLINE
    lesson_hours: int | None = None
    practical_hours: int | None = None


@dataclass(frozen=True, slots=True)
class SessionInput:
    """One row of a timetable (aware datetimes; naive ones are taken as Beijing time).

    ``lesson_hours``: the session's 课时; None takes as many whole lessons as fit in its time.
    """

    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: str = ClassSession.Kind.THEORY
    topic: str = ""
    teacher: Teacher | None = None
    lesson_hours: int | None = None
    venue: Venue | None = None


@dataclass(frozen=True, slots=True)
class Timetable:
    """Totals of a class's sessions: the lesson hours each session states (课时), and its minutes."""

    sessions: int
    total_minutes: int
    practical_minutes: int
    first_start: dt.datetime | None
    last_end: dt.datetime | None
    lesson_minutes: int = LESSON_MINUTES
    total_hours: int = 0
    practical_hours: int = 0

    @property
    def lesson_hours(self) -> int:
        """The sessions' lesson hours added up."""
        return self.total_hours

    @property
    def theory_hours(self) -> int:
        return self.total_hours - self.practical_hours

    @property
    def exact_hours(self) -> Decimal:
        """The lesson hours as a decimal (kept for the messages that print it)."""
        return Decimal(self.total_hours)

    @property
    def practical_share(self) -> Decimal:
        """Practical hours / all hours (4 decimals; 0 without sessions)."""
        if not self.total_hours:
            return Decimal(0)
        return (Decimal(self.practical_hours) / self.total_hours).quantize(Decimal("0.0001"))


# ---------------------------------------------------------------------------------------------------------------
# Permission and scope helpers


def _not_found() -> NotFound:
    return NotFound(_("培训班不存在"))


# The permission each provider action's service requires (reviewer actions need ``review_trainingclass``).
PROVIDER_ACTION_PERMS = {
    "file": "training.file_trainingclass",
    "withdraw": "training.file_trainingclass",
    "start": "training.change_trainingclass",
    "finish": "training.change_trainingclass",
    "assess": "training.record_assessment",
}


def _is_own_provider(actor: Actor, training_class: TrainingClass) -> bool:
    provider_id = getattr(actor, "provider_id", None)
    return bool(provider_id) and provider_id == training_class.provider_id


def _reviews_area_of(actor: Actor, training_class: TrainingClass) -> bool:
    scope = Scope.for_user(actor)
    return scope.all_areas or training_class.handling_area_id in scope.area_ids


def _require_own_provider(actor: Actor, training_class: TrainingClass, perm: str) -> None:
    """The actor holds ``perm`` and works for the class's provider (others: the class does not exist)."""
    require_perm(actor, perm)
    if not _is_own_provider(actor, training_class):
        raise _not_found()


def _require_reviewer(actor: Actor, training_class: TrainingClass) -> None:
    """The actor reviews classes and the class's handling area is within their scope."""
    require_perm(actor, "training.review_trainingclass")
    if not _reviews_area_of(actor, training_class):
        raise _not_found()


def may_act(actor: Actor, training_class: TrainingClass, action: str) -> bool:
    """Whether ``actor`` may take ``action`` on this class whatever its status: the permission and scope half of
    the action's service check (screens refuse with 403 on this before reading a form)."""
    if action in PROVIDER_ACTION_PERMS:
        return _is_own_provider(actor, training_class) and has_any_perm(actor, PROVIDER_ACTION_PERMS[action])
    return has_any_perm(actor, "training.review_trainingclass") and _reviews_area_of(actor, training_class)


def allowed_actions(actor: Actor, training_class: TrainingClass) -> list[str]:
    """The workflow actions ``actor`` may take on the class now: its status allows them, and the actor passes the
    checks the action's service makes (the permission, and the own provider or the class's handling area)."""
    return [
        a for a in workflows.available_actions(training_class.status) if may_act(actor, training_class, a)
    ]


def allowed_actions_in_list(
    actor: Actor, training_class: TrainingClass, memo: dict[tuple[Any, ...], list[str]]
) -> list[str]:
    """:func:`allowed_actions` for a row of a list, remembered in ``memo`` (one per request): the answer depends
    on the class's status, provider and handling area only (the workflow table and :func:`may_act`), so a page
    of 100 classes asks the permissions once per distinct combination, not four times a row (ADR 0015)."""
    key = (actor.pk, training_class.status, training_class.provider_id, training_class.handling_area_id)
    if key not in memo:
        memo[key] = allowed_actions(actor, training_class)
    return list(memo[key])


def _locked(training_class: TrainingClass) -> TrainingClass:
    """The class re-read under a row lock (its current status, not the caller's copy)."""
    fresh = (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("provider", "catalog_item", "venue", "program", "handling_area")
        .filter(pk=training_class.pk)
        .first()
    )
    if fresh is None:
        raise _not_found()
    return fresh


def _today() -> dt.date:
    return timezone.localdate()


def _fail(message: str, errors: Sequence[FieldError], code: str = "invalid_class") -> DomainError:
    return DomainError(message, code=code, errors=tuple(errors))


def _status_label(status: str) -> str:
    return str(ClassStatus(status).label)


def _require_editable(training_class: TrainingClass) -> None:
    if training_class.status not in workflows.EDITABLE:
        raise Conflict(
            _("培训班“%(name)s”当前为“%(status)s”，只有草稿或退回修改的培训班可以修改")
            % {"name": training_class.name, "status": _status_label(training_class.status)},
            code="class_not_editable",
        )
