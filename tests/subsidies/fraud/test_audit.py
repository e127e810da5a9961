"""The anti-fraud audit: each check finds its planted pattern and nothing on clean data; re-runs add nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from lijiao.accounts.models import User
from lijiao.certificates.models import EvaluatingBody
from lijiao.people.models import Person
from lijiao.providers.models import BlacklistEntry, Provider
from lijiao.subsidies.models import AuditRun, Claim, ClaimStatus, Finding, SchemeKind
from lijiao.subsidies.services.audit import run_audit
from lijiao.training.models import CheckIn, TrainingClass
from tests.subsidies.fraud.conftest import (
    enroll,
    finished_class,
    make_certificate,
    make_claim,
    make_person,
    today,
)

pytestmark = pytest.mark.django_db


def _findings() -> Counter[str]:
    return Counter(Finding.objects.values_list("check_code", flat=True))


def _clean_claim(provider: Provider, ref: dict[str, Any], person: Person | None = None, **kw: Any) -> Claim:
    """A claim as it should be: enrolled, attended every session, certificate after the class ended."""
    person = person or make_person()
    klass = kw.pop("training_class", None) or finished_class(provider, ref, days_ago=kw.pop("days_ago", 30))
    enroll(person, klass)
    certificate = make_certificate(
        person,
        occupation=ref["electrician"],
        training_class=klass,
        issued_on=klass.end_date + dt.timedelta(days=5),
        level=kw.pop("level", 4),
    )
    return make_claim(person, training_class=klass, certificate=certificate, **kw)


@pytest.fixture
def clean_world(provider: Provider, other_provider: Provider, training_ref: dict[str, Any]) -> list[Claim]:
    claims = []
    klass = finished_class(provider, training_ref)
    for index in range(3):
        claims.append(_clean_claim(provider, training_ref, make_person(f"甲{index}"), training_class=klass))
    claims.append(_clean_claim(other_provider, training_ref, make_person("乙")))
    person = make_person("丙")  # two claims, different occupations, well under the cap
    claims.append(_clean_claim(provider, training_ref, person))
    claims.append(
        make_claim(person, kind=SchemeKind.ASSESSMENT, status=ClaimStatus.PAID, application_date=today())
    )
    return claims


def test_clean_data_finds_nothing(clean_world: list[Claim]) -> None:
    run = run_audit(actor=None)
    assert _findings() == Counter()
    assert set(run.timings) >= {"r2_cap", "registers", "total"}
    assert run.counts["r2_cap"] == 0 and run.finished_at is not None
    assert not Claim.objects.filter(payment_hold=True).exists()


def test_r2_cap(clean_world: list[Claim], provider: Provider, training_ref: dict[str, Any]) -> None:
    person = make_person("多次")
    claims = [make_claim(person) for _ in range(4)]
    run_audit(actor=None)
    assert _findings() == Counter({"r2_cap": 1})
    finding = Finding.objects.get()
    assert finding.evidence["count"] == 4 and finding.evidence["cap"] == 3
    assert finding.claim_id == claims[-1].pk
    claims[-1].refresh_from_db()
    assert claims[-1].payment_hold


def test_r2_cap_from_the_scheme_version(clean_world: list[Claim]) -> None:
    from lijiao.subsidies.models import SchemeVersion
    from tests.subsidies.fraud.conftest import scheme

    SchemeVersion.objects.create(
        scheme=scheme(SchemeKind.TRAINING),
        number=1,
        status=SchemeVersion.Status.PUBLISHED,
        effective_from=dt.date(2020, 1, 1),
        parameters={"r2_max_per_year": {"value": 1, "policy": "测试"}},
    )
    person = make_person("两次")
    make_claim(person)
    make_claim(person)
    run_audit(actor=None)
    assert _findings() == Counter({"r2_cap": 1})


def test_r3_repeat_and_lower_after_higher(
    clean_world: list[Claim], provider: Provider, training_ref: dict[str, Any]
) -> None:
    same = make_person("同级")
    _clean_claim(provider, training_ref, same, level=4, days_ago=90)
    repeat = _clean_claim(provider, training_ref, same, level=4)
    lower = make_person("降级")
    _clean_claim(provider, training_ref, lower, level=3, days_ago=90)
    after = _clean_claim(provider, training_ref, lower, level=4)
    higher = make_person("晋级")  # a higher level after a lower one is progress, not a repeat
    _clean_claim(provider, training_ref, higher, level=4, days_ago=90)
    _clean_claim(provider, training_ref, higher, level=3)
    run_audit(actor=None)
    assert _findings() == Counter({"r3_repeat": 2})
    assert set(Finding.objects.values_list("claim_id", flat=True)) == {repeat.pk, after.pk}


def test_r4_certificate_reuse(clean_world: list[Claim]) -> None:
    reused = clean_world[0]
    make_claim(
        reused.person, certificate=reused.certificate, status=ClaimStatus.RETURNED, kind=SchemeKind.ASSESSMENT
    )
    run_audit(actor=None)
    assert _findings() == Counter({"r4_certificate_reuse": 1})
    assert Finding.objects.get().evidence["certificate_number"] == reused.certificate.number  # type: ignore[union-attr]


def test_overlapping_attendance(
    clean_world: list[Claim], provider: Provider, training_ref: dict[str, Any]
) -> None:
    first = clean_world[0]
    klass = first.training_class
    assert klass is not None
    twin = finished_class(provider, training_ref, start=klass.start_date)
    assert twin.start_date == klass.start_date
    enroll(first.person, twin)
    run_audit(actor=None)
    assert _findings() == Counter({"overlap_attendance": 1})
    assert len(Finding.objects.get().evidence["overlaps"]) == 10


def test_cross_provider(
    clean_world: list[Claim], other_provider: Provider, training_ref: dict[str, Any]
) -> None:
    borrowed = clean_world[0]
    klass = borrowed.training_class
    assert klass is not None
    other = finished_class(other_provider, training_ref, start=klass.start_date + dt.timedelta(days=7))
    enroll(borrowed.person, other, check_in=False)
    run_audit(actor=None)
    assert _findings() == Counter({"cross_provider": 1})
    finding = Finding.objects.get()
    assert finding.provider_id == other_provider.pk and finding.evidence["person_count"] == 1


def test_short_class(clean_world: list[Claim], provider: Provider, training_ref: dict[str, Any]) -> None:
    person = make_person("短班")
    klass = finished_class(provider, training_ref, days_ago=60)
    enrollment = enroll(person, klass)
    first = CheckIn.objects.filter(enrollment=enrollment).order_by("checked_at").first()
    assert first is not None
    CheckIn.objects.filter(enrollment=enrollment).update(checked_at=first.checked_at)  # all on one day
    make_claim(person, training_class=klass)
    run_audit(actor=None)
    assert _findings() == Counter({"short_class": 1})
    assert Finding.objects.get().evidence["checkin_days"] == 1


def test_shared_phone(clean_world: list[Claim]) -> None:
    for index in range(4):
        person = make_person(f"共{index}")
        person.phone = "13800001111"
        person.save()
        make_claim(person)
    three = []
    for index in range(3):  # a family of three is under the threshold
        person = make_person(f"家{index}")
        person.phone = "13900002222"
        person.save()
        three.append(make_claim(person))
    run_audit(actor=None)
    assert _findings() == Counter({"shared_phone": 1})
    assert Finding.objects.get().evidence["person_count"] == 4


def test_certificate_before_class_end(
    clean_world: list[Claim], provider: Provider, training_ref: dict[str, Any]
) -> None:
    person = make_person("早证")
    klass = finished_class(provider, training_ref)
    enroll(person, klass)
    certificate = make_certificate(
        person, occupation=training_ref["welder"], issued_on=klass.end_date - dt.timedelta(days=3)
    )
    claim = make_claim(person, training_class=klass, certificate=certificate)
    run_audit(actor=None)
    assert _findings() == Counter({"certificate_before_class_end": 1})
    assert Finding.objects.get().claim_id == claim.pk


def test_evaluator_spike(clean_world: list[Claim], social_body: EvaluatingBody) -> None:
    month = today().replace(day=1)
    months = []
    for _ in range(7):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    spike, *usual = months
    holder = make_person("持证")
    for day in usual:
        for n in range(10):
            make_certificate(holder, body=social_body, issued_on=day + dt.timedelta(days=n))
    for n in range(40):
        make_certificate(holder, body=social_body, issued_on=spike + dt.timedelta(days=n % 20))
    run_audit(actor=None)
    assert _findings() == Counter({"evaluator_spike": 1})
    finding = Finding.objects.get()
    assert finding.evaluating_body_id == social_body.pk and finding.evidence["count"] == 40


def test_provider_blacklisted(
    clean_world: list[Claim], provider: Provider, training_ref: dict[str, Any], city_admin: User
) -> None:
    klass = clean_world[0].training_class
    assert klass is not None
    BlacklistEntry.objects.create(
        provider=provider,
        reason="虚报培训人数",
        starts_on=klass.start_date + dt.timedelta(days=2),
        created_by=city_admin,
    )
    run_audit(actor=None)
    counts = _findings()
    assert set(counts) == {"provider_blacklisted"}
    assert Finding.objects.filter(training_class=klass).exists()


def test_blacklist_lifted_before_the_class_is_clean(
    clean_world: list[Claim], provider: Provider, city_admin: User
) -> None:
    klass = clean_world[0].training_class
    assert klass is not None
    from django.utils import timezone

    BlacklistEntry.objects.create(
        provider=provider,
        reason="整改完毕",
        starts_on=klass.start_date - dt.timedelta(days=300),
        ends_on=klass.start_date - dt.timedelta(days=1),
        created_by=city_admin,
        lifted_at=timezone.now() - dt.timedelta(days=400),
    )
    run_audit(actor=None)
    assert _findings() == Counter()


def test_identity_age(clean_world: list[Claim], provider: Provider, training_ref: dict[str, Any]) -> None:
    klass = finished_class(provider, training_ref)
    child = make_person("少年", birth=klass.start_date.replace(year=klass.start_date.year - 15))
    retired = make_person("老人", birth=dt.date(1955, 1, 1))
    adult = make_person("成年", birth=klass.start_date.replace(year=klass.start_date.year - 17))
    for person in (child, retired, adult):
        make_claim(person, training_class=klass)
    run_audit(actor=None)
    assert _findings() == Counter({"identity_age": 2})
    assert set(Finding.objects.values_list("person_id", flat=True)) == {child.pk, retired.pk}


def test_identity_name(clean_world: list[Claim]) -> None:
    claim = clean_world[0]
    assert claim.certificate is not None
    claim.certificate.holder_name = "别名"
    claim.certificate.save()
    run_audit(actor=None)
    assert _findings() == Counter({"identity_name": 1})


def test_rerun_adds_nothing_and_updates_last_seen(clean_world: list[Claim]) -> None:
    person = make_person("多次")
    for _ in range(4):
        make_claim(person)
    first = run_audit(actor=None)
    seen = Finding.objects.get().last_seen_at
    second = run_audit(actor=None)
    assert Finding.objects.count() == 1
    finding = Finding.objects.get()
    assert finding.first_run_id == first.pk and finding.last_seen_at and seen and finding.last_seen_at > seen
    assert second.counts["new"]["r2_cap"] == 0 and second.counts["r2_cap"] == 1
    assert AuditRun.objects.count() == 2


def test_year_filter(clean_world: list[Claim]) -> None:
    person = make_person("往年")
    for _ in range(4):
        make_claim(person, application_date=dt.date(2020, 3, 1))
    run_audit(actor=None, year=today().year)
    assert _findings() == Counter()
    run_audit(actor=None, year=2020)
    assert _findings() == Counter({"r2_cap": 1})


def test_command(clean_world: list[Claim]) -> None:
    person = make_person("多次")
    for _ in range(4):
        make_claim(person)
    out = StringIO()
    call_command("audit_claims", stdout=out)
    assert "r2_cap" in out.getvalue() and "新增 1 项发现" in out.getvalue()


def test_command_enqueue_queues_the_task_for_the_worker(clean_world: list[Claim]) -> None:
    """``--enqueue`` hands the audit to the task backend (the tests' backend runs it at once)."""
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("audit_claims", "--enqueue", "--year", "2026", stdout=out)
    assert "已排队" in out.getvalue()
    assert AuditRun.objects.get().year == 2026
    with pytest.raises(CommandError, match="--check"):
        call_command("audit_claims", "--enqueue", "--check", "r2_cap", stdout=StringIO())
    assert AuditRun.objects.count() == 1


def test_task(clean_world: list[Claim]) -> None:
    from lijiao.subsidies.tasks import audit_claims_task

    result = audit_claims_task.call()
    assert AuditRun.objects.filter(pk=result["run"]).exists()


def test_paid_claims_are_not_held(clean_world: list[Claim]) -> None:
    person = make_person("已发")
    claims = [make_claim(person, status=ClaimStatus.PAID) for _ in range(4)]
    run_audit(actor=None)
    assert _findings() == Counter({"r2_cap": 1})
    assert not Claim.objects.filter(pk__in=[c.pk for c in claims], payment_hold=True).exists()


_ = TrainingClass


def _rolling_version(cap: int, scope: str = "per_kind", period: str = "rolling_12_months") -> None:
    from lijiao.subsidies.models import SchemeVersion
    from tests.subsidies.fraud.conftest import scheme

    SchemeVersion.objects.create(
        scheme=scheme(SchemeKind.TRAINING),
        number=1,
        status=SchemeVersion.Status.PUBLISHED,
        effective_from=dt.date(2020, 1, 1),
        parameters={
            "r2_max_per_year": {"value": cap, "policy": "测试"},
            "r2_scope": {"value": scope, "policy": "测试"},
            "r2_period": {"value": period, "policy": "测试"},
        },
    )


def _dates(*days: str) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in days]


def test_r2_rolling_12_months_counts_across_the_year_end(clean_world: list[Claim]) -> None:
    """Two in November and two in February: never more than 3 in a calendar year, but 4 within 12 months."""
    _rolling_version(3)
    person = make_person("滚动")
    claims = [
        make_claim(person, application_date=d)
        for d in _dates("2025-11-03", "2025-11-20", "2026-02-02", "2026-02-10")
    ]
    run_audit(actor=None)
    assert _findings() == Counter({"r2_cap": 1})
    finding = Finding.objects.get()
    assert finding.claim_id == claims[-1].pk
    assert finding.evidence["count"] == 4 and finding.evidence["cap"] == 3
    assert finding.evidence["window_from"] == "2025-02-11" and finding.evidence["window_to"] == "2026-02-10"
    assert [c["number"] for c in finding.evidence["claims"]] == [c.number for c in claims]
    claims[-1].refresh_from_db()
    assert claims[-1].payment_hold
    run_audit(actor=None)
    assert Finding.objects.count() == 1  # re-running does not duplicate


def test_r2_rolling_year_run_looks_back_and_a_wider_spread_is_clean(clean_world: list[Claim]) -> None:
    _rolling_version(3)
    spread = make_person("分散")
    for d in _dates("2025-01-05", "2025-06-01", "2025-12-20", "2026-01-06"):  # 2025-01-05 left the window
        make_claim(spread, application_date=d)
    run_audit(actor=None, year=2026)
    assert _findings() == Counter()
    crowded = make_person("集中")
    for d in _dates("2025-03-01", "2025-09-01", "2025-12-01", "2026-01-06"):
        make_claim(crowded, application_date=d)
    run_audit(actor=None, year=2026)  # the 2025 claims are read as the window's history
    assert _findings() == Counter({"r2_cap": 1})
    assert Finding.objects.get().evidence["window_to"] == "2026-01-06"


def test_r2_calendar_year_version_ignores_a_12_month_crowd(clean_world: list[Claim]) -> None:
    _rolling_version(3, period="calendar_year")
    person = make_person("跨年")
    for d in _dates("2025-11-03", "2025-11-20", "2026-02-02", "2026-02-10"):
        make_claim(person, application_date=d)
    run_audit(actor=None)
    assert _findings() == Counter()


def test_r2_rolling_total_scope_counts_every_kind(clean_world: list[Claim]) -> None:
    _rolling_version(2, scope="total")
    person = make_person("合计")
    make_claim(person, application_date=dt.date(2025, 12, 1))
    make_claim(person, kind=SchemeKind.SKILL_UPGRADE, application_date=dt.date(2026, 1, 10))
    make_claim(person, kind=SchemeKind.ASSESSMENT, application_date=dt.date(2026, 3, 1))
    run_audit(actor=None)
    assert _findings() == Counter({"r2_cap": 1})
    assert Finding.objects.get().evidence["kind"] is None


def test_r2_rolling_for_named_claims_reads_their_persons_history(clean_world: list[Claim]) -> None:
    from lijiao.subsidies.audit_checks import Context, check_r2_cap

    _rolling_version(2)
    person = make_person("指定")
    first, second, third = (
        make_claim(person, application_date=d) for d in _dates("2026-01-05", "2026-02-05", "2026-03-05")
    )
    named = check_r2_cap(Context(claims=Claim.objects.filter(pk=third.pk)))
    assert [d.claim_id for d in named] == [third.pk]
    assert check_r2_cap(Context(claims=Claim.objects.filter(pk__in=[first.pk, second.pk]))) == []
