"""Query budgets of the training lists and details (issue 10, ADR 0014), NetBox-style: each screen and API read
is measured with one row and with several, the counts must be equal (no query per row) and within the stated
budget. An N+1 anywhere in a list fails here on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lijiao.accounts.models import User
from lijiao.providers.models import Provider
from lijiao.training.api.keyset import decode_cursor, encode_cursor
from lijiao.training.models import ClassStatus, Enrollment, Program, TrainingClass
from tests.query_budget import assert_constant, queries
from tests.training.conftest import make_class, next_monday
from tests.training.test_enrollment import make_person

API = "/api/v1/training"


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def more_classes(provider: Provider, training_ref: dict[str, Any], program: Program) -> Callable[[], None]:
    def add() -> None:
        for weeks in range(2, 6):
            make_class(
                provider,
                training_ref["items"]["electrician5"],
                status=ClassStatus.FILED,
                program=program,
                start=next_monday(weeks_ahead=weeks),
            )

    return add


def enroll_people(training_class: TrainingClass, count: int) -> None:
    for n in range(count):
        Enrollment.objects.create(training_class=training_class, person=make_person(f"学员{n}"))


LIST_BUDGETS = [
    (f"{API}/classes", 12),
    (f"{API}/classes?status=filed", 12),
    (f"{API}/classes?q=电工", 12),
    (f"{API}/classes/review-queue", 12),
    ("/training/classes/", 16),
    ("/training/review/", 16),
]


@pytest.mark.parametrize(("url", "budget"), LIST_BUDGETS)
def test_class_lists_constant_queries(url, budget, clerk, more_classes, approved_class):
    ClassStatus  # noqa: B018  (the approved class is the one row)
    TrainingClass.objects.filter(pk=approved_class.pk).update(status=ClassStatus.FILED)
    assert_constant(login(clerk), url, more_classes, budget)


@pytest.mark.parametrize(
    ("url", "budget"),
    [(f"{API}/programs", 8), ("/training/programs/", 12)],
)
def test_program_lists_constant_queries(url, budget, city_admin, program):
    def add() -> None:
        for n in range(4):
            Program.objects.create(
                code=f"T-{n}",
                name=f"项目{n}",
                kind=program.kind,
                year=program.year,
                target_groups=[],
                eligibility_rule=program.eligibility_rule,
                quota=10,
                attendance_threshold=program.attendance_threshold,
                funding_source=program.funding_source,
            )

    assert_constant(login(city_admin), url, add, budget)


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        (API + "/classes/{id}", 25),
        (API + "/classes/{id}/sessions", 10),
        (API + "/classes/{id}/enrollments", 12),
        ("/training/classes/{id}/", 35),
        ("/training/classes/{id}/roster/", 30),
    ],
)
def test_class_details_constant_queries(path, budget, provider_staff, approved_class):
    enroll_people(approved_class, 1)
    url = path.format(id=approved_class.pk)
    assert_constant(login(provider_staff), url, lambda: enroll_people_more(approved_class), budget)


def enroll_people_more(training_class: TrainingClass) -> None:
    for n in range(5):
        Enrollment.objects.create(training_class=training_class, person=make_person(f"新学员{n}"))


def test_roster_api_reads_the_class_once(provider_staff, approved_class):
    """The roster API made one query per trainee reading the class (47 queries for 40 trainees)."""
    client = login(provider_staff)
    url = f"{API}/classes/{approved_class.pk}/enrollments"
    enroll_people(approved_class, 1)
    queries(client, url)
    one = queries(client, url)
    enroll_people_more(approved_class)
    enroll_people_more(approved_class)
    response = client.get(url)
    assert len(response.json()) == 11
    assert all(row["class_code"] == approved_class.code for row in response.json())
    assert queries(client, url) == one


# ---------------------------------------------------------------------------------------------------------------
# Keyset paging of the class list


def test_cursor_pages_through_every_class_once(city_admin, approved_class, more_classes):
    more_classes()
    client = login(city_admin)
    expected = list(TrainingClass.objects.values_list("pk", flat=True))  # the model's ordering
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = client.get(f"{API}/classes", params).json()
        seen += [row["id"] for row in body["items"]]
        assert body["count"] == len(expected)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    # offset paging answers the same first page and cursor
    first = client.get(f"{API}/classes", {"limit": 2, "offset": 0}).json()
    assert [row["id"] for row in first["items"]] == expected[:2]
    assert decode_cursor(first["next_cursor"])[1] == expected[1]


def test_cursor_with_same_start_dates_breaks_ties_by_id(city_admin, provider, training_ref):
    start = next_monday(weeks_ahead=3)
    ids = [make_class(provider, training_ref["items"]["electrician5"], start=start).pk for _ in range(3)]
    client = login(city_admin)
    body = client.get(f"{API}/classes", {"limit": 1, "cursor": encode_cursor(start, max(ids))}).json()
    assert [row["id"] for row in body["items"]] == [sorted(ids)[1]]


@pytest.mark.parametrize(
    "cursor", ["bogus", "MjAyNi0xMy0wMXwx", encode_cursor(dt.date(2026, 1, 1), 1) + "!", "x" * 65]
)
def test_bad_cursor_is_422_in_the_common_format(city_admin, approved_class, cursor):
    response = login(city_admin).get(f"{API}/classes", {"cursor": cursor})
    assert response.status_code == 422
    body = response.json()
    assert set(body) >= {"code", "message", "errors"}
    assert [e["field"] for e in body["errors"]] == ["cursor"]
    assert "cursor" not in body["message"]


def test_cursor_is_documented_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][f"{API}/classes"]["get"]
    assert "cursor" in {p["name"] for p in operation["parameters"]}


def test_screen_paginator_is_bounded(city_admin, approved_class):
    from lijiao.training.views.classes import MAX_PAGES, BoundedPaginator

    paginator = BoundedPaginator(list(range(60 * MAX_PAGES)), 50)
    assert paginator.num_pages == MAX_PAGES
    assert paginator.get_page(MAX_PAGES + 100).number == MAX_PAGES
    assert login(city_admin).get("/training/classes/", {"page": 10**12}).status_code == 200


def test_text_search_indexes_on_postgresql_and_search_everywhere(city_admin, approved_class):
    """``?q=`` finds by part of the name or code on both databases; on PostgreSQL trigram indexes on the
    expressions ``icontains`` compiles to exist (migration 0009), on SQLite nothing is created."""
    client = login(city_admin)
    found = client.get(f"{API}/classes", {"q": approved_class.code[2:].lower()}).json()["items"]
    assert [row["id"] for row in found] == [approved_class.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'training_class_%%_trgm'")
            definitions = sorted(row[0] for row in cursor.fetchall())
            assert len(definitions) == 2
            assert all("gin_trgm_ops" in d and "upper(" in d for d in definitions)
        else:
            names = set(connection.introspection.get_constraints(cursor, "training_trainingclass"))
            assert not any(name.endswith("_trgm") for name in names)
            assert "training_class_newest" in names


# ---------------------------------------------------------------------------------------------------------------
# Bounded depth (ADR 0014): screens count and page at most MAX_DEPTH rows, the API's offset stops there


def test_api_offset_beyond_the_reachable_depth_is_a_422_pointing_to_the_cursor(city_admin, approved_class):
    from lijiao.core.pagination import MAX_DEPTH

    client = login(city_admin)
    assert client.get(f"{API}/classes", {"offset": MAX_DEPTH}).status_code == 200
    response = client.get(f"{API}/classes", {"offset": MAX_DEPTH + 1})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "offset_too_deep"
    assert [e["field"] for e in body["errors"]] == ["offset"]
    assert "cursor" in body["message"] and str(MAX_DEPTH) in body["message"]
    schema = client.get("/api/v1/openapi.json").json()
    offset = next(p for p in schema["paths"][f"{API}/classes"]["get"]["parameters"] if p["name"] == "offset")
    assert str(MAX_DEPTH) in offset["description"]


def test_deep_pages_read_ids_first_and_match_plain_slicing(
    city_admin, approved_class, more_classes, monkeypatch
):
    """A page after the first (screen) or an offset (API) reads the page's ids through the ordering's index,
    then the rows: the same rows as plain slicing, the same number of queries however deep."""
    from lijiao.core import pagination

    more_classes()
    expected = list(TrainingClass.objects.values_list("pk", flat=True))
    assert pagination.deferred_page(TrainingClass.objects.all(), 1, 4) == list(
        TrainingClass.objects.all()[1:4]
    )
    client = login(city_admin)
    body = client.get(f"{API}/classes", {"limit": 2, "offset": 2}).json()
    assert [row["id"] for row in body["items"]] == expected[2:4]
    paginator = pagination.BoundedPaginator(TrainingClass.objects.all(), 2)
    assert [c.pk for c in paginator.page(2).object_list] == expected[2:4]
    monkeypatch.setattr("lijiao.training.views.classes.PAGE_SIZE", 2)
    second = queries(client, "/training/classes/?page=2")
    third = queries(client, "/training/classes/?page=3")
    assert second == third
    html = client.get("/training/classes/?page=2").content.decode()
    assert all(TrainingClass.objects.get(pk=pk).code in html for pk in expected[2:4])


def test_screen_counts_at_most_the_reachable_rows(city_admin, approved_class, more_classes, monkeypatch):
    from lijiao.core import pagination

    more_classes()  # 5 classes
    monkeypatch.setattr(pagination, "MAX_DEPTH", 4)
    paginator = pagination.BoundedPaginator(TrainingClass.objects.all(), 2)
    with CaptureQueriesContext(connection) as captured:
        assert paginator.count == 5 and paginator.capped and paginator.num_pages == 2
    assert "LIMIT 5" in captured.captured_queries[0]["sql"].upper()
    html = login(city_admin).get("/training/classes/").content.decode()
    assert "超过 4 个" in html
    monkeypatch.setattr(pagination, "MAX_DEPTH", 10)
    html = login(city_admin).get("/training/classes/").content.decode()
    assert "共 5 个" in html
