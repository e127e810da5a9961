"""Fixtures shared by every test package: users per role."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.core.models import HandlingArea

PASSWORD = "Passw0rd-long"


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """``make_user(Role.CATALOG_OFFICER)`` → a saved user holding that role (area scoped where needed)."""
    counter = {"n": 0}

    def factory(role: Role, *, username: str | None = None, area: str | None = None, **extra: object) -> User:
        counter["n"] += 1
        handling_area = HandlingArea.objects.get(code=area) if area else None
        if handling_area is None and role in {Role.DISTRICT_CLERK, Role.FIRST_REVIEWER, Role.SECOND_REVIEWER}:
            handling_area = HandlingArea.objects.get(code="ZS")
        return create_user(
            actor=None,
            username=username or f"{role.value}{counter['n']}",
            password=PASSWORD,
            roles=[role],
            handling_area=handling_area,
            **extra,  # type: ignore[arg-type]
        )

    return factory


def pytest_report_header(config: object) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"lijiao database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or ''} {db.get('NAME')}"
