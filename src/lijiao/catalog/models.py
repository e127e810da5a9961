"""The subsidized training catalog (SPEC C1, C2): occupations, special items, categories, editions and items."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.core.money import MoneyField

OCCUPATION_CODE_RE = re.compile(r"^[1-8]-\d{2}-\d{2}-\d{2}$")


def validate_occupation_code(code: str) -> None:
    """A 职业分类大典 (2022) code: 大类-中类-小类-细类, e.g. ``6-31-01-03``."""
    if not OCCUPATION_CODE_RE.match(code or ""):
        raise ValidationError(
            _("职业编码“%(code)s”格式不正确，应为“6-31-01-03”形式") % {"code": code},
            code="bad_occupation_code",
        )


class Category(models.Model):
    """An industry category (行业类别) that groups catalog items; the 2025 Dalian catalog has 35."""

    code = models.CharField(gettext_lazy("代码"), max_length=20, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = verbose_name_plural = gettext_lazy("行业类别")

    def __str__(self) -> str:
        return self.name


class LevelScheme(models.TextChoices):
    """How an occupation's national standard grades people (ADR 0008).

    Skilled-worker occupations (技能人员) have the five 职业技能等级 五级/初级工 … 一级/高级技师; professional-technical
    ones under the 数字技术工程师 scheme (e.g. 大数据工程技术人员) have 初级/中级/高级 (专业技术等级).
    """

    SKILL = "skill", gettext_lazy("技能等级（五级至一级）")
    PROFESSIONAL = "professional", gettext_lazy("专业技术等级（初级、中级、高级）")


class Occupation(models.Model):
    """An occupation of the 中华人民共和国职业分类大典 (2022). S/L markers are kept as flags, not in the name.

    ``level_scheme`` and ``defined_levels`` say what its national standard grades: an empty ``defined_levels``
    means the standard is not recorded and every level of the scheme is accepted.
    """

    code = models.CharField(
        gettext_lazy("职业编码"), max_length=12, unique=True, validators=[validate_occupation_code]
    )
    name = models.CharField(gettext_lazy("职业名称"), max_length=100)
    is_digital = models.BooleanField(gettext_lazy("数字职业（S）"), default=False)
    is_green = models.BooleanField(gettext_lazy("绿色职业（L）"), default=False)
    active = models.BooleanField(gettext_lazy("有效"), default=True)
    level_scheme = models.CharField(
        gettext_lazy("等级体系"), max_length=12, choices=LevelScheme.choices, default=LevelScheme.SKILL
    )
    defined_levels = models.JSONField(
        gettext_lazy("标准设定的等级"),
        default=list,
        blank=True,
        help_text=gettext_lazy("空表示该体系的全部等级"),
    )
    standard = models.CharField(gettext_lazy("职业标准"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = gettext_lazy("职业")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def major_group(self) -> int:
        """大类 1–8, the first part of the code."""
        return int(self.code[0])

    @property
    def allowed_levels(self) -> tuple[int, ...]:
        """The levels an item of this occupation may have, highest number (lowest level) first."""
        scheme = SCHEME_LEVELS[LevelScheme(self.level_scheme)]
        if not self.defined_levels:
            return scheme
        return tuple(level for level in scheme if level in self.defined_levels)

    def allowed_levels_text(self) -> str:
        return "、".join(str(Level(level).label) for level in self.allowed_levels)


class WorkType(models.Model):
    """A 工种 (work type) of an occupation, e.g. 电焊工 of 焊工 ``6-18-02-04`` (ADR 0008).

    ``code`` is the occupation code and a two-digit number (``6-18-02-04-01``): this project's numbering, the
    book does not number 工种.
    """

    occupation = models.ForeignKey(
        Occupation, models.PROTECT, related_name="work_types", verbose_name=gettext_lazy("职业")
    )
    code = models.CharField(gettext_lazy("工种编码"), max_length=16, unique=True)
    name = models.CharField(gettext_lazy("工种名称"), max_length=100)
    active = models.BooleanField(gettext_lazy("有效"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = gettext_lazy("工种")
        constraints = [
            models.UniqueConstraint(fields=["occupation", "name"], name="catalog_worktype_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class SpecialItem(models.Model):
    """A catalog subject that is not an occupation: a 专项职业能力 item or a business-start (创业) item."""

    class Kind(models.TextChoices):
        SPECIAL_COMPETENCY = "special", gettext_lazy("专项职业能力")
        ENTREPRENEURSHIP = "business_start", gettext_lazy("创业培训")

    code = models.CharField(gettext_lazy("项目编码"), max_length=30, unique=True)
    name = models.CharField(gettext_lazy("项目名称"), max_length=100)
    kind = models.CharField(gettext_lazy("类型"), max_length=20, choices=Kind.choices)
    active = models.BooleanField(gettext_lazy("有效"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = verbose_name_plural = gettext_lazy("专项及创业项目")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Level(models.IntegerChoices):
    """Levels of an item: the five 职业技能等级 (五级 lowest … 一级 highest) and, for professional-technical
    occupations, the three 专业技术等级 (初级 13, 中级 12, 高级 11; ADR 0008)."""

    FIVE = 5, gettext_lazy("五级/初级工")
    FOUR = 4, gettext_lazy("四级/中级工")
    THREE = 3, gettext_lazy("三级/高级工")
    TWO = 2, gettext_lazy("二级/技师")
    ONE = 1, gettext_lazy("一级/高级技师")
    JUNIOR = 13, gettext_lazy("初级（专业技术）")
    INTERMEDIATE = 12, gettext_lazy("中级（专业技术）")
    SENIOR = 11, gettext_lazy("高级（专业技术）")


_LEVEL_LABELS: dict[int, Any] = dict(Level.choices)  # lazy labels, translated when shown

SCHEME_LEVELS: dict[LevelScheme, tuple[int, ...]] = {
    LevelScheme.SKILL: (5, 4, 3, 2, 1),
    LevelScheme.PROFESSIONAL: (13, 12, 11),
}


class ShortageTier(models.TextChoices):
    """Shortage occupation tiers and the uplift each adds to the standard (SPEC C2)."""

    NONE = "", gettext_lazy("非紧缺")
    GENERAL = "general", gettext_lazy("一般紧缺（+10%）")
    RELATIVELY = "relatively", gettext_lazy("比较紧缺（+20%）")
    ESPECIALLY = "especially", gettext_lazy("特别紧缺（+30%）")


SHORTAGE_UPLIFT: dict[str, Decimal] = {
    ShortageTier.NONE: Decimal("0"),
    ShortageTier.GENERAL: Decimal("0.10"),
    ShortageTier.RELATIVELY: Decimal("0.20"),
    ShortageTier.ESPECIALLY: Decimal("0.30"),
}


class EditionStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    PUBLISHED = "published", gettext_lazy("已发布")
    SUPERSEDED = "superseded", gettext_lazy("已替代")


class EditionState(models.TextChoices):
    """What an edition is on a given day, computed from its status and dates (shown on every screen)."""

    DRAFT = "draft", gettext_lazy("草稿")
    PENDING = "pending", gettext_lazy("待生效")
    CURRENT = "current", gettext_lazy("现行")
    REPLACED = "replaced", gettext_lazy("已替代")


class Edition(models.Model):
    """A yearly edition of the catalog. Draft → published → superseded (see ``workflows``).

    A published edition is in force from ``effective_from`` until the next published edition starts
    (``effective_to``, exclusive). Classes keep the edition in force on their filing date.
    """

    name = models.CharField(gettext_lazy("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    status = models.CharField(
        gettext_lazy("状态"), max_length=12, choices=EditionStatus.choices, default=EditionStatus.DRAFT
    )
    effective_from = models.DateField(gettext_lazy("生效日期"), null=True, blank=True)
    effective_to = models.DateField(
        gettext_lazy("失效日期"), null=True, blank=True, help_text=gettext_lazy("不含当日")
    )
    document_number = models.CharField(gettext_lazy("文号"), max_length=100, blank=True)
    notes = models.TextField(gettext_lazy("说明"), blank=True)
    based_on = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("基于版本"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("创建人"),
    )
    created_at = models.DateTimeField(gettext_lazy("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("修改时间"), auto_now=True)
    published_at = models.DateTimeField(gettext_lazy("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("发布人"),
    )
    # R5: the article's maximum policy cap for this edition (null: the city-wide default, settings.SUBSIDY_POLICY_CAP)
    subsidy_cap = MoneyField(
        gettext_lazy("补贴政策上限（元）"),
        null=True,
        blank=True,
        help_text=gettext_lazy("本版目录补贴金额（含紧缺上浮）的最高限额；空表示采用全市默认上限"),
    )

    class Meta:
        ordering = ["-year", "-effective_from", "-id"]
        verbose_name = verbose_name_plural = gettext_lazy("目录版本")
        permissions = [("publish_edition", "可发布目录版本")]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=~Q(status="draft"),
                name="catalog_edition_unique_start_when_published",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(effective_from__isnull=False),
                name="catalog_edition_published_has_start",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")),
                name="catalog_edition_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_draft(self) -> bool:
        return self.status == EditionStatus.DRAFT

    @property
    def policy_cap(self) -> Decimal:
        """The cap in force for this edition's items (its own, else the city-wide default)."""
        return self.subsidy_cap if self.subsidy_cap is not None else Decimal(settings.SUBSIDY_POLICY_CAP)

    def state_on(self, day: dt.date) -> EditionState:
        """草稿; 待生效 before its start date; 已替代 from its end date on; 现行 in between.

        Publishing an edition that starts later marks the one in force as superseded at once (with its end
        date), but it stays 现行 until that date: the state is computed from the dates, not the stored status.
        """
        if self.status == EditionStatus.DRAFT or self.effective_from is None:
            return EditionState.DRAFT
        if day < self.effective_from:
            return EditionState.PENDING
        if self.effective_to is not None and day >= self.effective_to:
            return EditionState.REPLACED
        return EditionState.CURRENT

    @property
    def state(self) -> EditionState:
        """The state today (Asia/Shanghai)."""
        return self.state_on(timezone.localdate())


class CatalogItem(models.Model):
    """One subsidized subject of an edition: an occupation at a level, or a special/business-start item."""

    class Kind(models.TextChoices):
        OCCUPATION = "occupation", gettext_lazy("职业（工种）")
        SPECIAL = "special", gettext_lazy("专项职业能力")
        BUSINESS_START = "business_start", gettext_lazy("创业培训")

    edition = models.ForeignKey(
        Edition, models.CASCADE, related_name="items", verbose_name=gettext_lazy("目录版本")
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=20, choices=Kind.choices)
    occupation = models.ForeignKey(
        Occupation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="catalog_items",
        verbose_name=gettext_lazy("职业"),
    )
    special_item = models.ForeignKey(
        SpecialItem,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="catalog_items",
        verbose_name=gettext_lazy("专项/创业项目"),
    )
    work_type = models.ForeignKey(
        WorkType,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="catalog_items",
        verbose_name=gettext_lazy("工种"),
    )
    level = models.PositiveSmallIntegerField(
        gettext_lazy("等级"), choices=Level.choices, null=True, blank=True
    )
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="items", verbose_name=gettext_lazy("行业类别")
    )
    subsidy_standard = MoneyField(gettext_lazy("培训补贴标准（元）"))
    assessment_subsidy = MoneyField(gettext_lazy("评价补贴标准（元）"), null=True, blank=True)
    min_lesson_hours = models.PositiveSmallIntegerField(gettext_lazy("最低课时"))
    shortage_tier = models.CharField(
        gettext_lazy("紧缺程度"), max_length=12, choices=ShortageTier.choices, default="", blank=True
    )
    is_digital = models.BooleanField(gettext_lazy("数字技能"), default=False)
    is_elder_child_care = models.BooleanField(gettext_lazy("一老一小"), default=False)
    allows_graduate_conversion = models.BooleanField(gettext_lazy("可用于毕业生专业转换培训"), default=False)
    is_new_business_form = models.BooleanField(gettext_lazy("新业态新职业"), default=False)
    note = models.CharField(gettext_lazy("备注"), max_length=200, blank=True)

    class Meta:
        ordering = [
            "category__sort_order",
            "occupation__code",
            "work_type__code",
            "level",
            "special_item__code",
        ]
        verbose_name = verbose_name_plural = gettext_lazy("目录项目")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "occupation", "level"],
                condition=Q(occupation__isnull=False, work_type__isnull=True),
                name="catalog_item_unique_occupation_level",
            ),
            models.UniqueConstraint(
                fields=["edition", "occupation", "work_type", "level"],
                condition=Q(work_type__isnull=False),
                name="catalog_item_unique_work_type_level",
            ),
            models.UniqueConstraint(
                fields=["edition", "special_item"],
                condition=Q(special_item__isnull=False),
                name="catalog_item_unique_special",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="occupation",
                        occupation__isnull=False,
                        special_item__isnull=True,
                        level__isnull=False,
                    )
                    | Q(
                        kind__in=["special", "business_start"],
                        occupation__isnull=True,
                        work_type__isnull=True,
                        special_item__isnull=False,
                        level__isnull=True,
                    )
                ),
                name="catalog_item_subject_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(subsidy_standard__gt=0), name="catalog_item_standard_positive"
            ),
        ]
        indexes = [models.Index(fields=["edition", "category"], name="catalog_item_edition_cat_idx")]

    def __str__(self) -> str:
        # as ``get_level_display()``, without hashing every choice's lazy label on each call (lists show
        # 50 items a page)
        level = _LEVEL_LABELS.get(self.level, self.level) if self.level is not None else ""
        return f"{self.subject_name} {level or ''}".strip()

    @property
    def subject_code(self) -> str:
        subject = self.occupation if self.occupation_id else self.special_item
        return subject.code if subject else ""

    @property
    def subject_name(self) -> str:
        """The occupation's name with its 工种 in brackets (``焊工（电焊工）``), or the special item's name."""
        subject = self.occupation if self.occupation_id else self.special_item
        if subject is None:
            return ""
        if self.work_type_id and self.work_type is not None:
            return f"{subject.name}（{self.work_type.name}）"
        return subject.name

    @property
    def work_type_name(self) -> str:
        return self.work_type.name if self.work_type_id and self.work_type is not None else ""

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        """Identity of the item across editions (for the diff): subject code, 工种 and level."""
        work_type = self.work_type.code if self.work_type_id and self.work_type is not None else ""
        return (self.kind, self.subject_code, work_type, self.level)

    @property
    def uplift(self) -> Decimal:
        return SHORTAGE_UPLIFT[self.shortage_tier]
