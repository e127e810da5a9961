"""End to end in Chromium: a catalog officer publishes a draft through the screens, and the public finds it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.catalog import services
from lijiao.catalog.models import CatalogItem, Category, Edition, EditionStatus, Occupation

pytestmark = pytest.mark.browser

PASSWORD = "Passw0rd-long"
OLD_NAME = "浏览器测试目录（现行版）"
DRAFT_NAME = "浏览器测试目录（新版草稿）"


def _item(
    occupation: Occupation, category: Category, level: int, amount: str, **extra: Any
) -> services.ItemInput:
    return services.ItemInput(
        kind="occupation",
        occupation=occupation,
        special_item=None,
        level=level,
        category=category,
        subsidy_standard=Decimal(amount),
        min_lesson_hours=56,
        **extra,
    )


@pytest.fixture
def catalog(site: str) -> dict[str, Any]:
    """A published edition in force since a month ago and a draft that adds 工业机器人系统操作员."""
    officer = create_user(
        actor=None,
        username="browser_officer",
        password=PASSWORD,
        roles=[Role.CATALOG_OFFICER],
        display_name="王目录",
    )
    equipment = Category.objects.create(code="br-equipment", name="装备制造", sort_order=10)
    digital = Category.objects.create(code="br-digital", name="数字经济", sort_order=20)
    electrician = Occupation.objects.update_or_create(code="6-31-01-03", defaults={"name": "电工"})[0]
    welder = Occupation.objects.update_or_create(code="6-18-02-04", defaults={"name": "焊工"})[0]
    robot = Occupation.objects.update_or_create(
        code="6-31-07-03", defaults={"name": "工业机器人系统操作员", "is_digital": True}
    )[0]
    today = timezone.localdate()

    published = services.create_edition(actor=officer, name=OLD_NAME, year=today.year)
    for level, amount in ((5, "800"), (4, "1200"), (3, "1800")):
        services.add_item(actor=officer, edition=published, data=_item(electrician, equipment, level, amount))
    services.add_item(actor=officer, edition=published, data=_item(welder, equipment, 4, "1300"))
    services.publish_edition(actor=officer, edition=published, effective_from=today - dt.timedelta(days=30))

    draft = services.start_edition_from(actor=officer, source=published, name=DRAFT_NAME, year=today.year + 1)
    services.add_item(
        actor=officer,
        edition=draft,
        data=_item(robot, digital, 4, "1500", shortage_tier="relatively", is_digital=True),
    )
    electrician_5 = CatalogItem.objects.get(edition=draft, occupation=electrician, level=5)
    services.update_item(actor=officer, item=electrician_5, data=_item(electrician, equipment, 5, "900"))
    return {"officer": officer, "published": published, "draft": draft, "today": today}


def test_officer_publishes_a_draft_and_the_public_finds_the_new_item(
    site: str, catalog: dict[str, Any], new_page: Any, results_dir: Path
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    today: dt.date = catalog["today"]

    # Log in through the login page; "next" brings the officer to the manage screen.
    page.goto(f"{site}/accounts/login/?next=/catalog/manage/")
    page.fill("#id_username", "browser_officer")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/catalog/manage/")
    expect(page.locator("h1")).to_have_text("目录管理")
    expect(page.locator("#editions-table")).to_contain_text(DRAFT_NAME)

    # Open the draft and go to the confirmation step, which shows what changes.
    page.locator("#editions-table").get_by_role("link", name=DRAFT_NAME).click()
    expect(page.locator("#manage-items")).to_contain_text("工业机器人系统操作员")
    page.screenshot(path=str(results_dir / "browser-manage-edition.png"), full_page=True)
    page.locator("#publish-link").click()
    expect(page.locator("h1")).to_contain_text("发布确认")
    expect(page.locator("#added")).to_contain_text("新增项目（1）")
    expect(page.locator("main")).to_contain_text("工业机器人系统操作员")
    expect(page.locator("main")).to_contain_text("+100.00")
    page.fill("#id_effective_from", today.isoformat())
    page.screenshot(path=str(results_dir / "browser-publish-confirm.png"), full_page=True)
    page.locator("#confirm-publish").click()

    # Published: the success message on the edition page, and the database agrees.
    expect(page.locator(".message-success")).to_contain_text("已发布")
    expect(page.locator("h1")).to_contain_text(DRAFT_NAME)
    draft: Edition = catalog["draft"]
    draft.refresh_from_db()
    assert draft.status == EditionStatus.PUBLISHED and draft.effective_from == today
    published: Edition = catalog["published"]
    published.refresh_from_db()
    assert published.status == EditionStatus.SUPERSEDED and published.effective_to == today

    # Log out (a POST form in the header).
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)

    # The public catalog: search for the occupation that only the new edition has.
    page.goto(f"{site}/catalog/")
    expect(page.locator(".page-head")).to_contain_text(DRAFT_NAME)
    search = page.get_by_role("searchbox")
    search.fill("机器人")
    search.press("Enter")
    expect(page.locator("#items-table")).to_contain_text("工业机器人系统操作员")
    expect(page.locator("#items-table")).not_to_contain_text("焊工")
    expect(page.locator(".result-meta")).to_contain_text("符合条件的项目 1 个")
    page.wait_for_function(
        "location.search.includes('q=')"
    )  # htmx pushed the URL (or the plain GET went there)
    page.screenshot(path=str(results_dir / "browser-public-search.png"), full_page=True)
    assert page.console_log.csp_violations() == []


def test_public_catalog_fits_a_375px_phone(
    site: str, catalog: dict[str, Any], new_page: Any, results_dir: Path
) -> None:
    page = new_page(width=375, height=800)
    page.goto(f"{site}/catalog/")
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"horizontal overflow: scrollWidth {width}px"
    page.screenshot(path=str(results_dir / "browser-catalog-375.png"), full_page=True)

    page.goto(f"{site}/catalog/editions/{catalog['published'].pk}/")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.console_log.csp_violations() == []
