"""The providers REST API: scoped reads (another provider answers 404), the workflow with the service's 403/409,
field errors with nothing written, masked personal data, teachers, venues, scope, blacklist and credit."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_api_token
from lijiao.audit.models import AuditEvent
from lijiao.providers.models import BlacklistEntry, Provider, ProviderScope, ProviderStatus, Teacher, Venue
from tests.conftest import valid_credit_code
from tests.providers.conftest import TODAY, audit_count, citizen_id, make_provider

BASE = "/api/v1/providers"


class Api:
    """A JSON client for the providers API acting as one caller."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        data = json.dumps(body) if body is not None else ""
        return self.client.post(BASE + path, data, content_type="application/json", headers=self.headers)

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(
            BASE + path, json.dumps(body), content_type="application/json", headers=self.headers
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(BASE + path, headers=self.headers)


def token_api(user: User) -> Api:
    _token, raw = create_api_token(actor=user, name="t")
    return Api(Client(), {"Authorization": f"Bearer {raw}"})


def session_api(user: User) -> Api:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    csrf = secrets.token_hex(16)
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    return Api(client, {"X-CSRFToken": csrf})


def registration(**overrides: Any) -> dict[str, Any]:
    return {
        "credit_code": valid_credit_code(321),
        "name": "大连新技能培训学校",
        "type": "private_school",
        "handling_area": "ZS",
        "contact_name": "王老师",
        "contact_phone": "13812345678",
        "licence_expires_on": "2030-12-31",
        **overrides,
    }


# ---------------------------------------------------------------------------------------------------------------
# Reads and scope


def test_anonymous_callers_see_only_the_public_list(own_provider: Provider, applied: Provider) -> None:
    anon = Api(Client())
    assert anon.get("").status_code == 401
    assert anon.get(f"/{own_provider.pk}").status_code == 401
    response = anon.get("/listed")
    assert response.status_code == 200
    names = [p["name"] for p in response.json()["items"]]
    assert own_provider.name in names and applied.name not in names
    assert "contact_phone" not in response.json()["items"][0]


def test_provider_staff_see_only_their_own_provider(
    staff: User, own_provider: Provider, other_provider: Provider
) -> None:
    Teacher.objects.create(provider=other_provider, name="别人的老师")
    api = token_api(staff)
    listing = api.get("").json()
    assert [p["id"] for p in listing["items"]] == [own_provider.pk]
    assert api.get(f"/{own_provider.pk}").status_code == 200
    for path in ("", "/teachers", "/venues", "/scope", "/blacklist", "/credit-events", "/credit-record"):
        response = api.get(f"/{other_provider.pk}{path}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert api.get("/999999").status_code == 404


def test_clerk_list_filters(zs_clerk: User, own_provider: Provider, applied: Provider) -> None:
    make_provider(85, area="XG")
    api = token_api(zs_clerk)
    assert {p["id"] for p in api.get("").json()["items"]} == {own_provider.pk, applied.pk}
    assert [p["id"] for p in api.get("", {"status": "applied"}).json()["items"]] == [applied.pk]
    assert [p["id"] for p in api.get("", {"q": "申请中"}).json()["items"]] == [applied.pk]
    detail = api.get(f"/{applied.pk}").json()
    assert detail["status_label"] == "申请中" and detail["actions"] == ["approve", "reject"]


# ---------------------------------------------------------------------------------------------------------------
# Registration and update


def test_register(zs_clerk: User) -> None:
    response = session_api(zs_clerk).post("", registration())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "applied" and body["handling_area"]["code"] == "ZS"
    assert body["contact_phone"] == "138****5678"


@pytest.mark.parametrize(
    ("overrides", "field", "status"),
    [
        ({"credit_code": "91210202MA0ABCDE1X"}, "credit_code", 400),
        ({"credit_code": 912102021234567890}, "credit_code", 422),
        ({"handling_area": "NOPE"}, "handling_area", 400),
        ({"contact_phone": "123"}, "contact_phone", 400),
        ({"type": "circus"}, "type", 422),
        ({"licence_expires_on": "2030-13-01"}, "licence_expires_on", 422),
    ],
)
def test_register_errors_write_nothing(
    zs_clerk: User, overrides: dict[str, Any], field: str, status: int
) -> None:
    api = token_api(zs_clerk)
    before = audit_count()
    response = api.post("", registration(**overrides))
    assert response.status_code == status, response.content
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert not Provider.objects.filter(name="大连新技能培训学校").exists()
    assert audit_count() == before


def test_register_duplicate_and_permissions(zs_clerk: User, staff: User, xg_clerk: User) -> None:
    assert token_api(zs_clerk).post("", registration()).status_code == 201
    duplicate = token_api(zs_clerk).post("", registration(name="另一个名字"))
    assert duplicate.status_code == 400 and duplicate.json()["errors"][0]["field"] == "credit_code"
    assert token_api(staff).post("", registration(credit_code=valid_credit_code(322))).status_code == 403
    assert token_api(xg_clerk).post("", registration(credit_code=valid_credit_code(323))).status_code == 403
    assert Provider.objects.filter(name__in=["大连新技能培训学校", "另一个名字"]).count() == 1


def test_provider_staff_update_contact_only(staff: User, own_provider: Provider) -> None:
    api = token_api(staff)
    response = api.put(
        f"/{own_provider.pk}/contact", {"contact_name": "李四", "contact_phone": "0411-82345678"}
    )
    assert response.status_code == 200 and response.json()["contact_name"] == "李四"
    body = {
        "name": "改个名字",
        "type": own_provider.type,
        "handling_area": "ZS",
        "contact_name": "李四",
        "contact_phone": "041182345678",
    }
    assert api.put(f"/{own_provider.pk}", body).status_code == 403
    own_provider.refresh_from_db()
    assert own_provider.name != "改个名字"


# ---------------------------------------------------------------------------------------------------------------
# Workflow


def test_workflow_over_the_api(zs_clerk: User, applied: Provider) -> None:
    api = token_api(zs_clerk)
    response = api.post(f"/{applied.pk}/approve")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    again = api.post(f"/{applied.pk}/approve")
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"
    no_reason = api.post(f"/{applied.pk}/suspend", {"reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    assert api.post(f"/{applied.pk}/suspend", {"reason": "整改"}).json()["status"] == "suspended"
    assert api.post(f"/{applied.pk}/reinstate").json()["status"] == "approved"
    removed = api.post(f"/{applied.pk}/remove", {"reason": "虚报培训人数"}).json()
    assert (
        removed["status"] == "removed"
        and removed["status_reason"] == "虚报培训人数"
        and removed["actions"] == []
    )
    assert api.post(f"/{applied.pk}/reinstate").status_code == 409
    actions = list(
        AuditEvent.objects.filter(object_id=str(applied.pk), action__startswith="providers.provider.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "providers.provider.approve",
        "providers.provider.suspend",
        "providers.provider.reinstate",
        "providers.provider.remove",
    ]


def test_workflow_refusals(applied: Provider, staff: User, xg_clerk: User, first_reviewer: User) -> None:
    assert token_api(staff).post(f"/{applied.pk}/approve").status_code == 403  # wrong role
    assert (
        token_api(first_reviewer).post(f"/{applied.pk}/approve").status_code == 403
    )  # sees it, may not review
    assert token_api(xg_clerk).post(f"/{applied.pk}/approve").status_code == 404  # another area: not visible
    assert token_api(xg_clerk).post("/999999/approve").status_code == 404
    applied.refresh_from_db()
    assert applied.status == ProviderStatus.APPLIED


# ---------------------------------------------------------------------------------------------------------------
# Scope, teachers, venues


def test_scope_get_and_put(zs_clerk: User, staff: User, own_provider: Provider, ref: dict[str, Any]) -> None:
    api = token_api(zs_clerk)
    body = {"occupations": [{"code": "6-31-01-03", "highest_level": 3}], "special_items": ["ZX210200-001"]}
    response = api.put(f"/{own_provider.pk}/scope", body)
    assert response.status_code == 200, response.content
    entries = {e["code"]: e for e in response.json()}
    assert entries["6-31-01-03"]["levels"] == [3, 4, 5] and entries["ZX210200-001"]["kind"] == "special"
    bad = api.put(
        f"/{own_provider.pk}/scope",
        {"occupations": [{"code": "9-99", "highest_level": 3}], "special_items": ["X"]},
    )
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"occupations.0.code", "special_items.0"}
    assert ProviderScope.objects.filter(provider=own_provider).count() == 2
    assert token_api(staff).put(f"/{own_provider.pk}/scope", body).status_code == 403
    assert len(token_api(staff).get(f"/{own_provider.pk}/scope").json()) == 2


def test_teachers_crud_with_masked_citizen_id(
    staff: User, own_provider: Provider, ref: dict[str, Any]
) -> None:
    api = token_api(staff)
    number = citizen_id()
    response = api.post(
        f"/{own_provider.pk}/teachers",
        {
            "name": "张老师",
            "citizen_id": number,
            "phone": "13812345678",
            "occupation_code": "6-31-01-03",
            "certificates": "电工 技师",
        },
    )
    assert response.status_code == 201, response.content
    teacher = response.json()
    assert teacher["citizen_id"] == number[:4] + "**********" + number[-4:]
    assert teacher["phone"] == "138****5678"
    assert number not in response.content.decode()
    tid = teacher["id"]
    listed = api.get(f"/{own_provider.pk}/teachers").content.decode()
    assert number not in listed and "13812345678" not in listed
    updated = api.put(f"/{own_provider.pk}/teachers/{tid}", {"name": "张三", "certificates": "电工 高级技师"})
    assert updated.status_code == 200 and updated.json()["citizen_id"] == teacher["citizen_id"]
    assert Teacher.objects.get(pk=tid).citizen_id == number
    assert api.delete(f"/{own_provider.pk}/teachers/{tid}").json()["active"] is False
    assert api.get(f"/{own_provider.pk}/teachers").json() == []
    assert len(api.get(f"/{own_provider.pk}/teachers", {"include_inactive": True}).json()) == 1


@pytest.mark.parametrize(
    ("value", "status", "fragment"),
    [
        (lambda: citizen_id()[:-1] + ("1" if citizen_id()[-1] != "1" else "2"), 400, "校验"),
        (210202198503121230, 422, "文本"),
        ("2.10202E+17", 400, "数字"),
    ],
)
def test_teacher_bad_citizen_id(
    staff: User, own_provider: Provider, value: Any, status: int, fragment: str
) -> None:
    value = value() if callable(value) else value
    api = token_api(staff)
    before = audit_count()
    response = api.post(f"/{own_provider.pk}/teachers", {"name": "李老师", "citizen_id": value})
    assert response.status_code == status, response.content
    messages = " ".join(e["message"] for e in response.json()["errors"])
    assert fragment in messages
    assert any(e["field"].startswith("citizen_id") for e in response.json()["errors"])
    assert not Teacher.objects.exists() and audit_count() == before


def test_teacher_of_another_provider_is_404(
    staff: User, own_provider: Provider, other_provider: Provider
) -> None:
    theirs = Teacher.objects.create(provider=other_provider, name="别人的老师")
    api = token_api(staff)
    assert api.get(f"/{own_provider.pk}/teachers/{theirs.pk}").status_code == 404
    assert api.put(f"/{own_provider.pk}/teachers/{theirs.pk}", {"name": "x"}).status_code == 404
    assert api.post(f"/{other_provider.pk}/teachers", {"name": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "别人的老师"


def test_venues_crud(staff: User, own_provider: Provider) -> None:
    api = token_api(staff)
    created = api.post(
        f"/{own_provider.pk}/venues",
        {"name": "一号教室", "address": "中山路1号", "capacity": 40, "region_code": "210202"},
    )
    assert created.status_code == 201, created.content
    vid = created.json()["id"]
    assert created.json()["region"]["code"] == "210202"
    bad = api.post(f"/{own_provider.pk}/venues", {"name": "一号教室", "address": "x", "capacity": 0})
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"name", "capacity"}
    assert (
        api.put(
            f"/{own_provider.pk}/venues/{vid}",
            {"name": "实训室", "address": "中山路1号", "capacity": 60, "is_practical": True},
        ).json()["is_practical"]
        is True
    )
    assert api.delete(f"/{own_provider.pk}/venues/{vid}").json()["active"] is False
    assert Venue.objects.count() == 1


# ---------------------------------------------------------------------------------------------------------------
# Blacklist and credit


def test_blacklist_and_credit(city_admin: User, zs_clerk: User, staff: User, own_provider: Provider) -> None:
    admin = token_api(city_admin)
    assert (
        token_api(zs_clerk)
        .post(f"/{own_provider.pk}/blacklist", {"reason": "r", "starts_on": str(TODAY)})
        .status_code
        == 403
    )
    created = admin.post(f"/{own_provider.pk}/blacklist", {"reason": "虚报培训人数", "starts_on": str(TODAY)})
    assert created.status_code == 201 and created.json()["in_force"] is True
    record = token_api(staff).get(f"/{own_provider.pk}/credit-record").json()
    assert record["active_blacklist"]["reason"] == "虚报培训人数"
    assert (
        record["pass_rate"] is None and record["employment_rate"] is None and record["employment_rate_note"]
    )
    listed = [p["id"] for p in Api(Client()).get("/listed").json()["items"]]
    assert own_provider.pk not in listed
    entry_id = created.json()["id"]
    assert admin.post(f"/{own_provider.pk}/blacklist/{entry_id}/lift", {"reason": ""}).status_code == 400
    lifted = admin.post(f"/{own_provider.pk}/blacklist/{entry_id}/lift", {"reason": "复核撤销"})
    assert lifted.status_code == 200 and lifted.json()["in_force"] is False
    assert admin.post(f"/{own_provider.pk}/blacklist/{entry_id}/lift", {"reason": "again"}).status_code == 409
    assert BlacklistEntry.objects.get().lift_reason == "复核撤销"

    clerk = token_api(zs_clerk)
    event = clerk.post(
        f"/{own_provider.pk}/credit-events",
        {"kind": "complaint", "occurred_on": str(TODAY), "description": "学员投诉", "points": -3},
    )
    assert event.status_code == 201 and event.json()["kind_label"] == "投诉"
    assert (
        token_api(staff)
        .post(
            f"/{own_provider.pk}/credit-events",
            {"kind": "commendation", "occurred_on": str(TODAY), "description": "自夸", "points": 5},
        )
        .status_code
        == 403
    )
    bad = clerk.post(
        f"/{own_provider.pk}/credit-events",
        {
            "kind": "commendation",
            "occurred_on": str(TODAY + dt.timedelta(days=3)),
            "description": "x",
            "points": -1,
        },
    )
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"occurred_on", "points"}
    events = token_api(staff).get(f"/{own_provider.pk}/credit-events").json()
    assert [e["points"] for e in events] == [-3]
    assert token_api(staff).get(f"/{own_provider.pk}/credit-record").json()["complaints"] == 1


def test_worker_role_is_refused(make_user: Any, own_provider: Provider) -> None:
    worker = make_user(Role.WORKER)
    api = session_api(worker)  # workers hold no API tokens
    assert api.get("").status_code == 403  # no providers.view_provider: refused before anything is looked up
    assert api.get(f"/{own_provider.pk}").status_code == 403
    assert api.post(f"/{own_provider.pk}/approve").status_code == 403
    assert api.post(f"/{own_provider.pk}/teachers", {"name": "x"}).status_code == 403


# ------------------------------------------------------------------------------------------------ issue 9, S3


def test_catalog_officer_reads_no_provider_data(make_user: Any, own_provider: Provider) -> None:
    """The catalog officer holds no provider permission: every read answers 403 like the screens (was 200 with
    ``actions: [suspend, remove]``), by token and by session, and nothing of the provider is in the answer."""
    officer = make_user(Role.CATALOG_OFFICER)
    teacher = Teacher.objects.create(provider=own_provider, name="王老师")
    venue = Venue.objects.create(provider=own_provider, name="一号教室", capacity=30)
    paths = [
        "",
        f"/{own_provider.pk}",
        f"/{own_provider.pk}/teachers",
        f"/{own_provider.pk}/teachers/{teacher.pk}",
        f"/{own_provider.pk}/venues",
        f"/{own_provider.pk}/venues/{venue.pk}",
        f"/{own_provider.pk}/credit-events",
        f"/{own_provider.pk}/credit-record",
        f"/{own_provider.pk}/blacklist",
        f"/{own_provider.pk}/scope",
    ]
    for api in (token_api(officer), session_api(officer)):
        for path in paths:
            response = api.get(path)
            assert response.status_code == 403, path
            assert own_provider.name not in response.content.decode(), path
    assert Client().get(f"/providers/{own_provider.pk}/").status_code == 302  # the screen: login first
    client = Client()
    client.force_login(officer)
    assert client.get(f"/providers/{own_provider.pk}/").status_code == 403


def test_actions_list_only_what_the_caller_may_do(
    make_user: Any, zs_clerk: User, xg_clerk: User, city_admin: User, staff: User, own_provider: Provider
) -> None:
    """``actions`` are the workflow actions the caller may take, the same as the screen's buttons."""
    leader = make_user(Role.LEADERSHIP)
    path = f"/{own_provider.pk}"
    assert token_api(zs_clerk).get(path).json()["actions"] == ["suspend", "remove"]
    assert token_api(city_admin).get(path).json()["actions"] == ["suspend", "remove"]
    assert token_api(leader).get(path).json()["actions"] == []  # reads everything, acts on nothing
    assert token_api(staff).get(path).json()["actions"] == []  # never reviews its own institution
    assert [p["actions"] for p in token_api(leader).get("").json()["items"]] == [[]]
    assert token_api(xg_clerk).get(path).status_code == 404  # another area: as if unknown
