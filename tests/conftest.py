"""Fixtures shared by every test package: users per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.core.identity import credit_code_check_char
from lijiao.core.models import HandlingArea
from lijiao.providers.models import Provider, ProviderStatus

PASSWORD = "Passw0rd-long"


def valid_credit_code(serial: int) -> str:
    """A well-formed unified social credit code (GB 32100) with a valid embedded organisation code."""
    body = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    org = body + {10: "X", 11: "0"}.get(check, str(check))
    first17 = "91210202" + org
    return first17 + credit_code_check_char(first17)


def default_provider(area: str = "ZS", serial: int = 1) -> Provider:
    """An approved provider for tests that need provider staff (created once per test database)."""
    provider, _ = Provider.objects.get_or_create(
        credit_code=valid_credit_code(serial),
        defaults={
            "name": f"测试职业培训学校{serial}",
            "type": Provider.Type.PRIVATE_SCHOOL,
            "handling_area": HandlingArea.objects.get(code=area),
            "status": ProviderStatus.APPROVED,
        },
    )
    return provider


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """``make_user(Role.CATALOG_OFFICER)`` → a saved user holding that role (area scoped where needed)."""
    counter = {"n": 0}

    def factory(role: Role, *, username: str | None = None, area: str | None = None, **extra: object) -> User:
        counter["n"] += 1
        handling_area = HandlingArea.objects.get(code=area) if area else None
        if handling_area is None and role in {Role.DISTRICT_CLERK, Role.FIRST_REVIEWER, Role.SECOND_REVIEWER}:
            handling_area = HandlingArea.objects.get(code="ZS")
        if role == Role.PROVIDER_STAFF and "provider" not in extra:
            extra["provider"] = default_provider()
        return create_user(
            actor=None,
            username=username or f"{role.value}{counter['n']}",
            password=PASSWORD,
            roles=[role],
            handling_area=handling_area,
            **extra,  # type: ignore[arg-type]
        )

    return factory


def pytest_configure(config: pytest.Config) -> None:
    """Compile the translation catalogs once, before the workers start, when the ``.mo`` files are stale."""
    if not hasattr(config, "workerinput"):
        from tests.translations import compile_catalogs

        compile_catalogs()


def pytest_report_header(config: object) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"lijiao database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or ''} {db.get('NAME')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Transactional tests flush the database when they end, which would also wipe the reference data that
    migrations load (handling areas, lesson-hour rules…) for the tests after them: restore it (serialized
    rollback) unless a test decides otherwise."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction") or "serialized_rollback" in marker.kwargs:
            continue
        item.add_marker(
            pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}),
            append=False,
        )


@pytest.fixture(autouse=True)
def _chinese_by_default() -> Iterator[None]:
    """Every test starts in the default language: a view that activates English must not leak into the next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
