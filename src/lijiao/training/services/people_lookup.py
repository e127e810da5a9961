"""Confirming a person by ID number and name (issue 9, Security 4; ADR 0005).

A provider typing a trainee's ID number learns only whether the number and the name it typed belong to one
registered person (match / no match: an unknown number and a wrong name answer alike, so the number alone
reveals nothing). It sees the person's recorded data (gender, birth date, household, education, groups…) only
when the person is enrolled in one of its own classes; bureau staff see what their scope shows
(:func:`lijiao.training.selectors.enrollment.visible_people`). Every confirmation is audited (masked ID, the
outcome), so repeated guessing is visible in the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, mask
from lijiao.people.models import Person
from lijiao.people.selectors import find_person
from lijiao.people.services import parse_person_id
from lijiao.training.selectors.enrollment import visible_people

__all__ = ["LOOKUP_PERMS", "PersonMatch", "confirm_person", "may_see_person"]

# Who may ask at all: those who register trainees (providers) and those who read people (bureau staff).
LOOKUP_PERMS = ("people.add_person", "people.view_person")


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """``match``: the ID number and the name belong to one registered person. ``person``: that person, only when
    the caller may see their data (else None, whatever ``match`` says)."""

    match: bool
    person: Person | None = None


def _clean_name(name: str) -> str:
    return re.sub(r"\s+", " ", (name or "").strip())


def may_see_person(actor: Actor, person: Person) -> bool:
    """Whether ``actor`` may read ``person``'s recorded data (own trainees; bureau staff by their scope)."""
    return visible_people(actor).filter(pk=person.pk).exists()


def confirm_person(*, actor: Actor, citizen_id: str, name: str) -> PersonMatch:
    """Whether ``citizen_id`` and ``name`` belong to one registered person; the person only if visible to the
    actor. A malformed ID number is a :class:`~lijiao.core.errors.DomainError` on ``citizen_id`` (its form
    only, nothing looked up). Needs ``people.add_person`` or ``people.view_person``."""
    require_perm(actor, *LOOKUP_PERMS)
    cid = parse_person_id(citizen_id)
    person = find_person(cid.number)
    matched = person is not None and person.name == _clean_name(name)
    visible = person if matched and person is not None and may_see_person(actor, person) else None
    record_event(
        actor=actor,
        action="people.person.lookup",
        obj=person if matched else None,
        object_type="people.person",
        after={
            "citizen_id": mask(PIIKind.CITIZEN_ID, cid.number),
            "match": matched,
            "shown": visible is not None,
        },
    )
    return PersonMatch(match=matched, person=visible)
