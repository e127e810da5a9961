"""Bad requests answer 4xx, never 500, and never change data (issue 9, Security 5; ADR 0006).

The attacks as they were found: a huge ``limit``/``offset`` was a 500 on every list; a JSON array sent to
``PUT /providers/{id}/scope`` answered 200 and deleted the whole scope, and to ``/contact`` blanked the contact.
And every error, whatever its status, in the one format ``{"code", "message", "errors"}``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_api_token
from lijiao.api import api
from lijiao.audit.models import AuditEvent
from lijiao.catalog.models import Occupation
from lijiao.core.pagination import MAX_LIMIT, MAX_OFFSET
from lijiao.providers.models import Provider, ProviderScope
from tests.conftest import default_provider

ERROR_KEYS = {"code", "message", "errors"}


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(actor=user, name='t')[1]}"}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error format: JSON, exactly code + message + errors, a message for people."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS and isinstance(body["errors"], list) and body["message"]
    if code:
        assert body["code"] == code
    return body


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.CITY_ADMIN)


@pytest.fixture
def provider(db: None) -> Provider:
    """An approved provider with a contact and a scope of one occupation."""
    provider = default_provider()
    Provider.objects.filter(pk=provider.pk).update(contact_name="王老师", contact_phone="13812345678")
    occupation = Occupation.objects.create(code="6-31-01-03", name="电工")
    ProviderScope.objects.create(provider=provider, occupation=occupation, highest_level=3)
    provider.refresh_from_db()
    return provider


# ---------------------------------------------------------------------------------------------------------------
# Paging: every list, bounded


PAGINATED = [
    "/api/v1/audit/events",
    "/api/v1/catalog/editions/{edition_id}/items",
    "/api/v1/catalog/occupations",
    "/api/v1/catalog/special-items",
    "/api/v1/certificates/bodies",
    "/api/v1/certificates/bodies/{body_id}/results",
    "/api/v1/certificates/certificates",
    "/api/v1/certificates/self-evaluations/queue",
    "/api/v1/providers",
    "/api/v1/providers/listed",
    "/api/v1/subsidies/audit-runs",
    "/api/v1/subsidies/claims",
    "/api/v1/subsidies/claims/queues/first",
    "/api/v1/subsidies/claims/queues/second",
    "/api/v1/subsidies/findings",
    "/api/v1/subsidies/objections",
    "/api/v1/subsidies/payment/batches",
    "/api/v1/subsidies/payment/batches/{payment_batch_id}",
    "/api/v1/subsidies/payment/clawbacks",
    "/api/v1/subsidies/registers",
    "/api/v1/training/classes",
    "/api/v1/training/classes/review-queue",
]


def test_the_list_of_paginated_endpoints_is_complete() -> None:
    """Every operation that takes ``limit`` and ``offset`` is attacked below; a new list joins it."""
    document = api.get_openapi_schema()
    paginated = sorted(
        path
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if {"limit", "offset"} <= {parameter["name"] for parameter in operation.get("parameters", [])}
    )
    assert paginated == sorted(PAGINATED)
    for path in paginated:
        parameters = {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}
        assert parameters["limit"]["minimum"] == 1 and parameters["limit"]["maximum"] == MAX_LIMIT == 500
        assert parameters["offset"]["minimum"] == 0 and parameters["offset"]["maximum"] == MAX_OFFSET


# lists paged by offset only MAX_DEPTH rows deep (ADR 0014, 0015): the class list (then its cursor), the
# certificate list, the review queue, the subsidy claims and their queues and a batch's lines (then the filters)
DEPTH_BOUNDED = {
    "/api/v1/training/classes",
    "/api/v1/certificates/certificates",
    "/api/v1/training/classes/review-queue",
    "/api/v1/subsidies/claims",
    "/api/v1/subsidies/claims/queues/first",
    "/api/v1/subsidies/claims/queues/second",
    "/api/v1/subsidies/payment/batches/{payment_batch_id}",
}

HUGE = [
    ("limit", str(10**20), "每页条数不能大于 500"),
    ("offset", str(10**20), f"起始位置不能大于 {MAX_OFFSET}"),
    ("limit", str(2**63), "每页条数不能大于 500"),
    ("offset", str(2**63 - 1), f"起始位置不能大于 {MAX_OFFSET}"),
    ("offset", str(2**31), f"起始位置不能大于 {MAX_OFFSET}"),
    ("limit", "501", "每页条数不能大于 500"),
    ("limit", "0", "每页条数不能小于 1"),
    ("offset", "-1", "起始位置不能小于 0"),
    ("limit", "9" * 5000, "每页条数必须是整数"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGINATED)
def test_huge_limit_or_offset_is_a_422_with_a_sentence_on_every_list(
    path: str, admin: User, provider: Provider
) -> None:
    from lijiao.catalog.models import Edition
    from lijiao.certificates.models import EvaluatingBody
    from lijiao.core.models import HandlingArea
    from lijiao.core.pagination import MAX_DEPTH

    edition = Edition.objects.create(name="2026年版", year=2026)
    body = EvaluatingBody.objects.create(
        kind="S", code="0555", name="分页测试评价中心", handling_area=HandlingArea.objects.get(code="ZS")
    )
    from lijiao.subsidies.models import PaymentBatch

    batch = PaymentBatch.objects.create(number="PB2026900001", created_by=admin)
    url = path.format(edition_id=edition.pk, body_id=body.pk, payment_batch_id=batch.pk)
    client, headers = Client(raise_request_exception=False), bearer(admin)
    for name, value, sentence in HUGE:
        response = client.get(url, {name: value}, headers=headers)
        body = assert_error(response, 422, "invalid")
        assert body["message"] == sentence
        assert body["errors"] == [{"field": name, "message": sentence}]
    # the bounds themselves are answered (and reach the database without trouble); the class list goes only
    # MAX_DEPTH rows deep by offset, then points to its cursor (ADR 0014)
    deepest = MAX_DEPTH if path in DEPTH_BOUNDED else MAX_OFFSET
    response = client.get(url, {"limit": MAX_LIMIT, "offset": deepest}, headers=headers)
    assert response.status_code == 200, response.content
    assert response.json()["lines" if "{payment_batch_id}" in path else "items"] == []  # a batch: its lines
    if path in DEPTH_BOUNDED:
        body = assert_error(client.get(url, {"offset": deepest + 1}, headers=headers), 422, "offset_too_deep")
        # the class list points to its cursor, the others to their filters
        assert ("cursor" if path == "/api/v1/training/classes" else "筛选条件") in body["message"]
        assert body["errors"][0]["field"] == "offset"


# ---------------------------------------------------------------------------------------------------------------
# Bodies: a JSON object with known fields, or nothing is written


NOT_OBJECTS = ["[null, null]", "[]", "null", "5", '"x"', "true"]


def scope_rows(provider: Provider) -> list[tuple[Any, ...]]:
    return list(
        ProviderScope.objects.filter(provider=provider)
        .values_list("occupation_id", "highest_level")
        .order_by("pk")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_an_array_or_scalar_sent_as_the_scope_is_a_422_and_the_scope_stays(
    body: str, admin: User, provider: Provider
) -> None:
    before, events = scope_rows(provider), AuditEvent.objects.count()
    assert before
    response = Client().put(
        f"/api/v1/providers/{provider.pk}/scope", body, content_type="application/json", headers=bearer(admin)
    )
    error = assert_error(response, 422, "invalid")
    assert error["message"] == "请求内容必须是 JSON 对象"
    assert scope_rows(provider) == before
    assert AuditEvent.objects.count() == events + 1  # the token's creation, nothing else


@pytest.mark.django_db
@pytest.mark.parametrize("body", [*NOT_OBJECTS, '{"contact_nam": "李四"}', '{"contact_name": "李\\u0000四"}'])
def test_a_wrong_body_sent_as_the_contact_is_a_422_and_the_contact_stays(
    body: str, make_user: Callable[..., User], provider: Provider
) -> None:
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    response = Client().put(
        f"/api/v1/providers/{provider.pk}/contact",
        body,
        content_type="application/json",
        headers=bearer(staff),
    )
    assert_error(response, 422, "invalid")
    provider.refresh_from_db()
    assert (provider.contact_name, provider.contact_phone) == ("王老师", "13812345678")


@pytest.mark.django_db
def test_the_messages_of_wrong_bodies_name_the_problem(admin: User, provider: Provider) -> None:
    client, headers = Client(), bearer(admin)
    url = f"/api/v1/providers/{provider.pk}/scope"

    def put(body: object) -> dict[str, Any]:
        response = client.put(url, json.dumps(body), content_type="application/json", headers=headers)
        return assert_error(response, 422, "invalid")

    assert put({"occupation": []})["errors"] == [
        {"field": "occupation", "message": "“occupation”不是可提交的字段"}
    ]
    assert put({"occupations": [None]})["errors"] == [
        {"field": "occupations.0", "message": "第1项：该项必须是 JSON 对象"}
    ]
    assert put({"special_items": ["ZX\x00"]})["errors"] == [
        {"field": "special_items", "message": "该项含有不允许的字符（控制字符或无效字符）"}
    ]
    assert scope_rows(provider) == [(Occupation.objects.get().pk, 3)]


@pytest.mark.django_db
def test_a_lone_surrogate_in_text_is_refused_before_the_database(admin: User) -> None:
    """JSON's ``"\\ud800"`` is no text (PostgreSQL cannot store it): a 422, not a 500."""
    response = Client().post(
        "/api/v1/accounts/tokens",
        '{"name": "\\ud92a"}',
        content_type="application/json",
        headers=bearer(admin),
    )
    assert assert_error(response, 422, "invalid")["errors"][0]["field"] == "name"


@pytest.mark.django_db
def test_a_token_lifetime_out_of_range_is_a_422_not_a_500(admin: User) -> None:
    client, headers = Client(raise_request_exception=False), bearer(admin)
    for days in (-109516369, 0, 731, 10**9):
        response = client.post(
            "/api/v1/accounts/tokens",
            json.dumps({"name": "对接", "ttl_days": days}),
            content_type="application/json",
            headers=headers,
        )
        assert assert_error(response, 422, "invalid")["errors"][0]["field"] == "ttl_days"


# ---------------------------------------------------------------------------------------------------------------
# One error format for every 4xx


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["{bad", "", "\xff\xfe", '{"reason": "x"'])
def test_unparseable_json_is_a_400_in_the_common_format_and_writes_nothing(
    body: str, admin: User, provider: Provider
) -> None:
    before, events = scope_rows(provider), AuditEvent.objects.count()
    client, headers = Client(), bearer(admin)
    response = client.put(
        f"/api/v1/providers/{provider.pk}/scope",
        body.encode(),
        content_type="application/json",
        headers=headers,
    )
    if body == "":  # no body at all: the body is missing, not malformed
        assert assert_error(response, 422, "invalid")["message"] == "请求内容必须填写"
    else:
        error = assert_error(response, 400, "invalid_json")
        assert error["message"] == "请求内容不是有效的 JSON"
    assert scope_rows(provider) == before
    assert AuditEvent.objects.count() == events + 1  # the token's creation


@pytest.mark.django_db
def test_every_error_status_answers_in_the_one_format(
    admin: User, make_user: Callable[..., User], provider: Provider
) -> None:
    client, headers = Client(), bearer(admin)
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    # 401: no credentials, a bad token
    assert_error(client.get("/api/v1/accounts/me"), 401, "unauthenticated")
    assert_error(client.get("/api/v1/accounts/me", headers={"Authorization": "Bearer lj_x"}), 401)
    # 403: a role that may not
    approve = f"/api/v1/providers/{provider.pk}/approve"
    assert_error(client.post(approve, "", content_type="application/json", headers=bearer(staff)), 403)
    # 404: an object out of reach, and a path the API does not have
    assert_error(client.get("/api/v1/providers/999999", headers=headers), 404, "not_found")
    unknown = assert_error(client.get("/api/v1/no/such/path", headers=headers), 404, "not_found")
    assert unknown["message"] == "请求的地址不存在"
    assert_error(client.get("/api/v2/providers"), 404, "not_found")
    # 405: a method the path does not take (the Allow header stays)
    not_allowed = client.delete("/api/v1/providers", headers=headers)
    assert_error(not_allowed, 405, "method_not_allowed")
    assert set(not_allowed["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    # 409: a transition that is no longer possible
    reinstate = f"/api/v1/providers/{provider.pk}/reinstate"
    assert_error(client.post(reinstate, "", content_type="application/json", headers=headers), 409)
    # 422: a wrong parameter
    assert_error(client.get("/api/v1/providers", {"limit": "x"}, headers=headers), 422, "invalid")


@pytest.mark.django_db
def test_a_session_without_csrf_token_is_a_403_in_the_common_format(admin: User, provider: Provider) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.put(
        f"/api/v1/providers/{provider.pk}/contact", {"contact_name": "李四"}, content_type="application/json"
    )
    assert_error(response, 403, "csrf_failed")
    csrf = secrets.token_hex(16)
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    ok = client.put(
        f"/api/v1/providers/{provider.pk}/contact",
        {"contact_name": "李四"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert ok.status_code == 200, ok.content


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_a_413_in_the_common_format(admin: User, provider: Provider) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        response = Client().put(
            f"/api/v1/providers/{provider.pk}/contact",
            json.dumps({"contact_name": "李" * 2000}),
            content_type="application/json",
            headers=bearer(admin),
        )
    assert_error(response, 413, "too_large")
    provider.refresh_from_db()
    assert provider.contact_name == "王老师"


@pytest.mark.django_db
def test_errors_follow_accept_language(admin: User) -> None:
    response = Client().get("/api/v1/no/such/path", headers={**bearer(admin), "Accept-Language": "en"})
    assert assert_error(response, 404, "not_found")["message"] == "No such address"


# ---------------------------------------------------------------------------------------------------------------
# The OpenAPI document says all this


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def _objects_in(document: dict[str, Any], schema: dict[str, Any], seen: set[str]) -> list[dict[str, Any]]:
    """Every object schema reachable from ``schema``."""
    ref = schema.get("$ref")
    if ref:
        if ref in seen:
            return []
        seen.add(ref)
    schema = _resolve(document, schema)
    found = [schema] if schema.get("type") == "object" else []
    children = [*schema.get("properties", {}).values(), *schema.get("anyOf", []), *schema.get("allOf", [])]
    if "items" in schema:
        children.append(schema["items"])
    for child in children:
        found += _objects_in(document, child, seen)
    return found


def test_every_request_body_takes_only_the_fields_it_documents() -> None:
    document = api.get_openapi_schema()
    bodies = 0
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            bodies += 1
            for schema in _objects_in(document, content["schema"], set()):
                if "properties" in schema:  # not a free-form object such as a program's eligibility rule
                    assert schema.get("additionalProperties") is False, schema.get("title")
    assert bodies > 30


def test_the_document_describes_the_error_format_and_each_operation_lists_its_errors() -> None:
    document = api.get_openapi_schema()
    assert '{"code"' in document["info"]["description"] and "limit" in document["info"]["description"]
    assert set(document["components"]["schemas"]["ErrorOut"]["properties"]) == ERROR_KEYS
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            if "requestBody" in operation and "application/json" in operation["requestBody"]["content"]:
                assert {"400", "413", "422"} <= statuses, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "field"),
    [("9999-12-31", "10", "start"), ("0001-01-01", "-10", "start"), ("2025-01-01", "-8796093022209", "days")],
)
def test_working_days_far_out_of_range_are_a_422_not_a_500(start: str, days: str, field: str) -> None:
    response = Client(raise_request_exception=False).get(
        "/api/v1/core/calendar/add-working-days", {"start": start, "days": days}
    )
    assert assert_error(response, 422, "invalid")["errors"][0]["field"] == field
