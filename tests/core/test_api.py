"""The reference-data API is public; the assembled API requires authentication everywhere else by default."""

from __future__ import annotations

import pytest
from django.test import Client

from lijiao.api import api
from lijiao.core.identity import citizen_id_check_char

pytestmark = pytest.mark.django_db


def test_reference_data_answers_anonymous_callers(client: Client) -> None:
    regions = client.get("/api/v1/core/regions")
    assert regions.status_code == 200
    assert any(r["code"] == "210200" for r in regions.json())
    first17 = "21020219900307123"
    number = first17 + citizen_id_check_char(first17)
    check = client.post(
        "/api/v1/core/identity/citizen-id", {"value": number}, content_type="application/json"
    )
    assert check.status_code == 200 and check.json()["masked"] != number


# Deliberately without authentication: public certificate verification reads neither a token nor the session, so
# a logged-in browser is never refused for a missing CSRF token and a public lookup does no session work
# (ADR 0018); it is rate-limited per address instead. The subsidy 公示 is public by law: anyone reads the notices
# (names and IDs masked) and may object while one runs, rate-limited per address the same way (ADR 0021).
PUBLIC_WITHOUT_AUTHENTICATION = frozenset(
    {
        "POST /api/v1/certificates/verify",
        "GET /api/v1/subsidies/publicity",
        "GET /api/v1/subsidies/publicity/{number}",
        "POST /api/v1/subsidies/publicity/{number}/objections",
    }
)


def test_every_operation_has_authentication_wired_and_private_ones_refuse_anonymous_callers(
    client: Client,
) -> None:
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if f"{method.upper()} {path}" in PUBLIC_WITHOUT_AUTHENTICATION:
                assert not operation.get("security")
                continue
            assert operation.get("security"), f"{method.upper()} {path} has no authentication configured"
    for path in (
        "/api/v1/audit/events",
        "/api/v1/accounts/me",
        "/api/v1/providers",
        "/api/v1/training/classes",
    ):
        assert client.get(path).status_code == 401, path
