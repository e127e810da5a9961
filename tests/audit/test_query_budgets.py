"""Query budgets of the audit search (screen and API): the same count for 3 events or a full page of 50+,
filtered or not, first page or deep (issue 10, ADR 0015)."""

from __future__ import annotations

import pytest

from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_api_token
from lijiao.audit.models import AuditEvent
from lijiao.audit.pagination import encode_cursor
from lijiao.audit.services import record_event
from tests.query_budget import assert_budget, queries

SCREEN_BUDGET = 6  # session, user, permissions (2), the page, + the actor lookup when filtering by actor
API_BUDGET = 5  # token and its user, permissions (2), the page, + the actor lookup when filtering by actor
# an actor matching no user also reads the labels of the events without a user (one loose index scan);
# ``until`` reads its sequence bound (one query on occurred_at's index)
EXTRA = {"?actor=system": 1, "?until=2999-12-31": 1}


def _events(n: int, actor) -> None:
    for i in range(n):
        record_event(
            actor=actor if i % 2 else None, action="test.thing", object_type="test.thing", object_id=i
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        "",
        "?actor=budget",
        "?action=test.&since=2000-01-01&until=2999-12-31",
        "?actor=system",
        "?until=2999-12-31",
    ],
)
def test_audit_screen_budget(client, make_user, params):
    auditor = make_user(Role.AUDITOR, username="budget_auditor")
    client.force_login(auditor)
    _events(3, auditor)
    few = queries(client, f"/audit/{params}")
    _events(120, auditor)
    many = queries(client, f"/audit/{params}")
    deep = queries(client, f"/audit/{params}{'&' if params else '?'}after={AuditEvent.objects.count() - 60}")
    assert_budget(few, many, SCREEN_BUDGET + EXTRA.get(params, 0), f"/audit/{params}")
    assert deep == many


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", ["", "?actor=budget", "?action=test.&since=2000-01-01", "?actor=system", "?until=2999-12-31"]
)
def test_audit_api_budget(client, make_user, params):
    auditor = make_user(Role.AUDITOR, username="budget_auditor")
    headers = {"Authorization": f"Bearer {create_api_token(actor=auditor, name='t')[1]}"}
    _events(3, auditor)
    url = f"/api/v1/audit/events{params}"
    few = queries(client, url, headers=headers)
    _events(120, auditor)
    many = queries(client, url, headers=headers)
    sep = "&" if params else "?"
    deep = queries(client, f"{url}{sep}cursor={encode_cursor('a', 40)}", headers=headers)
    back = queries(client, f"{url}{sep}cursor={encode_cursor('b', 40)}", headers=headers)
    assert_budget(few, many, API_BUDGET + EXTRA.get(params, 0), url)
    assert deep == back == many
