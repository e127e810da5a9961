"""Fixtures of the payment/公示 tests: claims made directly with the ORM in the status a test needs."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.core.models import HandlingArea
from lijiao.people.models import Person
from lijiao.subsidies.models import Claim, ClaimStatus, PayeeAccount, Publicity, Scheme, SchemeKind
from tests.certificates.conftest import make_person

_claim_serial = itertools.count(1)


def scheme() -> Scheme:
    found, _ = Scheme.objects.get_or_create(kind=SchemeKind.TRAINING, defaults={"name": "职业培训补贴"})
    return found


def make_claim(
    person: Person | None = None,
    *,
    status: str = ClaimStatus.APPROVED,
    amount: Decimal | str | None = "1500.00",
    area: str = "ZS",
    account: bool = True,
    **extra: Any,
) -> Claim:
    """A claim in ``status`` (approved by default) for ``person`` (a new one), with a payee account."""
    person = person or make_person("张小三")
    if account and not PayeeAccount.objects.filter(person=person).exists():
        PayeeAccount.objects.create(
            person=person, bank_name="中国工商银行大连分行", account_number=f"62220{person.pk:014d}"
        )
    return Claim.objects.create(
        number=f"BT{next(_claim_serial):08d}",
        scheme=scheme(),
        kind=SchemeKind.TRAINING,
        status=status,
        person=person,
        applicant=Claim.Applicant.WORKER,
        applicant_name=person.name,
        handling_area=HandlingArea.objects.get(code=area),
        amount=Decimal(amount) if amount is not None else None,
        **extra,
    )


def make_publicity(creator: User, *, starts_on: dt.date, ends_on: dt.date, area: str = "ZS") -> Publicity:
    return Publicity.objects.create(
        number=f"GST{next(_claim_serial):08d}",
        title="测试公示",
        handling_area=HandlingArea.objects.get(code=area),
        starts_on=starts_on,
        ends_on=ends_on,
        objection_contact="0411-12345678",
        created_by=creator,
    )


@pytest.fixture
def finance(make_user: Callable[..., User]) -> User:
    return make_user(Role.FINANCE)


@pytest.fixture
def reviewer2(make_user: Callable[..., User]) -> User:
    return make_user(Role.SECOND_REVIEWER)
