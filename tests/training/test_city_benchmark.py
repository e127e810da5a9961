"""``benchmarks/city_scale.py`` at a tiny scale on PostgreSQL: its generators write rows the constraints accept
(COPY), the audit events continue a valid chain, and the timing reports median, p95 and query count.

The full script (scratch database, the demo as its base, every screen) is run by ``make bench-city``; here the
pieces run inside the test database so it stays quick.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.db import connection
from rich.progress import Progress

from lijiao.accounts.models import User
from lijiao.audit.models import AuditEvent
from lijiao.audit.verification import verify_chain
from lijiao.core.pii import pii_digest
from lijiao.people.models import Person
from lijiao.training.models import CheckIn, ClassSession, Enrollment, TrainingClass

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def _load() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "city_scale.py"
    spec = importlib.util.spec_from_file_location("city_scale", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["city_scale"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def city() -> ModuleType:
    if connection.vendor != "postgresql":
        pytest.skip("the city benchmark writes with COPY on PostgreSQL")
    return _load()


def test_citizen_ids_are_valid_and_unique(city: Any) -> None:
    from lijiao.core.identity import citizen_id_check_char

    numbers = [city.citizen_id(i)[0] for i in (0, 1, 16_424, 16_425, 999_999)]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert len(number) == 18 and number[17] == citizen_id_check_char(number[:17])


def test_a_tiny_city_is_consistent(city: Any, approved_class: TrainingClass, city_admin: User) -> None:
    rng = random.Random(1)
    with Progress(disable=True) as progress:
        persons = city.make_persons(60, progress)
        classes = city.make_classes(12, rng, progress)
        sessions = city.make_sessions(classes, rng, progress)
        enrollments, checkins = city.make_enrollments_and_checkins(classes, persons, sessions, rng, progress)
        city.make_audit_events(300, [(city_admin.pk, city_admin.username)], rng, progress)

    assert Person.objects.filter(pk__in=persons).count() == 60
    first = Person.objects.get(pk=persons[0])
    assert first.citizen_id == city.citizen_id(0)[0]  # encrypted and decrypted by the project's own field
    assert first.citizen_id_digest == pii_digest("citizen_id", first.citizen_id)
    assert TrainingClass.objects.filter(code__startswith="CITY").count() == 12
    assert ClassSession.objects.filter(training_class__code__startswith="CITY").count() == sum(
        len(v) for v in sessions.values()
    )
    assert Enrollment.objects.filter(training_class__code__startswith="CITY").count() == enrollments > 0
    assert CheckIn.objects.filter(enrollment__training_class__code__startswith="CITY").count() == checkins > 0
    assert AuditEvent.objects.filter(request_id__startswith="city-").count() == 300
    assert verify_chain().ok


def test_a_screen_is_timed(city: Any, approved_class: TrainingClass, city_admin: User) -> None:
    from django.test.utils import override_settings

    with override_settings(ALLOWED_HOSTS=["testserver"]):
        measure = city.time_screen(
            city.Screen("class list API", city_admin.username, "/api/v1/training/classes"), 3
        )
    assert measure.status == 200
    assert len(measure.runs) == 3
    assert measure.median_ms > 0 and measure.p95_ms >= measure.median_ms
    assert measure.queries > 0


def test_options(city: Any) -> None:
    args = city.parse(["--scale", "0.01", "--json", "out.json", "--keep"])
    assert (args.scale, args.runs, args.json, args.keep) == (0.01, 20, "out.json", True)


def test_generated_numbers_skip_those_already_taken(city: Any) -> None:
    number, birth = city.citizen_id(1)
    taken = Person.objects.create(name="已有", citizen_id=number, gender="M", birth_date=birth)
    with Progress(disable=True) as progress:
        persons = city.make_persons(3, progress)
    assert len(persons) == 3 and taken.pk not in persons
    assert Person.objects.filter(citizen_id_digest=taken.citizen_id_digest).count() == 1
