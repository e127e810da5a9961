"""Reference data shared by every app: regions (GB/T 2260), handling areas, calendar entries."""

from __future__ import annotations

from django.db import models


class Region(models.Model):
    """An administrative division by its GB/T 2260 code (Dalian 210200 and its districts and counties)."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "地级"
        COUNTY = "county", "县级"

    code = models.CharField("区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class HandlingArea(models.Model):
    """A handling area (经办区域) of the bureau: its own list, not a GB/T 2260 unit (e.g. 长兴岛, 高新园区).

    Each area points to the GB/T 2260 regions it covers; district clerks are scoped to one area.
    """

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    regions = models.ManyToManyField(Region, blank=True, related_name="handling_areas", verbose_name="覆盖区划")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = verbose_name_plural = "经办区域"

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A day whose working status the bureau entered itself (e.g. next year's holidays before the library has them)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("工作日")
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "工作日历调整"

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"


class PersonalDataAccess(models.Model):
    """Permission holder for personal data (no table rows): ``core.reveal_pii`` shows full ID numbers/phones."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("reveal_pii", "可查看完整个人信息（身份证号、手机号）")]
