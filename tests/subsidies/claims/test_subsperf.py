"""City-scale costs of the claim screens (issue 12, subsperf): the review queues paged (50 a page) with the
working days counted once per distinct date and the labels from one dict per page; the text search by name
prefix (full name or surname) or number prefix."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lijiao.people.models import Person
from lijiao.subsidies.models import Claim
from lijiao.subsidies.selectors import claims as selectors
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import review

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def submitted_pair(schemes: Any, trainees: dict[str, Any], provider_staff: Any) -> list[Claim]:
    out = []
    for name in ("张三", "李四"):
        claim = filing.file_for_trainee(actor=provider_staff, enrollment=trainees[name])
        review.submit_claim(claim=claim, actor=provider_staff)
        out.append(claim)
    return out


def test_queue_api_is_paged(submitted_pair: list[Claim], reviewer1: Any) -> None:
    client = _client(reviewer1)
    first = client.get("/api/v1/subsidies/claims/queues/first?limit=1").json()
    assert first["count"] == 2 and len(first["items"]) == 1
    second = client.get("/api/v1/subsidies/claims/queues/first?limit=1&offset=1").json()
    assert [first["items"][0]["number"], second["items"][0]["number"]] == [c.number for c in submitted_pair]
    assert "waited_working_days" in second["items"][0]
    assert client.get("/api/v1/subsidies/claims/queues/first?limit=0").status_code == 422
    assert client.get("/api/v1/subsidies/claims/queues/first?offset=10001").status_code == 422


def test_queue_screen_is_paged(
    submitted_pair: list[Claim], reviewer1: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 1)
    client = _client(reviewer1)
    page1 = client.get("/subsidies/review/first/").content.decode()
    page2 = client.get("/subsidies/review/first/?page=2").content.decode()
    a, b = submitted_pair
    assert a.number in page1 and b.number not in page1
    assert b.number in page2 and a.number not in page2
    assert "?page=2" in page1 and f"/subsidies/claims/{a.pk}/" in page1
    assert str(a.get_kind_display()) in page1  # the label from the page's dict


def test_queue_rows_count_working_days_once_per_date(
    submitted_pair: list[Claim], reviewer1: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lijiao.core import calendar as calendar_module

    real = calendar_module.get_calendar()
    calls: list[Any] = []

    class Counting:
        def working_days_between(self, start: Any, end: Any) -> int:
            calls.append(start)
            return real.working_days_between(start, end)

    reads: list[int] = []
    monkeypatch.setattr(selectors, "get_calendar", lambda: reads.append(1) or Counting())
    rows = selectors.queue_rows(selectors.first_review_queue(reviewer1), "submitted_at")
    assert len(rows) == 2 and reads == [1]
    assert len(calls) == 1  # both submitted today: one count for the date
    assert rows[0]["waited"] == rows[1]["waited"]
    assert rows[0]["claim"].status_label == "待初审"


def test_search_by_name_prefix_and_number_prefix(submitted_pair: list[Claim], reviewer1: Any) -> None:
    client = _client(reviewer1)

    def found(q: str) -> list[str]:
        return [row["number"] for row in client.get("/api/v1/subsidies/claims", {"q": q}).json()["items"]]

    a, b = submitted_pair
    assert found("李四") == [b.number]  # full name
    assert found("李") == [b.number]  # surname
    assert found("四") == []  # not a name's middle or end
    assert sorted(found(a.number[:8])) == sorted([a.number, b.number])  # number prefix
    assert found(a.number) == [a.number]
    assert found(a.number.lower()) == [a.number]
    assert found("王") == []
    assert Person.objects.filter(name="李四").exists()
