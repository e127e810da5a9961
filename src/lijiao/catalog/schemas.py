"""Schemas of the catalog API (:mod:`lijiao.catalog.api`): money as two-decimal strings both ways, item flags,
editions, items, differences between editions, imports.
"""

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from ninja import Field
from pydantic import BeforeValidator, WithJsonSchema

from lijiao.catalog.filters import FLAG_CHOICES
from lijiao.catalog.models import (
    SHORTAGE_UPLIFT,
    CatalogItem,
    Edition,
    EditionStatus,
    Level,
    Occupation,
    ShortageTier,
    SpecialItem,
    WorkType,
)
from lijiao.core.money import InvalidAmount, to_yuan
from lijiao.core.schemas import InputSchema, Schema


def _money_in(value: Any) -> Decimal:
    try:
        return to_yuan(value)
    except InvalidAmount as exc:
        raise ValueError(str(exc)) from None


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_money_in),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}, {"type": "integer"}],
            "description": '金额（元），字符串，最多两位小数，如 "1500.00"；不接受带小数的 JSON 数字',
            "examples": ["1500.00"],
        }
    ),
]
MoneyOut = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["1500.00"])]


def money(value: Decimal | None) -> str | None:
    """``Decimal("1500")`` → ``"1500.00"`` (None stays None)."""
    return None if value is None else f"{value:.2f}"


class ItemFlag(StrEnum):
    """Flags of a catalog item (the same names as the ``flag`` filter)."""

    DIGITAL = "digital"
    ELDER_CHILD_CARE = "elder_child_care"
    GRADUATE_CONVERSION = "graduate_conversion"
    NEW_BUSINESS_FORM = "new_business_form"


FLAG_FIELDS: dict[ItemFlag, str] = {
    ItemFlag.DIGITAL: "is_digital",
    ItemFlag.ELDER_CHILD_CARE: "is_elder_child_care",
    ItemFlag.GRADUATE_CONVERSION: "allows_graduate_conversion",
    ItemFlag.NEW_BUSINESS_FORM: "is_new_business_form",
}


def _choices_text(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices if value)


class FieldErrorOut(Schema):
    field: str = Field(..., description="出错的字段（__all__ 表示整体）")
    message: str = Field(..., description="错误说明（中文，附英文）")


class ErrorOut(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 not_found、permission_denied、invalid_item")
    message: str = Field(..., description="给人看的错误说明")
    errors: list[FieldErrorOut] = Field(default_factory=list, description="逐字段的错误")


class EditionOut(Schema):
    id: int
    name: str = Field(..., description="版本名称，如“2025年版”")
    year: int = Field(..., description="年度")
    status: str = Field(..., description="状态：draft 草稿 / published 已发布 / superseded 已替代")
    status_label: str = Field(..., description="状态（中文）")
    state: str = Field(
        ..., description="今天的状态：draft 草稿 / pending 待生效 / current 现行 / replaced 已替代"
    )
    state_label: str = Field(..., description="今天的状态（中文）")
    effective_from: dt.date | None = Field(None, description="生效日期（含）")
    effective_to: dt.date | None = Field(None, description="失效日期（不含）；现行版本为空")
    document_number: str = Field(..., description="发布文号")
    notes: str = Field(..., description="说明")
    based_on_id: int | None = Field(None, description="复制自哪个版本")
    item_count: int = Field(..., description="目录项目数")
    published_at: dt.datetime | None = Field(None, description="发布时间")
    updated_at: dt.datetime = Field(..., description="最后修改时间")

    @staticmethod
    def resolve_status_label(obj: Edition) -> str:
        return str(EditionStatus(obj.status).label)

    @staticmethod
    def resolve_state(obj: Edition) -> str:
        return str(obj.state.value)

    @staticmethod
    def resolve_state_label(obj: Edition) -> str:
        return str(obj.state.label)

    @staticmethod
    def resolve_item_count(obj: Edition) -> int:
        count = getattr(obj, "item_count", None)
        return count if count is not None else obj.items.count()


class EditionRef(Schema):
    id: int
    name: str
    year: int
    status: str


class CategoryRef(Schema):
    id: int
    code: str = Field(..., description="行业类别代码")
    name: str = Field(..., description="行业类别名称")


class ItemOut(Schema):
    id: int
    edition_id: int = Field(..., description="所属目录版本")
    kind: str = Field(..., description=f"类型：{_choices_text(CatalogItem.Kind.choices)}")
    kind_label: str
    subject_code: str = Field(..., description="职业编码（如 6-31-01-03）或专项/创业项目编码")
    subject_name: str = Field(..., description="职业（工种）或项目名称")
    work_type_code: str | None = Field(None, description="工种编码（职业下设工种的项目），否则为空")
    work_type_name: str | None = Field(None, description="工种名称，如“电焊工”")
    level: int | None = Field(
        None,
        description="等级：5–1 为技能等级（五级/初级工 … 一级/高级技师），13/12/11 为专业技术等级（初级/中级/高级，如 大数据工程技术人员）；专项和创业项目为空",
    )
    level_label: str | None = Field(None, description="等级名称，如“四级/中级工”“中级（专业技术）”")
    category: CategoryRef
    subsidy_standard: MoneyOut = Field(..., description="培训补贴标准（元）")
    assessment_subsidy: MoneyOut | None = Field(None, description="评价补贴标准（元）")
    min_lesson_hours: int = Field(..., description="最低课时（每课时45分钟）")
    shortage_tier: str = Field(
        ..., description=f"紧缺程度（空=非紧缺）：{_choices_text(ShortageTier.choices)}"
    )
    shortage_tier_label: str
    uplift: str = Field(..., description='紧缺上浮比例，如 "0.30" 表示 +30%', examples=["0.30"])
    flags: list[ItemFlag] = Field(..., description="标识")
    note: str

    @staticmethod
    def resolve_kind_label(obj: CatalogItem) -> str:
        return str(CatalogItem.Kind(obj.kind).label)

    @staticmethod
    def resolve_work_type_code(obj: CatalogItem) -> str | None:
        return obj.work_type.code if obj.work_type_id and obj.work_type else None

    @staticmethod
    def resolve_work_type_name(obj: CatalogItem) -> str | None:
        return obj.work_type_name or None

    @staticmethod
    def resolve_level_label(obj: CatalogItem) -> str | None:
        return str(Level(obj.level).label) if obj.level else None

    @staticmethod
    def resolve_subsidy_standard(obj: CatalogItem) -> str | None:
        return money(obj.subsidy_standard)

    @staticmethod
    def resolve_assessment_subsidy(obj: CatalogItem) -> str | None:
        return money(obj.assessment_subsidy)

    @staticmethod
    def resolve_shortage_tier_label(obj: CatalogItem) -> str:
        return str(ShortageTier(obj.shortage_tier).label)

    @staticmethod
    def resolve_uplift(obj: CatalogItem) -> str:
        return f"{SHORTAGE_UPLIFT[obj.shortage_tier]:.2f}"

    @staticmethod
    def resolve_flags(obj: CatalogItem) -> list[ItemFlag]:
        return [flag for flag, field in FLAG_FIELDS.items() if getattr(obj, field)]


class ItemFilters(InputSchema):
    """Query parameters of the item list; validated by the same FilterSet as the public screen."""

    q: str | None = Field(None, description="名称（包含）或编码（职业编码按前缀，如 6-31）")
    category: str | None = Field(None, description="行业类别 id（见 /catalog/categories）")
    level: str | None = Field(None, description="等级 5–1（技能）或 13/12/11（专业技术）")
    work_type: str | None = Field(None, description="工种编码，如 6-18-02-04-01（电焊工）")
    kind: str | None = Field(None, description=f"类型：{_choices_text(CatalogItem.Kind.choices)}")
    shortage_tier: str | None = Field(None, description=f"紧缺程度：{_choices_text(ShortageTier.choices)}")
    flag: list[str] = Field(
        default_factory=list, description=f"标识，可重复，须全部满足：{_choices_text(FLAG_CHOICES)}"
    )


class CategoryFilters(InputSchema):
    """Query parameters of the category list (checked by ``CategoryFilterSet``)."""

    include_inactive: str | None = Field(None, description="true：包括停用的类别")


class OccupationFilters(CategoryFilters):
    """Query parameters of the occupation list (checked by ``OccupationFilterSet``)."""

    q: str | None = Field(None, description="名称（包含）或编码前缀")


class SpecialItemFilters(CategoryFilters):
    """Query parameters of the special item list (checked by ``SpecialItemFilterSet``)."""

    q: str | None = Field(None, description="名称或编码（包含）")
    kind: str | None = Field(None, description=f"类型：{_choices_text(SpecialItem.Kind.choices)}")


class FieldChangeOut(Schema):
    field: str = Field(..., description="变化的字段，如 subsidy_standard、shortage_tier")
    label: str = Field(..., description="字段名称（中文）")
    old: str | int | bool | None = Field(None, description="原值（金额为两位小数的字符串）")
    new: str | int | bool | None = Field(None, description="新值（金额为两位小数的字符串）")
    old_display: str
    new_display: str
    delta: MoneyOut | None = Field(None, description="金额变化（新减旧），非金额字段为空")


class ItemChangeOut(Schema):
    kind: str
    subject_code: str
    subject_name: str
    level: int | None
    old: ItemOut = Field(..., description="原版本中的项目")
    new: ItemOut = Field(..., description="新版本中的项目")
    changes: list[FieldChangeOut]


class DiffCountsOut(Schema):
    added: int = Field(..., description="新增项目数")
    removed: int = Field(..., description="删除项目数")
    changed: int = Field(..., description="变化项目数")
    unchanged: int = Field(..., description="未变项目数")


class DiffOut(Schema):
    old: EditionRef = Field(..., description="对比的原版本")
    new: EditionRef = Field(..., description="对比的新版本")
    counts: DiffCountsOut
    added: list[ItemOut]
    removed: list[ItemOut]
    changed: list[ItemChangeOut]


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    sort_order: int
    active: bool


class WorkTypeOut(Schema):
    code: str = Field(..., description="工种编码（职业编码加两位序号，本系统编号）")
    name: str = Field(..., description="工种名称")


class OccupationOut(Schema):
    code: str = Field(..., description="职业分类大典（2022）编码")
    name: str
    major_group: int = Field(..., description="大类 1–8")
    is_digital: bool = Field(..., description="数字职业（S）")
    is_green: bool = Field(..., description="绿色职业（L）")
    active: bool
    level_scheme: str = Field(
        ..., description="等级体系：skill 技能等级（五级至一级）/ professional 专业技术等级"
    )
    allowed_levels: list[int] = Field(..., description="该职业国家职业标准设定的等级")
    standard: str = Field(..., description="职业标准")
    work_types: list[WorkTypeOut] = Field(default_factory=list, description="工种")

    @staticmethod
    def resolve_allowed_levels(obj: Occupation) -> list[int]:
        return list(obj.allowed_levels)

    @staticmethod
    def resolve_work_types(obj: Occupation) -> list[WorkType]:
        return list(obj.work_types.all())


class SpecialItemOut(Schema):
    code: str
    name: str
    kind: str = Field(..., description=f"类型：{_choices_text(SpecialItem.Kind.choices)}")
    kind_label: str
    active: bool

    @staticmethod
    def resolve_kind_label(obj: SpecialItem) -> str:
        return str(SpecialItem.Kind(obj.kind).label)


class EditionIn(InputSchema):
    name: str = Field(..., max_length=100, description="版本名称，如“2026年版”")
    year: int = Field(..., description="年度（2000–2100）")
    effective_from: dt.date | None = Field(None, description="计划生效日期（发布时可再指定）")
    document_number: str = Field("", max_length=100, description="发布文号")
    notes: str = Field("", max_length=5000, description="说明")


class EditionCopyIn(InputSchema):
    name: str = Field(..., max_length=100, description="新版本名称")
    year: int = Field(..., description="新版本年度")
    effective_from: dt.date | None = Field(None, description="计划生效日期")


class PublishIn(InputSchema):
    effective_from: dt.date | None = Field(None, description="生效日期；为空时用草稿上填写的日期")


class ItemIn(InputSchema):
    kind: CatalogItem.Kind = Field(..., description=f"类型：{_choices_text(CatalogItem.Kind.choices)}")
    subject_code: str = Field(
        ..., max_length=30, description="职业类填职业编码（如 6-31-01-03），专项/创业类填项目编码"
    )
    work_type_code: str = Field(
        "", max_length=16, description="工种编码（如 6-18-02-04-01 电焊工；职业下设工种时可填，否则留空）"
    )
    level: int | None = Field(
        None,
        description="等级：5–1 为技能等级（五级/初级工 … 一级/高级技师），13/12/11 为专业技术等级（初级/中级/高级，如 大数据工程技术人员）（职业类必填，须为该职业标准设定的等级；专项和创业项目不填）",
    )
    category_code: str = Field(..., max_length=20, description="行业类别代码（见 /catalog/categories）")
    subsidy_standard: MoneyIn = Field(..., description='培训补贴标准（元），如 "1500.00"')
    assessment_subsidy: MoneyIn | None = Field(None, description="评价补贴标准（元）")
    min_lesson_hours: int = Field(..., description="最低课时")
    shortage_tier: ShortageTier = Field(
        ShortageTier.NONE, description=f"紧缺程度（空=非紧缺）：{_choices_text(ShortageTier.choices)}"
    )
    flags: list[ItemFlag] = Field(default_factory=list, description="标识")
    note: str = Field("", description="备注（最多200字）")


class ImportRowErrorOut(Schema):
    row_number: int = Field(..., description="文件中的行号（含表头，从1开始）")
    column: str | None = Field(None, description="出错的列")
    message: str
    values: Any = Field(None, description="该行读到的值")


class CatalogImportOut(Schema):
    total_rows: int = Field(..., description="读到的数据行数")
    imported_rows: int = Field(..., description="导入的行数")
    job_id: int | str | None = Field(None, description="导入任务编号")


class CatalogImportErrorOut(ErrorOut):
    total_rows: int
    imported_rows: int
    job_id: int | str | None = None
    row_errors: list[ImportRowErrorOut] = Field(..., description="逐行错误；有错误时不导入任何一行")
