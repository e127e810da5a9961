"""Provider screens: scope (another provider is a 404), the public listed page, registration, the workflow with
reason forms, contact-only edits by provider staff, teachers with masked ID numbers, venues, scope, blacklist, credit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.audit.models import AuditEvent
from lijiao.core.models import HandlingArea
from lijiao.providers.models import (
    BlacklistEntry,
    CreditEvent,
    Provider,
    ProviderScope,
    ProviderStatus,
    Teacher,
    Venue,
)
from tests.conftest import valid_credit_code
from tests.providers.conftest import TODAY, audit_count, citizen_id, make_provider


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail_url(provider: Provider) -> str:
    return reverse("providers:detail", args=[provider.pk])


# ---------------------------------------------------------------------------------------------------------------
# Public page


def test_listed_page_is_public_and_shows_only_listed_providers(
    own_provider: Provider, providers_by_status: dict[str, Provider], city_admin: User, ref: dict[str, Any]
) -> None:
    blacklisted = make_provider(95, name="黑名单培训学校")
    BlacklistEntry.objects.create(provider=blacklisted, reason="虚报", starts_on=TODAY, created_by=city_admin)
    own_provider.contact_phone = "13812345678"
    own_provider.save()
    ProviderScope.objects.create(provider=own_provider, occupation=ref["electrician"], highest_level=3)
    Teacher.objects.create(provider=own_provider, name="张老师", citizen_id=citizen_id())
    response = Client().get(reverse("providers:listed"))
    assert response.status_code == 200
    html = response.content.decode()
    assert own_provider.name in html and "电工" in html and "3级及以下" in html
    assert providers_by_status[ProviderStatus.APPROVED].name in html
    for status in (
        ProviderStatus.APPLIED,
        ProviderStatus.SUSPENDED,
        ProviderStatus.REMOVED,
        ProviderStatus.REJECTED,
    ):
        assert providers_by_status[status].name not in html
    assert blacklisted.name not in html
    assert "13812345678" not in html and "138****5678" not in html and "张老师" not in html
    filtered = Client().get(reverse("providers:listed"), {"q": "测试职业培训学校"}).content.decode()
    assert own_provider.name in filtered and providers_by_status[ProviderStatus.APPROVED].name not in filtered


def test_staff_pages_need_login(own_provider: Provider) -> None:
    for url in (reverse("providers:list"), detail_url(own_provider), reverse("providers:register")):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


# ---------------------------------------------------------------------------------------------------------------
# Scope


def test_provider_staff_go_to_their_own_provider_and_never_see_another(
    staff: User, own_provider: Provider, other_provider: Provider
) -> None:
    client = login(staff)
    response = client.get(reverse("providers:list"))
    assert response.status_code == 302 and response["Location"] == detail_url(own_provider)
    page = client.get(detail_url(own_provider))
    assert page.status_code == 200
    html = page.content.decode()
    assert "审核与状态" not in html and "添加培训范围" not in html and "列入黑名单" not in html
    assert "添加教师" in html and "添加培训场地" in html
    other_teacher = Teacher.objects.create(provider=other_provider, name="别人的老师")
    for url in (
        detail_url(other_provider),
        reverse("providers:edit", args=[other_provider.pk]),
        reverse("providers:teacher_edit", args=[other_provider.pk, other_teacher.pk]),
        reverse("providers:teacher_edit", args=[own_provider.pk, other_teacher.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("providers:teacher_add", args=[other_provider.pk]), {"teacher-name": "x"}
        ).status_code
        == 404
    )
    assert Teacher.objects.filter(provider=other_provider).count() == 1


def test_clerk_list_with_filters(zs_clerk: User, own_provider: Provider, applied: Provider) -> None:
    xg = make_provider(96, area="XG", name="西岗学校")
    client = login(zs_clerk)
    html = client.get(reverse("providers:list")).content.decode()
    assert own_provider.name in html and applied.name in html and xg.name not in html
    html = client.get(reverse("providers:list"), {"status": "applied"}).content.decode()
    assert applied.name in html and own_provider.name not in html
    html = client.get(reverse("providers:list"), {"q": own_provider.credit_code.lower()}).content.decode()
    assert own_provider.name in html and applied.name not in html
    assert client.get(detail_url(xg)).status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# Registration and edits


def test_register_form(zs_clerk: User, staff: User) -> None:
    assert login(staff).get(reverse("providers:register")).status_code == 403
    client = login(zs_clerk)
    page = client.get(reverse("providers:register")).content.decode()
    assert "中山区" in page and "西岗区" not in page  # only the clerk's own area is offered
    data = {
        "credit_code": "91210202MA0ABCDE1X",
        "name": "大连新技能培训学校",
        "type": "private_school",
        "handling_area": HandlingArea.objects.get(code="ZS").pk,
        "contact_phone": "0411-88886666",
    }
    before = audit_count()
    response = client.post(reverse("providers:register"), data)
    assert response.status_code == 200
    assert "统一社会信用代码" in response.content.decode() and "has-error" in response.content.decode()
    assert not Provider.objects.filter(name="大连新技能培训学校").exists() and audit_count() == before
    response = client.post(reverse("providers:register"), {**data, "credit_code": valid_credit_code(555)})
    provider = Provider.objects.get(name="大连新技能培训学校")
    assert response.status_code == 302 and response["Location"] == detail_url(provider)
    assert provider.status == ProviderStatus.APPLIED


def test_provider_staff_edit_contact_only(staff: User, own_provider: Provider) -> None:
    client = login(staff)
    url = reverse("providers:edit", args=[own_provider.pk])
    assert "只能修改联系人和联系电话" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": "偷偷改名",
            "type": "university",
            "handling_area": HandlingArea.objects.get(code="XG").pk,
            "contact_name": "李四",
            "contact_phone": "13812345678",
        },
    )
    assert response.status_code == 302
    own_provider.refresh_from_db()
    assert own_provider.name != "偷偷改名" and own_provider.type == Provider.Type.PRIVATE_SCHOOL
    assert (own_provider.contact_name, own_provider.contact_phone) == ("李四", "13812345678")
    assert "138****5678" in client.get(detail_url(own_provider)).content.decode()


# ---------------------------------------------------------------------------------------------------------------
# Workflow


def test_status_actions(zs_clerk: User, xg_clerk: User, staff: User, applied: Provider) -> None:
    client = login(zs_clerk)
    html = client.get(detail_url(applied)).content.decode()
    assert (
        'id="action-approve"' in html and 'id="action-reject"' in html and 'id="action-suspend"' not in html
    )
    reject = reverse("providers:change_status", args=[applied.pk, "reject"])
    before = audit_count()
    response = client.post(reject, {"reject-reason": ""})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    applied.refresh_from_db()
    assert applied.status == ProviderStatus.APPLIED and audit_count() == before
    assert login(xg_clerk).post(reject, {"reject-reason": "x"}).status_code == 404
    approve = reverse("providers:change_status", args=[applied.pk, "approve"])
    response = client.post(approve, {"approve-reason": ""})
    assert response.status_code == 302
    applied.refresh_from_db()
    assert applied.status == ProviderStatus.APPROVED
    again = client.post(approve, {"approve-reason": ""}, follow=True)
    assert "不能变更为" in again.content.decode()
    suspend = reverse("providers:change_status", args=[applied.pk, "suspend"])
    client.post(suspend, {"suspend-reason": "整改"})
    applied.refresh_from_db()
    assert (applied.status, applied.status_reason) == (ProviderStatus.SUSPENDED, "整改")
    assert "目前不能开展补贴性培训" in client.get(detail_url(applied)).content.decode()
    assert client.post(reverse("providers:change_status", args=[applied.pk, "explode"])).status_code == 404


def test_provider_staff_cannot_change_their_own_status(staff: User, own_provider: Provider) -> None:
    response = login(staff).post(
        reverse("providers:change_status", args=[own_provider.pk, "suspend"]), {"suspend-reason": "自行暂停"}
    )
    assert response.status_code == 403
    own_provider.refresh_from_db()
    assert own_provider.status == ProviderStatus.APPROVED


# ---------------------------------------------------------------------------------------------------------------
# Scope, teachers, venues, blacklist, credit


def test_scope_editor(zs_clerk: User, own_provider: Provider, ref: dict[str, Any]) -> None:
    client = login(zs_clerk)
    url = reverse("providers:scope_add", args=[own_provider.pk])
    response = client.post(url, {"scope-occupation": "6-31-01-03 电工", "scope-highest_level": "3"})
    assert response.status_code == 302
    entry = ProviderScope.objects.get(provider=own_provider)
    assert (entry.occupation, entry.highest_level) == (ref["electrician"], 3)
    bad = client.post(url, {"scope-occupation": "6-31-01-03", "scope-highest_level": ""})
    assert bad.status_code == 200 and "最高等级" in bad.content.decode()
    unknown = client.post(url, {"scope-occupation": "9-99-99-99"})
    assert unknown.status_code == 200 and "未知的职业编码" in unknown.content.decode()
    client.post(url, {"scope-special_item": "ZX210200-001 数字新媒体制作"})
    assert ProviderScope.objects.filter(provider=own_provider).count() == 2
    client.post(reverse("providers:scope_remove", args=[own_provider.pk, entry.pk]))
    assert list(ProviderScope.objects.filter(provider=own_provider)) != [entry]
    assert ProviderScope.objects.filter(provider=own_provider).count() == 1


def test_teachers_on_screen(staff: User, own_provider: Provider, ref: dict[str, Any]) -> None:
    client = login(staff)
    add = reverse("providers:teacher_add", args=[own_provider.pk])
    number = citizen_id()
    before = audit_count()
    bad = client.post(
        add,
        {
            "teacher-name": "张老师",
            "teacher-citizen_id": number[:-1] + "0" if number[-1] != "0" else number[:-1] + "1",
        },
    )
    assert bad.status_code == 200 and "校验" in bad.content.decode()
    assert not Teacher.objects.exists() and audit_count() == before
    response = client.post(
        add,
        {
            "teacher-name": "张老师",
            "teacher-citizen_id": number,
            "teacher-occupation": "6-31-01-03 电工",
            "teacher-is_practical": "on",
        },
    )
    assert response.status_code == 302
    teacher = Teacher.objects.get()
    assert teacher.citizen_id == number and teacher.occupation == ref["electrician"] and teacher.is_practical
    html = client.get(detail_url(own_provider)).content.decode()
    assert number not in html and number[:4] + "**********" + number[-4:] in html
    edit = reverse("providers:teacher_edit", args=[own_provider.pk, teacher.pk])
    assert number not in client.get(edit).content.decode()
    client.post(edit, {"teacher-name": "张三老师", "teacher-active": "on"})
    teacher.refresh_from_db()
    assert teacher.name == "张三老师" and teacher.citizen_id == number and teacher.occupation is None
    client.post(reverse("providers:teacher_deactivate", args=[own_provider.pk, teacher.pk]))
    teacher.refresh_from_db()
    assert not teacher.active


def test_venues_on_screen(staff: User, own_provider: Provider) -> None:
    client = login(staff)
    add = reverse("providers:venue_add", args=[own_provider.pk])
    bad = client.post(add, {"venue-name": "一号教室", "venue-address": "中山路1号", "venue-capacity": "0"})
    assert bad.status_code == 200 and not Venue.objects.exists()
    client.post(add, {"venue-name": "一号教室", "venue-address": "中山路1号", "venue-capacity": "40"})
    venue = Venue.objects.get()
    dup = client.post(add, {"venue-name": "一号教室", "venue-address": "别处", "venue-capacity": "10"})
    assert dup.status_code == 200 and "同名场地" in dup.content.decode()
    edit = reverse("providers:venue_edit", args=[own_provider.pk, venue.pk])
    assert client.get(edit).status_code == 200
    client.post(
        edit,
        {
            "venue-name": "一号教室",
            "venue-address": "中山路1号",
            "venue-capacity": "45",
            "venue-active": "on",
        },
    )
    venue.refresh_from_db()
    assert venue.capacity == 45 and venue.active


def test_blacklist_and_credit_on_screen(city_admin: User, zs_clerk: User, own_provider: Provider) -> None:
    admin = login(city_admin)
    add = reverse("providers:blacklist_add", args=[own_provider.pk])
    assert (
        login(zs_clerk).post(add, {"blacklist-reason": "x", "blacklist-starts_on": str(TODAY)}).status_code
        == 403
    )
    admin.post(add, {"blacklist-reason": "虚报培训人数", "blacklist-starts_on": str(TODAY)})
    entry = BlacklistEntry.objects.get()
    html = admin.get(detail_url(own_provider)).content.decode()
    assert "执行中" in html and "黑名单" in html and "目前不能开展补贴性培训" in html
    assert own_provider.name not in Client().get(reverse("providers:listed")).content.decode()
    lift = reverse("providers:blacklist_lift", args=[own_provider.pk, entry.pk])
    missing = admin.post(lift, {f"lift{entry.pk}-reason": ""})
    assert missing.status_code == 200 and "errorlist" in missing.content.decode()
    admin.post(lift, {f"lift{entry.pk}-reason": "复核撤销"})
    entry.refresh_from_db()
    assert entry.lifted_at is not None and entry.lifted_at <= timezone.now()

    clerk = login(zs_clerk)
    credit = reverse("providers:credit_add", args=[own_provider.pk])
    response = clerk.post(
        credit,
        {
            "credit-kind": "sanction",
            "credit-occurred_on": str(TODAY),
            "credit-description": "违规收费",
            "credit-points": "-10",
        },
    )
    assert response.status_code == 302
    bad = clerk.post(
        credit,
        {
            "credit-kind": "sanction",
            "credit-occurred_on": str(TODAY),
            "credit-description": "x",
            "credit-points": "5",
        },
    )
    assert bad.status_code == 200 and "不能加分" in bad.content.decode()
    assert CreditEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action="providers.credit.recorded").count() == 1
    html = clerk.get(detail_url(own_provider)).content.decode()
    assert "违规收费" in html and "就业率将在就业跟踪功能上线后统计" in html


@pytest.mark.parametrize("name", ["list", "register"])
def test_roles_without_provider_access_get_403(make_user: Any, name: str) -> None:
    from lijiao.accounts.roles import Role

    response = login(make_user(Role.WORKER)).get(reverse(f"providers:{name}"))
    assert response.status_code == 403
