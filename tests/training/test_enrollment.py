"""Enrollment services: eligibility with reasons, overlap, duplicates, class status, capacity (also under
concurrency on PostgreSQL), quota, withdrawal, permissions — and nothing written on every refusal."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.decisions import decision_digest
from lijiao.core.errors import Conflict, DomainError, PermissionDenied
from lijiao.core.identity import citizen_id_check_char
from lijiao.core.models import DecisionRecord, HandlingArea
from lijiao.people.models import Person, PersonGroup
from lijiao.training.checks import (
    attendance_rates,
    evaluate_eligibility,
    overlapping_people,
    person_facts,
    reserve_seats,
)
from lijiao.training.models import ClassStatus, Enrollment, Program, TrainingClass
from lijiao.training.services.enrollment import enroll, withdraw
from tests.training.conftest import aware, make_class, next_monday, today, weekday_sessions

_serial = itertools.count(1)


def citizen_id(birth: dt.date, *, male: bool = True, area: str = "210202", seq: int | None = None) -> str:
    """A valid 18-character citizen ID for ``birth`` (unique per call unless ``seq`` is given)."""
    n = next(_serial) if seq is None else seq
    sequence = f"{(n % 499) * 2 + (1 if male else 0):03d}"
    first17 = f"{area}{birth:%Y%m%d}{sequence}"
    return first17 + citizen_id_check_char(first17)


def years_ago(years: int, days: int = 0) -> dt.date:
    t = today()
    try:
        day = t.replace(year=t.year - years)
    except ValueError:  # 29 February
        day = t.replace(year=t.year - years, day=28)
    return day - dt.timedelta(days=days)


def make_person(
    name: str = "张三", *, birth: dt.date | None = None, male: bool = True, **extra: Any
) -> Person:
    birth = birth or years_ago(30)
    return Person.objects.create(
        name=name,
        citizen_id=citizen_id(birth, male=male),
        gender="M" if male else "F",
        birth_date=birth,
        **extra,
    )


def enrollment_events() -> int:
    return AuditEvent.objects.filter(action__startswith="training.enrollment").count()


def assert_nothing_written(training_class: TrainingClass, events_before: int = 0) -> None:
    training_class.refresh_from_db()
    assert not Enrollment.objects.filter(training_class=training_class).exists()
    assert training_class.enrolled_count == 0
    assert enrollment_events() == events_before


# ------------------------------------------------------------------------------------------------ success


def test_enroll_stores_decision_and_takes_a_place(provider_staff, approved_class):
    person = make_person()
    enrollment = enroll(actor=provider_staff, training_class=approved_class, person=person)
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.enrolled_by == provider_staff
    stored = Enrollment.objects.select_related("eligibility_decision").get(pk=enrollment.pk)
    decision = stored.eligibility
    assert decision == stored.eligibility_decision.record
    assert decision["passed"] is True and decision["reasons"] == []
    facts_seen = {check["fact"] for check in decision["trace"]}
    assert {"age", "retirement_age_reached"} <= facts_seen
    ages = [check for check in decision["trace"] if check["fact"] == "age"]
    assert ages and all(check["passed"] and check["actual"] == 30 for check in ages)
    assert decision["on"] == approved_class.start_date.isoformat()
    assert decision["program"] == approved_class.program.code
    assert stored.eligibility_decision.digest == decision_digest(decision)
    approved_class.refresh_from_db()
    assert approved_class.enrolled_count == 1
    event = AuditEvent.objects.get(action="training.enrollment.created")
    assert event.object_id == str(enrollment.pk) and event.actor == provider_staff
    assert event.after["eligibility_decision"] == stored.eligibility_decision_id
    assert event.after["eligibility_passed"] is True


def test_same_decision_is_stored_once(provider_staff, approved_class):
    birth = years_ago(30)
    first = enroll(actor=provider_staff, training_class=approved_class, person=make_person("甲", birth=birth))
    second = enroll(
        actor=provider_staff, training_class=approved_class, person=make_person("乙", birth=birth)
    )
    assert first.eligibility_decision_id == second.eligibility_decision_id is not None
    assert DecisionRecord.objects.count() == 1
    older = enroll(
        actor=provider_staff, training_class=approved_class, person=make_person("丙", birth=years_ago(45))
    )
    assert older.eligibility_decision_id != first.eligibility_decision_id  # another age, another decision
    assert DecisionRecord.objects.count() == 2


def test_enrollment_without_a_decision_reads_empty(provider_staff, approved_class):
    enrollment = enroll(actor=provider_staff, training_class=approved_class, person=make_person())
    Enrollment.objects.filter(pk=enrollment.pk).update(eligibility_decision=None)
    assert Enrollment.objects.get(pk=enrollment.pk).eligibility == {}


def test_running_class_takes_enrollments(provider_staff, running_class):
    enroll(actor=provider_staff, training_class=running_class, person=make_person())
    running_class.refresh_from_db()
    assert running_class.enrolled_count == 1


# ------------------------------------------------------------------------------------------------ eligibility


def test_under_16_is_refused_with_the_reason(provider_staff, approved_class):
    young = make_person("李小", birth=years_ago(15, days=-30))
    with pytest.raises(DomainError) as exc:
        enroll(actor=provider_staff, training_class=approved_class, person=young)
    assert exc.value.code == "not_eligible"
    assert any("16" in e.message for e in exc.value.errors)
    assert "16" in exc.value.message
    assert_nothing_written(approved_class)


def test_age_is_taken_on_the_class_start_date(provider_staff, training_ref, provider, program):
    start = next_monday(weeks_ahead=3)
    klass = make_class(provider, training_ref["items"]["electrician5"], start=start, program=program)
    birth = start.replace(year=start.year - 16)  # turns 16 on the first day
    enroll(actor=provider_staff, training_class=klass, person=make_person(birth=birth))
    no_program = make_class(provider, training_ref["items"]["welder4"], start=start, program=None)
    too_young = make_person(birth=birth + dt.timedelta(days=1))  # turns 16 on the second day
    with pytest.raises(DomainError) as exc:
        enroll(actor=provider_staff, training_class=no_program, person=too_young)
    assert exc.value.code == "not_eligible"


def test_past_the_statutory_retirement_age_is_refused_even_without_a_program(
    provider_staff, training_ref, provider
):
    """Computed from the ID (sex, birth date) and the recorded position, never typed (Policy 4)."""
    klass = make_class(provider, training_ref["items"]["electrician5"], program=None)
    with pytest.raises(DomainError) as exc:
        enroll(actor=provider_staff, training_class=klass, person=make_person(birth=years_ago(64)))
    assert exc.value.code == "not_eligible"
    assert [e.message for e in exc.value.errors] == ["未达到法定退休年龄"]
    assert_nothing_written(klass)
    # a woman of 53: past it as a worker (50 + a few months), not as a cadre (55 +)
    worker = make_person("李工", birth=years_ago(53), male=False, position="worker")
    with pytest.raises(DomainError) as exc:
        enroll(actor=provider_staff, training_class=klass, person=worker)
    assert [e.message for e in exc.value.errors] == ["未达到法定退休年龄"]
    assert_nothing_written(klass)
    cadre = make_person("王干", birth=years_ago(53), male=False, position="cadre")
    assert enroll(actor=provider_staff, training_class=klass, person=cadre).status == Enrollment.Status.ACTIVE
    # not recorded: the later age (原55), and the decision says it was assumed
    unrecorded = make_person("赵某", birth=years_ago(53), male=False)
    enrollment = enroll(actor=provider_staff, training_class=klass, person=unrecorded)
    facts = {c["fact"]: c for c in Enrollment.objects.get(pk=enrollment.pk).eligibility["trace"]}
    assert facts["retirement_age_reached"]["actual"] is False and facts["retirement_age_reached"]["passed"]


def test_a_man_of_60_in_2026_has_not_reached_his_retirement_age(provider_staff, training_ref, provider):
    """The 2025 reform: a man who turned 60 a month ago retires at 60 and several months (was refused at 60)."""
    klass = make_class(provider, training_ref["items"]["electrician5"], program=None)
    person = make_person("刘六十", birth=years_ago(60) - dt.timedelta(days=30))
    assert (
        enroll(actor=provider_staff, training_class=klass, person=person).status == Enrollment.Status.ACTIVE
    )


def test_program_rule_over_60_refused(provider_staff, approved_class):
    with pytest.raises(DomainError) as exc:
        enroll(actor=provider_staff, training_class=approved_class, person=make_person(birth=years_ago(65)))
    assert [e.message for e in exc.value.errors] == ["未达到法定退休年龄", "不超过60周岁"]
    assert_nothing_written(approved_class)


@pytest.fixture
def graduate_class(provider, training_ref, graduate_program):
    return make_class(provider, training_ref["items"]["robot4"], program=graduate_program)


def test_graduate_rule_passes_for_a_recent_graduate(provider_staff, graduate_class):
    person = make_person("王毕业", birth=years_ago(23))
    PersonGroup.objects.create(person=person, group="graduate", graduation_year=today().year - 1)
    enrollment = enroll(actor=provider_staff, training_class=graduate_class, person=person)
    decision = Enrollment.objects.get(pk=enrollment.pk).eligibility
    assert decision["passed"] is True and decision["reasons"] == []
    trace = {c["fact"]: c["actual"] for c in decision["trace"]}
    assert trace["groups"] == ["graduate"] and trace["employed"] is False
    assert decision["program"] == graduate_class.program.code


def test_graduate_rule_refuses_non_graduates_and_employed_graduates(provider_staff, graduate_class):
    worker = make_person("赵工人", birth=years_ago(35))
    with pytest.raises(DomainError) as exc:
        enroll(actor=provider_staff, training_class=graduate_class, person=worker)
    assert [e.message for e in exc.value.errors] == ["高校毕业生（毕业年度及离校3年内）"]

    employed = make_person("钱在职", birth=years_ago(24))
    PersonGroup.objects.create(person=employed, group="graduate", graduation_year=today().year - 1)
    PersonGroup.objects.create(person=employed, group="employee", employer_name="某公司")
    with pytest.raises(DomainError) as exc:
        enroll(actor=provider_staff, training_class=graduate_class, person=employed)
    assert [e.message for e in exc.value.errors] == ["不满足：未就业"]
    assert_nothing_written(graduate_class)


def test_person_facts_document_their_names():
    on = dt.date(2025, 9, 1)
    facts = person_facts(
        birth_date=dt.date(2002, 9, 2),
        gender="F",
        groups=[PersonGroup(group="graduate", graduation_year=2024), "rural_migrant"],
        on=on,
        household="rural",
        education="bachelor",
    )
    assert facts == {
        "age": 22,
        "gender": "F",
        "groups": ["graduate", "rural_migrant"],
        "graduation_year": 2024,
        "years_since_graduation": 1,
        "insured_months": None,
        "household": "rural",
        "education": "bachelor",
        "employed": False,
        "labour_contract_months": None,
        "is_student": False,
        "retirement_age_reached": False,
        "retirement_category": "female_cadre",
        "retirement_category_assumed": True,
        "retirement_date": dt.date(2060, 9, 2),  # born 2002-09: 55 + 36 months
        "graduation_evidence_days": None,
        "graduation_evidence_source": "",
        "unemployment_evidence_days": None,
        "unemployment_evidence_source": "",
        "insured_evidence_days": None,
        "insured_evidence_source": "",
    }
    insured = person_facts(
        birth_date=dt.date(1980, 1, 1),
        gender="M",
        groups={"insured": PersonGroup(group="insured", insured_months=40)},
        on=on,
        labour_contract_months=24,
    )
    assert insured["insured_months"] == 40 and insured["employed"] is True
    assert insured["labour_contract_months"] == 24
    unemployed = person_facts(
        birth_date=dt.date(1980, 1, 1), gender="M", groups=["unemployed"], on=on, employer_name="旧单位"
    )
    assert unemployed["employed"] is False


def test_evaluate_eligibility_without_program_checks_the_base_rule():
    facts = person_facts(birth_date=dt.date(2000, 1, 1), gender="M", groups=[], on=dt.date(2025, 1, 1))
    assert evaluate_eligibility(None, facts).passed
    assert evaluate_eligibility(Program(eligibility_rule={}), facts).passed
    refused = evaluate_eligibility(None, {**facts, "retirement_age_reached": True})
    assert not refused.passed and refused.reasons == ("未达到法定退休年龄",)


def test_evidence_carries_its_date_and_source_into_the_facts():
    on = dt.date(2025, 9, 1)
    facts = person_facts(
        birth_date=dt.date(1990, 1, 1),
        gender="M",
        groups=[
            PersonGroup(group="unemployed", as_of=dt.date(2025, 6, 3), source="register"),
            PersonGroup(group="insured", insured_months=40, as_of=dt.date(2025, 8, 31), source="document"),
        ],
        on=on,
    )
    assert facts["unemployment_evidence_days"] == 90 and facts["unemployment_evidence_source"] == "register"
    assert facts["insured_evidence_days"] == 1 and facts["insured_evidence_source"] == "document"
    fresh = {"fact": "unemployment_evidence_days", "op": "<=", "value": 60, "label": "失业登记证明在60天内"}
    decision = evaluate_eligibility(Program(eligibility_rule=fresh), facts)
    assert not decision.passed and decision.reasons == ("失业登记证明在60天内",)
    assert evaluate_eligibility(Program(eligibility_rule={**fresh, "value": 90}), facts).passed


def test_men_and_women_at_the_retirement_age_boundary():
    """A man born 1965-01-15 reaches 60y1m on 2025-02-15; a woman worker born 1975-01-15 50y1m then too."""
    for birth, gender, position in ((dt.date(1965, 1, 15), "M", ""), (dt.date(1975, 1, 15), "F", "worker")):
        before = person_facts(
            birth_date=birth, gender=gender, groups=[], on=dt.date(2025, 2, 14), position=position
        )
        on_day = person_facts(
            birth_date=birth, gender=gender, groups=[], on=dt.date(2025, 2, 15), position=position
        )
        assert evaluate_eligibility(None, before).passed
        assert not evaluate_eligibility(None, on_day).passed


# ------------------------------------------------------------------------------------------------ overlap


def test_overlapping_class_is_refused_naming_it(provider_staff, provider, other_provider, training_ref):
    start = next_monday(weeks_ahead=2)
    first = make_class(provider, training_ref["items"]["electrician5"], start=start)
    # same weeks, sessions 11:00–14:00 that overlap the first class's 09:00–12:00
    second = make_class(
        provider,
        training_ref["items"]["welder4"],
        start=start,
        sessions=weekday_sessions(start, 10, hour=11),
    )
    person = make_person()
    enroll(actor=provider_staff, training_class=first, person=person)
    events = enrollment_events()
    with pytest.raises(Conflict) as exc:
        enroll(actor=provider_staff, training_class=second, person=person)
    assert exc.value.code == "overlapping_class"
    assert first.code in exc.value.message
    assert_nothing_written(second, events)
    assert overlapping_people(second, [person.pk]) and not overlapping_people(second, [])


def test_classes_whose_sessions_do_not_overlap_are_fine(provider_staff, provider, training_ref):
    start = next_monday(weeks_ahead=2)
    morning = make_class(provider, training_ref["items"]["electrician5"], start=start)
    # afternoon sessions on the same days, starting exactly when the morning ones end (12:00): no overlap
    afternoon = make_class(
        provider, training_ref["items"]["welder4"], start=start, sessions=weekday_sessions(start, 10, hour=12)
    )
    person = make_person()
    enroll(actor=provider_staff, training_class=morning, person=person)
    enroll(actor=provider_staff, training_class=afternoon, person=person)
    assert Enrollment.objects.filter(person=person).count() == 2


def test_withdrawn_enrollment_does_not_block_an_overlapping_class(provider_staff, provider, training_ref):
    start = next_monday(weeks_ahead=2)
    first = make_class(provider, training_ref["items"]["electrician5"], start=start)
    second = make_class(provider, training_ref["items"]["welder4"], start=start)
    person = make_person()
    enrollment = enroll(actor=provider_staff, training_class=first, person=person)
    withdraw(actor=provider_staff, enrollment=enrollment, reason="改报其他班")
    enroll(actor=provider_staff, training_class=second, person=person)


def test_overlap_check_is_set_based(provider, training_ref, django_assert_max_num_queries):
    start = next_monday(weeks_ahead=2)
    first = make_class(provider, training_ref["items"]["electrician5"], start=start)
    second = make_class(provider, training_ref["items"]["welder4"], start=start)
    people = [make_person(f"学员{i}") for i in range(30)]
    Enrollment.objects.bulk_create(Enrollment(training_class=first, person=p) for p in people[:10])
    with django_assert_max_num_queries(2):
        found = overlapping_people(second, [p.pk for p in people])
    assert set(found) == {p.pk for p in people[:10]}
    with django_assert_max_num_queries(2):
        found = overlapping_people(second, list(range(1, 2000)) + [p.pk for p in people])
    assert set(found) == {p.pk for p in people[:10]}


# ------------------------------------------------------------------------------------------------ refusals


def test_duplicate_enrollment_is_refused(provider_staff, approved_class):
    person = make_person()
    enroll(actor=provider_staff, training_class=approved_class, person=person)
    with pytest.raises(Conflict) as exc:
        enroll(actor=provider_staff, training_class=approved_class, person=person)
    assert exc.value.code == "already_enrolled"
    approved_class.refresh_from_db()
    assert approved_class.enrolled_count == 1
    assert Enrollment.objects.filter(person=person).count() == 1


@pytest.mark.parametrize(
    "status",
    [ClassStatus.DRAFT, ClassStatus.FILED, ClassStatus.RETURNED, ClassStatus.FINISHED, ClassStatus.CLOSED],
)
def test_class_must_be_approved_or_running(provider_staff, approved_class, status):
    TrainingClass.objects.filter(pk=approved_class.pk).update(status=status)
    approved_class.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        enroll(actor=provider_staff, training_class=approved_class, person=make_person())
    assert exc.value.code == "class_not_open"
    assert_nothing_written(approved_class)


def test_class_past_its_end_is_refused(provider_staff, training_ref, provider):
    start = next_monday(weeks_ahead=-4)
    klass = make_class(
        provider, training_ref["items"]["electrician5"], start=start, status=ClassStatus.RUNNING
    )
    assert klass.end_date < today()
    with pytest.raises(Conflict):
        enroll(actor=provider_staff, training_class=klass, person=make_person())
    assert_nothing_written(klass)


def test_blacklisted_or_suspended_provider_takes_no_trainees(provider_staff, approved_class, provider):
    from lijiao.providers.models import BlacklistEntry, Provider, ProviderStatus

    entry = BlacklistEntry.objects.create(
        provider=provider, reason="虚报培训人数", starts_on=approved_class.end_date, created_by=provider_staff
    )
    with pytest.raises(Conflict) as exc:
        enroll(actor=provider_staff, training_class=approved_class, person=make_person())
    assert exc.value.code == "provider_not_listed" and "黑名单" in exc.value.message
    assert_nothing_written(approved_class)
    entry.delete()
    Provider.objects.filter(pk=provider.pk).update(status=ProviderStatus.SUSPENDED)
    with pytest.raises(Conflict) as exc:
        enroll(actor=provider_staff, training_class=approved_class, person=make_person())
    assert exc.value.code == "provider_not_listed"
    assert_nothing_written(approved_class)


def test_capacity_and_withdrawal(provider_staff, training_ref, provider):
    klass = make_class(provider, training_ref["items"]["electrician5"], capacity=2)
    a, b, c = make_person("甲"), make_person("乙"), make_person("丙")
    first = enroll(actor=provider_staff, training_class=klass, person=a)
    enroll(actor=provider_staff, training_class=klass, person=b)
    with pytest.raises(Conflict) as exc:
        enroll(actor=provider_staff, training_class=klass, person=c)
    assert exc.value.code == "class_full" and "共2个名额，已报名2人" in exc.value.message
    assert not Enrollment.objects.filter(person=c).exists()

    with pytest.raises(DomainError) as exc:
        withdraw(actor=provider_staff, enrollment=first, reason="  ")
    assert exc.value.errors[0].field == "reason"
    withdrawn = withdraw(actor=provider_staff, enrollment=first, reason="个人原因")
    assert withdrawn.status == Enrollment.Status.WITHDRAWN
    klass.refresh_from_db()
    assert klass.enrolled_count == 1
    assert AuditEvent.objects.get(action="training.enrollment.withdrawn").reason == "个人原因"
    with pytest.raises(Conflict):
        withdraw(actor=provider_staff, enrollment=first, reason="again")
    enroll(actor=provider_staff, training_class=klass, person=c)
    # the withdrawn person may come back (same row, checks run again) only if a place is free
    with pytest.raises(Conflict):
        enroll(actor=provider_staff, training_class=klass, person=a)
    klass.refresh_from_db()
    assert klass.enrolled_count == 2


def test_reserve_seats_is_conditional(provider, training_ref):
    klass = make_class(provider, training_ref["items"]["electrician5"], capacity=3)
    reserve_seats(klass, 2)
    with pytest.raises(Conflict) as exc:
        reserve_seats(klass, 2)
    assert "共3个名额，已报名2人" in exc.value.message
    reserve_seats(klass, 1)
    klass.refresh_from_db()
    assert klass.enrolled_count == 3


def test_reenrolling_after_withdrawal(provider_staff, approved_class):
    person = make_person()
    enrollment = enroll(actor=provider_staff, training_class=approved_class, person=person)
    withdraw(actor=provider_staff, enrollment=enrollment, reason="临时有事")
    # cleared here: re-enrolling runs the checks again and sets it
    Enrollment.objects.filter(pk=enrollment.pk).update(eligibility_decision=None)
    again = enroll(actor=provider_staff, training_class=approved_class, person=person)
    assert again.pk == enrollment.pk and again.status == Enrollment.Status.ACTIVE
    stored = Enrollment.objects.get(pk=again.pk)
    # the checks ran again and took the same decision: the record stored the first time
    assert stored.eligibility_decision_id == enrollment.eligibility_decision_id
    assert stored.eligibility["passed"] is True and stored.eligibility["trace"]
    event = AuditEvent.objects.get(action="training.enrollment.reenrolled")
    assert event.before["eligibility_decision"] is None
    assert event.after["eligibility_decision"] == enrollment.eligibility_decision_id


def test_program_quota(provider_staff, approved_class, program):
    Program.objects.filter(pk=program.pk).update(quota=1)
    approved_class.refresh_from_db()
    enroll(actor=provider_staff, training_class=approved_class, person=make_person())
    with pytest.raises(Conflict) as exc:
        enroll(actor=provider_staff, training_class=approved_class, person=make_person("李四"))
    assert exc.value.code == "quota_reached"
    approved_class.refresh_from_db()
    assert approved_class.enrolled_count == 1


def test_only_the_class_provider_staff_may_enroll(other_provider_staff, clerk, city_admin, approved_class):
    for actor in (other_provider_staff, clerk, city_admin):
        with pytest.raises(PermissionDenied):
            enroll(actor=actor, training_class=approved_class, person=make_person())
    assert_nothing_written(approved_class)


def test_withdraw_needs_the_class_provider(provider_staff, other_provider_staff, approved_class):
    enrollment = enroll(actor=provider_staff, training_class=approved_class, person=make_person())
    with pytest.raises(PermissionDenied):
        withdraw(actor=other_provider_staff, enrollment=enrollment, reason="x")
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ACTIVE


def test_attendance_rates_one_query(provider_staff, running_class, django_assert_num_queries):
    from lijiao.training.models import CheckIn

    people = [make_person(f"学员{i}") for i in range(3)]
    enrollments = [Enrollment.objects.create(training_class=running_class, person=p) for p in people]
    sessions = list(running_class.sessions.order_by("starts_at"))
    for session in sessions[:4]:
        CheckIn.objects.create(
            session=session,
            enrollment=enrollments[0],
            person=people[0],
            checked_at=session.starts_at,
            method="manual",
            reason="补录",
        )
    CheckIn.objects.create(
        session=sessions[0],
        enrollment=enrollments[1],
        person=people[1],
        checked_at=aware(today(), 9),
        method="manual",
        reason="补录",
    )
    with django_assert_num_queries(1):
        rates = attendance_rates(running_class)
    assert rates == {
        enrollments[0].pk: dt_rate("0.4"),
        enrollments[1].pk: dt_rate("0.1"),
        enrollments[2].pk: dt_rate("0"),
    }


def dt_rate(text: str) -> Any:
    from decimal import Decimal

    return Decimal(text).quantize(Decimal("0.0001"))


# ------------------------------------------------------------------------------------------------ concurrency


@pytest.fixture
def seeded_areas(transactional_db: None) -> None:
    """Transactional tests run on a flushed database: restore the handling areas the fixtures need."""
    for code, name in (("ZS", "中山区"), ("XG", "西岗区")):
        HandlingArea.objects.get_or_create(code=code, defaults={"name": name})


@pytest.mark.django_db(transaction=True)
def test_capacity_holds_under_concurrent_enrollment(seeded_areas, make_user, training_ref, provider):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent connections: PostgreSQL")
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    seats, extra = 6, 5
    klass = make_class(provider, training_ref["items"]["electrician5"], capacity=seats)
    people = [make_person(f"并发{i}") for i in range(seats + extra)]
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(person: Person) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            enroll(actor=staff, training_class=TrainingClass.objects.get(pk=klass.pk), person=person)
            result = "ok"
        except Conflict as exc:
            result = exc.code
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result = repr(exc)
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["class_full"] * extra + ["ok"] * seats
    klass.refresh_from_db()
    assert klass.enrolled_count == seats
    assert Enrollment.objects.filter(training_class=klass).count() == seats
    # everyone was born the same day: one shared decision record
    decisions = set(
        Enrollment.objects.filter(training_class=klass).values_list("eligibility_decision_id", flat=True)
    )
    assert len(decisions) == 1 and None not in decisions
    assert timezone.now()  # the test ran on a live connection


# ------------------------------------------------------------------------------------------------ enroll a person


def test_enroll_person_registers_records_groups_and_enrolls_in_one_step(
    provider_staff, approved_class
) -> None:
    from lijiao.training.services.enrollment import GroupInput, PersonInput, enroll_person

    number = citizen_id(years_ago(25))
    enrollment = enroll_person(
        actor=provider_staff,
        training_class=approved_class,
        person=PersonInput(
            citizen_id=number,
            name="王五",
            groups=(GroupInput(group="unemployed", registration_number="DL2025-001"),),
        ),
    )
    assert enrollment.status == Enrollment.Status.ACTIVE and enrollment.person.name == "王五"
    assert list(PersonGroup.objects.filter(person=enrollment.person).values_list("group", flat=True)) == [
        "unemployed"
    ]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "people.person.registered",
        "people.person.group_recorded",
        "training.enrollment.created",
    } <= actions


@pytest.mark.parametrize("problem", ["evidence", "eligibility", "permission"])
def test_enroll_person_refused_at_any_step_writes_nothing(
    problem, provider_staff, other_provider_staff, approved_class, graduate_program
) -> None:
    from lijiao.training.services.enrollment import GroupInput, PersonInput, enroll_person

    actor = provider_staff
    group = GroupInput(group="graduate", graduation_year=today().year - 1)
    if problem == "evidence":
        group = GroupInput(group="graduate")  # no graduation year
    elif problem == "eligibility":
        approved_class.program = graduate_program
        approved_class.save(update_fields=["program"])
        group = GroupInput(group="employee", employer_name="某公司", insured_months=12)
    else:
        actor = other_provider_staff
    expected = PermissionDenied if problem == "permission" else DomainError
    with pytest.raises(expected) as exc:
        enroll_person(
            actor=actor,
            training_class=approved_class,
            person=PersonInput(citizen_id=citizen_id(years_ago(24)), name="赵六", groups=(group,)),
        )
    if problem == "evidence":
        assert exc.value.code == "invalid_group"
        assert [e.field for e in exc.value.errors] == ["groups[0].graduation_year"]
    if problem == "eligibility":
        assert exc.value.code == "not_eligible"
    assert (
        not Person.objects.exists() and not PersonGroup.objects.exists() and not Enrollment.objects.exists()
    )
    assert not AuditEvent.objects.filter(action__startswith="people.person").exists()
