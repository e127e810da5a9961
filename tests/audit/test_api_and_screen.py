import pytest

from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_api_token
from lijiao.audit.services import record_event


@pytest.fixture
def events(db):
    record_event(actor=None, action="catalog.edition.published", object_type="catalog.edition", object_id=7)
    record_event(actor=None, action="accounts.login", object_type="accounts.user", object_id=1)


def _auth(user):
    return {"Authorization": f"Bearer {create_api_token(actor=user, name='t')[1]}"}


@pytest.mark.django_db
def test_auditor_searches_events_through_the_api(client, make_user, events):
    auditor = make_user(Role.AUDITOR)
    response = client.get("/api/v1/audit/events?action=catalog.", headers=_auth(auditor))
    assert response.status_code == 200
    body = response.json()
    assert [e["action"] for e in body["items"]] == ["catalog.edition.published"]
    assert body["items"][0]["object_id"] == "7" and len(body["items"][0]["hash"]) == 64
    # the token creation itself is audited, newest first
    everything = client.get("/api/v1/audit/events", headers=_auth(auditor)).json()
    assert everything["items"][0]["action"] == "accounts.token.created"


@pytest.mark.django_db
def test_audit_api_is_closed_to_other_roles_and_the_public(client, make_user, events):
    officer = make_user(Role.CATALOG_OFFICER)
    response = client.get("/api/v1/audit/events", headers=_auth(officer))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client.get("/api/v1/audit/events").status_code == 401


@pytest.mark.django_db
def test_bad_date_filter_is_a_field_error(client, make_user, events):
    auditor = make_user(Role.AUDITOR)
    response = client.get("/api/v1/audit/events?since=2025-13-01", headers=_auth(auditor))
    assert response.status_code == 422
    assert any(e["field"].endswith("since") for e in response.json()["errors"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"action": "catalog."},
        {"object_type": "accounts.user", "object_id": "1"},
        {"since": "2000-01-01", "until": "2999-12-31"},
        {"until": "2000-01-01"},
    ],
)
def test_screen_and_api_find_the_same_events(client, make_user, events, params):
    auditor = make_user(Role.AUDITOR)
    client.force_login(auditor)
    headers = _auth(auditor)  # the login and the token are audited before either search
    api = client.get("/api/v1/audit/events", params, headers=headers)
    assert api.status_code == 200
    screen = client.get("/audit/", params)
    assert screen.status_code == 200
    assert [e.sequence for e in screen.context["page"].events] == [e["sequence"] for e in api.json()["items"]]


@pytest.mark.django_db
def test_screen_and_api_refuse_a_bad_date_with_the_same_message(client, make_user, events):
    auditor = make_user(Role.AUDITOR)
    api = client.get("/api/v1/audit/events", {"since": "2025-13-01"}, headers=_auth(auditor))
    assert api.status_code == 422
    [error] = api.json()["errors"]
    assert error["field"] == "since"
    client.force_login(auditor)
    screen = client.get("/audit/", {"since": "2025-13-01"})
    assert screen.status_code == 200 and error["message"] in screen.context["error"]
    assert error["message"] in screen.content.decode()


@pytest.mark.django_db
def test_auditor_sees_the_chain_status_on_screen_and_api(
    client, make_user, events, django_assert_max_num_queries
):
    from lijiao.audit.tasks import make_checkpoint

    auditor = make_user(Role.AUDITOR)
    make_checkpoint()
    client.force_login(auditor)
    with django_assert_max_num_queries(12):
        page = client.get("/audit/chain/")
    assert page.status_code == 200
    assert "审计链完整" in page.content.decode() and "1 个签名检查点一致" in page.content.decode()
    body = client.get("/api/v1/audit/chain", headers=_auth(auditor)).json()
    assert body["ok"] is True and body["checkpoints"] == 1 and body["problems"] == []
    assert body["latest_checkpoint"]["sequence"] >= 2


@pytest.mark.django_db
def test_chain_status_shows_the_same_findings_as_verify_audit(client, make_user, events):
    from django.db import connection

    from lijiao.audit.verification import verify_chain

    auditor = make_user(Role.AUDITOR)
    headers = _auth(auditor)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = %s WHERE sequence = 1", ["改过"])
    body = client.get("/api/v1/audit/chain", headers=headers).json()
    expected = verify_chain().problems
    assert body["ok"] is False
    assert [(p["kind"], p["sequence"], p["detail"]) for p in body["problems"]] == [
        (p.kind, p.sequence, p.detail) for p in expected
    ]
    assert body["problems"][0]["label"] == "事件被修改"
    client.force_login(auditor)
    html = client.get("/audit/chain/").content.decode()
    assert "审计链校验失败" in html and "事件 #1 的内容与其带密钥的哈希不符" in html


@pytest.mark.django_db
def test_chain_status_is_closed_to_other_roles(client, make_user, events):
    officer = make_user(Role.CATALOG_OFFICER)
    assert client.get("/api/v1/audit/chain", headers=_auth(officer)).status_code == 403
    assert client.get("/api/v1/audit/chain").status_code == 401
    client.force_login(officer)
    assert client.get("/audit/chain/").status_code == 403
