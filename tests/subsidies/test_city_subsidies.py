# ruff: noqa: F811  (fixtures imported from the training conftest are used as parameters)
"""``benchmarks/city_subsidies.py`` (the subsidies part of ``benchmarks/city_scale.py``) at a tiny scale on
PostgreSQL: the claims it writes with COPY keep the constraints and the services' counters, and every subsidies
screen it times answers 200 on that city.

The full run is ``make bench-city``; here a tiny city is built inside the test database so it stays quick.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import override_settings
from rich.progress import Progress

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.certificates.models import SerialCounter
from lijiao.core.identity import citizen_id_check_char
from lijiao.providers.models import Provider
from lijiao.subsidies.models import (
    CERTIFICATE_HOLDING_STATUSES,
    Claim,
    ClaimEvaluation,
    Clawback,
    Finding,
    PaymentBatch,
    PaymentLine,
    Publicity,
)
from lijiao.subsidies.services.schemes import install_default_schemes
from lijiao.training.models import TrainingClass
from tests.training.conftest import (  # noqa: F401
    approved_class,
    city_admin,
    program,
    provider,
    provider_staff,
    training_ref,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def _load() -> ModuleType:
    folder = Path(__file__).resolve().parents[2] / "benchmarks"
    spec = importlib.util.spec_from_file_location("city_scale", folder / "city_scale.py")
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


@pytest.fixture
def logins(make_user: Callable[..., User], provider: Provider) -> dict[str, User]:
    """The demo's logins the benchmark times the screens as."""
    body = "210202199003072" + "31"
    return {
        "admin": make_user(Role.CITY_ADMIN, username="admin"),
        "reviewer1": make_user(Role.FIRST_REVIEWER, username="reviewer1", area="ZS"),
        "reviewer2": make_user(Role.SECOND_REVIEWER, username="reviewer2", area="ZS"),
        "finance": make_user(Role.FINANCE, username="finance"),
        "auditor": make_user(Role.AUDITOR, username="auditor"),
        "provider": make_user(Role.PROVIDER_STAFF, username="provider", provider=provider),
        "worker": make_user(Role.WORKER, username="worker", citizen_id=body + citizen_id_check_char(body)),
    }


def _tiny_city(city: Any) -> dict[str, int]:
    rng = random.Random(3)
    install_default_schemes(actor=None)
    with Progress(disable=True) as progress:
        persons = city.make_persons(80, progress)
        classes = city.make_classes(40, rng, progress)
        sessions = city.make_sessions(classes, rng, progress)
        city.make_enrollments_and_checkins(classes, persons, sessions, rng, progress)
        city.make_certificates(rng, progress)
        counts: dict[str, int] = city.make_claims(rng, progress, 1.0)
    return counts


def test_the_city_s_claims_keep_the_constraints(
    city: Any, approved_class: TrainingClass, logins: dict[str, User]
) -> None:
    assert not city.city_claims_exist()
    counts = _tiny_city(city)

    claims = Claim.objects.all()
    assert counts["claims"] == claims.count() > 100
    assert city.city_claims_exist()
    statuses = set(claims.values_list("status", flat=True))
    assert {"paid", "archived", "submitted", "first_approved", "publicity", "approved"} <= statuses
    # R4: one live claim per certificate
    live = claims.filter(status__in=CERTIFICATE_HOLDING_STATUSES)
    assert live.values("certificate").distinct().count() == live.count()
    # one current evaluation per claim, with the lines of a real decision
    assert ClaimEvaluation.objects.filter(current=True).count() == counts["evaluations"] == claims.count()
    evaluation = ClaimEvaluation.objects.filter(claim__status="rejected").first()
    assert evaluation is not None and not evaluation.passed and evaluation.lines[-1]["passed"] is False
    # the history keeps its own times (not the moment it was written)
    oldest = claims.order_by("created_at").first()
    assert oldest is not None and oldest.created_at < dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
    # paid claims sit on exactly one payment line of a paid batch whose totals add up
    paid = claims.filter(status__in=["paid", "archived", "clawed_back"])
    assert PaymentLine.objects.count() == paid.count() == counts["payment lines"]
    assert not paid.filter(payment_line__isnull=True).exists()
    batch = PaymentBatch.objects.annotate(n=Count("lines")).first()
    assert batch is not None and batch.n == batch.line_count and batch.status == "paid"
    line = PaymentLine.objects.first()
    assert line is not None and line.account_number.startswith("62220234")  # encrypted, read back
    assert Clawback.objects.count() == claims.filter(status="clawed_back").count()
    # 公示: every listed claim in a batch, those on notice now in a running one
    assert not claims.filter(status__in=["publicity", "approved", "paid"], publicity__isnull=True).exists()
    running = claims.filter(status="publicity").select_related("publicity").first()
    assert running is not None and running.publicity is not None
    assert running.publicity.starts_on <= dt.date.today() <= running.publicity.ends_on
    assert Publicity.objects.count() == counts["publicity batches"]
    assert Finding.objects.count() == counts["findings"] >= 20
    # the services' counters continue after the city's numbers
    last = claims.order_by("-number").values_list("number", flat=True).first()
    assert last is not None
    counter = SerialCounter.objects.get(prefix=f"subsidies.claim.{last[:6]}")
    assert counter.last_serial == int(last[6:])


def test_every_subsidies_screen_answers_on_the_city(
    city: Any, approved_class: TrainingClass, logins: dict[str, User]
) -> None:
    _tiny_city(city)
    screens = city.subsidy_screens()
    names = {s.name for s in screens}
    assert {"claim list screen", "payment batch detail screen", "public 公示 detail"} <= names
    assert len(screens) >= 30
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        measures = [city.time_screen(screen, 1, warmup=0) for screen in screens]
    failed = [(m.name, m.status) for m in measures if m.status != 200]
    assert not failed
    assert all(m.queries > 0 for m in measures if m.role != "public")
