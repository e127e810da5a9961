"""Person lookup by ID number (issue 9, Security 4; ADR 0005).

The attack: any provider posted a full ID number to ``/persons/lookup`` and received the name, gender, birth date,
household type, education and groups of a person it never trained. Now a provider only learns whether the ID
number and the name it typed belong to one registered person (match / no match), and sees a person's data only
when the person is enrolled in one of its own classes; bureau staff see the people their scope shows.
"""

from __future__ import annotations

from typing import Any

import pytest

from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.people.models import Person, PersonGroup
from lijiao.training.models import Enrollment
from lijiao.training.services.enrollment import enroll
from tests.training.test_enrollment import citizen_id, make_person, years_ago
from tests.training.test_enrollment_api import Api

LOOKUP = "/persons/lookup"


@pytest.fixture
def trainee(provider_staff: Any, approved_class: Any) -> Person:
    """A trainee of provider A (中山区) with data a stranger must not learn."""
    person = make_person(
        "李秘密",
        birth=years_ago(34),
        male=False,
        phone="13912345678",
        household=Person.Household.RURAL,
        education=Person.Education.BACHELOR,
        employer_name="大连某公司",
    )
    PersonGroup.objects.create(
        person=person, group=PersonGroup.Group.UNEMPLOYED, registration_number="DL-0099"
    )
    enroll(actor=provider_staff, training_class=approved_class, person=person)
    return person


def lookups() -> int:
    return AuditEvent.objects.filter(action="people.person.lookup").count()


def test_another_provider_learns_only_match(other_provider_staff: Any, trainee: Person) -> None:
    """The attack fails: provider B, which never trained the person, gets match / no match and nothing else."""
    api = Api(other_provider_staff)
    response = api.post(LOOKUP, {"citizen_id": trainee.citizen_id, "name": "李秘密"})
    assert response.status_code == 200
    assert response.json() == {"match": True, "person": None}
    text = response.content.decode()
    for secret in (
        "李秘密",
        "rural",
        "bachelor",
        "大连某公司",
        "unemployed",
        "DL-0099",
        str(trainee.birth_date),
    ):
        assert secret not in text
    # the ID number alone tells nothing: a wrong name and an unknown number answer alike
    wrong_name = api.post(LOOKUP, {"citizen_id": trainee.citizen_id, "name": "张三"})
    unknown = api.post(LOOKUP, {"citizen_id": citizen_id(years_ago(41)), "name": "李秘密"})
    assert wrong_name.status_code == unknown.status_code == 200
    assert wrong_name.json() == unknown.json() == {"match": False, "person": None}
    # the name is required: without it there is nothing to confirm
    assert api.post(LOOKUP, {"citizen_id": trainee.citizen_id}).status_code == 422
    # and the person's page and enrollments stay out of reach
    assert api.get(f"/persons/{trainee.pk}").status_code == 404
    assert api.get(f"/persons/{trainee.pk}/enrollments").status_code == 404


def test_own_trainee_is_shown(provider_staff: Any, trainee: Person) -> None:
    api = Api(provider_staff)
    body = api.post(LOOKUP, {"citizen_id": trainee.citizen_id.upper(), "name": " 李秘密 "}).json()
    assert body["match"] is True
    person = body["person"]
    assert person["id"] == trainee.pk and person["name"] == "李秘密"
    assert person["household"] == "rural" and person["education"] == "bachelor"
    assert [g["group"] for g in person["groups"]] == ["unemployed"]
    assert (
        trainee.citizen_id
        not in api.post(LOOKUP, {"citizen_id": trainee.citizen_id, "name": "李秘密"}).content.decode()
    )
    # a wrong name is no match, even for one's own trainee
    assert api.post(LOOKUP, {"citizen_id": trainee.citizen_id, "name": "李秘"}).json() == {
        "match": False,
        "person": None,
    }


def test_bureau_staff_see_by_their_scope(
    make_user: Any, city_admin: Any, clerk: Any, clerk_elsewhere: Any, trainee: Person
) -> None:
    body = {"citizen_id": trainee.citizen_id, "name": "李秘密"}
    assert Api(city_admin).post(LOOKUP, body).json()["person"]["id"] == trainee.pk
    assert Api(make_user(Role.LEADERSHIP)).post(LOOKUP, body).json()["person"]["id"] == trainee.pk
    assert Api(clerk).post(LOOKUP, body).json()["person"]["id"] == trainee.pk  # a trainee of the clerk's area
    assert Api(clerk_elsewhere).post(LOOKUP, body).json() == {"match": True, "person": None}
    assert Api(make_user(Role.CATALOG_OFFICER)).post(LOOKUP, body).status_code == 403
    assert Api(make_user(Role.WORKER)).post(LOOKUP, body).status_code == 403
    assert Api(None).post(LOOKUP, body).status_code == 401


def test_every_lookup_is_audited_with_a_masked_id(other_provider_staff: Any, trainee: Person) -> None:
    """Guessing names for a known ID number (the remaining oracle) leaves a trail: one event per attempt, the ID
    masked, the outcome recorded. Refused and malformed requests write nothing."""
    before = lookups()
    api = Api(other_provider_staff)
    api.post(LOOKUP, {"citizen_id": trainee.citizen_id, "name": "张三"})
    api.post(LOOKUP, {"citizen_id": trainee.citizen_id, "name": "李秘密"})
    events = list(AuditEvent.objects.filter(action="people.person.lookup").order_by("sequence"))[before:]
    assert [e.after["match"] for e in events] == [False, True]
    assert all(e.actor_id == other_provider_staff.pk and e.after["shown"] is False for e in events)
    assert all(trainee.citizen_id not in str(e.after) for e in events)
    count = lookups()
    bad = api.post(LOOKUP, {"citizen_id": "123", "name": "张三"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "citizen_id"
    assert Api(None).post(LOOKUP, {"citizen_id": trainee.citizen_id, "name": "李秘密"}).status_code == 401
    assert lookups() == count


def test_registering_a_known_person_shows_only_what_was_sent(
    other_provider_staff: Any, trainee: Person
) -> None:
    """``POST /persons`` with a stranger's ID number and name (register, or update the registered person) used to
    answer with everything on record; now it shows only the fields the caller sent."""
    api = Api(other_provider_staff)
    response = api.post("/persons", {"citizen_id": trainee.citizen_id, "name": "李秘密"})
    assert response.status_code == 200
    body = response.json()
    assert body["household"] == body["education"] == body["employer_name"] == body["phone_masked"] == ""
    assert body["groups"] == []
    assert "DL-0099" not in response.content.decode()
    trainee.refresh_from_db()
    assert trainee.household == "rural" and trainee.education == "bachelor"  # nothing erased either
    sent = api.post(
        "/persons", {"citizen_id": trainee.citizen_id, "name": "李秘密", "education": "college"}
    ).json()
    assert sent["education"] == "college" and sent["household"] == ""


def test_registering_ones_own_trainee_shows_everything(provider_staff: Any, trainee: Person) -> None:
    body = Api(provider_staff).post("/persons", {"citizen_id": trainee.citizen_id, "name": "李秘密"}).json()
    assert body["household"] == "rural" and [g["group"] for g in body["groups"]] == ["unemployed"]
    assert Enrollment.objects.filter(person=trainee).count() == 1
