"""``lijiao loaddemo`` builds the Dalian-like dataset once, changes nothing the second time, writes everything
through the services on the day it happened, and its training data obeys every rule the services enforce —
proved here again with the services' own checks.

The dataset is loaded once for the module (inside a transaction rolled back at the end); each test then runs in
its own savepoint.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import RequestFactory
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import ROLES, Role, roles_of
from lijiao.audit.models import AuditEvent
from lijiao.audit.services import verify_chain
from lijiao.catalog.models import CatalogItem, Edition
from lijiao.catalog.selectors import edition_in_force
from lijiao.certificates.models import Certificate, EvaluatingBody, EvaluatorMembership, LevelAssessment
from lijiao.core.identity import parse_citizen_id, parse_credit_code
from lijiao.demo import DEMO_PASSWORD
from lijiao.people.models import Person, PersonGroup
from lijiao.people.services import validate_group_evidence
from lijiao.portal.context_processors import navigation
from lijiao.providers.models import (
    BlacklistEntry,
    CreditEvent,
    Provider,
    ProviderScope,
    ProviderStatus,
    Teacher,
    Venue,
)
from lijiao.providers.selectors import credit_record, listed_providers, listing_problems, scope_covers
from lijiao.subsidies.models import (
    Claim,
    ClaimStatus,
    Clawback,
    Finding,
    Objection,
    PaymentBatch,
    PaymentLine,
    RegisterKind,
    RegisterSnapshot,
)
from lijiao.subsidies.services.claims import person_of_user
from lijiao.subsidies.services.review import approval_blockers
from lijiao.training.checks import (
    attendance_rates,
    evaluate_eligibility,
    group_evidence_by_person,
    overlapping_people,
    person_facts,
)
from lijiao.training.models import (
    AssessmentResult,
    CheckIn,
    ClassSession,
    ClassStatus,
    Enrollment,
    Program,
    TrainingClass,
)
from lijiao.training.selectors.classes import review_queue, visible_classes
from lijiao.training.services.attendance import checkin_window
from lijiao.training.services.classes import (
    filing_problems,
    lesson_rule_for,
    program_item_problems,
    timetable,
)
from lijiao.training.services.programs import quota_used

FINISHED = (ClassStatus.FINISHED, ClassStatus.ASSESSED, ClassStatus.CLOSED)
TABLES = (
    User,
    Edition,
    CatalogItem,
    AuditEvent,
    Provider,
    ProviderScope,
    Teacher,
    Venue,
    BlacklistEntry,
    CreditEvent,
    Program,
    TrainingClass,
    ClassSession,
    Enrollment,
    CheckIn,
    AssessmentResult,
    Person,
    PersonGroup,
    Claim,
    PaymentBatch,
    Objection,
    Clawback,
    RegisterSnapshot,
    Finding,
)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo loaded once for this module; rolled back afterwards."""
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddemo", stdout=out)
        # check the deferred foreign keys once here, not again at the end of every test's savepoint
        connection.check_constraints()
        yield out.getvalue()
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def _assert_certificates_match_their_era(certificates: str) -> None:
    """职业技能等级证书 exist since 2019 (the year is in the number); earlier skills were 职业资格证书."""
    for line in certificates.splitlines():
        if "职业技能等级证书 " in line:
            number = line.rsplit(" ", 1)[1]
            assert number[0] in "SY" and int(number[13:15]) >= 19, line
        if "职业资格证书 " in line:
            assert int(line.rsplit(" ", 1)[1][:2]) < 19, line


@pytest.mark.django_db
def test_loaddemo_is_complete_and_idempotent(demo: str) -> None:
    counts = _counts()
    out = io.StringIO()
    call_command("loaddemo", stdout=out)
    assert _counts() == counts
    assert "already loaded, nothing changed" in out.getvalue()

    assert {r for u in User.objects.all() for r in roles_of(u)} == set(ROLES)
    login = RequestFactory().post("/accounts/login/")
    for user in User.objects.all():
        assert authenticate(login, username=user.username, password=DEMO_PASSWORD) == user

    assert sorted(Edition.objects.values_list("status", flat=True)) == ["draft", "published", "superseded"]
    e2025 = edition_in_force(dt.date(2025, 6, 1))
    assert e2025 is not None and e2025.year == 2025
    assert edition_in_force(dt.date(2024, 6, 1)).year == 2024
    items = CatalogItem.objects.filter(edition=e2025).order_by()
    assert items.filter(kind="occupation").values("occupation").distinct().count() == 162
    assert items.filter(kind="business_start").count() == 2
    assert items.filter(kind="special").count() == 61
    assert items.values("category").distinct().count() == 35
    assert items.exclude(shortage_tier="").values("occupation").distinct().count() == 42
    # issue 9: 工种 items beside their occupation's, levels as each standard defines them (ADR 0008)
    assert {str(i) for i in items.filter(work_type__isnull=False)} >= {
        "焊工（电焊工） 五级/初级工",
        "车工（数控车工） 四级/中级工",
    }
    assert {i.get_level_display() for i in items.filter(occupation__code="2-02-38-03")} == {
        "中级（专业技术）"
    }
    assert set(items.filter(occupation__code="4-10-01-01").values_list("level", flat=True)) == {4, 3}

    assert 190 <= counts["TrainingClass"] <= 220
    assert (
        6500 <= counts["Person"] <= 7700
    )  # trainees, and the 2,000 holders of imported historical certificates
    assert counts["CheckIn"] > 50_000
    assert verify_chain().ok


@pytest.mark.django_db
def test_history_is_written_by_the_services_on_its_days(demo: str) -> None:
    """No row is inserted behind the services' back: each write has the audit event of its service, dated when
    it happened (the demo plays the history forward in time), and the chain was appended in time order."""
    now = timezone.now()
    events = AuditEvent.objects.order_by("sequence")
    times = list(events.values_list("occurred_at", flat=True))
    assert times == sorted(times) and times[-1] <= now
    assert times[0] < now - dt.timedelta(days=300)
    assert not events.filter(action__startswith="demo.").exists()

    created = dict(events.filter(action="training.class.created").values_list("object_id", "occurred_at"))
    assert len(created) == TrainingClass.objects.count()
    for tc in TrainingClass.objects.all():
        assert created[str(tc.pk)] == tc.created_at
        assert tc.filed_on is None or timezone.localtime(tc.created_at).date() <= tc.filed_on
    # the enrollments came from roster imports (and the enrollment service for the classes from today on)
    assert events.filter(action__contains="roster").count() >= 150
    # check-ins were uploaded (many sheets at once) while their classes ran, results recorded on their day
    uploads = events.filter(action="training.checkin.sheets_recorded").values_list("after", flat=True)
    assert sum(after["checkins"] for after in uploads) == CheckIn.objects.count()
    for result in AssessmentResult.objects.select_related("enrollment__training_class"):
        assert timezone.localtime(result.recorded_at).date() == result.assessed_on


@pytest.mark.django_db
def test_providers_are_listed_suspended_or_blacklisted_with_valid_codes(demo: str) -> None:
    today = timezone.localdate()
    listed = list(listed_providers(today))
    assert len(listed) == 8
    assert len({p.handling_area_id for p in listed}) >= 6
    assert Provider.objects.filter(status=ProviderStatus.SUSPENDED).count() == 1
    blacklisted = [p for p in Provider.objects.all() if listing_problems(p, start=today, end=today)]
    assert len(blacklisted) == 2  # the suspended one and the blacklisted one
    entry = BlacklistEntry.objects.get()
    assert entry.starts_on < today and (entry.ends_on is None or entry.ends_on > today)
    assert entry.provider.status == ProviderStatus.APPROVED and entry.provider not in listed

    for provider in Provider.objects.all():
        assert parse_credit_code(provider.credit_code) == provider.credit_code
        assert provider.scopes.exists() and provider.teachers.exists() and provider.venues.exists()
    for provider in listed:
        assert User.objects.filter(provider=provider, groups__name=Role.PROVIDER_STAFF).exists()
        record = credit_record(provider)
        assert record.classes_count > 0 and record.pass_rate is not None
    for teacher in Teacher.objects.all():
        assert parse_citizen_id(teacher.citizen_id).number == teacher.citizen_id
        _assert_certificates_match_their_era(teacher.certificates)
    # private training schools are licensed by 人社 (人社民…), not by education (教民…)
    for provider in Provider.objects.filter(type=Provider.Type.PRIVATE_SCHOOL):
        assert provider.licence_number.startswith("人社民"), provider.licence_number
    # every scope entry names a subject of the edition in force
    edition = edition_in_force(today)
    for scope in ProviderScope.objects.all():
        subject = (
            Q(occupation_id=scope.occupation_id, level__gte=scope.highest_level)
            if scope.occupation_id
            else Q(special_item_id=scope.special_item_id)
        )
        assert CatalogItem.objects.filter(subject, edition=edition).exists(), scope


@pytest.mark.django_db
def test_every_class_passes_the_filing_checks_of_its_filing_date(demo: str) -> None:
    today = timezone.localdate()
    statuses = Counter(TrainingClass.objects.values_list("status", flat=True))
    assert (
        statuses[ClassStatus.CLOSED] + statuses[ClassStatus.ASSESSED] + statuses[ClassStatus.FINISHED] >= 150
    )
    assert statuses[ClassStatus.RUNNING] >= 3
    assert statuses[ClassStatus.APPROVED] >= 8
    assert statuses[ClassStatus.FILED] >= 4
    assert statuses[ClassStatus.RETURNED] == statuses[ClassStatus.REJECTED] == 1
    assert statuses[ClassStatus.DRAFT] >= 1
    for status in (ClassStatus.RETURNED, ClassStatus.REJECTED):
        assert TrainingClass.objects.get(status=status).status_reason

    classes = TrainingClass.objects.select_related("provider", "catalog_item", "program", "venue")
    for tc in classes:
        assert tc.handling_area_id == tc.provider.handling_area_id
        if tc.status == ClassStatus.DRAFT:
            assert scope_covers(tc.provider, tc.catalog_item)
            continue
        # everything file_class checks, on the day the class was filed: the subject in the edition then in
        # force and in scope, the provider listed over the class dates, timetable and lesson hours, the
        # practical share, declared hours, venue capacity, teachers, program
        item, errors = filing_problems(tc, on=tc.filed_on)
        assert errors == [], (tc.code, [e.message for e in errors])
        assert item == tc.catalog_item
        assert tc.catalog_item.edition == edition_in_force(tc.filed_on)
        assert tc.filed_on <= tc.start_date and tc.filed_on <= today
        if tc.status not in (ClassStatus.FILED, ClassStatus.RETURNED, ClassStatus.REJECTED):
            assert tc.reviewed_by is not None
        table = timetable(tc)
        rule = lesson_rule_for(tc.catalog_item)
        assert rule is not None
        assert table.total_minutes >= max(rule.min_total_hours, tc.catalog_item.min_lesson_hours) * 45
        assert table.practical_share >= rule.min_practical_share
        assert tc.capacity <= (tc.venue.capacity if tc.venue else tc.capacity)
        assert listing_problems(tc.provider, start=tc.start_date, end=tc.end_date) == []
        if tc.program is not None:
            assert program_item_problems(tc.program, tc.catalog_item) == []
            assert tc.program.year == tc.start_date.year
        if tc.status in (ClassStatus.APPROVED, ClassStatus.FILED):
            assert tc.start_date > today
        if tc.status == ClassStatus.RUNNING:
            assert tc.start_date < today <= tc.end_date
        if tc.status in FINISHED:
            assert tc.end_date < today

    # no venue and no teacher in two places at once
    for field in ("training_class__venue_id", "teacher_id"):
        by_owner: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for owner, starts, ends in ClassSession.objects.exclude(**{f"{field}": None}).values_list(
            field, "starts_at", "ends_at"
        ):
            by_owner[owner].append((starts, ends))
        for spans in by_owner.values():
            spans.sort()
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), field


@pytest.mark.django_db
def test_programs_of_both_years_and_quotas(demo: str) -> None:
    year = timezone.localdate().year
    assert set(Program.objects.values_list("year", flat=True)) == {year - 1, year}
    assert Program.objects.filter(year=year).count() == 8  # "行业+培训": one program per lead department
    assert sum(Program.objects.filter(year=year).values_list("quota", flat=True)) == 100_000
    for program in Program.objects.all():
        assert quota_used(program) <= program.quota
        for tc in program.classes.select_related("catalog_item__occupation", "catalog_item__special_item"):
            assert program_item_problems(program, tc.catalog_item) == [], (program.code, tc.code)
    assert not Program.objects.filter(funding_source__contains="专账").exists()
    used = Counter(TrainingClass.objects.exclude(program=None).values_list("program__kind", flat=True))
    assert {Program.Kind.GENERAL, Program.Kind.GRADUATE_CONVERSION, Program.Kind.ELDER_CHILD} <= set(used)


@pytest.mark.django_db
def test_enrollments_are_eligible_within_capacity_and_never_overlap(demo: str) -> None:
    # enrolled_count = enrollments not withdrawn ≤ capacity
    counted = TrainingClass.objects.annotate(
        taken=Count("enrollments", filter=~Q(enrollments__status=Enrollment.Status.WITHDRAWN))
    )
    for tc in counted:
        assert tc.enrolled_count == tc.taken <= tc.capacity, tc.code
        if tc.status in (ClassStatus.DRAFT, ClassStatus.FILED, ClassStatus.RETURNED, ClassStatus.REJECTED):
            assert tc.taken == 0

    enrollments = list(
        Enrollment.objects.select_related(
            "training_class__program", "person", "eligibility_decision"
        ).order_by("pk")
    )
    assert 5000 <= len(enrollments) <= 6500
    # every enrollment points at a stored decision, shared by the enrollments that took the same one
    decisions = {e.eligibility_decision_id for e in enrollments}
    assert None not in decisions
    assert len(decisions) < len(enrollments)
    evidence = group_evidence_by_person({e.person_id for e in enrollments})
    status_by_class = {
        ClassStatus.APPROVED: {Enrollment.Status.ACTIVE, Enrollment.Status.WITHDRAWN},
        ClassStatus.RUNNING: {Enrollment.Status.ACTIVE, Enrollment.Status.WITHDRAWN},
        ClassStatus.FINISHED: {Enrollment.Status.COMPLETED, Enrollment.Status.WITHDRAWN},
        ClassStatus.ASSESSED: {Enrollment.Status.COMPLETED, Enrollment.Status.WITHDRAWN},
        ClassStatus.CLOSED: {Enrollment.Status.COMPLETED, Enrollment.Status.WITHDRAWN},
    }
    for e in enrollments:
        tc, person = e.training_class, e.person
        assert e.status in status_by_class[tc.status], (tc.code, e.status)
        # the stored decision passed, and the rule passes again on the same facts
        assert e.eligibility["passed"] is True and e.eligibility["reasons"] == []
        assert e.eligibility["on"] == tc.start_date.isoformat()
        assert e.eligibility["program"] == (tc.program.code if tc.program else None)
        facts = person_facts(
            birth_date=person.birth_date,
            gender=person.gender,
            groups=evidence[person.pk],
            on=tc.start_date,
            household=person.household,
            education=person.education,
            employer_name=person.employer_name,
        )
        assert evaluate_eligibility(tc.program, facts).passed, (tc.code, person.pk)
        assert 18 <= facts["age"] <= 58
        if tc.program is not None and tc.program.target_groups:
            assert set(tc.program.target_groups) & set(facts["groups"])
        assert e.enrolled_at < timezone.make_aware(dt.datetime.combine(tc.start_date, dt.time(9, 0)))

    # one person never holds two enrollments (not withdrawn) whose sessions overlap in time
    sessions: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for class_id, starts, ends in ClassSession.objects.values_list(
        "training_class_id", "starts_at", "ends_at"
    ):
        sessions[class_id].append((starts, ends))
    by_person: dict[int, list[int]] = defaultdict(list)
    for e in enrollments:
        if e.status != Enrollment.Status.WITHDRAWN:
            by_person[e.person_id].append(e.training_class_id)
    repeat = 0
    for class_ids in by_person.values():
        if len(class_ids) < 2:
            continue
        repeat += 1
        spans = sorted(span for class_id in class_ids for span in sessions[class_id])
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert repeat >= 100  # returning trainees exist, so the check above means something
    # and the shared check agrees for every class with active enrollments
    active: dict[int, set[int]] = defaultdict(set)
    for e in enrollments:
        if e.status == Enrollment.Status.ACTIVE:
            active[e.training_class_id].add(e.person_id)
    for class_id, people in active.items():
        assert overlapping_people(TrainingClass(pk=class_id), people) == {}


@pytest.mark.django_db
def test_checkins_and_attendance_rates_are_consistent(demo: str) -> None:
    now = timezone.now()
    windows = {
        s.pk: (s.training_class_id, s.starts_at, s.ends_at, checkin_window(s))
        for s in ClassSession.objects.all()
    }
    enrollments = {
        pk: (class_id, person_id)
        for pk, class_id, person_id in Enrollment.objects.values_list("pk", "training_class_id", "person_id")
    }
    per_person: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    methods: Counter[str] = Counter()
    rows = CheckIn.objects.values_list(
        "session_id", "enrollment_id", "person_id", "checked_at", "method", "reason"
    )
    for session_id, enrollment_id, person_id, checked_at, method, reason in rows.iterator(chunk_size=10_000):
        class_id, starts_at, ends_at, (opens, closes) = windows[session_id]
        assert enrollments[enrollment_id] == (
            class_id,
            person_id,
        )  # the person's own enrollment in that class
        assert opens <= checked_at <= closes and checked_at <= now
        assert method != CheckIn.Method.MANUAL or reason
        per_person[person_id].append((starts_at, ends_at))
        methods[method] += 1
    for spans in per_person.values():  # never checked in to two overlapping sessions
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert methods[CheckIn.Method.MANUAL] and len(methods) >= 4

    stored = dict(Enrollment.objects.values_list("pk", "attendance_rate"))
    for tc in TrainingClass.objects.filter(status__in=(ClassStatus.RUNNING, *FINISHED)):
        for pk, rate in attendance_rates(tc).items():
            assert stored[pk] == rate, (tc.code, pk)
    assert not CheckIn.objects.exclude(
        session__training_class__status__in=(ClassStatus.RUNNING, *FINISHED)
    ).exists()

    completed = list(
        Enrollment.objects.filter(
            status=Enrollment.Status.COMPLETED, training_class__status__in=FINISHED
        ).values_list("attendance_rate", flat=True)
    )
    assert all(rate is not None for rate in completed)
    high = sum(1 for rate in completed if rate >= Decimal("0.85")) / len(completed)
    low = sum(1 for rate in completed if rate < Decimal("0.8")) / len(completed)
    assert high >= 0.8, high
    assert 0.01 <= low <= 0.08, low


@pytest.mark.django_db
def test_assessment_results_for_assessed_and_closed_classes(demo: str) -> None:
    today = timezone.localdate()
    assessed = (ClassStatus.ASSESSED, ClassStatus.CLOSED)
    results = AssessmentResult.objects.select_related("enrollment__training_class")
    for result in results:
        tc = result.enrollment.training_class
        assert tc.status in assessed
        assert result.enrollment.status == Enrollment.Status.COMPLETED
        assert tc.end_date < result.assessed_on < today
        assert result.theory_score is not None or result.practical_score is not None
        scores = [s for s in (result.theory_score, result.practical_score) if s is not None]
        assert all(Decimal(0) <= s <= Decimal(100) for s in scores)
        assert result.passed == all(s >= 60 for s in scores)
        assert result.evaluating_organisation == ""  # completion only: providers no longer name an assessor
    missing = Enrollment.objects.filter(
        status=Enrollment.Status.COMPLETED, training_class__status__in=assessed, assessment__isnull=True
    )
    assert not missing.exists()
    total = results.count()
    passed = results.filter(passed=True).count()
    assert 0.85 <= passed / total <= 0.93, passed / total


@pytest.mark.django_db
def test_people_have_valid_dalian_ids_phones_and_group_evidence(demo: str) -> None:
    year = timezone.localdate().year
    # holders of imported historical certificates come with what the other city's export holds: no phone
    imported = set(Certificate.objects.filter(source="import").values_list("holder_id", flat=True))
    for person in Person.objects.all():
        cid = parse_citizen_id(person.citizen_id)
        assert cid.number == person.citizen_id and cid.address_code.startswith("2102")
        assert cid.warnings == ()
        assert (cid.gender, cid.birth_date) == (person.gender, person.birth_date)
        if person.pk not in imported:
            assert len(person.phone) == 11 and person.phone.startswith("1")
    for group in PersonGroup.objects.select_related("person"):
        errors = validate_group_evidence(
            group=group.group,
            birth_year=group.person.birth_date.year,
            graduation_year=group.graduation_year,
            registration_number=group.registration_number,
            insured_months=group.insured_months,
            employer_name=group.employer_name,
            note=group.note,
            today_year=year,
        )
        assert errors == [], (group.group, errors)
    groups = Counter(PersonGroup.objects.values_list("group", flat=True))
    for code in ("graduate", "upcoming_graduate", "unemployed", "rural_migrant", "employee", "insured"):
        assert groups[code] > 50, code


def _nav_labels(user: User) -> list[str]:
    request = RequestFactory().get("/")
    request.user = user
    return [item["label"] for item in navigation(request)["nav_items"]]


@pytest.mark.django_db
def test_demo_logins_find_their_work(demo: str) -> None:
    provider_user = User.objects.get(username="provider")
    mine = visible_classes(provider_user)
    assert {tc.provider_id for tc in mine} == {provider_user.provider_id}
    assert {
        ClassStatus.DRAFT,
        ClassStatus.FILED,
        ClassStatus.RETURNED,
        ClassStatus.APPROVED,
        ClassStatus.RUNNING,
        ClassStatus.CLOSED,
    } <= set(mine.values_list("status", flat=True))

    clerk = User.objects.get(username="clerk")
    queue = list(review_queue(clerk))
    assert len(queue) >= 3 and {tc.handling_area.code for tc in queue} == {"ZS"}

    assert _nav_labels(provider_user)[4] == "我的培训班"
    assert "开班审核" not in _nav_labels(provider_user) and "培训项目" not in _nav_labels(provider_user)
    assert {"开班审核", "培训项目"} <= set(_nav_labels(clerk)) and "我的培训班" not in _nav_labels(clerk)
    assert "培训项目" in _nav_labels(User.objects.get(username="leader"))
    assert "开班审核" not in _nav_labels(User.objects.get(username="leader"))


@pytest.mark.django_db
def test_certificates_demo_bodies_results_and_certificates(demo: str) -> None:
    """Issue 11: bodies, results of ended classes by a body that did not train them, certificates (some revoked),
    employer self-evaluations decided by the bureau or waiting, all written by the services."""
    assert set(EvaluatingBody.objects.values_list("kind", flat=True)) == {"S", "Y"}
    evaluator = User.objects.get(username="evaluator")
    body = EvaluatorMembership.objects.get(user=evaluator).body
    levels = LevelAssessment.objects.filter(body=body)
    assert levels.count() > 100 and levels.filter(passed=False).exists()
    assert body.provider_id is None  # the demo's level results come from a body that trains no one (培评分离)
    for assessment in levels.filter(enrollment__isnull=False).select_related("enrollment__training_class")[
        :200
    ]:
        assert assessment.assessed_on > assessment.enrollment.training_class.end_date
        assert assessment.pass_basis["checks"]
    certificates = Certificate.objects.filter(body=body)
    waiting = levels.filter(
        passed=True, person__name="何军", certificate__isnull=True
    )  # 我的证书's pending step
    assert waiting.count() == 1
    assert certificates.count() == levels.filter(passed=True).count() - 1
    assert certificates.filter(status=Certificate.Status.REVOKED).exists()
    skill = certificates.filter(certificate_type="skill_level").values_list("number", flat=True)
    assert skill and all(len(number) == 22 and number.startswith("S0101") for number in skill)
    self_evaluations = LevelAssessment.objects.filter(kind=LevelAssessment.Kind.SELF_EVALUATION)
    assert set(self_evaluations.values_list("status", flat=True)) == {"recorded", "confirmed", "rejected"}
    assert AuditEvent.objects.filter(action="certificates.results.recorded").count() >= 1


@pytest.mark.django_db
def test_subsidies_demo_every_state_payment_registers_and_findings(demo: str, client: Any) -> None:
    """Issue 12 item 14: claims in every state, a paid batch, a clawback, one snapshot per register, findings of
    several checks with held claims, and the worker's own paid claim and claim on 公示."""
    today = timezone.localdate()
    assert set(Claim.objects.values_list("status", flat=True)) == set(ClaimStatus.values)

    batch = PaymentBatch.objects.get(status=PaymentBatch.Status.PAID)
    assert batch.bank_reference and batch.exported_at and batch.line_count >= 3
    lines = PaymentLine.objects.filter(batch=batch)
    assert lines.count() == batch.line_count and all(line.account_number for line in lines)
    assert Claim.objects.filter(status=ClaimStatus.PAID, payment_line__batch=batch).exists()
    assert Claim.objects.filter(status=ClaimStatus.ARCHIVED, payment_line__batch=batch).exists()
    clawback = Clawback.objects.get()
    assert clawback.claim.status == ClaimStatus.CLAWED_BACK
    assert clawback.recovery_status == Clawback.Recovery.PARTIAL
    assert 0 < clawback.recovered_amount < clawback.amount

    # 公示: a notice running now (an open objection from the person, a public one dismissed), one that ended
    running = Claim.objects.filter(
        status=ClaimStatus.PUBLICITY, publicity__starts_on__lte=today, publicity__ends_on__gte=today
    )
    assert running.count() >= 3
    assert Objection.objects.filter(
        claim__in=running, source=Objection.Source.PERSON, status=Objection.Status.OPEN
    ).exists()
    assert Objection.objects.filter(
        claim__in=running, source=Objection.Source.PUBLIC, status=Objection.Status.DISMISSED
    ).exists()
    assert Claim.objects.filter(
        status=ClaimStatus.APPROVED, payment_hold=False, publicity__ends_on__lt=today
    ).exists()

    # registers: one snapshot per kind; R6 counts the imported contribution months (one claim fails it)
    assert sorted(RegisterSnapshot.objects.values_list("kind", flat=True)) == sorted(RegisterKind.values)
    upgrades = Claim.objects.filter(kind="skill_upgrade").exclude(status=ClaimStatus.DRAFT)
    assert any("R6" in approval_blockers(c) for c in upgrades)
    assert any(c.decision_passed for c in upgrades)

    # planted fraud: findings of several checks, with evidence; the register matches hold their claims
    codes = set(Finding.objects.values_list("check_code", flat=True))
    assert len(codes) >= 3, codes
    assert {"shared_phone", "register_pension", "register_student", "register_payroll"} <= codes
    assert {"register_unemployment", "certificate_before_class_end"} <= codes
    assert all(f.evidence for f in Finding.objects.all())
    held = Claim.objects.filter(payment_hold=True)
    assert held.count() >= 4
    for claim in held:
        assert Finding.objects.filter(claim=claim, status=Finding.Status.OPEN).exists()
    assert not PaymentLine.objects.filter(claim__in=held).exists()

    # the worker (何军) sees his paid claim and his claim on 公示 in 我的补贴
    worker = User.objects.get(username="worker")
    mine = Claim.objects.filter(person=person_of_user(worker))
    assert {ClaimStatus.PAID, ClaimStatus.PUBLICITY} <= set(mine.values_list("status", flat=True))
    client.force_login(worker)
    page = client.get("/subsidies/mine/").content.decode()
    for claim in mine.filter(status__in=[ClaimStatus.PAID, ClaimStatus.PUBLICITY]):
        assert claim.number in page
