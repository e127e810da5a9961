"""Catalog screens: public pages never show drafts, manage screens need the catalog permissions, every write goes
through the services with Post/Redirect/Get, and domain errors land on the form field that caused them."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.audit.models import AuditEvent
from lijiao.catalog import services
from lijiao.catalog.models import CatalogItem, Category, Edition, EditionStatus, Occupation, SpecialItem
from lijiao.core.models import HandlingArea
from tests.conftest import default_provider

PASSWORD = "Passw0rd-long"
TODAY = timezone.localdate()


# ---------------------------------------------------------------------------------------------------------------
# Fixtures (kept in this module on purpose: the screens' own small catalog)


def _user(username: str, role: Role, area: str | None = None) -> User:
    handling_area = HandlingArea.objects.get(code=area) if area else None
    provider = default_provider() if role == Role.PROVIDER_STAFF else None
    return create_user(
        actor=None,
        username=username,
        password=PASSWORD,
        roles=[role],
        handling_area=handling_area,
        provider=provider,
    )


@pytest.fixture
def officer(db: None) -> User:
    return _user("sv_officer", Role.CATALOG_OFFICER)


@pytest.fixture
def clerk(db: None) -> User:
    return _user("sv_clerk", Role.DISTRICT_CLERK, area="ZS")


@pytest.fixture
def provider(db: None) -> User:
    return _user("sv_provider", Role.PROVIDER_STAFF)


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@dataclass
class Screens:
    """A small catalog: an old and a current published edition, and a draft that adds one occupation."""

    old: Edition
    current: Edition
    draft: Edition
    ref: dict[str, Any]


def item(ref: dict[str, Any], subject: str, amount: str, *, level: int | None = None, **extra: Any):
    row = ref[subject]
    is_occupation = isinstance(row, Occupation)
    return services.ItemInput(
        kind="occupation" if is_occupation else row.kind,
        occupation=row if is_occupation else None,
        special_item=None if is_occupation else row,
        level=level if is_occupation else None,
        category=extra.pop("category", ref["equipment"]),
        subsidy_standard=Decimal(amount),
        min_lesson_hours=extra.pop("hours", 56),
        **extra,
    )


@pytest.fixture
def screens(officer: User) -> Screens:
    ref: dict[str, Any] = {
        "equipment": Category.objects.update_or_create(
            code="sv-equipment", defaults={"name": "装备制造（测）"}
        )[0],
        "care": Category.objects.update_or_create(code="sv-care", defaults={"name": "养老服务（测）"})[0],
        "electrician": Occupation.objects.update_or_create(code="6-31-01-03", defaults={"name": "电工"})[0],
        "welder": Occupation.objects.update_or_create(code="6-18-02-04", defaults={"name": "焊工"})[0],
        "carer": Occupation.objects.update_or_create(code="4-10-01-05", defaults={"name": "养老护理员"})[0],
        "robot": Occupation.objects.update_or_create(
            code="6-31-07-03", defaults={"name": "工业机器人系统操作员", "is_digital": True}
        )[0],
        "media": SpecialItem.objects.update_or_create(
            code="ZX-SV-001", defaults={"name": "数字新媒体制作", "kind": "special"}
        )[0],
    }
    old = services.create_edition(actor=officer, name="测试目录（旧版）", year=TODAY.year - 1)
    services.add_item(actor=officer, edition=old, data=item(ref, "electrician", "800", level=5))
    services.publish_edition(actor=officer, edition=old, effective_from=TODAY - dt.timedelta(days=400))

    current = services.start_edition_from(
        actor=officer, source=old, name="测试目录（现行版）", year=TODAY.year
    )
    electrician = CatalogItem.objects.get(edition=current, occupation=ref["electrician"])
    services.update_item(actor=officer, item=electrician, data=item(ref, "electrician", "1000", level=5))
    services.add_item(actor=officer, edition=current, data=item(ref, "welder", "1200", level=4))
    services.add_item(
        actor=officer,
        edition=current,
        data=item(
            ref,
            "carer",
            "900",
            level=5,
            category=ref["care"],
            shortage_tier="general",
            is_elder_child_care=True,
        ),
    )
    services.add_item(
        actor=officer, edition=current, data=item(ref, "media", "600", hours=40, is_digital=True)
    )
    services.publish_edition(actor=officer, edition=current, effective_from=TODAY - dt.timedelta(days=30))

    draft = services.start_edition_from(
        actor=officer, source=current, name="测试目录（草稿）", year=TODAY.year + 1
    )
    services.add_item(
        actor=officer,
        edition=draft,
        data=item(ref, "robot", "1500", level=4, shortage_tier="relatively", is_digital=True),
    )
    for edition in (old, current, draft):
        edition.refresh_from_db()
    return Screens(old=old, current=current, draft=draft, ref=ref)


def item_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "item-kind": "occupation",
        "item-occupation": "6-18-02-04 焊工",
        "item-special_item": "",
        "item-level": "3",
        "item-category": "",
        "item-subsidy_standard": "1,800",
        "item-assessment_subsidy": "",
        "item-min_lesson_hours": "80",
        "item-shortage_tier": "",
        "item-note": "",
    }
    data.update({f"item-{k}": v for k, v in overrides.items()})
    return data


# ---------------------------------------------------------------------------------------------------------------
# Public screens


@pytest.mark.django_db
def test_public_pages_need_no_login_and_show_published_items_only(client: Client, screens: Screens) -> None:
    response = client.get(reverse("catalog:public_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "测试目录（现行版）" in page
    assert "焊工" in page and "养老护理员" in page and "数字新媒体制作" in page
    assert "工业机器人系统操作员" not in page  # only in the draft
    assert "¥1,000.00" in page  # the current standard, not the old one
    assert reverse("catalog:edition_export_xlsx", args=[screens.current.pk]) in page
    assert reverse("catalog:edition_export_pdf", args=[screens.current.pk]) in page

    editions = client.get(reverse("catalog:public_editions")).content.decode()
    assert "测试目录（现行版）" in editions and "测试目录（旧版）" in editions
    assert "测试目录（草稿）" not in editions
    assert reverse("catalog:edition_diff", args=[screens.old.pk, screens.current.pk]) in editions

    detail = client.get(reverse("catalog:edition_detail", args=[screens.old.pk]))
    assert detail.status_code == 200
    assert 'id="chart-data"' in detail.content.decode()
    assert "¥800.00" in detail.content.decode()

    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert "测试目录（现行版）" in home.content.decode()


@pytest.mark.django_db
def test_pages_carry_no_inline_script_or_style(client: Client, screens: Screens) -> None:
    """CSP allows scripts and styles from 'self' (or with the nonce) only."""
    for url in (
        reverse("catalog:public_list"),
        reverse("catalog:edition_detail", args=[screens.current.pk]),
        reverse("catalog:edition_diff", args=[screens.old.pk, screens.current.pk]),
        reverse("portal:home"),
    ):
        page = client.get(url).content.decode()
        assert "style=" not in page
        assert "<style" not in page
        for chunk in page.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            assert "src=" in head or 'type="application/json"' in head, head


@pytest.mark.django_db
def test_diff_screen_shows_added_removed_and_changed(client: Client, screens: Screens) -> None:
    response = client.get(reverse("catalog:edition_diff", args=[screens.old.pk, screens.current.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "新增项目（3）" in page
    assert "调整项目（1）" in page
    assert "¥800.00" in page and "¥1,000.00" in page and "+200.00" in page
    assert "delta-up" in page
    assert reverse("catalog:diff_export_xlsx", args=[screens.old.pk, screens.current.pk]) in page


@pytest.mark.django_db
def test_draft_is_404_for_the_public_and_a_district_clerk_but_visible_to_the_catalog_officer(
    client: Client, screens: Screens, clerk: User, officer: User
) -> None:
    draft_urls = [
        reverse("catalog:edition_detail", args=[screens.draft.pk]),
        reverse("catalog:edition_diff", args=[screens.current.pk, screens.draft.pk]),
        reverse("catalog:edition_export_xlsx", args=[screens.draft.pk]),
        reverse("catalog:edition_export_pdf", args=[screens.draft.pk]),
        reverse("catalog:diff_export_xlsx", args=[screens.current.pk, screens.draft.pk]),
    ]
    for url in draft_urls:
        assert client.get(url).status_code == 404, url
    login(client, clerk)
    for url in draft_urls:
        assert client.get(url).status_code == 404, url
    assert "测试目录（草稿）" not in client.get(reverse("catalog:public_editions")).content.decode()

    login(client, officer)
    response = client.get(reverse("catalog:edition_detail", args=[screens.draft.pk]))
    assert response.status_code == 200
    assert "工业机器人系统操作员" in response.content.decode()
    assert "测试目录（草稿）" in client.get(reverse("catalog:public_editions")).content.decode()


@pytest.mark.django_db
def test_unknown_ids_are_404_never_500(client: Client, screens: Screens, officer: User) -> None:
    login(client, officer)
    for url in (
        reverse("catalog:edition_detail", args=[999999]),
        reverse("catalog:edition_diff", args=[999999, screens.current.pk]),
        reverse("catalog:edition_export_xlsx", args=[999999]),
        reverse("catalog:edition_export_pdf", args=[999999]),
        reverse("catalog:manage_edition", args=[999999]),
        reverse("catalog:manage_publish", args=[999999]),
        reverse("catalog:manage_item_edit", args=[screens.draft.pk, 999999]),
        reverse("catalog:import_report", args=[999999]),
    ):
        assert client.get(url).status_code == 404, url
    assert "页面不存在" in client.get(reverse("catalog:edition_detail", args=[999999])).content.decode()


@pytest.mark.django_db
def test_filters_work_through_the_screen(client: Client, screens: Screens) -> None:
    url = reverse("catalog:public_list")

    def names(**params: Any) -> set[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        rows = [i.subject_name for i in response.context["items"]]
        return set(rows)

    assert names() == {"电工", "焊工", "养老护理员", "数字新媒体制作"}
    assert names(q="焊") == {"焊工"}
    assert names(q="6-31") == {"电工"}
    assert names(level="5") == {"电工", "养老护理员"}
    assert names(kind="special") == {"数字新媒体制作"}
    assert names(category=screens.ref["care"].pk) == {"养老护理员"}
    assert names(shortage_tier="general") == {"养老护理员"}
    assert names(flag=["digital"]) == {"数字新媒体制作"}
    assert names(flag=["elder_child_care", "shortage"]) == {"养老护理员"}
    assert names(q="不存在的职业") == set()
    assert "没有符合条件的项目" in client.get(url, {"q": "不存在的职业"}).content.decode()


@pytest.mark.django_db
def test_htmx_gets_only_the_results_fragment(client: Client, screens: Screens) -> None:
    url = reverse("catalog:public_list")
    full = client.get(url, {"q": "焊"})
    assert "<html" in full.content.decode()
    assert 'hx-get="/catalog/"' in full.content.decode()
    fragment = client.get(url, {"q": "焊"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and "焊工" in body and "电工" not in body
    assert "HX-Request" in fragment["Vary"]
    restore = client.get(
        url, {"q": "焊"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


@pytest.mark.django_db
def test_public_catalog_without_an_edition_in_force(client: Client) -> None:
    response = client.get(reverse("catalog:public_list"))
    assert response.status_code == 200
    assert "当前没有生效" in response.content.decode()
    assert client.get(reverse("portal:home")).status_code == 200


@pytest.mark.django_db
def test_downloads(client: Client, screens: Screens) -> None:
    xlsx = client.get(reverse("catalog:edition_export_xlsx", args=[screens.current.pk]))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx["Content-Disposition"]
    assert xlsx.content[:2] == b"PK"
    pdf = client.get(reverse("catalog:edition_export_pdf", args=[screens.current.pk]))
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    diff = client.get(reverse("catalog:diff_export_xlsx", args=[screens.old.pk, screens.current.pk]))
    assert diff.status_code == 200 and diff.content[:2] == b"PK"


# ---------------------------------------------------------------------------------------------------------------
# Manage screens: access


@pytest.mark.django_db
def test_manage_screens_redirect_anonymous_to_login_and_refuse_provider_staff(
    client: Client, screens: Screens, provider: User
) -> None:
    urls = [
        reverse("catalog:manage_editions"),
        reverse("catalog:manage_edition", args=[screens.draft.pk]),
        reverse("catalog:manage_publish", args=[screens.draft.pk]),
        reverse("catalog:manage_item_add", args=[screens.draft.pk]),
        reverse("catalog:import_template"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    login(client, provider)
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert "没有访问此页面的权限" in client.get(urls[0]).content.decode()
    assert (
        client.post(reverse("catalog:manage_create"), {"new-name": "x", "new-year": "2030"}).status_code
        == 403
    )
    assert client.post(reverse("catalog:manage_delete", args=[screens.draft.pk])).status_code == 403
    assert Edition.objects.filter(pk=screens.draft.pk).exists()
    assert reverse("catalog:manage_editions") not in client.get(reverse("portal:home")).content.decode()


@pytest.mark.django_db
def test_manage_list_shows_every_edition_with_its_status(
    client: Client, screens: Screens, officer: User
) -> None:
    login(client, officer)
    response = client.get(reverse("catalog:manage_editions"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("测试目录（旧版）", "测试目录（现行版）", "测试目录（草稿）"):
        assert name in page
    assert "badge-draft" in page and "badge-current" in page and "badge-replaced" in page
    assert "新建版本" in page and "以现行版本为基础新建" in page


@pytest.mark.django_db
def test_publish_button_needs_the_publish_permission(client: Client, screens: Screens) -> None:
    from django.contrib.auth.models import Permission

    editor = _user("sv_editor", Role.PROVIDER_STAFF)
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="catalog", codename__in=["change_edition", "view_edition"]
        )
    )
    login(client, editor)
    page = client.get(reverse("catalog:manage_edition", args=[screens.draft.pk]))
    assert page.status_code == 200
    assert reverse("catalog:manage_publish", args=[screens.draft.pk]) not in page.content.decode()
    assert client.get(reverse("catalog:manage_publish", args=[screens.draft.pk])).status_code == 403
    response = client.post(
        reverse("catalog:manage_publish", args=[screens.draft.pk]), {"effective_from": TODAY.isoformat()}
    )
    assert response.status_code == 403
    screens.draft.refresh_from_db()
    assert screens.draft.status == EditionStatus.DRAFT
    # Adding an item needs catalog.add_catalogitem: the service refuses, the screen says 403, nothing written.
    before = CatalogItem.objects.filter(edition=screens.draft).count()
    response = client.post(
        reverse("catalog:manage_item_add", args=[screens.draft.pk]),
        item_post(category=str(screens.ref["equipment"].pk)),
    )
    assert response.status_code == 403
    assert CatalogItem.objects.filter(edition=screens.draft).count() == before


# ---------------------------------------------------------------------------------------------------------------
# Manage screens: writes


@pytest.mark.django_db
def test_create_edition_and_start_from_the_current_one(
    client: Client, screens: Screens, officer: User
) -> None:
    login(client, officer)
    response = client.post(
        reverse("catalog:manage_create"),
        {
            "new-name": "空白新版",
            "new-year": "2031",
            "new-effective_from": "",
            "new-document_number": "",
            "new-notes": "",
        },
    )
    created = Edition.objects.get(name="空白新版")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:manage_edition", args=[created.pk])
    assert created.status == EditionStatus.DRAFT and created.created_by == officer
    followed = client.get(response["Location"])
    assert "已新建目录版本" in followed.content.decode()

    response = client.post(
        reverse("catalog:manage_start_from"), {"start-name": "复制新版", "start-year": "2031"}
    )
    copied = Edition.objects.get(name="复制新版")
    assert response.status_code == 302
    assert copied.based_on == screens.current
    assert copied.items.count() == screens.current.items.count()

    # A bad year is a field error; nothing is created.
    response = client.post(reverse("catalog:manage_create"), {"new-name": "坏年份", "new-year": "1999"})
    assert response.status_code == 200
    assert response.context["create_form"].errors["year"]
    assert not Edition.objects.filter(name="坏年份").exists()


@pytest.mark.django_db
def test_update_header_of_a_draft(client: Client, screens: Screens, officer: User) -> None:
    login(client, officer)
    url = reverse("catalog:manage_update", args=[screens.draft.pk])
    response = client.post(
        url,
        {
            "edition-name": "测试目录（草稿，改名）",
            "edition-year": str(TODAY.year + 1),
            "edition-effective_from": (TODAY + dt.timedelta(days=60)).isoformat(),
            "edition-document_number": "大人社发〔2099〕9号",
            "edition-notes": "",
        },
    )
    assert response.status_code == 302
    screens.draft.refresh_from_db()
    assert screens.draft.name == "测试目录（草稿，改名）"
    assert screens.draft.document_number == "大人社发〔2099〕9号"
    # A published edition cannot be changed through the screen.
    response = client.post(
        reverse("catalog:manage_update", args=[screens.current.pk]),
        {"edition-name": "篡改", "edition-year": str(TODAY.year)},
    )
    assert response.status_code == 302
    screens.current.refresh_from_db()
    assert screens.current.name == "测试目录（现行版）"


@pytest.mark.django_db
def test_add_item_with_a_bad_amount_shows_the_field_error_and_writes_nothing(
    client: Client, screens: Screens, officer: User
) -> None:
    login(client, officer)
    url = reverse("catalog:manage_item_add", args=[screens.draft.pk])
    count = CatalogItem.objects.filter(edition=screens.draft).count()
    events = AuditEvent.objects.count()
    category = str(screens.ref["equipment"].pk)

    # Above the policy cap: the service's field error lands on the amount field.
    response = client.post(url, item_post(category=category, subsidy_standard="9999"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["subsidy_standard"]
    assert "政策上限" in errors["subsidy_standard"][0]
    assert "政策上限" in response.content.decode()
    assert "has-error" in response.content.decode()

    # Not a number at all: the form refuses it before the service.
    response = client.post(url, item_post(category=category, subsidy_standard="一千八"))
    assert response.status_code == 200
    assert "不是有效的金额" in response.context["form"].errors["subsidy_standard"][0]

    # Three decimals are refused, never rounded.
    response = client.post(url, item_post(category=category, subsidy_standard="1800.005"))
    assert response.context["form"].errors["subsidy_standard"]

    assert CatalogItem.objects.filter(edition=screens.draft).count() == count
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_add_item_errors_from_the_service_go_to_their_fields(
    client: Client, screens: Screens, officer: User
) -> None:
    login(client, officer)
    url = reverse("catalog:manage_item_add", args=[screens.draft.pk])
    category = str(screens.ref["equipment"].pk)
    # An occupation without a level.
    response = client.post(url, item_post(category=category, level=""))
    assert response.context["form"].errors["level"]
    # Unknown occupation code.
    response = client.post(url, item_post(category=category, occupation="9-99-99-99"))
    assert "未知的职业编码" in response.context["form"].errors["occupation"][0]
    # The same occupation and level twice is a form-wide error.
    response = client.post(url, item_post(category=category, occupation="6-31-01-03", level="5"))
    assert "已有该项目" in response.context["form"].non_field_errors()[0]


@pytest.mark.django_db
def test_add_edit_and_remove_an_item(client: Client, screens: Screens, officer: User) -> None:
    login(client, officer)
    category = str(screens.ref["equipment"].pk)
    response = client.post(
        reverse("catalog:manage_item_add", args=[screens.draft.pk]),
        item_post(category=category, is_digital="on", shortage_tier="general"),
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("catalog:manage_edition", args=[screens.draft.pk]))
    added = CatalogItem.objects.get(edition=screens.draft, occupation__code="6-18-02-04", level=3)
    assert added.subsidy_standard == Decimal("1800.00")
    assert added.is_digital and added.shortage_tier == "general"
    assert AuditEvent.objects.filter(action="catalog.item.added", object_id=str(added.pk)).exists()

    # A special item is typed by its code.
    response = client.post(
        reverse("catalog:manage_item_edit", args=[screens.draft.pk, added.pk]),
        item_post(category=category, subsidy_standard="1900.50"),
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.subsidy_standard == Decimal("1900.50") and not added.is_digital

    edit_page = client.get(reverse("catalog:manage_item_edit", args=[screens.draft.pk, added.pk]))
    assert 'value="6-18-02-04"' in edit_page.content.decode()

    response = client.post(reverse("catalog:manage_item_remove", args=[screens.draft.pk, added.pk]))
    assert response.status_code == 302
    assert not CatalogItem.objects.filter(pk=added.pk).exists()
    assert "已删除项目" in client.get(response["Location"]).content.decode()

    # Items of a published edition cannot be touched through the screens.
    published_item = CatalogItem.objects.filter(edition=screens.current).first()
    assert published_item is not None
    response = client.post(
        reverse("catalog:manage_item_remove", args=[screens.current.pk, published_item.pk])
    )
    assert response.status_code == 302
    assert CatalogItem.objects.filter(pk=published_item.pk).exists()


@pytest.mark.django_db
def test_delete_a_draft(client: Client, screens: Screens, officer: User) -> None:
    login(client, officer)
    response = client.post(reverse("catalog:manage_delete", args=[screens.draft.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("catalog:manage_editions")
    assert not Edition.objects.filter(pk=screens.draft.pk).exists()
    # A published edition is never deleted.
    response = client.post(reverse("catalog:manage_delete", args=[screens.current.pk]))
    assert Edition.objects.filter(pk=screens.current.pk).exists()
    # GET does not delete.
    assert client.get(reverse("catalog:manage_delete", args=[screens.current.pk])).status_code == 405


@pytest.mark.django_db
def test_publish_through_the_confirmation_screen(client: Client, screens: Screens, officer: User) -> None:
    login(client, officer)
    url = reverse("catalog:manage_publish", args=[screens.draft.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "测试目录（现行版）" in page  # the edition it supersedes
    assert "工业机器人系统操作员" in page  # the diff shows the added item
    assert "新增项目（1）" in page

    # A start on or before the current edition's start is refused on the date field.
    too_early = (screens.current.effective_from - dt.timedelta(days=1)).isoformat()
    response = client.post(url, {"effective_from": too_early})
    assert response.status_code == 200
    assert response.context["form"].errors["effective_from"]
    screens.draft.refresh_from_db()
    assert screens.draft.status == EditionStatus.DRAFT

    response = client.post(url, {"effective_from": TODAY.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:edition_detail", args=[screens.draft.pk])
    screens.draft.refresh_from_db()
    screens.current.refresh_from_db()
    assert screens.draft.status == EditionStatus.PUBLISHED
    assert screens.draft.effective_from == TODAY and screens.draft.published_by == officer
    assert screens.current.status == EditionStatus.SUPERSEDED and screens.current.effective_to == TODAY
    assert "已发布" in client.get(response["Location"]).content.decode()

    # The public now sees the new item; publishing again is not offered.
    client.logout()
    public = client.get(reverse("catalog:public_list"), {"q": "机器人"}).content.decode()
    assert "工业机器人系统操作员" in public
    login(client, officer)
    assert client.get(url).status_code == 302


# ---------------------------------------------------------------------------------------------------------------
# Import


def _xlsx(rows: list[list[Any]]) -> bytes:
    import xlsxwriter

    from lijiao.catalog.importers import HEADER

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    workbook.close()
    return output.getvalue()


def _row(category: str, code: str, name: str, level: str, amount: str, hours: int = 56) -> list[Any]:
    return [category, code, name, "", level, amount, "", hours, "", "", "", "", "", ""]


@pytest.mark.django_db
def test_import_with_row_errors_lists_them_and_writes_nothing(
    client: Client, screens: Screens, officer: User, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    login(client, officer)
    before = sorted(CatalogItem.objects.filter(edition=screens.draft).values_list("pk", flat=True))
    data = _xlsx(
        [
            _row("装备制造（测）", "6-31-01-03", "电工", "五级", "900"),
            _row("装备制造（测）", "6-18-02-04", "焊工", "四级", "九百"),
            _row("没有这个类别", "6-18-02-04", "焊工", "三级", "1500"),
        ]
    )
    upload = SimpleUploadedFile("目录.xlsx", data, content_type="application/octet-stream")
    response = client.post(reverse("catalog:manage_import", args=[screens.draft.pk]), {"file": upload})
    assert response.status_code == 200
    result = response.context["import_result"]
    assert result.errors and result.imported_rows == 0
    page = response.content.decode()
    assert 'id="import-errors"' in page
    assert str(result.errors[0].row_number) in page
    report_url = reverse("catalog:import_report", args=[result.job_id])
    assert report_url in page
    assert sorted(CatalogItem.objects.filter(edition=screens.draft).values_list("pk", flat=True)) == before

    report = client.get(report_url)
    assert report.status_code == 200 and report.content[:2] == b"PK"


@pytest.mark.django_db
def test_import_replaces_the_items_of_a_draft(client: Client, screens: Screens, officer: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, officer)
    data = _xlsx(
        [
            _row("装备制造（测）", "6-31-01-03", "电工", "五级", "950"),
            _row("装备制造（测）", "6-18-02-04", "焊工", "三级", "1500"),
        ]
    )
    upload = SimpleUploadedFile("目录.xlsx", data)
    response = client.post(reverse("catalog:manage_import", args=[screens.draft.pk]), {"file": upload})
    assert response.status_code == 302
    items = CatalogItem.objects.filter(edition=screens.draft)
    assert items.count() == 2
    assert items.get(occupation__code="6-31-01-03").subsidy_standard == Decimal("950.00")
    assert "导入完成" in client.get(response["Location"]).content.decode()

    # Not a spreadsheet: a form error, nothing written.
    upload = SimpleUploadedFile("说明.txt", b"hello")
    response = client.post(reverse("catalog:manage_import", args=[screens.draft.pk]), {"file": upload})
    assert response.status_code == 200
    assert response.context["import_form"].errors["file"]
    assert items.count() == 2

    template = client.get(reverse("catalog:import_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
