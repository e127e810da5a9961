"""Reference data shared by every app: regions (GB/T 2260), handling areas, calendar entries, rule decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An administrative division by its GB/T 2260 code (Dalian 210200 and its districts and counties)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("地级")
        COUNTY = "county", _("县级")

    code = models.CharField(_("区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class HandlingArea(models.Model):
    """A handling area (经办区域) of the bureau: its own list, not a GB/T 2260 unit (e.g. 长兴岛, 高新园区).

    Each area points to the GB/T 2260 regions it covers; district clerks are scoped to one area.
    """

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    regions = models.ManyToManyField(
        Region, blank=True, related_name="handling_areas", verbose_name=_("覆盖区划")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = verbose_name_plural = _("经办区域")

    def __str__(self) -> str:
        return self.name


class HolidayArrangement(models.Model):
    """A year's holidays and make-up working days (调休上班) as the State Council's notice sets them.

    Entered by the bureau (screen or import of the notice's dates) for a year the holiday library does not know
    yet; its days are :class:`CalendarDay` rows. A year with neither library data nor an arrangement has no
    working-day arithmetic at all (:class:`lijiao.core.calendar.CalendarUnknown`, ADR 0011).
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    notice = models.CharField(_("依据通知"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=50, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    entered_at = models.DateTimeField(_("录入时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最后修改人"),
    )
    updated_at = models.DateTimeField(_("最后修改时间"))

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = _("节假日安排")

    def __str__(self) -> str:
        return f"{self.year} {self.notice}"


class CalendarDay(models.Model):
    """A day whose working status the bureau entered: a holiday (放假) or a make-up working day (上班).

    Days of a year's :class:`HolidayArrangement` point to it; they win over the holiday library's answer.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    arrangement = models.ForeignKey(
        HolidayArrangement,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="days",
        verbose_name=_("节假日安排"),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = _("工作日历调整")

    def __str__(self) -> str:
        return f"{self.date} {_('工作日') if self.is_workday else _('休息日')}"


class PersonalDataAccess(models.Model):
    """Permission holder for personal data (no table rows): ``core.reveal_pii`` shows full ID numbers/phones."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("reveal_pii", "可查看完整个人信息（身份证号、手机号）")]

    def __str__(self) -> str:
        return "personal data access"


class ImportJob(models.Model):
    """One bulk import of a file (a catalog edition, a trainee roster…): who, what, how far, and the outcome.

    Synchronous imports create the job when they finish; background imports create it ``pending``, move it to
    ``running`` with ``total_rows`` known, bump ``processed_rows`` as they go (see :attr:`progress`), and end it
    ``succeeded`` or ``failed``. A failed import writes nothing to its target; ``report`` then holds the error
    report (the bad rows with their row numbers and reasons) for the clerk to download.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("等待中")
        RUNNING = "running", _("导入中")
        SUCCEEDED = "succeeded", _("成功")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("导入类型"), max_length=50)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(_("文件名"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    imported_rows = models.PositiveIntegerField(_("导入行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    message = models.TextField(_("说明"), blank=True)
    target_type = models.CharField(_("导入对象类型"), max_length=100, blank=True)
    target_id = models.CharField(_("导入对象ID"), max_length=64, blank=True)
    report = models.FileField(_("错误报告"), upload_to="imports/reports/", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = _("导入任务")
        indexes = [
            models.Index(fields=["kind", "-created_at"], name="core_importjob_kind_idx"),
            models.Index(fields=["target_type", "target_id"], name="core_importjob_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def progress(self) -> int:
        """Percent done, 0–100 (100 once finished, whatever the row counts say)."""
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class DecisionRecord(models.Model):
    """A rule decision as stored (outcome, reasons, trace and context): kept once, shared by everything it decided.

    Content-addressed and immutable: ``digest`` is the SHA-256 of the record's canonical JSON, so the same
    decision taken for many rows (a roster import) is one row. Written only through :mod:`lijiao.core.decisions`.
    """

    digest = models.CharField(_("摘要"), max_length=64, editable=False)  # sha256 hex of the canonical JSON
    record = models.JSONField(_("决定"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("规则决定")
        constraints = [models.UniqueConstraint(fields=["digest"], name="core_decisionrecord_digest_uniq")]

    def __str__(self) -> str:
        return self.digest[:12]
