# ruff: noqa: F811  (fixtures imported from the training conftest are used as parameters)
"""Certificate fixtures: evaluating bodies with a site and accreditation, their staff, certificates.

Built with the ORM directly (not through the services), like the training fixtures, so they work whatever state
the services are in. The training fixtures (``training_ref``, ``provider``, classes…) are importable too.

* ``social_body`` — S0001 “大连测试职业技能评价中心”, area ZS, site 210201, accredited for 电工 levels 5–3 and the
  专项 数字新媒体制作; ``employer_body`` — Y0002 “大连测试重工集团”, site 210202, accredited for 焊工 5–2.
* ``evaluator`` — evaluating-body staff of ``social_body``; ``employer_evaluator`` — employer staff of
  ``employer_body``.
* :func:`make_person`, :func:`make_certificate` (any overrides; a well-formed unique number by default).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.certificates.models import (
    Accreditation,
    Certificate,
    CertificateType,
    EvaluatingBody,
    EvaluationSite,
    EvaluatorMembership,
)
from lijiao.core.identity import citizen_id_check_char
from lijiao.core.models import HandlingArea
from lijiao.people.models import Person
from tests.training.conftest import (  # noqa: F401  (fixtures re-exported for certificate tests)
    approved_class,
    city_admin,
    clerk,
    clerk_elsewhere,
    other_provider,
    other_provider_staff,
    program,
    provider,
    provider_staff,
    running_class,
    today,
    training_ref,
)

_person_serial = itertools.count(1)
_cert_serial = itertools.count(1)


def citizen_id(birth: dt.date, *, male: bool = True, area: str = "210202") -> str:
    """A valid 18-character citizen ID, unique per call."""
    n = next(_person_serial)
    sequence = f"{(n % 499) * 2 + (1 if male else 0):03d}"
    first17 = f"{area}{birth:%Y%m%d}{sequence}"
    return first17 + citizen_id_check_char(first17)


def make_person(name: str = "李四", *, birth: dt.date = dt.date(1990, 5, 17), male: bool = True) -> Person:
    return Person.objects.create(
        name=name, citizen_id=citizen_id(birth, male=male), gender="M" if male else "F", birth_date=birth
    )


def make_certificate(holder: Person | None = None, **overrides: Any) -> Certificate:
    """A valid 职业技能等级证书 (电工 四级 by default) with a well-formed, unique 22-character number."""
    n = next(_cert_serial)
    holder = holder or make_person()
    level = overrides.get("level", 4)
    values: dict[str, Any] = {
        "certificate_type": CertificateType.SKILL_LEVEL,
        "number": f"S000121210201{today():%y}{level}{n:06d}",
        "holder": holder,
        "holder_name": holder.name,
        "subject_name": "电工",
        "level": level,
        "issuer_name": "大连测试职业技能评价中心",
        "issued_on": today() - dt.timedelta(days=10),
        "source": Certificate.Source.ASSESSMENT,
        "status_index": 1_000_000 + n,
    }
    values.update(overrides)
    return Certificate.objects.create(**values)


@pytest.fixture
def social_body(training_ref: dict[str, Any]) -> EvaluatingBody:
    area = HandlingArea.objects.get(code="ZS")
    body = EvaluatingBody.objects.create(
        kind=EvaluatingBody.Kind.SOCIAL, code="0001", name="大连测试职业技能评价中心", handling_area=area
    )
    EvaluationSite.objects.create(body=body, code="210201", name="中山考点", handling_area=area)
    Accreditation.objects.create(body=body, occupation=training_ref["electrician"], levels=[5, 4, 3])
    Accreditation.objects.create(body=body, special_item=training_ref["media"])
    return body


@pytest.fixture
def employer_body(training_ref: dict[str, Any]) -> EvaluatingBody:
    area = HandlingArea.objects.get(code="XG")
    body = EvaluatingBody.objects.create(
        kind=EvaluatingBody.Kind.EMPLOYER, code="0002", name="大连测试重工集团", handling_area=area
    )
    EvaluationSite.objects.create(body=body, code="210202", name="集团技能评价站", handling_area=area)
    Accreditation.objects.create(body=body, occupation=training_ref["welder"], levels=[5, 4, 3, 2])
    return body


@pytest.fixture
def evaluator(make_user: Callable[..., User], social_body: EvaluatingBody) -> User:
    user = make_user(Role.EVALUATOR_STAFF)
    EvaluatorMembership.objects.create(user=user, body=social_body)
    return user


@pytest.fixture
def employer_evaluator(make_user: Callable[..., User], employer_body: EvaluatingBody) -> User:
    user = make_user(Role.EMPLOYER_STAFF)
    EvaluatorMembership.objects.create(user=user, body=employer_body)
    return user
