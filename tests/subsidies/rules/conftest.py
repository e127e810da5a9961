# ruff: noqa: F811  (fixtures imported from the certificates/training conftests are used as parameters)
"""Fixtures for the rules tests: the default schemes, and claims built with the ORM (the claims services belong to
another module)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.certificates.models import Certificate
from lijiao.core.models import HandlingArea
from lijiao.people.models import Person
from lijiao.subsidies.models import Claim, ClaimStatus, Scheme, SchemeVersion
from lijiao.subsidies.services.schemes import install_default_schemes
from lijiao.training.models import CheckIn, ClassStatus, Enrollment, TrainingClass
from tests.certificates.conftest import make_certificate, make_person
from tests.training.conftest import (  # noqa: F401  (fixtures re-exported)
    city_admin,
    make_class,
    program,
    provider,
    provider_staff,
    today,
    training_ref,
)

_claim_serial = itertools.count(1)


@pytest.fixture
def schemes(db: None) -> dict[str, SchemeVersion]:
    """The default schemes, version 1 of each published from 2020-01-01 (kind → version); the 2025 draft of
    技能提升补贴 (version 2) is left out."""
    install_default_schemes(actor=None)
    return {v.scheme.kind: v for v in SchemeVersion.objects.select_related("scheme").filter(number=1)}


@pytest.fixture
def scheme_admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.CITY_ADMIN, username="scheme_admin")


def make_claim(person: Person, *, kind: str = "training", **extra: Any) -> Claim:
    values: dict[str, Any] = {
        "number": f"BT{next(_claim_serial):08d}",
        "scheme": Scheme.objects.get(kind=kind),
        "kind": kind,
        "person": person,
        "applicant": Claim.Applicant.WORKER,
        "applicant_name": person.name,
        "handling_area": HandlingArea.objects.get(code="ZS"),
        "application_date": today(),
        "status": ClaimStatus.SUBMITTED,
    }
    values.update(extra)
    return Claim.objects.create(**values)


def attend(training_class: TrainingClass, person: Person, sessions: int) -> Enrollment:
    """Enroll ``person`` and check them in to the first ``sessions`` sessions (手工补录)."""
    enrollment = Enrollment.objects.create(training_class=training_class, person=person)
    for session in training_class.sessions.order_by("starts_at")[:sessions]:
        CheckIn.objects.create(
            session=session,
            enrollment=enrollment,
            person=person,
            checked_at=session.starts_at,
            method=CheckIn.Method.MANUAL,
            reason="测试补录",
        )
    return enrollment


@pytest.fixture
def finished_class(provider: Any, training_ref: dict[str, Any], program: Any) -> TrainingClass:
    """电工 四级 (1200 yuan), 10 sessions × 4 lesson hours, finished two months ago."""
    start = today() - dt.timedelta(days=90)
    return make_class(
        provider,
        training_ref["items"]["electrician4"],
        status=ClassStatus.FINISHED,
        start=start,
        program=program,
        filed_on=start - dt.timedelta(days=7),
    )


@pytest.fixture
def trainee_claim(
    schemes: dict[str, SchemeVersion], finished_class: TrainingClass, training_ref: dict[str, Any]
) -> Claim:
    """A training claim that passes every rule: 9 of 10 sessions attended, 电工四级 certificate."""
    person = make_person("王五")
    enrollment = attend(finished_class, person, 9)
    certificate: Certificate = make_certificate(
        person, occupation=training_ref["electrician"], level=4, issued_on=today() - dt.timedelta(days=20)
    )
    return make_claim(
        person,
        training_class=finished_class,
        enrollment=enrollment,
        certificate=certificate,
        catalog_item=finished_class.catalog_item,
    )
