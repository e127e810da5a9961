"""What changed between two editions (SPEC C2 "动态调整并及时向社会公开"): added, removed, changed items.

Items are matched by subject and level (:attr:`CatalogItem.key`), so an amount or tier change of the same
occupation level shows as "changed", not as a removal plus an addition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.catalog.models import CatalogItem, Edition
from lijiao.catalog.selectors import edition_items

COMPARED_FIELDS: tuple[tuple[str, Any], ...] = (
    ("subsidy_standard", gettext_lazy("培训补贴标准")),
    ("assessment_subsidy", gettext_lazy("评价补贴标准")),
    ("shortage_tier", gettext_lazy("紧缺程度")),
    ("min_lesson_hours", gettext_lazy("最低课时")),
    ("category", gettext_lazy("行业类别")),
    ("is_digital", gettext_lazy("数字技能")),
    ("is_elder_child_care", gettext_lazy("一老一小")),
    ("allows_graduate_conversion", gettext_lazy("毕业生专业转换")),
    ("is_new_business_form", gettext_lazy("新业态")),
)


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any

    @property
    def old_display(self) -> str:
        return _display(self.field, self.old)

    @property
    def new_display(self) -> str:
        return _display(self.field, self.new)

    @property
    def delta(self) -> Decimal | None:
        """New minus old for amounts."""
        if isinstance(self.old, Decimal) and isinstance(self.new, Decimal):
            return self.new - self.old
        return None


@dataclass(frozen=True, slots=True)
class ItemChange:
    old: CatalogItem
    new: CatalogItem
    changes: tuple[FieldChange, ...]


@dataclass(slots=True)
class EditionDiff:
    old: Edition
    new: Edition
    added: list[CatalogItem] = field(default_factory=list)
    removed: list[CatalogItem] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _display(field_name: str, value: Any) -> str:
    from lijiao.catalog.models import ShortageTier

    if value is None:
        return "—"
    if field_name == "shortage_tier":
        return str(ShortageTier(value).label)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _value(item: CatalogItem, name: str) -> Any:
    if name == "category":
        return item.category.name
    return getattr(item, name)


def diff_editions(old: Edition, new: Edition) -> EditionDiff:
    """Compare two editions item by item (two queries, no per-row queries)."""
    old_items = {item.key: item for item in edition_items(old)}
    new_items = {item.key: item for item in edition_items(new)}
    result = EditionDiff(old=old, new=new)
    for key, item in new_items.items():
        before = old_items.get(key)
        if before is None:
            result.added.append(item)
            continue
        changes = tuple(
            FieldChange(name, str(label), _value(before, name), _value(item, name))
            for name, label in COMPARED_FIELDS
            if _value(before, name) != _value(item, name)
        )
        if changes:
            result.changed.append(ItemChange(before, item, changes))
        else:
            result.unchanged += 1
    result.removed = [item for key, item in old_items.items() if key not in new_items]
    return result
