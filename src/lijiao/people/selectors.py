"""Reads of registered people: finding a person by any spelling of their citizen ID number."""

from __future__ import annotations

from lijiao.core.pii import PIIKind, pii_digest
from lijiao.people.models import Person
from lijiao.people.services import parse_person_id

__all__ = ["find_person"]


def find_person(raw_citizen_id: object) -> Person | None:
    """The registered person with this ID number (any spelling a clerk types), or None. One indexed query."""
    cid = parse_person_id(raw_citizen_id)
    return Person.objects.filter(citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, cid.number)).first()
