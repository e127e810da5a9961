"""Provider fixtures: reviewers of two handling areas, provider staff, providers in every status, catalog subjects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.identity import citizen_id_check_char
from lijiao.core.models import HandlingArea
from lijiao.providers.models import Provider, ProviderStatus
from tests.catalog.conftest import catalog_ref  # noqa: F401  (fixture)
from tests.conftest import default_provider, valid_credit_code

TODAY = dt.date.today()


def citizen_id(body17: str = "21020219850312123") -> str:
    """A valid 18-character citizen ID from 17 digits."""
    return body17 + citizen_id_check_char(body17)


def audit_count() -> int:
    return AuditEvent.objects.count()


def make_provider(
    serial: int,
    *,
    area: str = "ZS",
    status: str = ProviderStatus.APPROVED,
    name: str | None = None,
    licence_expires_on: dt.date | None = None,
) -> Provider:
    """A provider row in a given status (built directly: the services are under test elsewhere)."""
    return Provider.objects.create(
        credit_code=valid_credit_code(serial),
        name=name or f"机构{serial}",
        type=Provider.Type.PRIVATE_SCHOOL,
        handling_area=HandlingArea.objects.get(code=area),
        status=status,
        licence_expires_on=licence_expires_on,
    )


@pytest.fixture
def zs_clerk(make_user: Callable[..., User]) -> User:
    return make_user(Role.DISTRICT_CLERK, username="zs_clerk", area="ZS")


@pytest.fixture
def xg_clerk(make_user: Callable[..., User]) -> User:
    return make_user(Role.DISTRICT_CLERK, username="xg_clerk", area="XG")


@pytest.fixture
def city_admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.CITY_ADMIN, username="city_admin")


@pytest.fixture
def first_reviewer(make_user: Callable[..., User]) -> User:
    return make_user(Role.FIRST_REVIEWER, username="first_reviewer", area="ZS")


@pytest.fixture
def own_provider(db: None) -> Provider:
    """The approved provider of ``staff`` (中山区)."""
    return default_provider()


@pytest.fixture
def staff(make_user: Callable[..., User], own_provider: Provider) -> User:
    return make_user(Role.PROVIDER_STAFF, username="provider_staff", provider=own_provider)


@pytest.fixture
def other_provider(db: None) -> Provider:
    """Another approved provider of the same handling area."""
    return make_provider(50, name="另一家培训学校")


@pytest.fixture
def applied(db: None) -> Provider:
    return make_provider(60, status=ProviderStatus.APPLIED, name="申请中学校")


@pytest.fixture
def providers_by_status(db: None) -> dict[str, Provider]:
    return {status: make_provider(70 + i, status=status) for i, status in enumerate(ProviderStatus.values)}


@pytest.fixture
def ref(catalog_ref: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    return catalog_ref
