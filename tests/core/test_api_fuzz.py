"""Schemathesis against the API's own OpenAPI document (ADR 0006): whatever a client sends, valid or not, the
API never answers 5xx, answers only the statuses the document lists, with bodies and content types as
documented, and refuses what the document does not allow (negative data is never a 2xx).

It runs as a city admin and as provider staff, each with a bearer token, so the authenticated operations get
past authentication; path ids are, for every even generated number, those of real objects (the provider, its
teacher and venue, a class with a session and an enrolled person, the program, the edition and an item…), so
the handlers behind the 404 run too — it is how ``[null, null]`` sent to a real provider's scope was found.
Bounded: a few deterministic examples per operation (the city admin also gets schemathesis' coverage phase:
boundary values and methods the path does not take), all in the test's transaction, so nothing stays in the
database for the tests after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_api_token
from lijiao.api import api
from lijiao.providers.models import Provider
from lijiao.training.models import Program, TrainingClass
from lijiao.training.services.enrollment import enroll
from tests.training.conftest import (  # noqa: F401  (fixtures)
    approved_class,
    program,
    provider,
    provider_staff,
    training_ref,
)
from tests.training.test_enrollment import make_person

MAX_EXAMPLES = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# Path parameter → the id of a real object of the current test (filled by the ``objects`` fixture).
REAL_IDS: dict[str, int] = {}


def _load_schema(*, coverage: bool) -> Any:
    """The document the API serves (the dict /api/v1/openapi.json answers), called through Django's WSGI app."""
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = WSGIHandler()
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
    )
    loaded.config.phases.update(phases=["examples", "coverage", "fuzzing"] if coverage else ["fuzzing"])

    return loaded


admin_schema = _load_schema(coverage=True)
provider_schema = _load_schema(coverage=False)


@pytest.fixture
def _requests_in_the_test_transaction() -> Iterator[None]:
    """Django closes "old" connections when a request starts and ends, which inside the test's transaction
    would mark it for rollback; Django's test Client disconnects the same two receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def objects(
    _requests_in_the_test_transaction: None,
    provider: Provider,  # noqa: F811
    provider_staff: User,  # noqa: F811
    approved_class: TrainingClass,  # noqa: F811
    program: Program,  # noqa: F811
    training_ref: dict[str, Any],  # noqa: F811
) -> Iterator[None]:
    enrollment = enroll(actor=provider_staff, training_class=approved_class, person=make_person("甲学员"))
    REAL_IDS.update(
        provider_id=provider.pk,
        teacher_id=provider.teachers.first().pk,  # type: ignore[union-attr]
        venue_id=provider.venues.first().pk,  # type: ignore[union-attr]
        class_id=approved_class.pk,
        session_id=approved_class.sessions.first().pk,  # type: ignore[union-attr]
        program_id=program.pk,
        edition_id=training_ref["edition"].pk,
        old_id=training_ref["edition"].pk,
        new_id=training_ref["edition"].pk,
        item_id=training_ref["items"]["electrician5"].pk,
        person_id=enrollment.person_id,
        enrollment_id=enrollment.pk,
    )
    yield
    REAL_IDS.clear()


def _call(case: Any, headers: dict[str, str]) -> None:
    """Call with real ids for even generated ids (in every phase; schemathesis' hooks miss the coverage
    phase), then check the answer."""
    if isinstance(case.path_parameters, dict):
        for name, value in case.path_parameters.items():
            number = value if isinstance(value, int) else int(value) if str(value).isdigit() else None
            if number is not None and number % 2 == 0 and name in REAL_IDS:  # the coverage phase sends "0"
                case.path_parameters[name] = REAL_IDS[name]
    case.call_and_validate(headers=headers, checks=CHECKS)


def _bearer(user: User) -> dict[str, str]:
    token, raw = create_api_token(actor=user, name="schemathesis")
    REAL_IDS["token_id"] = token.pk
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def as_city_admin(objects: None, make_user: Callable[..., User]) -> dict[str, str]:
    return _bearer(make_user(Role.CITY_ADMIN))


@pytest.fixture
def as_provider_staff(objects: None, provider_staff: User) -> dict[str, str]:  # noqa: F811
    return _bearer(provider_staff)


@admin_schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_as_city_admin(case: Any, as_city_admin: dict[str, str]) -> None:
    _call(case, as_city_admin)


@provider_schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_as_provider_staff(case: Any, as_provider_staff: dict[str, str]) -> None:
    _call(case, as_provider_staff)
