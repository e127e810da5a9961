"""Provider selectors: scope of reads, the listing checks other domains call (R10), scope coverage, credit record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.catalog.models import CatalogItem, Edition, EditionStatus
from lijiao.core.errors import NotFound
from lijiao.people.models import Person
from lijiao.providers import selectors
from lijiao.providers.models import BlacklistEntry, CreditEvent, Provider, ProviderScope, ProviderStatus
from lijiao.training.models import AssessmentResult, Enrollment, TrainingClass
from lijiao.training.services.assessment import recount_results
from tests.providers.conftest import citizen_id, make_provider

START = dt.date(2025, 6, 1)
END = dt.date(2025, 6, 30)


# ---------------------------------------------------------------------------------------------------------------
# Scope of reads


def test_visible_providers_by_role(
    staff: User,
    own_provider: Provider,
    other_provider: Provider,
    zs_clerk: User,
    xg_clerk: User,
    city_admin: User,
    make_user: Any,
) -> None:
    xg_provider = make_provider(80, area="XG")
    assert list(selectors.visible_providers(staff)) == [own_provider]
    assert set(selectors.visible_providers(zs_clerk)) == {own_provider, other_provider}
    assert list(selectors.visible_providers(xg_clerk)) == [xg_provider]
    assert set(selectors.visible_providers(city_admin)) == {own_provider, other_provider, xg_provider}
    assert not selectors.visible_providers(make_user(Role.WORKER)).exists()
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.visible_providers(AnonymousUser()).exists()


def test_provider_staff_cannot_get_another_provider(
    staff: User, own_provider: Provider, other_provider: Provider
) -> None:
    assert selectors.get_provider(staff, own_provider.pk) == own_provider
    with pytest.raises(NotFound):
        selectors.get_provider(staff, other_provider.pk)
    with pytest.raises(NotFound):
        selectors.get_provider(staff, 999_999)


def test_child_rows_are_scoped(
    staff: User, own_provider: Provider, other_provider: Provider, city_admin: User
) -> None:
    from lijiao.providers.models import Teacher

    theirs = Teacher.objects.create(provider=other_provider, name="别人的老师")
    mine = Teacher.objects.create(provider=own_provider, name="我的老师")
    assert selectors.get_teacher(staff, mine.pk) == mine
    with pytest.raises(NotFound):
        selectors.get_teacher(staff, theirs.pk)
    with pytest.raises(NotFound):  # right scope, wrong parent in the URL
        selectors.get_teacher(city_admin, theirs.pk, provider=own_provider)


# ---------------------------------------------------------------------------------------------------------------
# listing_problems (R10)


def test_listing_ok_for_an_approved_provider(own_provider: Provider) -> None:
    assert selectors.listing_problems(own_provider, start=START, end=END) == []


@pytest.mark.parametrize(
    "status",
    [ProviderStatus.APPLIED, ProviderStatus.REJECTED, ProviderStatus.SUSPENDED, ProviderStatus.REMOVED],
)
def test_listing_refuses_a_provider_that_is_not_approved(db: None, status: str) -> None:
    provider = make_provider(81, status=status)
    problems = selectors.listing_problems(provider, start=START, end=END)
    assert len(problems) == 1
    assert str(ProviderStatus(status).label) in problems[0] and "不是已认定机构" in problems[0]


@pytest.mark.parametrize(
    ("expires", "ok"),
    [
        (None, True),
        (END, True),
        (END + dt.timedelta(days=1), True),
        (END - dt.timedelta(days=1), False),
        (START, False),
    ],
)
def test_listing_licence_expiry(db: None, expires: dt.date | None, ok: bool) -> None:
    provider = make_provider(82, licence_expires_on=expires)
    problems = selectors.listing_problems(provider, start=START, end=END)
    assert (problems == []) is ok
    if not ok:
        assert "许可证" in problems[0] and "培训结束日期" in problems[0]


@pytest.mark.parametrize(
    ("starts", "ends", "lifted", "blocks"),
    [
        (dt.date(2025, 1, 1), dt.date(2025, 5, 31), False, False),  # ends the day before the period
        (dt.date(2025, 1, 1), dt.date(2025, 6, 1), False, True),  # ends on the first day
        (dt.date(2025, 6, 10), dt.date(2025, 6, 12), False, True),  # inside
        (dt.date(2025, 6, 30), None, False, True),  # starts on the last day, open-ended
        (dt.date(2025, 7, 1), None, False, False),  # starts the day after
        (dt.date(2025, 1, 1), None, False, True),  # open-ended, started before
        (dt.date(2025, 6, 10), dt.date(2025, 6, 12), True, False),  # lifted: ignored
        (dt.date(2025, 1, 1), None, True, False),  # lifted open-ended: ignored
    ],
)
def test_listing_blacklist_overlap(
    own_provider: Provider,
    city_admin: User,
    starts: dt.date,
    ends: dt.date | None,
    lifted: bool,
    blocks: bool,
) -> None:
    BlacklistEntry.objects.create(
        provider=own_provider,
        reason="虚报培训人数",
        starts_on=starts,
        ends_on=ends,
        created_by=city_admin,
        lifted_at=timezone.now() if lifted else None,
        lift_reason="复核撤销" if lifted else "",
    )
    problems = selectors.listing_problems(own_provider, start=START, end=END)
    assert (problems != []) is blocks
    if blocks:
        assert "黑名单" in problems[0] and "虚报培训人数" in problems[0] and "重叠" in problems[0]


def test_listing_reports_every_reason(own_provider: Provider, city_admin: User) -> None:
    own_provider.status = ProviderStatus.SUSPENDED
    own_provider.licence_expires_on = START
    BlacklistEntry.objects.create(provider=own_provider, reason="r", starts_on=START, created_by=city_admin)
    assert len(selectors.listing_problems(own_provider, start=START, end=END)) == 3


# ---------------------------------------------------------------------------------------------------------------
# scope_covers


@pytest.fixture
def edition(db: None) -> Edition:
    return Edition.objects.create(
        name="2025年版", year=2025, status=EditionStatus.PUBLISHED, effective_from=START
    )


def catalog_item(
    edition: Edition, ref: dict[str, Any], subject: str, level: int | None = None
) -> CatalogItem:
    row = ref[subject]
    is_occupation = level is not None
    return CatalogItem.objects.create(
        edition=edition,
        kind="occupation" if is_occupation else row.kind,
        occupation=row if is_occupation else None,
        special_item=None if is_occupation else row,
        level=level,
        category=ref["equipment"],
        subsidy_standard=Decimal("1000"),
        min_lesson_hours=56,
    )


def test_scope_covers_levels_and_items(own_provider: Provider, edition: Edition, ref: dict[str, Any]) -> None:
    ProviderScope.objects.create(provider=own_provider, occupation=ref["electrician"], highest_level=3)
    ProviderScope.objects.create(provider=own_provider, special_item=ref["media"])
    for level in (1, 2, 3, 4, 5):
        item = catalog_item(edition, ref, "electrician", level)
        assert selectors.scope_covers(own_provider, item) is (level >= 3), level
    assert selectors.scope_covers(own_provider, catalog_item(edition, ref, "welder", 5)) is False
    assert selectors.scope_covers(own_provider, catalog_item(edition, ref, "media")) is True
    assert selectors.scope_covers(own_provider, catalog_item(edition, ref, "syb")) is False


def test_scope_of_one_provider_does_not_cover_another(
    own_provider: Provider, other_provider: Provider, edition: Edition, ref: dict[str, Any]
) -> None:
    ProviderScope.objects.create(provider=own_provider, occupation=ref["electrician"], highest_level=1)
    item = catalog_item(edition, ref, "electrician", 5)
    assert selectors.scope_covers(own_provider, item) and not selectors.scope_covers(other_provider, item)


# ---------------------------------------------------------------------------------------------------------------
# credit_record


def _class(provider: Provider, item: CatalogItem, n: int, status: str = "closed") -> TrainingClass:
    return TrainingClass.objects.create(
        code=f"C{provider.pk}-{n}",
        name=f"电工班{n}",
        provider=provider,
        handling_area=provider.handling_area,
        catalog_item=item,
        start_date=START,
        end_date=END,
        lesson_hours=56,
        capacity=50,
        status=status,
    )


def _assess(training_class: TrainingClass, serial: int, passed: bool) -> None:
    person = Person.objects.create(
        name=f"学员{serial}",
        citizen_id=citizen_id(f"2102021990010{serial:04d}"),
        gender="M",
        birth_date=dt.date(1990, 1, 1),
    )
    enrollment = Enrollment.objects.create(training_class=training_class, person=person)
    AssessmentResult.objects.create(
        enrollment=enrollment, passed=passed, evaluating_organisation="某评价机构", assessed_on=END
    )
    recount_results(training_class.pk)  # what the assessment services do after writing results


def test_credit_record(
    own_provider: Provider, other_provider: Provider, edition: Edition, ref: dict[str, Any], city_admin: User
) -> None:
    item = catalog_item(edition, ref, "electrician", 5)
    first, second = _class(own_provider, item, 1), _class(own_provider, item, 2, status="running")
    _class(own_provider, item, 3, status="draft")  # not counted
    serial = 0
    for training_class, outcomes in ((first, [True, True, False]), (second, [True])):
        for passed in outcomes:
            serial += 1
            _assess(training_class, serial, passed)
    _assess(_class(other_provider, item, 9), 99, False)  # another provider's results do not count
    for kind, points in (("complaint", -2), ("complaint", -3), ("sanction", -10), ("commendation", 5)):
        CreditEvent.objects.create(
            provider=own_provider,
            kind=kind,
            occurred_on=START,
            description="d",
            points=points,
            created_by=city_admin,
        )
    entry = BlacklistEntry.objects.create(
        provider=own_provider, reason="r", starts_on=timezone.localdate(), created_by=city_admin
    )
    with CaptureQueriesContext(connection) as queries:
        record = selectors.credit_record(own_provider)
    assert len(queries) <= 3  # classes and results in one aggregate, credit events, blacklist
    assert (record.classes_count, record.assessed_count, record.passed_count) == (2, 4, 3)
    assert record.pass_rate == Decimal("0.7500")
    assert record.pass_rate_percent == "75.0%"
    assert record.employment_rate is None
    assert (record.complaints, record.sanctions, record.commendations, record.points) == (2, 1, 1, -10)
    assert record.active_blacklist == entry


def test_credit_record_without_results(own_provider: Provider) -> None:
    record = selectors.credit_record(own_provider)
    assert record.pass_rate is None and record.pass_rate_percent == "—"
    assert record.active_blacklist is None and record.points == 0


# ---------------------------------------------------------------------------------------------------------------
# Public listing


def test_listed_providers_exclude_suspended_blacklisted_and_expired(
    own_provider: Provider, providers_by_status: dict[str, Provider], city_admin: User
) -> None:
    today = timezone.localdate()
    blacklisted = make_provider(90, name="黑名单学校")
    BlacklistEntry.objects.create(provider=blacklisted, reason="r", starts_on=today, created_by=city_admin)
    lifted = make_provider(91, name="已解除学校")
    BlacklistEntry.objects.create(
        provider=lifted, reason="r", starts_on=today, created_by=city_admin, lifted_at=timezone.now()
    )
    past = make_provider(92, name="期满学校")
    BlacklistEntry.objects.create(
        provider=past,
        reason="r",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=1),
        created_by=city_admin,
    )
    make_provider(93, name="许可证过期学校", licence_expires_on=today - dt.timedelta(days=1))
    listed = set(selectors.listed_providers())
    assert listed == {own_provider, providers_by_status[ProviderStatus.APPROVED], lifted, past}
