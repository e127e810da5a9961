"""One filter set per list: the screen and the API take the same parameters, refuse the same bad values with the
same messages, and return the same rows (class list, review queue, programs, a class's roster)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.accounts.models import User
from lijiao.accounts.services import create_api_token
from lijiao.training.models import ClassStatus, Enrollment, Program, TrainingClass
from lijiao.training.services.enrollment import PersonInput, enroll_person, withdraw
from tests.training.conftest import make_class, next_monday
from tests.training.test_enrollment import citizen_id

BASE = "/api/v1/training"


def screen(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_get(user: User, path: str, params: dict[str, Any]) -> Any:
    _token, raw = create_api_token(actor=user, name="t")
    return Client().get(BASE + path, params, headers={"Authorization": f"Bearer {raw}"})


def screen_ids(user: User, url: str, params: dict[str, Any], key: str = "classes") -> list[int]:
    response = screen(user).get(url, params)
    assert response.status_code == 200
    return [row.pk for row in response.context[key]]


def api_ids(user: User, path: str, params: dict[str, Any]) -> list[int]:
    response = api_get(user, path, params)
    assert response.status_code == 200, response.content
    body = response.json()
    return [row["id"] for row in (body["items"] if isinstance(body, dict) else body)]


@pytest.fixture
def classes(provider, other_provider, training_ref, program) -> dict[str, TrainingClass]:
    item = training_ref["items"]["electrician5"]
    return {
        "filed": make_class(provider, item, status=ClassStatus.FILED, program=program, name="电工甲班"),
        "draft": make_class(provider, item, start=next_monday(3), name="电工乙班"),
        "other": make_class(other_provider, item, status=ClassStatus.FILED, start=next_monday(2)),
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "filed"},
        {"status": "draft", "q": "乙"},
        {"start_from": next_monday(2).isoformat()},
        {"start_to": next_monday(2).isoformat(), "q": "电工"},
        {"q": "  甲班 "},
    ],
)
def test_class_list_screen_and_api_return_the_same_rows(params, classes, clerk, program) -> None:
    expected = screen_ids(clerk, reverse("training:class_list"), params)
    assert expected == api_ids(clerk, "/classes", params)
    if params.get("status") == "filed":
        assert set(expected) == {classes["filed"].pk}  # the other area's filed class stays out of scope


def test_class_list_filters_by_program_and_provider_alike(classes, clerk, program, provider) -> None:
    for params in ({"program_id": program.pk}, {"provider_id": provider.pk}):
        assert screen_ids(clerk, reverse("training:class_list"), params) == api_ids(clerk, "/classes", params)
    assert api_ids(clerk, "/classes", {"program_id": program.pk}) == [classes["filed"].pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "nonsense"}, "status"),
        ({"start_from": "2025-02-30"}, "start_from"),
        ({"program_id": "abc"}, "program_id"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_filters_are_refused_alike(params, field, classes, clerk) -> None:
    response = api_get(clerk, "/classes", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_filter" and [e["field"] for e in body["errors"]] == [field]
    page = screen(clerk).get(reverse("training:class_list"), params)
    assert page.status_code == 200 and list(page.context["classes"]) == []
    shown = [str(m) for m in page.context["messages"]]
    assert shown == [body["errors"][0]["message"]]  # the same message, in Chinese, on both


def test_review_queue_screen_and_api_agree(classes, clerk) -> None:
    for params in ({}, {"q": "甲"}, {"q": "乙"}, {"start_to": next_monday(1).isoformat()}):
        expected = screen_ids(clerk, reverse("training:review_queue"), params)
        assert expected == api_ids(clerk, "/classes/review-queue", params)
    assert api_ids(clerk, "/classes/review-queue", {}) == [classes["filed"].pk]


def test_program_list_screen_and_api_agree(clerk, program) -> None:
    Program.objects.create(code="2026-OLD", name="旧项目", kind=Program.Kind.GENERAL, year=2020)
    for params in ({}, {"year": 2020}, {"kind": "general"}, {"q": "旧"}):
        response = screen(clerk).get(reverse("training:program_list"), params)
        assert [row["program"].pk for row in response.context["rows"]] == api_ids(clerk, "/programs", params)
    assert api_get(clerk, "/programs", {"kind": "party"}).status_code == 422


def test_roster_screen_and_api_agree(approved_class, provider_staff) -> None:
    for number, name in (
        (citizen_id(dt.date(1990, 3, 7)), "甲学员"),
        (citizen_id(dt.date(1992, 3, 7)), "乙学员"),
    ):
        enroll_person(
            actor=provider_staff,
            training_class=approved_class,
            person=PersonInput(citizen_id=number, name=name),
        )
    first = Enrollment.objects.get(person__name="甲学员")
    withdraw(actor=provider_staff, enrollment=first, reason="工作调动")
    url = reverse("training:roster", args=[approved_class.pk])
    for params in ({}, {"status": "active"}, {"status": "withdrawn"}, {"q": "乙"}):
        expected = screen_ids(provider_staff, url, params, key="enrollments")
        path = f"/classes/{approved_class.pk}/enrollments"
        assert expected == api_ids(provider_staff, path, params)
    refused = api_get(provider_staff, f"/classes/{approved_class.pk}/enrollments", {"status": "gone"})
    assert refused.status_code == 422 and json.loads(refused.content)["errors"][0]["field"] == "status"


@pytest.mark.parametrize(
    ("term", "lookup"),
    [
        ("电工", "contains"),
        ("班", "contains"),
        ("ab", "icontains"),
        ("电工五级", "icontains"),
        ("20", "contains"),
    ],
)
def test_short_uncased_terms_skip_upper(term, lookup, db):
    """Below three characters no trigram index helps; a term without cased letters needs no UPPER() (4× cheaper
    per row on PostgreSQL) and finds the same rows. Longer terms keep the UPPER(…) the trigram indexes hold."""
    from lijiao.training.filters import ClassFilterSet

    qs = ClassFilterSet({"q": term}, queryset=TrainingClass.objects.all()).qs
    (condition,) = qs.query.where.children
    assert {child.lookup_name for child in condition.children} == {lookup}
