"""Query budgets (issue 10): a list or detail makes the same number of queries however many rows it shows.

``queries(client, url)`` counts what one GET makes (after a first GET that warms caches such as the session
and content types); ``assert_budget`` takes the same page over few and many rows and asserts both counts are
equal and at most the stated budget, so an N+1 fails CI on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries(client: Any, url: str, **kwargs: Any) -> int:
    client.get(url, **kwargs)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def assert_budget(few: int, many: int, budget: int, what: str) -> None:
    assert few == many, f"{what}: {few} queries with few rows, {many} with many (an N+1)"
    assert many <= budget, f"{what}: {many} queries, budget {budget}"


def assert_constant(client: Any, url: str, add_rows: Callable[[], Any], budget: int) -> None:
    """The same number of queries (≤ budget) for ``url`` with one row and after ``add_rows`` added several more."""
    one = queries(client, url)
    add_rows()
    many = queries(client, url)
    assert_budget(one, many, budget, url)
