"""Training fixtures shared by the training tests (classes, enrollment, attendance, roster import).

Everything here is built with the ORM directly (not through the services), so the fixtures work whatever state
the services are in. Dates are relative to today (Asia/Shanghai), so the fixtures never go stale.

* ``training_ref`` — categories, occupations, special items and a published edition in force today
  (``training_ref["edition"]``) with items ``training_ref["items"][key]``: ``electrician5`` (电工 五级, 40 h),
  ``electrician4`` (电工 四级, 56 h), ``welder4`` (焊工 四级), ``carer5`` (养老护理员 五级, 一老一小),
  ``robot4`` (工业机器人系统操作员 四级, allows graduate conversion), ``media`` (数字新媒体制作 专项, 16 h).
* ``provider`` — approved, area ZS, licence valid, scope covering every fixture item, a venue (capacity 40,
  ``provider.fixture_venue``) and two teachers (``provider.fixture_teachers``, theory + practical).
* ``other_provider`` — another approved provider, area XG, same scope, its own venue and teacher.
* ``provider_staff`` / ``other_provider_staff`` — provider staff users of each; ``clerk`` (district clerk ZS),
  ``clerk_elsewhere`` (district clerk XG), ``city_admin``.
* ``program`` (general: age 16–60 and not drawing a pension), ``graduate_program`` (graduate conversion).
* ``approved_class`` — approved, electrician 五级, capacity 30, 10 weekday sessions of 180 min (40 lesson hours,
  6 practical = 60 %) starting next week; ``running_class`` — running, same shape, started a week ago, half of
  its sessions in the past.

Helpers: :func:`make_class`, :func:`weekday_sessions`, :func:`aware`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.catalog.models import CatalogItem, Category, Edition, EditionStatus, Occupation, SpecialItem
from lijiao.core.models import HandlingArea
from lijiao.providers.models import Provider, ProviderScope, ProviderStatus, Teacher, Venue
from lijiao.training.models import ClassSession, ClassStatus, Program, TrainingClass
from lijiao.training.services.programs import GRADUATE_CONVERSION_ITEMS
from tests.conftest import valid_credit_code

SESSION_MINUTES = 180  # 4 lesson hours of 45 minutes
AGE_16_TO_60: dict[str, Any] = {
    "all": [
        {"fact": "age", "op": ">=", "value": 16, "label": "年满16周岁"},
        {"fact": "age", "op": "<=", "value": 60, "label": "不超过60周岁"},
    ]
}
GRADUATE_RULE: dict[str, Any] = {
    "all": [
        {
            "fact": "groups",
            "op": "contains_any",
            "value": ["graduate", "upcoming_graduate"],
            "label": "高校毕业生（毕业年度及离校3年内）",
        },
        {"not": {"fact": "employed", "op": "==", "value": True}, "label": "未就业"},
    ]
}

_codes = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A timezone-aware datetime (Asia/Shanghai) on ``day`` at ``hour:minute``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def weekdays_from(start: dt.date, count: int) -> list[dt.date]:
    """``count`` Monday–Friday dates from ``start`` (inclusive)."""
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def weekday_sessions(
    start: dt.date, count: int = 10, *, practical: int = 6, minutes: int = SESSION_MINUTES, hour: int = 9
) -> list[dict[str, Any]]:
    """Session dicts (starts_at, ends_at, kind, topic) on weekdays from ``start``; the last ``practical`` are 实操."""
    sessions = []
    for index, day in enumerate(weekdays_from(start, count)):
        starts_at = aware(day, hour)
        sessions.append(
            {
                "starts_at": starts_at,
                "ends_at": starts_at + dt.timedelta(minutes=minutes),
                "kind": ClassSession.Kind.PRACTICAL
                if index >= count - practical
                else ClassSession.Kind.THEORY,
                "topic": f"第{index + 1}次课",
            }
        )
    return sessions


def next_monday(weeks_ahead: int = 1) -> dt.date:
    day = today()
    return day + dt.timedelta(days=7 * weeks_ahead - day.weekday())


def make_class(
    provider: Provider,
    item: CatalogItem,
    *,
    status: str = ClassStatus.APPROVED,
    start: dt.date | None = None,
    sessions: list[dict[str, Any]] | None = None,
    capacity: int = 30,
    program: Program | None = None,
    created_by: User | None = None,
    **extra: Any,
) -> TrainingClass:
    """A class built with the ORM (no checks): sessions default to 10 × 180 min on weekdays from ``start``."""
    start = start or next_monday()
    rows = sessions if sessions is not None else weekday_sessions(start)
    for row in rows:  # each session's lesson hours: given, else the whole 45-minute lessons it holds
        minutes = int((row["ends_at"] - row["starts_at"]).total_seconds() // 60)
        row.setdefault("lesson_hours", max(1, minutes // 45))
    total = sum(s["lesson_hours"] for s in rows)
    practical = sum(s["lesson_hours"] for s in rows if s.get("kind") == ClassSession.Kind.PRACTICAL)
    end = timezone.localtime(rows[-1]["ends_at"]).date() if rows else start
    venue = getattr(provider, "fixture_venue", None) or provider.venues.first()
    fields: dict[str, Any] = {
        "code": f"FX{next(_codes):06d}",
        "name": f"{item.subject_name}培训班",
        "provider": provider,
        "handling_area": provider.handling_area,
        "catalog_item": item,
        "program": program,
        "start_date": start,
        "end_date": end,
        "lesson_hours": total,
        "practical_hours": practical,
        "capacity": capacity,
        "venue": venue,
        "status": status,
        "created_by": created_by,
    }
    if status not in (ClassStatus.DRAFT,):
        fields["filed_on"] = min(today(), start)
    fields.update(extra)
    training_class = TrainingClass.objects.create(**fields)
    ClassSession.objects.bulk_create(
        ClassSession(
            training_class=training_class,
            starts_at=s["starts_at"],
            ends_at=s["ends_at"],
            kind=s.get("kind", ClassSession.Kind.THEORY),
            topic=s.get("topic", ""),
            lesson_hours=s["lesson_hours"],
        )
        for s in rows
    )
    teachers = list(provider.teachers.all())
    if teachers:
        training_class.teachers.set(teachers)
    return training_class


@pytest.fixture
def training_ref(db: None) -> dict[str, Any]:
    """Reference rows and a published edition in force today (started 200 days ago, open-ended)."""

    def category(code: str, name: str, sort_order: int) -> Category:
        return Category.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": sort_order}
        )[0]

    def occupation(code: str, name: str, **extra: bool) -> Occupation:
        return Occupation.objects.update_or_create(code=code, defaults={"name": name, **extra})[0]

    def special(code: str, name: str, kind: str) -> SpecialItem:
        return SpecialItem.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})[0]

    ref: dict[str, Any] = {
        "equipment": category("equipment", "装备制造", 10),
        "digital_economy": category("digital_economy", "数字经济", 80),
        "elderly_care": category("elderly_care", "养老服务", 110),
        "electrician": occupation("6-31-01-03", "电工"),
        "welder": occupation("6-18-02-04", "焊工"),
        "carer": occupation("4-10-01-05", "养老护理员"),
        "robot": occupation("6-31-07-03", "工业机器人系统操作员", is_digital=True),
        "media": special("ZX210200-001", "数字新媒体制作", "special"),
    }
    start = today() - dt.timedelta(days=200)
    edition = Edition.objects.create(
        name=f"{start.year}年版（测试）",
        year=start.year,
        status=EditionStatus.PUBLISHED,
        effective_from=start,
        published_at=timezone.now(),
    )

    def item(subject: str, level: int | None, amount: str, category: str, **extra: Any) -> CatalogItem:
        row = ref[subject]
        is_occupation = isinstance(row, Occupation)
        return CatalogItem.objects.create(
            edition=edition,
            kind="occupation" if is_occupation else row.kind,
            occupation=row if is_occupation else None,
            special_item=None if is_occupation else row,
            level=level,
            category=ref[category],
            subsidy_standard=Decimal(amount),
            min_lesson_hours=extra.pop("hours", 40 if level in (None, 5) else 56),
            **extra,
        )

    ref["edition"] = edition
    ref["items"] = {
        "electrician5": item("electrician", 5, "800", "equipment"),
        "electrician4": item("electrician", 4, "1200", "equipment"),
        "welder4": item("welder", 4, "1200", "equipment"),
        "carer5": item("carer", 5, "900", "elderly_care", shortage_tier="general", is_elder_child_care=True),
        "robot4": item(
            "robot",
            4,
            "1500",
            "digital_economy",
            shortage_tier="relatively",
            is_digital=True,
            allows_graduate_conversion=True,
        ),
        "media": item("media", None, "600", "digital_economy", hours=16, is_digital=True),
    }
    return ref


def _make_provider(ref: dict[str, Any], *, serial: int, area: str, name: str) -> Provider:
    provider = Provider.objects.create(
        credit_code=valid_credit_code(serial),
        name=name,
        type=Provider.Type.PRIVATE_SCHOOL,
        handling_area=HandlingArea.objects.get(code=area),
        address="大连市测试路1号",
        licence_number=f"人社民{serial:06d}",
        licence_expires_on=today() + dt.timedelta(days=3 * 365),
        status=ProviderStatus.APPROVED,
        approved_at=timezone.now() - dt.timedelta(days=365),
    )
    for key in ("electrician", "welder", "carer", "robot"):
        ProviderScope.objects.create(provider=provider, occupation=ref[key], highest_level=3)
    ProviderScope.objects.create(provider=provider, special_item=ref["media"])
    provider.fixture_venue = Venue.objects.create(  # type: ignore[attr-defined]
        provider=provider, name=f"{name}实训楼", address="大连市测试路1号", capacity=40, is_practical=True
    )
    provider.fixture_teachers = [  # type: ignore[attr-defined]
        Teacher.objects.create(provider=provider, name=f"{name[:2]}理论老师", occupation=ref["electrician"]),
        Teacher.objects.create(
            provider=provider, name=f"{name[:2]}实操老师", occupation=ref["electrician"], is_practical=True
        ),
    ]
    return provider


@pytest.fixture
def provider(training_ref: dict[str, Any]) -> Provider:
    return _make_provider(training_ref, serial=101, area="ZS", name="中山区测试职业培训学校")


@pytest.fixture
def other_provider(training_ref: dict[str, Any]) -> Provider:
    return _make_provider(training_ref, serial=102, area="XG", name="西岗区测试职业培训学校")


@pytest.fixture
def provider_staff(make_user: Callable[..., User], provider: Provider) -> User:
    return make_user(Role.PROVIDER_STAFF, username="provider_staff", provider=provider)


@pytest.fixture
def other_provider_staff(make_user: Callable[..., User], other_provider: Provider) -> User:
    return make_user(Role.PROVIDER_STAFF, username="other_provider_staff", provider=other_provider)


@pytest.fixture
def clerk(make_user: Callable[..., User]) -> User:
    return make_user(Role.DISTRICT_CLERK, username="clerk_zs", area="ZS")


@pytest.fixture
def clerk_elsewhere(make_user: Callable[..., User]) -> User:
    return make_user(Role.DISTRICT_CLERK, username="clerk_xg", area="XG")


@pytest.fixture
def city_admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.CITY_ADMIN, username="city_admin")


@pytest.fixture
def program(db: None) -> Program:
    return Program.objects.create(
        code="T-GEN",
        name="职业技能培训（测试）",
        kind=Program.Kind.GENERAL,
        year=today().year,
        target_groups=[],
        eligibility_rule=AGE_16_TO_60,
        quota=1000,
        attendance_threshold=Decimal("0.800"),
        funding_source="就业补助资金",
    )


@pytest.fixture
def graduate_program(db: None) -> Program:
    return Program.objects.create(
        code="T-GRAD",
        name="高校毕业生专业转换及技能提升培训（测试）",
        kind=Program.Kind.GRADUATE_CONVERSION,
        year=today().year,
        target_groups=["graduate", "upcoming_graduate"],
        eligibility_rule=GRADUATE_RULE,
        item_rule=GRADUATE_CONVERSION_ITEMS,
        quota=200,
        attendance_threshold=Decimal("0.800"),
        funding_source="就业补助资金",
    )


@pytest.fixture
def approved_class(
    provider: Provider, training_ref: dict[str, Any], program: Program, provider_staff: User
) -> TrainingClass:
    """Approved, 电工 五级, capacity 30, 10 sessions × 180 min on weekdays from next Monday (6 practical)."""
    return make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.APPROVED,
        program=program,
        created_by=provider_staff,
        name="电工五级培训班（已备案）",
    )


@pytest.fixture
def running_class(
    provider: Provider, training_ref: dict[str, Any], program: Program, provider_staff: User
) -> TrainingClass:
    """Running, 电工 五级, capacity 30, 10 weekday sessions from a week ago: the first 5 in the past, the last
    one after today whatever weekday today is (any 7 days hold exactly 5 weekdays)."""
    start = today() - dt.timedelta(days=7)
    return make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.RUNNING,
        start=start,
        program=program,
        created_by=provider_staff,
        name="电工五级培训班（开班中）",
    )
