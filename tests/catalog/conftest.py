"""Catalog fixtures shared by the catalog tests: reference rows and a small, hand-built edition history.

``catalog_history`` (all built through the services, as the catalog officer):

* 2024年版, in force 2024-01-01 … 2025-03-01 (superseded): 电工 五级 800, 焊工 四级 1200,
  养老护理员 五级 900 一般紧缺 (一老一小), 数字新媒体制作 专项 600 + 评价 200 (数字技能).
* 2025年版, in force from 2025-03-01 (published), copied from 2024 then: 电工 800 → 1000, 焊工 removed,
  养老护理员 一般紧缺 → 特别紧缺, 工业机器人系统操作员 四级 1500 比较紧缺 (数字技能) added.
* 2026年版（草稿）: a draft copied from 2025 (4 items).

Codes follow the reference CSVs, and rows are upserted, so the fixtures also work when reference data is loaded.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.catalog.models import CatalogItem, Category, Edition, Occupation, SpecialItem, WorkType
from lijiao.catalog.services import (
    ItemInput,
    add_item,
    create_edition,
    publish_edition,
    remove_item,
    start_edition_from,
    update_item,
)

START_2024 = dt.date(2024, 1, 1)
START_2025 = dt.date(2025, 3, 1)


@pytest.fixture
def catalog_ref(db: None) -> dict[str, Any]:
    """Categories, occupations and special items by short names."""

    def category(code: str, name: str, sort_order: int) -> Category:
        return Category.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": sort_order}
        )[0]

    def occupation(code: str, name: str, **extra: bool) -> Occupation:
        return Occupation.objects.update_or_create(code=code, defaults={"name": name, **extra})[0]

    def special(code: str, name: str, kind: str) -> SpecialItem:
        return SpecialItem.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})[0]

    return {
        "equipment": category("equipment", "装备制造", 10),
        "digital_economy": category("digital_economy", "数字经济", 80),
        "elderly_care": category("elderly_care", "养老服务", 110),
        "business_start": category("business_start", "创业", 340),
        "electrician": occupation("6-31-01-03", "电工"),
        "welder": occupation("6-18-02-04", "焊工"),
        "carer": occupation("4-10-01-05", "养老护理员"),
        "robot": occupation("6-31-07-03", "工业机器人系统操作员", is_digital=True),
        "arc_welder": WorkType.objects.update_or_create(
            code="6-18-02-04-01",
            defaults={"occupation": Occupation.objects.get(code="6-18-02-04"), "name": "电焊工"},
        )[0],
        "media": special("ZX210200-001", "数字新媒体制作", "special"),
        "syb": special("CY-SYB", "创办你的企业（SYB）创业培训", "business_start"),
    }


def item_data(
    ref: dict[str, Any],
    subject: str,
    *,
    level: int | None = None,
    amount: str = "800",
    category: str = "equipment",
    tier: str = "",
    hours: int | None = None,
    assessment: str | None = None,
    **flags: bool,
) -> ItemInput:
    """An :class:`ItemInput` for ``ref[subject]`` (an occupation needs ``level``)."""
    row = ref[subject]
    is_occupation = isinstance(row, Occupation)
    return ItemInput(
        kind="occupation" if is_occupation else row.kind,
        occupation=row if is_occupation else None,
        special_item=None if is_occupation else row,
        level=level,
        category=ref[category],
        subsidy_standard=Decimal(amount),
        assessment_subsidy=Decimal(assessment) if assessment is not None else None,
        min_lesson_hours=hours or (40 if level in (None, 5) else 56),
        shortage_tier=tier,
        **flags,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class CatalogHistory:
    ed2024: Edition
    ed2025: Edition
    draft: Edition

    def refreshed(self) -> "CatalogHistory":
        for edition in (self.ed2024, self.ed2025, self.draft):
            edition.refresh_from_db()
        return self


@pytest.fixture
def catalog_officer(make_user: Any) -> User:
    return make_user(Role.CATALOG_OFFICER, username="catalog_officer")


@pytest.fixture
def catalog_history(catalog_officer: User, catalog_ref: dict[str, Any]) -> CatalogHistory:
    officer, ref = catalog_officer, catalog_ref
    ed2024 = create_edition(actor=officer, name="2024年版", year=2024, document_number="大人社发〔2024〕1号")
    for data in (
        item_data(ref, "electrician", level=5, amount="800"),
        item_data(ref, "welder", level=4, amount="1200"),
        item_data(
            ref,
            "carer",
            level=5,
            amount="900",
            category="elderly_care",
            tier="general",
            is_elder_child_care=True,
        ),
        item_data(ref, "media", amount="600", assessment="200", category="digital_economy", is_digital=True),
    ):
        add_item(actor=officer, edition=ed2024, data=data)
    publish_edition(actor=officer, edition=ed2024, effective_from=START_2024)

    ed2025 = start_edition_from(actor=officer, source=ed2024, name="2025年版", year=2025)
    items = {item.subject_code: item for item in CatalogItem.objects.filter(edition=ed2025)}
    update_item(
        actor=officer, item=items["6-31-01-03"], data=item_data(ref, "electrician", level=5, amount="1000")
    )
    remove_item(actor=officer, item=items["6-18-02-04"])
    update_item(
        actor=officer,
        item=items["4-10-01-05"],
        data=item_data(
            ref,
            "carer",
            level=5,
            amount="900",
            category="elderly_care",
            tier="especially",
            is_elder_child_care=True,
        ),
    )
    add_item(
        actor=officer,
        edition=ed2025,
        data=item_data(
            ref,
            "robot",
            level=4,
            amount="1500",
            category="digital_economy",
            tier="relatively",
            is_digital=True,
        ),
    )
    publish_edition(actor=officer, edition=ed2025, effective_from=START_2025)

    draft = start_edition_from(actor=officer, source=ed2025, name="2026年版（草稿）", year=2026)
    return CatalogHistory(ed2024=ed2024, ed2025=ed2025, draft=draft).refreshed()
