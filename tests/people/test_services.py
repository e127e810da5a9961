"""Registering people: messy ID numbers find the same person, derived gender and birth date, warnings never
refuse, updates keep recorded values, a different name is refused; group evidence rules; permissions; audit
without clear personal data; nothing written on every refusal."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.errors import DomainError, NotFound, PermissionDenied
from lijiao.core.identity import citizen_id_check_char
from lijiao.people.models import Person, PersonGroup
from lijiao.people.selectors import find_person
from lijiao.people.services import (
    normalise_phone,
    record_group,
    register_person,
    remove_group,
    validate_group_evidence,
)
from tests.translations import CHINESE

THIS_YEAR = dt.date.today().year


def make_id(address: str = "210202", birth: str = "19900307", seq: str = "123") -> str:
    first17 = f"{address}{birth}{seq}"
    return first17 + citizen_id_check_char(first17)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@pytest.fixture
def staff(make_user):
    return make_user(Role.PROVIDER_STAFF)


def person_events() -> int:
    return AuditEvent.objects.filter(action__startswith="people.person").count()


def test_register_derives_gender_and_birth_date(staff):
    person = register_person(
        actor=staff, citizen_id=make_id(seq="124"), name="王芳", phone="+86 138-1234-5678"
    )
    person.refresh_from_db()
    assert person.gender == "F" and person.birth_date == dt.date(1990, 3, 7)
    assert person.phone == "13812345678"
    event = AuditEvent.objects.get(action="people.person.registered")
    assert make_id(seq="124") not in str(event.after) and "13812345678" not in str(event.after)
    assert event.after["citizen_id"].startswith("2102") and "*" in event.after["citizen_id"]


@pytest.mark.parametrize(
    "variant",
    [
        lambda n: n[:-1] + n[-1].lower(),
        lambda n: full_width(n),
        lambda n: f" {n[:6]} {n[6:14]} {n[14:]} ",
        lambda n: f"'{n}",
        lambda n: n[:6] + "-" + n[6:],
    ],
    ids=["lowercase x", "full-width", "spaces", "apostrophe", "dash"],
)
def test_messy_ids_find_the_same_person(staff, variant):
    number = next(n for n in (make_id(seq=str(seq)) for seq in range(100, 999)) if n.endswith("X"))
    first = register_person(actor=staff, citizen_id=number, name="李雷")
    again = register_person(actor=staff, citizen_id=variant(number), name="李雷", education="college")
    assert again.pk == first.pk
    assert Person.objects.count() == 1
    assert find_person(variant(number)).pk == first.pk
    assert Person.objects.get().citizen_id == number


def test_legacy_15_digit_number_is_the_same_person(staff):
    legacy = "210202900307123"
    upgraded = "21020219900307123" + citizen_id_check_char("21020219900307123")
    first = register_person(actor=staff, citizen_id=legacy, name="老号")
    assert register_person(actor=staff, citizen_id=upgraded, name="老号").pk == first.pk
    assert Person.objects.get().citizen_id == upgraded


def test_existing_person_gets_only_non_empty_fields(staff):
    number = make_id()
    register_person(actor=staff, citizen_id=number, name="张三", phone="13800000001", household="urban")
    events = person_events()
    person = register_person(actor=staff, citizen_id=number, name="张三", phone="", education="本科")
    person.refresh_from_db()
    assert person.phone == "13800000001" and person.household == "urban" and person.education == "bachelor"
    assert person_events() == events + 1
    register_person(actor=staff, citizen_id=number, name="张三")  # nothing new: no event
    assert person_events() == events + 1
    register_person(actor=staff, citizen_id=number, name="张三", phone="13900000002")
    assert Person.objects.get().phone == "13900000002"
    assert Person.objects.filter(phone_digest=Person.objects.get().phone_digest).count() == 1


def test_a_different_name_is_refused(staff):
    number = make_id()
    register_person(actor=staff, citizen_id=number, name="张三", phone="13800000001")
    with pytest.raises(DomainError) as exc:
        register_person(actor=staff, citizen_id=number, name="张四", phone="13900000009")
    assert exc.value.code == "name_mismatch" and exc.value.errors[0].field == "name"
    assert Person.objects.get().phone == "13800000001"


def test_withdrawn_address_code_is_a_warning_not_a_refusal(staff):
    # 崇文区, withdrawn in 2010, before this birth
    person = register_person(actor=staff, citizen_id=make_id("110103", "20150101"), name="崇文")
    assert person.pk and len(person.id_warnings) == 1 and "崇文区" in person.id_warnings[0]
    event = AuditEvent.objects.get(action="people.person.registered")
    assert event.after["id_warnings"] == list(person.id_warnings)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"citizen_id": "3.70102E+17"}, "citizen_id"),
        ({"citizen_id": "21020219900307123"}, "citizen_id"),
        ({"citizen_id": make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1")}, "citizen_id"),
        ({"name": "  "}, "name"),
        ({"name": "名" * 51}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"household": "外星"}, "household"),
        ({"education": "博士后"}, "education"),
        ({"employer_name": "单" * 101}, "employer_name"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(staff, kwargs, field):
    values = {"citizen_id": make_id(), "name": "张三", **kwargs}
    with pytest.raises(DomainError) as exc:
        register_person(actor=staff, **values)
    assert field in [e.field for e in exc.value.errors]
    message = next(e.message for e in exc.value.errors if e.field == field)
    assert CHINESE.search(message)
    assert not re.search(r"（[^（）]*[A-Za-z]{3,}[^（）]*）", message)  # no English gloss
    assert not Person.objects.exists() and person_events() == 0


def test_several_errors_at_once(staff):
    with pytest.raises(DomainError) as exc:
        register_person(actor=staff, citizen_id="abc", name="", phone="1")
    assert {e.field for e in exc.value.errors} == {"citizen_id", "name", "phone"}


def test_permissions(make_user):
    clerk = make_user(Role.DISTRICT_CLERK)
    with pytest.raises(PermissionDenied):
        register_person(actor=clerk, citizen_id=make_id(), name="张三")
    with pytest.raises(PermissionDenied):
        register_person(actor=None, citizen_id=make_id(), name="张三")
    assert not Person.objects.exists()


def test_normalise_phone():
    assert normalise_phone("") == ""
    assert normalise_phone("138 1234 5678") == "13812345678"
    assert normalise_phone("0411-84567890") == "041184567890"
    with pytest.raises(DomainError):
        normalise_phone("23812345678")


def test_find_person_unknown_and_invalid(staff):
    assert find_person(make_id()) is None
    with pytest.raises(DomainError):
        find_person("123")


# ------------------------------------------------------------------------------------------------ groups


@pytest.fixture
def person(staff):
    return register_person(actor=staff, citizen_id=make_id(birth="20010101"), name="赵六")


def test_record_group_upserts_with_audit(staff, person):
    record_group(actor=staff, person=person, group="graduate", graduation_year=THIS_YEAR - 1)
    record_group(actor=staff, person=person, group="graduate", graduation_year=THIS_YEAR - 2, note="更正")
    row = PersonGroup.objects.get()
    assert row.graduation_year == THIS_YEAR - 2 and row.note == "更正" and row.recorded_by == staff
    events = AuditEvent.objects.filter(action="people.person.group_recorded").order_by("sequence")
    assert events[1].before["graduation_year"] == THIS_YEAR - 1
    remove_group(actor=staff, person=person, group="graduate", reason="录错")
    assert not PersonGroup.objects.exists()
    assert AuditEvent.objects.get(action="people.person.group_removed").reason == "录错"
    with pytest.raises(NotFound):
        remove_group(actor=staff, person=person, group="graduate")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"group": "graduate"}, "graduation_year"),
        ({"group": "graduate", "graduation_year": THIS_YEAR + 1}, "graduation_year"),
        ({"group": "graduate", "graduation_year": 2010}, "graduation_year"),  # born 2001: aged 9
        ({"group": "upcoming_graduate", "graduation_year": THIS_YEAR - 1}, "graduation_year"),
        ({"group": "veteran", "graduation_year": 2020}, "graduation_year"),
        ({"group": "unemployed"}, "registration_number"),
        ({"group": "unemployed", "registration_number": "   "}, "registration_number"),
        ({"group": "insured"}, "insured_months"),
        ({"group": "insured", "insured_months": -3}, "insured_months"),
        ({"group": "insured", "insured_months": 600}, "insured_months"),  # born 2001
        ({"group": "employee"}, "employer_name"),
        ({"group": "martian"}, "group"),
        ({"group": "veteran", "note": "x" * 201}, "note"),
    ],
)
def test_group_evidence_is_checked(staff, person, kwargs, field):
    with pytest.raises(DomainError) as exc:
        record_group(actor=staff, person=person, **kwargs)
    assert exc.value.errors[0].field == field
    assert not PersonGroup.objects.exists()
    assert not AuditEvent.objects.filter(action="people.person.group_recorded").exists()


def test_group_evidence_accepted():
    assert validate_group_evidence(group="upcoming_graduate", graduation_year=THIS_YEAR) == []
    assert validate_group_evidence(group="upcoming_graduate", graduation_year=THIS_YEAR + 1) == []
    assert validate_group_evidence(group="unemployed", registration_number="2102001") == []
    assert validate_group_evidence(group="insured", insured_months=0) == []
    assert validate_group_evidence(group="insured", insured_months=120, birth_year=1980) == []
    assert validate_group_evidence(group="employee", employer_name="大连造船厂") == []
    assert validate_group_evidence(group="disabled") == []


def test_group_permissions(make_user, person):
    clerk = make_user(Role.DISTRICT_CLERK)
    with pytest.raises(PermissionDenied):
        record_group(actor=clerk, person=person, group="veteran")
    with pytest.raises(PermissionDenied):
        remove_group(actor=clerk, person=person, group="veteran")


@pytest.mark.parametrize(
    ("field", "typed", "code"),
    [
        ("education", "初中及以下", "junior"),
        ("education", "中专", "senior"),
        ("education", "职高", "senior"),
        ("education", "技校", "senior"),
        ("education", "硕士", "postgraduate"),
        ("education", "博士研究生", "postgraduate"),
        ("education", "高中/中专/技校", "senior"),
        ("education", "bachelor", "bachelor"),
        ("household", "农业户口", "rural"),
        ("household", "非农业户口", "urban"),
        ("position", "工人", "worker"),
        ("position", "干部", "cadre"),
    ],
)
def test_register_person_accepts_the_variants_clerks_type(staff, field, typed, code):
    """One vocabulary (people.vocabulary) for the roster import, the enroll form and API and any other import."""
    person = register_person(actor=staff, citizen_id=make_id(), name="张三", **{field: typed})
    assert getattr(person, field) == code


def test_register_person_refuses_an_unknown_variant_and_writes_nothing(staff):
    with pytest.raises(DomainError) as exc:
        register_person(actor=staff, citizen_id=make_id(), name="张三", position="临时工")
    assert exc.value.errors[0].field == "position"
    assert not Person.objects.exists()
