# ruff: noqa: F811  (fixtures imported from the training/certificates conftests are used as parameters)
"""Fraud fixtures: claims built with the ORM (not through the claim services, which another helper builds),
register files written in memory, and the users who import registers and resolve findings.

* :func:`make_claim` — a submitted claim for a person (class, certificate, kind… as overrides);
* :func:`finished_class` — a class that ended ``days_ago`` days ago, 10 weekday sessions;
* :func:`xlsx_bytes` / :func:`csv_bytes` — a register file from a header and rows;
* ``auditor`` (AUDITOR role), ``reviewer`` (first reviewer of ZS).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import xlsxwriter

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.core.models import HandlingArea
from lijiao.people.models import Person
from lijiao.providers.models import Provider
from lijiao.subsidies.models import Claim, ClaimStatus, Scheme, SchemeKind
from lijiao.training.models import CheckIn, ClassSession, Enrollment, TrainingClass
from tests.certificates.conftest import (  # noqa: F401  (fixtures re-exported)
    citizen_id,
    make_certificate,
    make_person,
    social_body,
)
from tests.training.conftest import (  # noqa: F401  (fixtures re-exported)
    city_admin,
    make_class,
    other_provider,
    provider,
    today,
    training_ref,
    weekday_sessions,
)

_claim_numbers = itertools.count(1)


def scheme(kind: str = SchemeKind.TRAINING) -> Scheme:
    return Scheme.objects.get_or_create(kind=kind, defaults={"name": str(SchemeKind(kind).label)})[0]


def make_claim(person: Person, **overrides: Any) -> Claim:
    """A submitted training-subsidy claim of ``person`` in 中山区 (ZS), applied for today."""
    kind = overrides.pop("kind", SchemeKind.TRAINING)
    values: dict[str, Any] = {
        "number": f"BT{next(_claim_numbers):08d}",
        "scheme": scheme(kind),
        "kind": kind,
        "status": ClaimStatus.SUBMITTED,
        "person": person,
        "applicant": Claim.Applicant.WORKER,
        "applicant_name": person.name,
        "handling_area": HandlingArea.objects.get(code="ZS"),
        "application_date": today(),
    }
    values.update(overrides)
    return Claim.objects.create(**values)


def finished_class(
    provider: Provider,
    ref: dict[str, Any],
    *,
    days_ago: int = 30,
    start: dt.date | None = None,
    item: str = "electrician4",
    **extra: Any,
) -> TrainingClass:
    """A class of 10 weekday sessions that ended about ``days_ago`` days ago (or starts on ``start``)."""
    if start is None:
        start = today() - dt.timedelta(days=days_ago + 14)
        start -= dt.timedelta(days=start.weekday())  # a Monday
    return make_class(provider, ref["items"][item], start=start, sessions=weekday_sessions(start), **extra)


def enroll(person: Person, training_class: TrainingClass, *, check_in: bool = True) -> Enrollment:
    """Enrol ``person`` and (by default) check them in to every session at its start."""
    enrollment = Enrollment.objects.create(training_class=training_class, person=person)
    if check_in:
        CheckIn.objects.bulk_create(
            CheckIn(
                session=s,
                enrollment=enrollment,
                person=person,
                checked_at=s.starts_at,
                method=CheckIn.Method.MANUAL,
                reason="测试",
            )
            for s in ClassSession.objects.filter(training_class=training_class)
        )
    return enrollment


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("名册")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    offset = 0
    if title:
        sheet.write(0, 0, title)
        offset = 1
    for column, text in enumerate(header):
        sheet.write_string(offset, column, text)
    for r, row in enumerate(rows, start=offset + 1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value))
    workbook.close()
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def auditor(make_user: Callable[..., User]) -> User:
    return make_user(Role.AUDITOR)


@pytest.fixture
def reviewer(make_user: Callable[..., User]) -> User:
    return make_user(Role.FIRST_REVIEWER)
