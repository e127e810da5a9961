"""The audit search at scale (ADR 0015): keyset pages without a total, the actor filter resolved to user ids,
date filters as Asia/Shanghai ranges, and a fixed number of queries whatever the page shows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_api_token
from lijiao.audit.filters import local_midnight
from lijiao.audit.models import AuditEvent
from lijiao.audit.pagination import encode_cursor
from lijiao.audit.services import record_event

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _auth(user):
    return {"Authorization": f"Bearer {create_api_token(actor=user, name='t')[1]}"}


def _events(n: int, *, actor=None, action: str = "test.thing") -> None:
    for i in range(n):
        record_event(actor=actor, action=action, object_type="test.thing", object_id=i)


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR, username="auditor")


@pytest.mark.django_db
def test_api_walks_the_log_with_cursors_and_never_counts_it(client, auditor):
    headers = _auth(auditor)
    _events(12)
    everything = [e.sequence for e in AuditEvent.objects.order_by("-sequence")]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/v1/audit/events", params, headers=headers).json()
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        assert "count" not in body
        assert (body["previous_cursor"] is None) == (pages == 0)
        seen += [e["sequence"] for e in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything and pages == -(-len(everything) // 5)
    # and back: the previous cursor of the last page gives the page before it
    last = client.get("/api/v1/audit/events", {"limit": 5, "offset": 10}, headers=headers).json()
    back = client.get(
        "/api/v1/audit/events", {"limit": 5, "cursor": last["previous_cursor"]}, headers=headers
    )
    assert [e["sequence"] for e in back.json()["items"]] == everything[5:10]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor", ["garbage", encode_cursor("a", 10)[:-1] + "*", "YTow", "Yzo1", encode_cursor("a", 2**63)]
)
def test_a_bad_cursor_is_a_422_in_the_common_format(client, auditor, cursor):
    response = client.get("/api/v1/audit/events", {"cursor": cursor}, headers=_auth(auditor))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert [e["field"] for e in body["errors"]] == ["cursor"]
    assert "翻页位置无效" in body["errors"][0]["message"]


@pytest.mark.django_db
def test_cursor_and_offset_together_are_refused(client, auditor):
    cursor = encode_cursor("a", 5)
    response = client.get("/api/v1/audit/events", {"cursor": cursor, "offset": 3}, headers=_auth(auditor))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "offset"


@pytest.mark.django_db
def test_cursor_is_documented_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/audit/events"]["get"]["parameters"]}
    assert {"cursor", "limit", "offset"} <= parameters


@pytest.mark.django_db
def test_screen_pages_with_next_and_previous_links(client, auditor):
    client.force_login(auditor)
    _events(120)
    everything = [e.sequence for e in AuditEvent.objects.order_by("-sequence")]
    first = client.get("/audit/", {"action": "test."})
    page = first.context["page"]
    assert [e.sequence for e in page.events] == everything[:50] and page.before is None
    assert f"?after={page.after}&amp;action=test." in first.content.decode()
    second = client.get("/audit/", {"action": "test.", "after": page.after}).context["page"]
    assert [e.sequence for e in second.events] == everything[50:100]
    third = client.get("/audit/", {"action": "test.", "after": second.after}).context["page"]
    assert [e.sequence for e in third.events] == everything[100:120] and third.after is None
    back = client.get("/audit/", {"action": "test.", "before": third.before}).context["page"]
    assert [e.sequence for e in back.events] == everything[50:100]
    assert "共" not in first.content.decode().split('id="audit-table"')[0].split("audit-results")[1]


@pytest.mark.django_db
def test_screen_ignores_a_position_that_is_not_a_sequence(client, auditor):
    client.force_login(auditor)
    _events(3)
    response = client.get("/audit/", {"after": "-1; drop", "before": "9" * 40})
    assert response.status_code == 200 and len(response.context["page"].events) >= 3


@pytest.mark.django_db
def test_actor_filter_resolves_users_first_then_filters_by_id(client, auditor, make_user):
    zhang = make_user(Role.CATALOG_OFFICER, username="zhang3", display_name="张三")
    li = make_user(Role.CATALOG_OFFICER, username="li4", display_name="李四")
    _events(2, actor=zhang, action="test.zhang")
    _events(1, actor=li, action="test.li")
    record_event(actor="nightly-import", action="test.system")
    headers = _auth(auditor)
    for value in ("张三", "zhang", "ZHANG3"):
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/v1/audit/events", {"actor": value}, headers=headers).json()
        assert {e["action"] for e in body["items"]} == {"test.zhang"}
        search = queries.captured_queries[-1]["sql"]
        where = search.upper().split("WHERE", 1)[1]
        assert " IN (" in where and "DISPLAY_NAME" not in where  # the join only shows the name
    # no user matches: events without a user, by their label
    body = client.get("/api/v1/audit/events", {"actor": "nightly"}, headers=headers).json()
    assert [e["action"] for e in body["items"]] == ["test.system"]
    assert client.get("/api/v1/audit/events", {"actor": "王五"}, headers=headers).json()["items"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"since": "2026-03-02"}, ["late", "midnight"]),
        ({"until": "2026-03-01"}, ["before-midnight", "early"]),
        ({"since": "2026-03-02", "until": "2026-03-02"}, ["midnight"]),
        ({"since": "2026-03-01", "until": "2026-03-01"}, ["before-midnight"]),
    ],
)
def test_date_filters_are_shanghai_days(client, auditor, params, expected, monkeypatch):
    """Shanghai midnight is 16:00 UTC the day before: an event at 2026-03-01 16:00 UTC is on 2 March."""
    from django.utils import timezone

    moments = {
        "early": dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC),  # 28 Feb 20:00 in Shanghai
        "before-midnight": dt.datetime(2026, 3, 1, 15, 59, 59, tzinfo=dt.UTC),  # 1 March 23:59:59
        "midnight": dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC),  # 2 March 00:00
        "late": dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.UTC),  # 4 March 00:00
    }
    headers = _auth(auditor)
    for name, moment in moments.items():
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        record_event(actor=None, action=f"date.{name}")
    monkeypatch.undo()
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/audit/events", {"action": "date."} | params, headers=headers).json()
    assert [e["action"].removeprefix("date.") for e in body["items"]] == expected
    search = queries.captured_queries[-1]["sql"].upper()
    assert (
        "DATE(" not in search and "AT TIME ZONE" not in search and "DJANGO_DATETIME_CAST_DATE" not in search
    )


def test_local_midnight_is_aware_shanghai():
    assert local_midnight(dt.date(2026, 3, 2)) == dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)
    assert local_midnight(dt.date(2026, 3, 2)).tzinfo is not None


@pytest.mark.django_db
def test_until_is_bounded_by_sequence_and_tolerates_a_clock_set_back(client, auditor, monkeypatch):
    """``until`` alone becomes a sequence bound (one query on ``occurred_at``'s index), so the keyset walk starts
    near the date instead of at the newest event; an event recorded after a later one but timed earlier (a
    clock set back by less than CLOCK_MARGIN) is still found."""
    from django.utils import timezone

    moments = [
        ("first", dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)),  # 1 March in Shanghai
        ("next-day", dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)),  # 2 March 04:00
        ("set-back", dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)),  # 1 March 20:00, recorded after next-day
        ("much-later", dt.datetime(2026, 5, 1, 2, 0, tzinfo=dt.UTC)),
    ]
    for name, moment in moments:
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        record_event(actor=None, action=f"until.{name}")
    monkeypatch.undo()
    headers = _auth(auditor)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/audit/events", {"until": "2026-03-01"}, headers=headers).json()
    assert [e["action"] for e in body["items"] if e["action"].startswith("until.")] == [
        "until.set-back",
        "until.first",
    ]
    page = queries.captured_queries[-1]["sql"].upper()
    assert '"SEQUENCE" <' in page and '"OCCURRED_AT" <' in page
    # nothing recorded before the date: no events
    assert client.get("/api/v1/audit/events", {"until": "2000-01-01"}, headers=headers).json()["items"] == []
    # the screen agrees
    client.force_login(auditor)
    screen = client.get("/audit/", {"until": "2026-03-01", "action": "until."}).content.decode()
    assert "until.set-back" in screen and "until.first" in screen and "until.next-day" not in screen


@pytest.mark.django_db
def test_actor_without_a_user_resolves_labels_first(client, auditor):
    """No user matches: the distinct labels of the events without a user (the system, devices, commands) are
    read from their own index and matched; nothing matches: an empty page without reading the log."""
    from lijiao.audit.selectors import system_actor_labels

    _events(3)  # "system"
    record_event(actor="考勤设备“前台”（ab12…）", action="test.device")
    record_event(actor="nightly-import", action="test.command")
    assert system_actor_labels() == sorted({"system", "考勤设备“前台”（ab12…）", "nightly-import"})
    headers = _auth(auditor)
    found = {}
    for value in ("前台", "SYSTEM", "import"):
        found[value] = {
            e["action"]
            for e in client.get("/api/v1/audit/events", {"actor": value}, headers=headers).json()["items"]
        }
    assert found["前台"] == {"test.device"} and found["import"] == {"test.command"}
    assert "test.thing" in found["SYSTEM"] and not found["SYSTEM"] & {"test.device", "test.command"}
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/audit/events", {"actor": "nobody-at-all"}, headers=headers).json()
    assert body["items"] == [] and body["next_cursor"] is None
    assert not any(
        'FROM "AUDIT_AUDITEVENT"' in q["sql"].upper() and "ORDER BY" in q["sql"].upper()
        for q in queries.captured_queries
    ), "no page query when no user and no label matches"
