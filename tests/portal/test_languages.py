"""Which language a page or an API answer is in (ADR 0003): zh-Hans by default, English from the browser, the
language switch or the user's setting, which wins."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.api_errors import validation_field_errors
from tests.conftest import PASSWORD

CJK = re.compile(r"[\u4e00-\u9fff]")
# Latin words a Chinese page may show: the switch to English, names of file formats and of the API.
LATIN_ON_CHINESE_PAGES = {"English", "Excel", "PDF", "API", "Lijiao"}


def visible_text(html: str) -> str:
    """The text a reader sees (tags, scripts and styles removed)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text))


@pytest.mark.django_db
def test_default_page_is_chinese_only(client: Client) -> None:
    response = client.get(reverse("portal:home"))
    html = response.content.decode()
    assert response.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans">' in html
    text = visible_text(html)
    assert "培训目录" in text and "登录" in text
    assert latin_words(text) <= LATIN_ON_CHINESE_PAGES, latin_words(text) - LATIN_ON_CHINESE_PAGES


@pytest.mark.django_db
def test_accept_language_en_shows_english(client: Client) -> None:
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = response.content.decode()
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in html
    text = visible_text(html)
    assert "Training catalog" in text and "Log in" in text and "Skip to content" in text
    # Chinese only where it is data or the switch back: the search examples and the “中文” button
    assert "登录" not in text and "培训目录" not in text


@pytest.mark.django_db
def test_chinese_browser_gets_chinese(client: Client) -> None:
    response = client.get(reverse("catalog:public_list"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert response.headers["Content-Language"] == "zh-hans"
    assert "补贴性职业技能培训目录" in visible_text(response.content.decode())


@pytest.mark.django_db
def test_the_header_switch_sets_the_language_for_anonymous_visitors(client: Client) -> None:
    home = reverse("portal:home")
    page = client.get(home).content.decode()
    assert 'name="language" value="en"' in page  # the switch offers English on a Chinese page
    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302 and response["Location"] == home
    english = client.get(home).content.decode()
    assert "Training catalog" in visible_text(english)
    assert 'name="language" value="zh-hans"' in english  # and Chinese on an English page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": home})
    assert "培训目录" in visible_text(client.get(home, HTTP_ACCEPT_LANGUAGE="en").content.decode())


def login(client: Client, user: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


@pytest.mark.django_db
def test_the_users_setting_wins_over_the_browser(client: Client, make_user) -> None:
    english_user = make_user(Role.DISTRICT_CLERK)
    User.objects.filter(pk=english_user.pk).update(language="en")
    english_user.refresh_from_db()
    login(client, english_user)
    page = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh")
    assert page.headers["Content-Language"] == "en"
    assert "My account" in visible_text(page.content.decode())

    chinese_user = make_user(Role.DISTRICT_CLERK)
    User.objects.filter(pk=chinese_user.pk).update(language="zh-hans")
    other = Client()
    login(other, chinese_user)
    page = other.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.headers["Content-Language"] == "zh-hans"
    assert "个人中心" in visible_text(page.content.decode())


@pytest.mark.django_db
def test_a_user_without_a_setting_follows_the_browser(client: Client, make_user) -> None:
    login(client, make_user(Role.DISTRICT_CLERK))
    assert (
        client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en").headers["Content-Language"] == "en"
    )
    assert client.get(reverse("accounts:profile")).headers["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_the_profile_sets_the_language_at_once_and_for_later_logins(client: Client, make_user) -> None:
    user = make_user(Role.DISTRICT_CLERK)
    login(client, user)
    before = AuditEvent.objects.count()
    response = client.post(reverse("accounts:language"), {"language": "en"}, follow=True)
    assert "Interface language saved." in visible_text(response.content.decode())
    user.refresh_from_db()
    assert user.language == "en"
    event = AuditEvent.objects.order_by("-sequence").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.before, event.after) == (
        "accounts.user.language_changed",
        {"language": ""},
        {"language": "en"},
    )
    later = Client()
    login(later, user)
    assert later.get(reverse("portal:home")).headers["Content-Language"] == "en"
    # back to “follow the browser”
    client.post(reverse("accounts:language"), {"language": ""})
    user.refresh_from_db()
    assert user.language == ""
    assert client.get(reverse("portal:home")).headers["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_an_unknown_language_is_refused_and_nothing_is_written(client: Client, make_user) -> None:
    user = make_user(Role.DISTRICT_CLERK)
    login(client, user)
    before = AuditEvent.objects.count()
    client.post(reverse("accounts:language"), {"language": "fr"})
    user.refresh_from_db()
    assert user.language == "" and AuditEvent.objects.count() == before


# ------------------------------------------------------------------------------------------------- API


@pytest.mark.django_db
def test_api_errors_follow_accept_language(client: Client) -> None:
    url = "/api/v1/core/calendar/add-working-days"
    chinese = client.get(url, {"start": "2025-01-01", "days": "abc"})
    english = client.get(url, {"start": "2025-01-01", "days": "abc"}, HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 422
    assert chinese.json() == {
        "code": "invalid",
        "message": "天数必须是整数",
        "errors": [{"field": "days", "message": "天数必须是整数"}],
    }
    assert english.json()["errors"] == [{"field": "days", "message": "Number of days must be a whole number"}]

    too_far = client.get(url, {"start": "2025-01-01", "days": 99999}, HTTP_ACCEPT_LANGUAGE="en")
    assert too_far.status_code == 422
    assert too_far.json()["errors"][0]["field"] == "days"
    assert "3660" in too_far.json()["message"]


@pytest.mark.django_db
def test_api_not_found_and_unauthenticated_in_both_languages(client: Client) -> None:
    missing = "/api/v1/no/such/endpoint"
    assert client.get(missing).status_code == 404
    token = {"HTTP_AUTHORIZATION": "Bearer lj_not-a-token"}
    chinese = client.get("/api/v1/accounts/me", **token)
    english = client.get("/api/v1/accounts/me", HTTP_ACCEPT_LANGUAGE="en", **token)
    assert chinese.status_code == english.status_code == 401
    assert chinese.json()["message"] == "请先登录或提供有效令牌"
    assert english.json()["message"] == "Please log in or give a valid token"


@pytest.mark.django_db
def test_the_api_ignores_the_users_setting_and_follows_accept_language(client: Client, make_user) -> None:
    user = make_user(Role.DISTRICT_CLERK)
    User.objects.filter(pk=user.pk).update(language="en")
    login(client, user)
    url = "/api/v1/core/calendar/add-working-days"
    response = client.get(url, {"start": "2025-01-01", "days": "x"})
    assert response.json()["message"] == "天数必须是整数"


def test_validation_errors_name_items_as_people_count_them() -> None:
    pydantic_errors = [
        {
            "type": "float_parsing",
            "loc": ("body", "payload", "results", 5169, "theory_score"),
            "msg": "Input should be a valid number",
        },
        {"type": "missing", "loc": ("body", "payload", "name"), "msg": "Field required"},
        {
            "type": "string_too_long",
            "loc": ("body", "payload", "name"),
            "msg": "…",
            "ctx": {"max_length": 50},
        },
        {"type": "value_error", "loc": ("body", "payload", "citizen_id"), "msg": "Value error, 身份证号为空"},
        {
            "type": "float_parsing",
            "loc": ("body", "payload", "mystery"),
            "msg": "Input should be a valid number",
        },
    ]
    errors = validation_field_errors(pydantic_errors)
    assert [(e.field, e.message) for e in errors] == [
        ("results.5169.theory_score", "第5170项：理论成绩必须是数字"),
        ("name", "名称必须填写"),
        ("name", "名称最多 50 个字符"),
        ("citizen_id", "身份证号为空"),
        ("mystery", "该项必须是数字"),  # never the Python name
    ]
    for error in errors:
        assert "theory_score" not in error.message and "Input should" not in error.message


def test_validation_errors_in_english() -> None:
    from django.utils import translation

    with translation.override("en"):
        (error,) = validation_field_errors(
            [{"type": "int_parsing", "loc": ("query", "days"), "msg": "Input should be a valid integer"}]
        )
    assert error.message == "Number of days must be a whole number"


@pytest.mark.django_db
def test_api_body_errors_keep_the_path_only_in_field(client: Client) -> None:
    response = client.post(
        "/api/v1/core/identity/citizen-id", json.dumps({}), content_type="application/json"
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "value"
    assert error["message"] == "号码必须填写"
