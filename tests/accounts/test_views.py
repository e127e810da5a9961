"""Account screens (login with lock-out, password change, profile with masked personal data and the audited
reveal, API tokens), the audit screen, and the back office's handling of personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string

from lijiao.accounts.models import ApiToken, User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.audit.models import AuditEvent
from lijiao.core.models import HandlingArea
from tests.conftest import default_provider

PASSWORD = "Passw0rd-long"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def citizen_id(first17: str) -> str:
    """A valid GB 11643 number: 17 digits plus the ISO 7064 MOD 11-2 check character."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


CITIZEN_ID = citizen_id("21020219900307123")
PHONE = "13912345678"


def make(username: str, role: Role, **extra: object) -> User:
    area = HandlingArea.objects.get(code="ZS") if role == Role.DISTRICT_CLERK else None
    if role == Role.PROVIDER_STAFF:
        extra.setdefault("provider", default_provider())
    return create_user(
        actor=None,
        username=username,
        password=PASSWORD,
        roles=[role],
        handling_area=area,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def city_admin(db: None) -> User:
    return make("av_admin", Role.CITY_ADMIN, display_name="市管理员", citizen_id=CITIZEN_ID, phone=PHONE)


@pytest.fixture
def officer(db: None) -> User:
    return make("av_officer", Role.CATALOG_OFFICER, citizen_id=CITIZEN_ID, phone=PHONE)


@pytest.fixture
def auditor(db: None) -> User:
    return make("av_auditor", Role.AUDITOR)


# ---------------------------------------------------------------------------------------------------------------
# Login, logout, password


@pytest.mark.django_db
def test_login_page_logs_in_and_logout_is_a_post(client: Client, officer: User) -> None:
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    assert "工作人员登录" in page.content.decode()
    response = client.post(reverse("accounts:login"), {"username": "av_officer", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(reverse("portal:home")).content.decode()
    assert "退出登录" in home
    assert f'action="{reverse("accounts:logout")}"' in home
    assert reverse("catalog:manage_editions") in home  # the nav shows the officer's screen
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "退出登录" not in client.get(reverse("portal:home")).content.decode()


@pytest.mark.django_db
def test_wrong_password_shows_the_form_error(client: Client, officer: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "av_officer", "password": "wrong-password-1"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'class="errorlist nonfield"' in response.content.decode()


THROTTLED = "登录尝试过于频繁"
ATTACKER, OFFICE = "203.0.113.66", "198.51.100.20"


def _try(client: Client, username: str, password: str, address: str) -> HttpResponse:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
def test_an_attacker_cannot_lock_out_a_user_who_logs_in_from_another_address(
    client: Client, officer: User
) -> None:
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = _try(client, "av_officer", "wrong-password-1", ATTACKER)
        assert response.status_code == 200 and THROTTLED not in response.content.decode()
    response = _try(client, "av_officer", "wrong-password-1", ATTACKER)
    assert response.status_code == 429 and THROTTLED in response.content.decode()
    # The attacker's address is stopped for this name, even with the right password …
    response = _try(client, "av_officer", PASSWORD, ATTACKER)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # … but the officer, at the office, logs in.
    response = _try(client, "av_officer", PASSWORD, OFFICE)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(officer.pk)
    assert AuditEvent.objects.filter(action="accounts.login.throttled").exists()


@pytest.mark.django_db
def test_unknown_and_real_names_get_the_same_answer_and_the_same_work(
    client: Client, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No enumeration: the same pages, and the same number of password hashes, for a real and an unknown name."""
    hasher = import_string(settings.PASSWORD_HASHERS[0])
    calls: list[str] = []
    real_encode = hasher.encode

    def counting_encode(self: Any, password: str, salt: str, *args: Any) -> str:
        calls.append(password)
        return str(real_encode(self, password, salt, *args))

    monkeypatch.setattr(hasher, "encode", counting_encode)
    answers = {}
    for name, address in (("av_officer", "192.0.2.1"), ("no_such_user", "192.0.2.2")):
        calls.clear()
        pages = [
            _try(client, name, "wrong-password-1", address) for _ in range(settings.LOGIN_FAILURE_LIMIT + 1)
        ]
        answers[name] = (
            [p.status_code for p in pages],
            len(calls),
            pages[-1].content.decode().count(THROTTLED),
        )
    assert answers["av_officer"] == answers["no_such_user"]
    statuses, hashes, _ = answers["no_such_user"]
    assert statuses == [200] * (settings.LOGIN_FAILURE_LIMIT - 1) + [429, 429]
    # one hash per attempt that reached a password check; none once throttled
    assert hashes == settings.LOGIN_FAILURE_LIMIT


@pytest.mark.django_db
def test_one_address_trying_many_names_is_stopped(client: Client, officer: User, settings: Any) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for number in range(6):
        response = _try(client, f"guess{number}", "wrong-password-1", ATTACKER)
    assert response.status_code == 429
    # stopped for every name from that address, a real one too; other addresses are unaffected
    assert _try(client, "av_officer", PASSWORD, ATTACKER).status_code == 429
    assert _try(client, "av_officer", PASSWORD, OFFICE).status_code == 302


@pytest.mark.django_db
def test_throttling_ends_after_the_window_and_never_stores_the_password(
    client: Client, officer: User
) -> None:
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _try(client, "av_officer", "Secret-typo-99", ATTACKER)
    assert _try(client, "av_officer", PASSWORD, ATTACKER).status_code == 429
    assert not any("Secret-typo-99" in a.post_data for a in AccessAttempt.objects.all())
    with time_machine.travel(dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)):
        assert _try(client, "av_officer", PASSWORD, ATTACKER).status_code == 302


@pytest.mark.django_db
def test_the_admin_unlock_action_clears_throttling_for_the_name(client: Client, officer: User) -> None:
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _try(client, "av_officer", "wrong-password-1", ATTACKER)
    admin_user = make("av_admin_unlock", Role.CITY_ADMIN)
    admin_client = Client()
    admin_client.force_login(admin_user)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_accounts", "_selected_action": [officer.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="av_officer").exists()
    assert _try(client, "av_officer", PASSWORD, ATTACKER).status_code == 302


@pytest.mark.django_db
def test_password_change(client: Client, officer: User) -> None:
    client.force_login(officer)
    url = reverse("accounts:password_change")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "Another-pass-42", "new_password2": "Another-pass-42"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    assert "密码已修改" in client.get(response["Location"]).content.decode()
    officer.refresh_from_db()
    assert officer.check_password("Another-pass-42")
    # A too-simple password shows the validator's message on the field.
    response = client.post(
        url, {"old_password": "Another-pass-42", "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


# ---------------------------------------------------------------------------------------------------------------
# Profile and the audited reveal of personal data


@pytest.mark.django_db
def test_profile_shows_personal_data_masked(client: Client, officer: User) -> None:
    client.force_login(officer)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    page = response.content.decode()
    assert CITIZEN_ID not in page and PHONE not in page
    assert CITIZEN_ID[:4] + "*" * 10 + CITIZEN_ID[-4:] in page
    assert "139****5678" in page
    assert "目录管理员" in page  # role label
    assert "查看完整信息" not in page  # no core.reveal_pii


@pytest.mark.django_db
def test_reveal_is_403_without_the_permission_and_writes_nothing(client: Client, officer: User) -> None:
    client.force_login(officer)
    events = AuditEvent.objects.filter(action="pii.revealed").count()
    response = client.post(reverse("accounts:reveal", args=[officer.pk, "citizen_id"]))
    assert response.status_code == 403
    assert CITIZEN_ID not in response.content.decode()
    assert AuditEvent.objects.filter(action="pii.revealed").count() == events


@pytest.mark.django_db
def test_reveal_returns_the_full_value_and_is_audited_for_a_city_admin(
    client: Client, city_admin: User
) -> None:
    client.force_login(city_admin)
    profile = client.get(reverse("accounts:profile")).content.decode()
    reveal_url = reverse("accounts:reveal", args=[city_admin.pk, "citizen_id"])
    assert f'hx-post="{reveal_url}"' in profile and "查看完整信息" in profile
    assert CITIZEN_ID not in profile

    response = client.post(reveal_url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert CITIZEN_ID in body and "<html" not in body
    event = AuditEvent.objects.filter(action="pii.revealed").latest("sequence")
    assert event.actor == city_admin
    assert event.object_id == str(city_admin.pk)
    assert event.after["field"] == "citizen_id"

    phone = client.post(reverse("accounts:reveal", args=[city_admin.pk, "phone"]))
    assert PHONE in phone.content.decode()
    assert client.post(reverse("accounts:reveal", args=[city_admin.pk, "password"])).status_code == 404
    assert client.get(reveal_url).status_code == 405


@pytest.mark.django_db
def test_reveal_needs_login(client: Client, city_admin: User) -> None:
    response = client.post(reverse("accounts:reveal", args=[city_admin.pk, "citizen_id"]))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()


# ---------------------------------------------------------------------------------------------------------------
# API tokens


@pytest.mark.django_db
def test_token_is_shown_once_and_can_be_revoked(client: Client, officer: User) -> None:
    client.force_login(officer)
    url = reverse("accounts:tokens")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "对接人社系统", "ttl_days": "30"})
    assert response.status_code == 200
    secret = response.context["new_token"]
    assert secret and secret in response.content.decode()
    assert "只显示这一次" in response.content.decode()
    token = ApiToken.objects.get(user=officer)
    again = client.get(url).content.decode()
    assert secret not in again and token.prefix in again

    response = client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "已吊销" in client.get(url).content.decode()

    response = client.post(url, {"name": "", "ttl_days": "30"})
    assert response.context["form"].errors["name"]


# ---------------------------------------------------------------------------------------------------------------
# Audit screen


@pytest.mark.django_db
def test_audit_screen_is_for_auditors_only(client: Client, officer: User, auditor: User) -> None:
    url = reverse("audit:events")
    assert client.get(url).status_code == 302
    client.force_login(officer)
    assert client.get(url).status_code == 403
    client.force_login(auditor)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "审计日志" in page and 'id="audit-table"' in page
    assert "accounts.user.created" in page


@pytest.mark.django_db
def test_audit_screen_filters_and_htmx_rows(client: Client, officer: User, auditor: User) -> None:
    client.force_login(auditor)
    url = reverse("audit:events")
    response = client.get(url, {"action": "accounts.user", "actor": ""})
    assert response.status_code == 200
    assert all(e.action.startswith("accounts.user") for e in response.context["page"].events)
    fragment = client.get(url, {"action": "accounts.user"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and 'id="audit-results"' in body
    bad = client.get(url, {"since": "2025-13-45"})
    assert bad.status_code == 200 and "开始日期：输入一个有效的日期" in bad.content.decode()


# ---------------------------------------------------------------------------------------------------------------
# Back office


@pytest.mark.django_db
def test_admin_lists_users_with_masked_personal_data(client: Client, city_admin: User, officer: User) -> None:
    client.force_login(city_admin)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "av_officer" in page
    assert CITIZEN_ID not in page and PHONE not in page
    assert CITIZEN_ID[:4] + "*" * 10 + CITIZEN_ID[-4:] in page
    change = client.get(reverse("admin:accounts_user_change", args=[officer.pk]))
    assert change.status_code == 200
    assert CITIZEN_ID not in change.content.decode() and PHONE not in change.content.decode()
    # Search by the exact ID number goes through the keyed digest.
    found = client.get(reverse("admin:accounts_user_changelist"), {"q": CITIZEN_ID})
    assert "av_officer" in found.content.decode()


@pytest.mark.django_db
def test_admin_audit_log_and_tokens_are_read_only(client: Client, city_admin: User) -> None:
    client.force_login(city_admin)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    event = AuditEvent.objects.first()
    assert event is not None
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


@pytest.mark.django_db
def test_a_worker_is_not_offered_api_tokens_and_cannot_create_one(client: Client) -> None:
    worker = make("av_worker", Role.WORKER)
    client.force_login(worker)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:tokens") not in profile and "API 令牌" not in profile
    assert client.get(reverse("accounts:tokens")).status_code == 403
    assert client.post(reverse("accounts:tokens"), {"name": "x", "ttl_days": 30}).status_code == 403
    assert not ApiToken.objects.filter(user=worker).exists()


@pytest.mark.django_db
def test_staff_are_offered_api_tokens(client: Client, officer: User) -> None:
    client.force_login(officer)
    assert reverse("accounts:tokens") in client.get(reverse("accounts:profile")).content.decode()
    assert client.get(reverse("accounts:tokens")).status_code == 200
