"""Class services: creating and editing drafts, the timetable, every filing check, every workflow transition
allowed and refused (state, role, area, provider), code generation — and nothing written on each refusal."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.catalog.models import CatalogItem, Edition, EditionStatus
from lijiao.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from lijiao.core.identity import citizen_id_check_char
from lijiao.people.models import Person
from lijiao.providers.models import BlacklistEntry, Provider, ProviderScope, ProviderStatus, Teacher, Venue
from lijiao.training import workflows
from lijiao.training.models import (
    AssessmentResult,
    CheckIn,
    ClassSession,
    ClassStatus,
    Enrollment,
    LessonHourRule,
    Program,
    TrainingClass,
)
from lijiao.training.services import classes as services
from lijiao.training.services.classes import ClassInput, SessionInput
from lijiao.training.services.classes import editing as class_editing
from lijiao.training.services.programs import default_programs
from tests.training.conftest import aware, make_class, next_monday, today, weekday_sessions

# ---------------------------------------------------------------------------------------------------------------
# Helpers


def chinese_only(message: str) -> bool:
    """Said in Chinese, without an English gloss in brackets (ADR 0003)."""
    return bool(re.search(r"[\u4e00-\u9fff]", message)) and not re.search(
        r"（[^）]*[A-Za-z]{3,}[^）]*）", message
    )


def class_input(ref: dict[str, Any], provider: Provider, **changes: Any) -> ClassInput:
    start = changes.pop("start_date", next_monday())
    values: dict[str, Any] = {
        "name": "电工五级培训班",
        "catalog_item": ref["items"]["electrician5"],
        "start_date": start,
        "end_date": start + dt.timedelta(days=13),
        "capacity": 30,
        "venue": provider.venues.first(),
        "teachers": list(provider.teachers.all()),
        "mode": TrainingClass.Mode.OFFLINE,
    }
    values.update(changes)
    return ClassInput(**values)


def sessions_input(
    start: dt.date | None = None, count: int = 10, practical: int = 6, **kw: Any
) -> list[SessionInput]:
    return [
        SessionInput(starts_at=s["starts_at"], ends_at=s["ends_at"], kind=s["kind"], topic=s["topic"])
        for s in weekday_sessions(start or next_monday(), count, practical=practical, **kw)
    ]


def draft(
    actor: User, ref: dict[str, Any], provider: Provider, *, sessions: bool = True, **changes: Any
) -> TrainingClass:
    """A draft built through the services, ready to file (10 × 4 lesson hours, 60 % practical)."""
    training_class = services.create_class(actor=actor, data=class_input(ref, provider, **changes))
    if sessions:
        services.set_sessions(
            actor=actor, training_class=training_class, sessions=sessions_input(training_class.start_date)
        )
    training_class.refresh_from_db()
    return training_class


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def field_errors(exc: pytest.ExceptionInfo[DomainError]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in exc.value.errors:
        result.setdefault(error.field, []).append(error.message)
    return result


def assert_not_filed(training_class: TrainingClass, item: CatalogItem, filed_events: int = 0) -> None:
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.DRAFT
    assert training_class.catalog_item_id == item.pk
    assert training_class.filed_on is None
    assert events("training.class.filed") == filed_events


_serial = itertools.count(1)


def make_person(name: str = "学员") -> Person:
    birth = today().replace(year=today().year - 30, day=1)
    first17 = f"210202{birth:%Y%m%d}{next(_serial) * 2 + 1:03d}"
    return Person.objects.create(
        name=name, citizen_id=first17 + citizen_id_check_char(first17), gender="M", birth_date=birth
    )


def enroll_orm(training_class: TrainingClass, n: int) -> list[Enrollment]:
    enrollments = [
        Enrollment.objects.create(training_class=training_class, person=make_person(f"学员{i}"))
        for i in range(n)
    ]
    TrainingClass.objects.filter(pk=training_class.pk).update(enrolled_count=n)
    training_class.refresh_from_db()
    return enrollments


# ---------------------------------------------------------------------------------------------------------------
# The transition table


def test_transition_table_is_exactly_the_workflow() -> None:
    allowed = {(a, b) for a, targets in workflows.ALLOWED_TRANSITIONS.items() for b in targets}
    assert allowed == {
        ("draft", "filed"),
        ("filed", "approved"),
        ("filed", "returned"),
        ("filed", "rejected"),
        ("filed", "draft"),  # withdrawn by the provider before review
        ("returned", "filed"),
        ("approved", "running"),
        ("running", "finished"),
        ("finished", "assessed"),
        ("assessed", "closed"),
    }
    for current in ClassStatus.values:
        for target in ClassStatus.values:
            assert workflows.can_transition(current, target) == ((current, target) in allowed)
    assert workflows.available_actions("filed") == ["approve", "return", "reject", "withdraw"]
    assert workflows.available_actions("closed") == []


@pytest.mark.parametrize("status", [s for s in ClassStatus.values if s not in ("draft", "returned")])
def test_file_refused_from_every_other_state(status, provider_staff, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=status)
    with pytest.raises(Conflict) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert exc.value.code == "transition_not_allowed"
    tc.refresh_from_db()
    assert tc.status == status


@pytest.mark.parametrize(
    ("service", "allowed_from"),
    [
        ("approve_class", "filed"),
        ("close_class", "assessed"),
    ],
)
def test_reviewer_transitions_refused_from_other_states(
    service, allowed_from, clerk, provider, training_ref
) -> None:
    for status in ClassStatus.values:
        if status == allowed_from:
            continue
        tc = make_class(provider, training_ref["items"]["electrician5"], status=status)
        with pytest.raises(Conflict):
            getattr(services, service)(actor=clerk, training_class=tc)
        tc.refresh_from_db()
        assert tc.status == status


@pytest.mark.parametrize("service", ["return_class", "reject_class"])
def test_return_and_reject_only_from_filed(service, clerk, provider, training_ref) -> None:
    for status in ClassStatus.values:
        if status == "filed":
            continue
        tc = make_class(provider, training_ref["items"]["electrician5"], status=status)
        with pytest.raises(Conflict):
            getattr(services, service)(actor=clerk, training_class=tc, reason="资料不全")
        tc.refresh_from_db()
        assert tc.status == status


@pytest.mark.parametrize(
    ("service", "allowed_from"),
    [("start_class", "approved"), ("finish_class", "running"), ("mark_assessed", "finished")],
)
def test_provider_transitions_refused_from_other_states(
    service, allowed_from, provider_staff, provider, training_ref
) -> None:
    for status in ClassStatus.values:
        if status == allowed_from:
            continue
        tc = make_class(provider, training_ref["items"]["electrician5"], status=status)
        with pytest.raises(Conflict):
            getattr(services, service)(actor=provider_staff, training_class=tc)
        tc.refresh_from_db()
        assert tc.status == status


# ---------------------------------------------------------------------------------------------------------------
# Create, update, code


def test_create_class_makes_an_audited_draft_with_a_code(
    provider_staff, provider, training_ref, program
) -> None:
    tc = services.create_class(
        actor=provider_staff, data=class_input(training_ref, provider, program=program)
    )
    assert tc.status == ClassStatus.DRAFT
    assert tc.provider == provider and tc.handling_area == provider.handling_area
    assert tc.code == f"PX{today().year}ZS000001"
    assert tc.created_by == provider_staff
    assert set(tc.teachers.all()) == set(provider.teachers.all())
    assert tc.lesson_hours == 0
    event = AuditEvent.objects.get(action="training.class.created")
    assert event.object_id == str(tc.pk) and event.after["code"] == tc.code


def test_codes_are_unique_and_sequential_per_area(
    provider_staff, other_provider_staff, provider, other_provider, training_ref
) -> None:
    a = services.create_class(actor=provider_staff, data=class_input(training_ref, provider))
    b = services.create_class(actor=provider_staff, data=class_input(training_ref, provider))
    c = services.create_class(actor=other_provider_staff, data=class_input(training_ref, other_provider))
    year = today().year
    assert (a.code, b.code, c.code) == (f"PX{year}ZS000001", f"PX{year}ZS000002", f"PX{year}XG000001")


def test_code_generation_retries_when_a_concurrent_creator_took_the_code(
    monkeypatch, provider_staff, provider, training_ref
) -> None:
    first = services.create_class(actor=provider_staff, data=class_input(training_ref, provider))
    real = services.next_class_code
    calls = {"n": 0}

    def racing(area, year):  # the first attempt returns a code someone else saved meanwhile
        calls["n"] += 1
        return first.code if calls["n"] == 1 else real(area, year)

    monkeypatch.setattr(class_editing, "next_class_code", racing)
    second = services.create_class(actor=provider_staff, data=class_input(training_ref, provider))
    assert calls["n"] == 2
    assert second.code != first.code
    assert TrainingClass.objects.count() == 2


def test_create_resolves_an_item_of_an_older_edition_to_todays(
    provider_staff, provider, training_ref
) -> None:
    old = Edition.objects.create(
        name="旧版",
        year=2000,
        status=EditionStatus.SUPERSEDED,
        effective_from=dt.date(2000, 1, 1),
        effective_to=dt.date(2001, 1, 1),
    )
    current = training_ref["items"]["electrician5"]
    old_item = CatalogItem.objects.create(
        edition=old,
        kind="occupation",
        occupation=current.occupation,
        level=5,
        category=current.category,
        subsidy_standard=Decimal("500"),
        min_lesson_hours=40,
    )
    tc = services.create_class(
        actor=provider_staff, data=class_input(training_ref, provider, catalog_item=old_item)
    )
    assert tc.catalog_item == current


def test_resolve_subject_by_occupation_and_level_or_special_item(training_ref) -> None:
    ref = training_ref
    assert services.resolve_subject(occupation=ref["electrician"], level=4) == ref["items"]["electrician4"]
    assert services.resolve_subject(special_item=ref["media"]) == ref["items"]["media"]
    with pytest.raises(DomainError) as exc:
        services.resolve_subject(occupation=ref["electrician"], level=2)
    assert "catalog_item" in field_errors(exc)
    with pytest.raises(DomainError) as exc:
        services.resolve_subject(occupation=ref["electrician"])
    assert "level" in field_errors(exc)
    with pytest.raises(DomainError) as exc:
        services.resolve_subject()
    assert "catalog_item" in field_errors(exc)
    with pytest.raises(DomainError) as exc:
        services.resolve_subject(catalog_item=ref["items"]["media"], on=today() - dt.timedelta(days=400))
    assert "没有生效" in field_errors(exc)["catalog_item"][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"start_date": today() - dt.timedelta(days=1)}, "start_date"),
        ({"end_date": next_monday() - dt.timedelta(days=1)}, "end_date"),
        ({"capacity": 0}, "capacity"),
        ({"mode": "tv"}, "mode"),
        ({"lesson_hours": 10, "practical_hours": 20}, "practical_hours"),
    ],
)
def test_create_refuses_bad_fields_and_writes_nothing(
    changes, field, provider_staff, provider, training_ref
) -> None:
    with pytest.raises(DomainError) as exc:
        services.create_class(actor=provider_staff, data=class_input(training_ref, provider, **changes))
    assert field in field_errors(exc)
    assert all(chinese_only(m) for messages in field_errors(exc).values() for m in messages)
    assert not TrainingClass.objects.exists()
    assert events("training.class.created") == 0


def test_create_refuses_venue_teacher_and_subject_outside_the_provider(
    provider_staff, provider, other_provider, training_ref
) -> None:
    ProviderScope.objects.filter(provider=provider, occupation=training_ref["welder"]).delete()
    data = class_input(
        training_ref,
        provider,
        venue=other_provider.venues.first(),
        teachers=[*provider.teachers.all(), *other_provider.teachers.all()],
        catalog_item=training_ref["items"]["welder4"],
    )
    with pytest.raises(DomainError) as exc:
        services.create_class(actor=provider_staff, data=data)
    assert {"venue", "teachers", "catalog_item"} <= set(field_errors(exc))
    assert not TrainingClass.objects.exists()


def test_create_refused_for_non_provider_staff(clerk, city_admin, make_user, provider, training_ref) -> None:
    for actor in (clerk, city_admin, make_user(Role.WORKER)):
        with pytest.raises(PermissionDenied):
            services.create_class(actor=actor, data=class_input(training_ref, provider))
    assert not TrainingClass.objects.exists()


def test_update_class_in_draft_and_returned(provider_staff, provider, training_ref, program) -> None:
    tc = draft(provider_staff, training_ref, provider)
    data = class_input(training_ref, provider, name="改名后的班", capacity=25, program=program)
    tc = services.update_class(actor=provider_staff, training_class=tc, data=data)
    assert (tc.name, tc.capacity, tc.program) == ("改名后的班", 25, program)
    assert tc.lesson_hours == 40  # None keeps the declared hours
    assert events("training.class.updated") == 1
    TrainingClass.objects.filter(pk=tc.pk).update(status=ClassStatus.RETURNED)
    tc.refresh_from_db()
    tc = services.update_class(
        actor=provider_staff, training_class=tc, data=class_input(training_ref, provider, lesson_hours=44)
    )
    assert tc.lesson_hours == 44


@pytest.mark.parametrize("status", ["filed", "approved", "running", "rejected", "closed"])
def test_update_refused_after_filing(status, provider_staff, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=status)
    with pytest.raises(Conflict):
        services.update_class(
            actor=provider_staff, training_class=tc, data=class_input(training_ref, provider, name="x")
        )
    tc.refresh_from_db()
    assert tc.name != "x"


def test_update_refuses_capacity_below_enrolled(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider)
    enroll_orm(tc, 3)
    with pytest.raises(DomainError) as exc:
        services.update_class(
            actor=provider_staff, training_class=tc, data=class_input(training_ref, provider, capacity=2)
        )
    assert "capacity" in field_errors(exc)
    tc.refresh_from_db()
    assert tc.capacity == 30


def test_other_provider_cannot_touch_the_class(
    provider_staff, other_provider_staff, provider, training_ref
) -> None:
    tc = draft(provider_staff, training_ref, provider)
    calls = [
        lambda: services.update_class(
            actor=other_provider_staff, training_class=tc, data=class_input(training_ref, provider)
        ),
        lambda: services.set_sessions(actor=other_provider_staff, training_class=tc, sessions=[]),
        lambda: services.file_class(actor=other_provider_staff, training_class=tc),
        lambda: services.delete_class(actor=other_provider_staff, training_class=tc),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    tc.refresh_from_db()
    assert tc.status == ClassStatus.DRAFT and tc.sessions.count() == 10


def test_delete_draft_and_refusals(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider)
    pk = tc.pk
    services.delete_class(actor=provider_staff, training_class=tc)
    assert not TrainingClass.objects.filter(pk=pk).exists()
    assert events("training.class.deleted") == 1
    with_people = draft(provider_staff, training_ref, provider)
    enroll_orm(with_people, 1)
    with pytest.raises(Conflict):
        services.delete_class(actor=provider_staff, training_class=with_people)
    approved = make_class(provider, training_ref["items"]["electrician5"])
    with pytest.raises(Conflict):
        services.delete_class(actor=provider_staff, training_class=approved)
    assert TrainingClass.objects.filter(pk__in=[with_people.pk, approved.pk]).count() == 2


# ---------------------------------------------------------------------------------------------------------------
# Timetable


def test_set_sessions_replaces_the_timetable_and_declared_hours(
    provider_staff, provider, training_ref
) -> None:
    tc = draft(provider_staff, training_ref, provider, sessions=False)
    services.set_sessions(actor=provider_staff, training_class=tc, sessions=sessions_input(tc.start_date))
    tc.refresh_from_db()
    assert (tc.sessions.count(), tc.lesson_hours, tc.practical_hours) == (10, 40, 24)
    services.set_sessions(
        actor=provider_staff, training_class=tc, sessions=sessions_input(tc.start_date, count=5, practical=5)
    )
    tc.refresh_from_db()
    assert (tc.sessions.count(), tc.lesson_hours, tc.practical_hours) == (5, 20, 20)
    services.set_sessions(
        actor=provider_staff,
        training_class=tc,
        sessions=sessions_input(tc.start_date, count=2),
        update_hours=False,
    )
    tc.refresh_from_db()
    assert (tc.sessions.count(), tc.lesson_hours) == (2, 20)
    assert events("training.class.sessions_set") == 3


def test_naive_session_times_are_beijing_time(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider, sessions=False)
    day = tc.start_date
    services.set_sessions(
        actor=provider_staff,
        training_class=tc,
        sessions=[SessionInput(dt.datetime.combine(day, dt.time(9)), dt.datetime.combine(day, dt.time(12)))],
    )
    session = tc.sessions.get()
    assert timezone.localtime(session.starts_at).hour == 9


@pytest.mark.parametrize("problem", ["overlap", "outside", "reversed", "too_long", "kind", "teacher"])
def test_set_sessions_refusals_write_nothing(
    problem, provider_staff, provider, other_provider, training_ref
) -> None:
    tc = draft(provider_staff, training_ref, provider)
    sessions = sessions_input(tc.start_date)
    first = sessions[0]
    bad = {
        "overlap": SessionInput(
            first.starts_at + dt.timedelta(hours=1), first.ends_at + dt.timedelta(hours=1)
        ),
        "outside": SessionInput(
            aware(tc.end_date + dt.timedelta(days=1), 9), aware(tc.end_date + dt.timedelta(days=1), 12)
        ),
        "reversed": SessionInput(
            first.ends_at + dt.timedelta(hours=3), first.ends_at + dt.timedelta(hours=2)
        ),
        "too_long": SessionInput(aware(tc.end_date, 6), aware(tc.end_date, 19)),
        "kind": SessionInput(aware(tc.end_date, 13), aware(tc.end_date, 15), kind="lunch"),
        "teacher": SessionInput(
            aware(tc.end_date, 13), aware(tc.end_date, 15), teacher=other_provider.teachers.first()
        ),
    }[problem]
    with pytest.raises(DomainError) as exc:
        services.set_sessions(actor=provider_staff, training_class=tc, sessions=[*sessions, bad])
    assert exc.value.code == "invalid_timetable"
    rows = field_errors(exc)
    messages = [m for field, found in rows.items() if field.startswith("sessions.") for m in found]
    assert messages and all("第" in m and chinese_only(m) for m in messages)
    tc.refresh_from_db()
    assert tc.sessions.count() == 10 and tc.lesson_hours == 40
    assert events("training.class.sessions_set") == 1


def test_set_sessions_refused_once_filed(provider_staff, approved_class) -> None:
    with pytest.raises(Conflict):
        services.set_sessions(actor=provider_staff, training_class=approved_class, sessions=[])
    assert approved_class.sessions.count() == 10


# ---------------------------------------------------------------------------------------------------------------
# Filing checks


def test_file_passes_and_records(provider_staff, provider, training_ref, program) -> None:
    tc = draft(provider_staff, training_ref, provider, program=program)
    tc = services.file_class(actor=provider_staff, training_class=tc)
    assert tc.status == ClassStatus.FILED and tc.filed_on == today()
    tc.refresh_from_db()
    assert tc.status == ClassStatus.FILED and tc.filed_on == today()
    assert events("training.class.filed") == 1


def _new_edition(ref: dict[str, Any], *, keep: list[str], start: dt.date) -> Edition:
    """Publish a new edition from ``start`` with copies of the ``keep`` items (amounts +100)."""
    old = ref["edition"]
    Edition.objects.filter(pk=old.pk).update(effective_to=start, status=EditionStatus.SUPERSEDED)
    new = Edition.objects.create(
        name="新版", year=start.year, status=EditionStatus.PUBLISHED, effective_from=start
    )
    for key in keep:
        item = CatalogItem.objects.get(pk=ref["items"][key].pk)
        item.pk = None
        item.edition = new
        item.subsidy_standard += 100
        item.save()
    return new


def test_filing_after_a_new_edition_takes_the_new_editions_item(
    provider_staff, provider, training_ref
) -> None:
    tc = draft(provider_staff, training_ref, provider)
    old_item = tc.catalog_item
    new = _new_edition(training_ref, keep=["electrician5", "media"], start=today())
    services.file_class(actor=provider_staff, training_class=tc)
    tc.refresh_from_db()
    assert tc.catalog_item.edition == new
    assert (tc.catalog_item.occupation_id, tc.catalog_item.level) == (old_item.occupation_id, old_item.level)
    assert tc.catalog_item.subsidy_standard == old_item.subsidy_standard + 100


def test_a_new_edition_starting_tomorrow_does_not_apply_to_filing_today(
    provider_staff, provider, training_ref
) -> None:
    tc = draft(provider_staff, training_ref, provider)
    _new_edition(training_ref, keep=["electrician5"], start=today() + dt.timedelta(days=1))
    services.file_class(actor=provider_staff, training_class=tc)
    tc.refresh_from_db()
    assert tc.catalog_item.edition == training_ref["edition"]


def test_filing_refused_when_the_subject_left_the_edition(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider)
    item = tc.catalog_item
    _new_edition(training_ref, keep=["media"], start=today())
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert exc.value.code == "filing_refused"
    assert "新版" in field_errors(exc)["catalog_item"][0]
    assert_not_filed(tc, item)


def test_filing_refused_for_a_start_date_in_the_past(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider)
    TrainingClass.objects.filter(pk=tc.pk).update(start_date=today() - dt.timedelta(days=1))
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "start_date" in field_errors(exc)
    assert_not_filed(tc, tc.catalog_item)


def test_filing_requires_the_level_rule_hours(provider_staff, provider, training_ref) -> None:
    """40 lesson hours satisfy 五级 (≥ 40) but not 四级 (≥ 56)."""
    tc = draft(provider_staff, training_ref, provider, catalog_item=training_ref["items"]["electrician4"])
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    errors = field_errors(exc)
    assert list(errors) == ["sessions"]
    assert "56" in errors["sessions"][0]
    assert_not_filed(tc, training_ref["items"]["electrician4"])
    # 14 sessions × 4 = 56 hours, 9 practical (64 %) → passes
    services.set_sessions(
        actor=provider_staff,
        training_class=tc,
        sessions=sessions_input(tc.start_date, count=10, practical=6)
        + sessions_input(tc.start_date + dt.timedelta(days=7), count=4, practical=4, hour=14),
    )
    services.file_class(actor=provider_staff, training_class=tc)
    tc.refresh_from_db()
    assert tc.status == ClassStatus.FILED


def test_filing_uses_the_kind_rule_when_no_level_rule(provider_staff, provider, training_ref) -> None:
    """专项 items fall back to the kind rule (≥ 16 hours, practical ≥ 50 %)."""
    tc = draft(
        provider_staff, training_ref, provider, catalog_item=training_ref["items"]["media"], sessions=False
    )
    services.set_sessions(
        actor=provider_staff, training_class=tc, sessions=sessions_input(tc.start_date, count=4, practical=1)
    )
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "50%" in field_errors(exc)["sessions"][0]
    services.set_sessions(
        actor=provider_staff, training_class=tc, sessions=sessions_input(tc.start_date, count=4, practical=2)
    )
    services.file_class(actor=provider_staff, training_class=tc)


def test_lesson_rules_are_data(provider_staff, provider, training_ref) -> None:
    LessonHourRule.objects.filter(kind="occupation", level=5).update(min_total_hours=48)
    tc = draft(provider_staff, training_ref, provider)
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "48" in field_errors(exc)["sessions"][0]
    LessonHourRule.objects.filter(kind="occupation", level=5).delete()
    LessonHourRule.objects.update_or_create(
        kind="occupation", level=None, defaults={"min_total_hours": 30, "min_practical_share": Decimal("0.5")}
    )
    assert services.lesson_rule_for(training_ref["items"]["electrician5"]).level is None
    services.file_class(actor=provider_staff, training_class=tc)


def test_filing_requires_the_practical_share(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider, sessions=False)
    services.set_sessions(
        actor=provider_staff, training_class=tc, sessions=sessions_input(tc.start_date, practical=5)
    )
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "实操课时占比50.0%" in field_errors(exc)["sessions"][0]
    assert_not_filed(tc, tc.catalog_item)


def test_filing_requires_declared_hours_to_match(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider)
    services.update_class(
        actor=provider_staff,
        training_class=tc,
        data=class_input(training_ref, provider, lesson_hours=48, practical_hours=30),
    )
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert {"lesson_hours", "practical_hours"} <= set(field_errors(exc))


def test_filing_requires_sessions_within_the_dates(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider)
    TrainingClass.objects.filter(pk=tc.pk).update(end_date=tc.start_date + dt.timedelta(days=3))
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "超出培训班起止日期" in field_errors(exc)["sessions"][0]


def test_filing_requires_a_timetable_and_teachers(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider, sessions=False, teachers=[])
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    errors = field_errors(exc)
    assert "sessions" in errors and "teachers" in errors


@pytest.mark.parametrize("status", [ProviderStatus.SUSPENDED, ProviderStatus.REMOVED, ProviderStatus.APPLIED])
def test_filing_refused_for_an_unlisted_provider(status, provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider)
    Provider.objects.filter(pk=provider.pk).update(status=status)
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "provider" in field_errors(exc)
    assert_not_filed(tc, tc.catalog_item)


def test_filing_refused_for_a_blacklist_overlapping_the_dates(
    provider_staff, clerk, provider, training_ref
) -> None:
    tc = draft(provider_staff, training_ref, provider)
    entry = BlacklistEntry.objects.create(
        provider=provider,
        reason="虚报学员",
        starts_on=tc.end_date,
        ends_on=tc.end_date + dt.timedelta(days=30),
        created_by=clerk,
    )
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "provider" in field_errors(exc)
    assert_not_filed(tc, tc.catalog_item)
    # a blacklist that ended before the class starts does not matter
    BlacklistEntry.objects.filter(pk=entry.pk).update(
        starts_on=today() - dt.timedelta(days=60), ends_on=today() - dt.timedelta(days=1)
    )
    services.file_class(actor=provider_staff, training_class=tc)


def test_filing_refused_when_the_licence_expires_before_the_end(
    provider_staff, provider, training_ref
) -> None:
    tc = draft(provider_staff, training_ref, provider)
    Provider.objects.filter(pk=provider.pk).update(licence_expires_on=tc.end_date - dt.timedelta(days=1))
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "许可证" in field_errors(exc)["provider"][0]


def test_filing_refused_outside_the_scope(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider)
    ProviderScope.objects.filter(provider=provider, occupation=training_ref["electrician"]).update(
        highest_level=5
    )
    services.file_class(actor=provider_staff, training_class=tc)  # 五级 still covered
    tc2 = draft(provider_staff, training_ref, provider)
    ProviderScope.objects.filter(provider=provider, occupation=training_ref["electrician"]).delete()
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc2)
    assert "培训范围" in field_errors(exc)["catalog_item"][0]
    assert_not_filed(tc2, tc2.catalog_item, filed_events=1)


def test_filing_refused_when_the_venue_is_too_small_or_missing(
    provider_staff, provider, training_ref
) -> None:
    tc = draft(provider_staff, training_ref, provider)
    Venue.objects.filter(pk=tc.venue_id).update(capacity=20)
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "容纳人数20" in field_errors(exc)["capacity"][0]
    TrainingClass.objects.filter(pk=tc.pk).update(venue=None)
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "venue" in field_errors(exc)
    TrainingClass.objects.filter(pk=tc.pk).update(mode=TrainingClass.Mode.ONLINE)
    services.file_class(actor=provider_staff, training_class=tc)  # an online class needs no venue


def test_filing_checks_the_program_fits_the_item(
    provider_staff, provider, training_ref, graduate_program
) -> None:
    tc = draft(provider_staff, training_ref, provider, program=graduate_program)
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert "专业转换" in field_errors(exc)["program"][0]
    assert_not_filed(tc, tc.catalog_item)
    # 工业机器人系统操作员 四级 allows graduate conversion (56 hours needed)
    robot = draft(
        provider_staff,
        training_ref,
        provider,
        program=graduate_program,
        catalog_item=training_ref["items"]["robot4"],
        sessions=False,
        end_date=next_monday() + dt.timedelta(days=20),
    )
    services.set_sessions(
        actor=provider_staff,
        training_class=robot,
        sessions=sessions_input(robot.start_date, count=14, practical=9),
    )
    services.file_class(actor=provider_staff, training_class=robot)


@pytest.mark.parametrize(
    ("kind", "item_key", "ok"),
    [
        (Program.Kind.ELDER_CHILD, "carer5", True),
        (Program.Kind.ELDER_CHILD, "electrician5", False),
        (Program.Kind.MASTER_CRAFTSMAN, "electrician4", False),
        (Program.Kind.APPRENTICESHIP, "electrician5", False),
        (Program.Kind.APPRENTICESHIP, "electrician4", True),
        (Program.Kind.GENERAL, "media", True),
    ],
)
def test_program_item_problems(kind, item_key, ok, training_ref) -> None:
    """Which items a program covers is its ``item_rule`` (data), as the default programs set it per kind."""
    (data,) = [d for d in default_programs(2026) if d.kind == kind][:1]
    program = Program(code="x", name="x", kind=kind, year=2026, item_rule=data.item_rule)
    assert (services.program_item_problems(program, training_ref["items"][item_key]) == []) is ok


def test_filing_reports_every_failure_at_once(
    provider_staff, provider, training_ref, graduate_program
) -> None:
    tc = draft(provider_staff, training_ref, provider, program=graduate_program, capacity=35)
    Provider.objects.filter(pk=provider.pk).update(status=ProviderStatus.SUSPENDED)
    Venue.objects.filter(pk=tc.venue_id).update(capacity=20)
    with pytest.raises(DomainError) as exc:
        services.file_class(actor=provider_staff, training_class=tc)
    assert {"provider", "capacity", "program"} <= set(field_errors(exc))
    preview_item, preview = services.filing_problems(tc)
    assert preview_item == tc.catalog_item and len(preview) == len(exc.value.errors)


def test_file_refused_for_roles_without_the_permission(
    clerk, city_admin, provider_staff, provider, training_ref
) -> None:
    tc = draft(provider_staff, training_ref, provider)
    for actor in (clerk, city_admin):
        with pytest.raises((PermissionDenied, NotFound)):
            services.file_class(actor=actor, training_class=tc)
    assert_not_filed(tc, tc.catalog_item)


def test_returned_class_can_be_fixed_and_filed_again(provider_staff, clerk, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider)
    services.file_class(actor=provider_staff, training_class=tc)
    services.return_class(actor=clerk, training_class=tc, reason="请补充实操场地照片")
    tc.refresh_from_db()
    assert tc.status == ClassStatus.RETURNED and tc.status_reason == "请补充实操场地照片"
    services.update_class(
        actor=provider_staff, training_class=tc, data=class_input(training_ref, provider, name="修改后")
    )
    services.file_class(actor=provider_staff, training_class=tc)
    tc.refresh_from_db()
    assert tc.status == ClassStatus.FILED and tc.status_reason == "" and tc.reviewed_by is None


# ---------------------------------------------------------------------------------------------------------------
# Review (district clerk of the class's area)


@pytest.fixture
def filed_class(provider_staff, provider, training_ref, program) -> TrainingClass:
    tc = draft(provider_staff, training_ref, provider, program=program)
    return services.file_class(actor=provider_staff, training_class=tc)


def test_clerk_approves(clerk, filed_class) -> None:
    tc = services.approve_class(actor=clerk, training_class=filed_class)
    tc.refresh_from_db()
    assert tc.status == ClassStatus.APPROVED and tc.reviewed_by == clerk and tc.reviewed_at is not None
    assert events("training.class.approved") == 1


def test_city_admin_may_review_any_area(city_admin, filed_class) -> None:
    services.approve_class(actor=city_admin, training_class=filed_class)


@pytest.mark.parametrize("service", ["approve_class", "return_class", "reject_class"])
def test_clerk_of_another_area_cannot_review(service, clerk_elsewhere, filed_class) -> None:
    kwargs = {"reason": "x"} if service != "approve_class" else {}
    with pytest.raises(NotFound):
        getattr(services, service)(actor=clerk_elsewhere, training_class=filed_class, **kwargs)
    filed_class.refresh_from_db()
    assert filed_class.status == ClassStatus.FILED


@pytest.mark.parametrize("service", ["approve_class", "return_class", "reject_class", "close_class"])
def test_provider_staff_cannot_review(service, provider_staff, make_user, filed_class) -> None:
    kwargs = {"reason": "x"} if service in ("return_class", "reject_class") else {}
    for actor in (provider_staff, make_user(Role.FINANCE)):
        with pytest.raises(PermissionDenied):
            getattr(services, service)(actor=actor, training_class=filed_class, **kwargs)
    filed_class.refresh_from_db()
    assert filed_class.status == ClassStatus.FILED


@pytest.mark.parametrize("service", ["return_class", "reject_class"])
def test_return_and_reject_need_a_reason(service, clerk, filed_class) -> None:
    for reason in ("", "   ", "长" * 501):
        with pytest.raises(DomainError) as exc:
            getattr(services, service)(actor=clerk, training_class=filed_class, reason=reason)
        assert "reason" in field_errors(exc)
    filed_class.refresh_from_db()
    assert filed_class.status == ClassStatus.FILED
    tc = getattr(services, service)(actor=clerk, training_class=filed_class, reason=" 课程表不合理 ")
    assert tc.status_reason == "课程表不合理"
    event = AuditEvent.objects.get(
        action=f"training.class.{'returned' if service == 'return_class' else 'rejected'}"
    )
    assert event.reason == "课程表不合理"


def test_rejected_is_final(clerk, provider_staff, filed_class) -> None:
    services.reject_class(actor=clerk, training_class=filed_class, reason="不符合条件")
    with pytest.raises(Conflict):
        services.file_class(actor=provider_staff, training_class=filed_class)
    with pytest.raises(Conflict):
        services.update_class(
            actor=provider_staff,
            training_class=filed_class,
            data=class_input({"items": {"electrician5": filed_class.catalog_item}}, filed_class.provider),
        )


def test_approval_rechecks_the_listing(clerk, filed_class) -> None:
    BlacklistEntry.objects.create(
        provider=filed_class.provider, reason="虚报课时", starts_on=today(), created_by=clerk
    )
    with pytest.raises(DomainError) as exc:
        services.approve_class(actor=clerk, training_class=filed_class)
    assert exc.value.code == "listing_refused" and "provider" in field_errors(exc)
    filed_class.refresh_from_db()
    assert filed_class.status == ClassStatus.FILED and events("training.class.approved") == 0


def test_stale_copy_cannot_be_approved_twice(clerk, make_user, filed_class) -> None:
    other = make_user(Role.DISTRICT_CLERK, area="ZS")
    stale = TrainingClass.objects.get(pk=filed_class.pk)
    services.approve_class(actor=clerk, training_class=filed_class)
    with pytest.raises(Conflict):
        services.reject_class(actor=other, training_class=stale, reason="晚了一步")
    stale.refresh_from_db()
    assert stale.status == ClassStatus.APPROVED and stale.reviewed_by == clerk


def test_workflow_conditional_update_detects_a_concurrent_change(filed_class) -> None:
    stale = TrainingClass.objects.get(pk=filed_class.pk)
    TrainingClass.objects.filter(pk=filed_class.pk).update(status=ClassStatus.APPROVED)
    with pytest.raises(Conflict) as exc:
        workflows.transition(stale, ClassStatus.REJECTED)
    assert exc.value.code == "stale_status"


# ---------------------------------------------------------------------------------------------------------------
# Running, finishing, assessing, closing


def test_start_not_before_the_start_date(provider_staff, approved_class) -> None:
    with pytest.raises(DomainError) as exc:
        services.start_class(actor=provider_staff, training_class=approved_class)
    assert "start_date" in field_errors(exc)
    approved_class.refresh_from_db()
    assert approved_class.status == ClassStatus.APPROVED


def _approved_starting_today(provider: Provider, ref: dict[str, Any]) -> TrainingClass:
    return make_class(
        provider, ref["items"]["electrician5"], start=today(), sessions=weekday_sessions(today(), 10)
    )


def test_start_on_the_start_date(provider_staff, provider, training_ref) -> None:
    tc = _approved_starting_today(provider, training_ref)
    services.start_class(actor=provider_staff, training_class=tc)
    tc.refresh_from_db()
    assert tc.status == ClassStatus.RUNNING and events("training.class.started") == 1


@pytest.mark.parametrize("problem", ["suspended", "blacklisted", "removed"])
def test_a_provider_suspended_or_blacklisted_meanwhile_cannot_start(
    problem, provider_staff, clerk, provider, training_ref
) -> None:
    tc = _approved_starting_today(provider, training_ref)
    if problem == "blacklisted":
        BlacklistEntry.objects.create(
            provider=provider, reason="虚报学员", starts_on=today(), created_by=clerk
        )
    else:
        Provider.objects.filter(pk=provider.pk).update(status=problem)
    with pytest.raises(DomainError) as exc:
        services.start_class(actor=provider_staff, training_class=tc)
    assert exc.value.code == "start_refused" and "provider" in field_errors(exc)
    tc.refresh_from_db()
    assert tc.status == ClassStatus.APPROVED


def test_start_refused_for_others(other_provider_staff, clerk, provider, training_ref) -> None:
    tc = _approved_starting_today(provider, training_ref)
    with pytest.raises(NotFound):
        services.start_class(actor=other_provider_staff, training_class=tc)
    with pytest.raises(PermissionDenied):
        services.start_class(actor=clerk, training_class=tc)
    tc.refresh_from_db()
    assert tc.status == ClassStatus.APPROVED


def test_finish_not_before_the_end_date(provider_staff, provider, training_ref) -> None:
    # started two days ago, its last session two weeks from now (whatever weekday today is)
    start = today() - dt.timedelta(days=2)
    running = make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.RUNNING,
        start=start,
        sessions=weekday_sessions(start, 12),
    )
    assert running.end_date > today()
    with pytest.raises(DomainError) as exc:
        services.finish_class(actor=provider_staff, training_class=running)
    assert "end_date" in field_errors(exc)
    running.refresh_from_db()
    assert running.status == ClassStatus.RUNNING


@pytest.fixture
def ended_class(provider, training_ref) -> TrainingClass:
    """Running, 4 sessions in the past (ended yesterday at the latest)."""
    start = today() - dt.timedelta(days=14)
    sessions = weekday_sessions(start, 4, practical=3)
    end = timezone.localtime(sessions[-1]["ends_at"]).date()
    return make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.RUNNING,
        start=start,
        sessions=sessions,
        end_date=end,
    )


def test_finish_completes_enrollments_with_attendance_rates(provider_staff, ended_class) -> None:
    a, b, c = enroll_orm(ended_class, 3)
    Enrollment.objects.filter(pk=c.pk).update(status=Enrollment.Status.WITHDRAWN)
    sessions = list(ended_class.sessions.all())
    for session in sessions[:3]:
        CheckIn.objects.create(
            session=session,
            enrollment=a,
            person=a.person,
            checked_at=session.starts_at,
            method="manual",
            reason="补录",
        )
    CheckIn.objects.create(
        session=sessions[0],
        enrollment=b,
        person=b.person,
        checked_at=sessions[0].starts_at,
        method="manual",
        reason="补录",
    )
    services.finish_class(actor=provider_staff, training_class=ended_class)
    ended_class.refresh_from_db()
    assert ended_class.status == ClassStatus.FINISHED
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert (a.status, a.attendance_rate) == (Enrollment.Status.COMPLETED, Decimal("0.7500"))
    assert (b.status, b.attendance_rate) == (Enrollment.Status.COMPLETED, Decimal("0.2500"))
    assert (c.status, c.attendance_rate) == (Enrollment.Status.WITHDRAWN, Decimal("0.0000"))
    assert AuditEvent.objects.get(action="training.class.finished").after["completed_enrollments"] == 2


def test_finish_refused_for_others(other_provider_staff, clerk, ended_class) -> None:
    with pytest.raises(NotFound):
        services.finish_class(actor=other_provider_staff, training_class=ended_class)
    with pytest.raises(PermissionDenied):
        services.finish_class(actor=clerk, training_class=ended_class)
    ended_class.refresh_from_db()
    assert ended_class.status == ClassStatus.RUNNING


def test_mark_assessed_needs_every_completed_result(provider_staff, ended_class) -> None:
    a, b = enroll_orm(ended_class, 2)
    services.finish_class(actor=provider_staff, training_class=ended_class)
    AssessmentResult.objects.create(
        enrollment=a, passed=True, evaluating_organisation="评价机构", assessed_on=today()
    )
    with pytest.raises(DomainError) as exc:
        services.mark_assessed(actor=provider_staff, training_class=ended_class)
    assert "还有1名" in field_errors(exc)["__all__"][0]
    ended_class.refresh_from_db()
    assert ended_class.status == ClassStatus.FINISHED
    AssessmentResult.objects.create(
        enrollment=b, passed=False, evaluating_organisation="评价机构", assessed_on=today()
    )
    services.mark_assessed(actor=provider_staff, training_class=ended_class)
    ended_class.refresh_from_db()
    assert ended_class.status == ClassStatus.ASSESSED


def test_close_by_the_areas_clerk_only(
    clerk, clerk_elsewhere, provider_staff, provider, training_ref
) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.ASSESSED)
    with pytest.raises(NotFound):
        services.close_class(actor=clerk_elsewhere, training_class=tc)
    with pytest.raises(PermissionDenied):
        services.close_class(actor=provider_staff, training_class=tc)
    services.close_class(actor=clerk, training_class=tc)
    tc.refresh_from_db()
    assert tc.status == ClassStatus.CLOSED and events("training.class.closed") == 1


def test_whole_lifecycle(provider_staff, clerk, provider, training_ref, program) -> None:
    tc = draft(provider_staff, training_ref, provider, program=program)
    services.file_class(actor=provider_staff, training_class=tc)
    services.approve_class(actor=clerk, training_class=tc)
    # time passes: the class is now under way and then over
    TrainingClass.objects.filter(pk=tc.pk).update(start_date=today(), end_date=today())
    tc.refresh_from_db()
    services.start_class(actor=provider_staff, training_class=tc)
    services.finish_class(actor=provider_staff, training_class=tc)
    services.mark_assessed(actor=provider_staff, training_class=tc)
    services.close_class(actor=clerk, training_class=tc)
    tc.refresh_from_db()
    assert tc.status == ClassStatus.CLOSED
    actions = list(
        AuditEvent.objects.filter(object_id=str(tc.pk), action__startswith="training.class.")
        .values_list("action", flat=True)
        .order_by("sequence")
    )
    assert actions == [
        "training.class.created",
        "training.class.sessions_set",
        "training.class.filed",
        "training.class.approved",
        "training.class.started",
        "training.class.finished",
        "training.class.assessed",
        "training.class.closed",
    ]


def test_teacher_of_the_provider_is_required_to_be_active(provider_staff, provider, training_ref) -> None:
    teacher = Teacher.objects.create(provider=provider, name="已离职", active=False)
    with pytest.raises(DomainError) as exc:
        services.create_class(
            actor=provider_staff, data=class_input(training_ref, provider, teachers=[teacher])
        )
    assert "离职" in field_errors(exc)["teachers"][0]


def test_session_model_untouched_by_refused_filing(provider_staff, provider, training_ref) -> None:
    tc = draft(provider_staff, training_ref, provider, catalog_item=training_ref["items"]["electrician4"])
    before = list(ClassSession.objects.filter(training_class=tc).values_list("pk", flat=True))
    with pytest.raises(DomainError):
        services.file_class(actor=provider_staff, training_class=tc)
    assert list(ClassSession.objects.filter(training_class=tc).values_list("pk", flat=True)) == before


# ---------------------------------------------------------------------------------------------------------------
# Concurrency (PostgreSQL)


@pytest.fixture
def seeded_areas(transactional_db: None) -> None:
    """Transactional tests run on a flushed database: restore the handling areas the fixtures need."""
    from lijiao.core.models import HandlingArea

    for code, name in (("ZS", "中山区"), ("XG", "西岗区")):
        HandlingArea.objects.get_or_create(code=code, defaults={"name": name})


@pytest.mark.django_db(transaction=True)
def test_concurrent_creators_get_distinct_codes(
    seeded_areas, make_user, training_ref, provider, monkeypatch
) -> None:
    """Both creators compute the same next code at the same moment; the loser retries with the next one."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections: PostgreSQL")
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    creators = 4
    barrier = threading.Barrier(creators)
    real = services.next_class_code
    first_call: set[int] = set()

    def synchronised(area, year):  # every thread's first computation happens before anyone inserts
        code = real(area, year)
        if threading.get_ident() not in first_call:
            first_call.add(threading.get_ident())
            barrier.wait(timeout=10)
        return code

    monkeypatch.setattr(class_editing, "next_class_code", synchronised)
    outcomes: list[str] = []
    lock = threading.Lock()

    def create() -> None:
        from django.db import connection as thread_connection

        try:
            tc = services.create_class(actor=staff, data=class_input(training_ref, provider))
            result = tc.code
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result = repr(exc)
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=create) for _ in range(creators)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    year = today().year
    assert sorted(outcomes) == [f"PX{year}ZS{n:06d}" for n in range(1, creators + 1)]
    assert TrainingClass.objects.count() == creators


def test_allowed_actions_are_what_the_services_would_accept(
    provider_staff, other_provider_staff, clerk, clerk_elsewhere, provider, training_ref
) -> None:
    filed = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    approved = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.APPROVED)
    assert services.allowed_actions(clerk, filed) == [
        a for a in workflows.available_actions(ClassStatus.FILED) if a != "withdraw"
    ]
    assert services.allowed_actions(clerk_elsewhere, filed) == []  # another handling area
    assert services.allowed_actions(provider_staff, filed) == ["withdraw"]  # reviewing is the district's
    assert services.allowed_actions(provider_staff, approved) == ["start"]
    assert services.allowed_actions(other_provider_staff, approved) == []
    assert services.allowed_actions(clerk, approved) == []
