"""Training providers (SPEC C3): registration, scope, teachers, venues, blacklist and credit record.

National rule (人社部发〔2024〕5号) "凡补必进、不进不补": only listed (approved, not blacklisted) providers may file
and run subsidized classes, and only for subjects within their scope.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from lijiao.core.pii import EncryptedPIIField, PIIDigestField, PIIKind, digest_index


class ProviderStatus(models.TextChoices):
    APPLIED = "applied", gettext_lazy("申请中")
    APPROVED = "approved", gettext_lazy("已认定")
    REJECTED = "rejected", gettext_lazy("未通过")
    SUSPENDED = "suspended", gettext_lazy("暂停")
    REMOVED = "removed", gettext_lazy("已清退")


class Provider(models.Model):
    """A training institution identified by its unified social credit code (GB 32100)."""

    class Type(models.TextChoices):
        PRIVATE_SCHOOL = "private_school", gettext_lazy("民办职业培训学校")
        TECHNICAL_SCHOOL = "technical_school", gettext_lazy("技工院校")
        VOCATIONAL_COLLEGE = "vocational_college", gettext_lazy("职业院校")
        ENTERPRISE_CENTRE = "enterprise_centre", gettext_lazy("企业培训中心")
        UNIVERSITY = "university", gettext_lazy("普通高校")

    credit_code = models.CharField(gettext_lazy("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(gettext_lazy("机构名称"), max_length=100)
    type = models.CharField(gettext_lazy("机构类型"), max_length=20, choices=Type.choices)
    handling_area = models.ForeignKey(
        "core.HandlingArea", models.PROTECT, related_name="providers", verbose_name=gettext_lazy("经办区域")
    )
    address = models.CharField(gettext_lazy("地址"), max_length=200, blank=True)
    legal_representative = models.CharField(gettext_lazy("法定代表人"), max_length=50, blank=True)
    contact_name = models.CharField(gettext_lazy("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedPIIField(gettext_lazy("联系电话"), kind=PIIKind.PHONE, blank=True)
    contact_phone_digest = PIIDigestField(source="contact_phone", db_index=False)
    licence_number = models.CharField(gettext_lazy("办学许可证号"), max_length=50, blank=True)
    licence_expires_on = models.DateField(gettext_lazy("许可证有效期至"), null=True, blank=True)
    status = models.CharField(
        gettext_lazy("状态"),
        max_length=12,
        choices=ProviderStatus.choices,
        default=ProviderStatus.APPLIED,
        db_index=True,
    )
    status_reason = models.CharField(gettext_lazy("状态原因"), max_length=500, blank=True)
    approved_at = models.DateTimeField(gettext_lazy("认定时间"), null=True, blank=True)
    created_at = models.DateTimeField(gettext_lazy("申请时间"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("修改时间"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = gettext_lazy("培训机构")
        indexes = [digest_index("contact_phone_digest", "providers_provider_phone_idx")]
        permissions = [
            ("review_provider", "可审核、暂停、清退培训机构"),
            ("blacklist_provider", "可登记和解除黑名单"),
        ]

    def __str__(self) -> str:
        return self.name

    def licence_valid_on(self, day: dt.date) -> bool:
        return self.licence_expires_on is None or self.licence_expires_on >= day


class ProviderScope(models.Model):
    """A subject the provider may train: an occupation up to a level, or a special / business-start item."""

    provider = models.ForeignKey(
        Provider, models.CASCADE, related_name="scopes", verbose_name=gettext_lazy("培训机构")
    )
    occupation = models.ForeignKey(
        "catalog.Occupation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("职业"),
    )
    highest_level = models.PositiveSmallIntegerField(
        "最高等级",
        null=True,
        blank=True,
        help_text=gettext_lazy("可培训的最高等级（1=一级 … 5=五级），该等级及以下均可"),
    )
    special_item = models.ForeignKey(
        "catalog.SpecialItem",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("专项/创业项目"),
    )

    class Meta:
        verbose_name = verbose_name_plural = gettext_lazy("培训范围")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(occupation__isnull=False, special_item__isnull=True, highest_level__isnull=False)
                    | Q(occupation__isnull=True, special_item__isnull=False, highest_level__isnull=True)
                ),
                name="providers_scope_subject",
            ),
            models.UniqueConstraint(
                fields=["provider", "occupation"],
                condition=Q(occupation__isnull=False),
                name="providers_scope_occ",
            ),
            models.UniqueConstraint(
                fields=["provider", "special_item"],
                condition=Q(special_item__isnull=False),
                name="providers_scope_special",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.occupation or self.special_item}"


class Teacher(models.Model):
    """A teacher of a provider, with the certificates that qualify them."""

    provider = models.ForeignKey(
        Provider, models.CASCADE, related_name="teachers", verbose_name=gettext_lazy("培训机构")
    )
    name = models.CharField(gettext_lazy("姓名"), max_length=50)
    citizen_id = EncryptedPIIField(gettext_lazy("身份证号"), kind=PIIKind.CITIZEN_ID, blank=True)
    citizen_id_digest = PIIDigestField(source="citizen_id", db_index=False)
    phone = EncryptedPIIField(gettext_lazy("手机号"), kind=PIIKind.PHONE, blank=True)
    phone_digest = PIIDigestField(source="phone", db_index=False)
    occupation = models.ForeignKey(
        "catalog.Occupation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("专业职业"),
    )
    certificates = models.TextField(
        gettext_lazy("资格证书"), blank=True, help_text=gettext_lazy("证书名称、编号、等级，一行一个")
    )
    is_practical = models.BooleanField(gettext_lazy("实操教师"), default=False)
    active = models.BooleanField(gettext_lazy("在职"), default=True)

    class Meta:
        ordering = ["provider", "name"]
        verbose_name = verbose_name_plural = gettext_lazy("教师")
        indexes = [
            digest_index("citizen_id_digest", "providers_teacher_cid_idx"),
            digest_index("phone_digest", "providers_teacher_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Venue(models.Model):
    """A training venue of a provider."""

    provider = models.ForeignKey(
        Provider, models.CASCADE, related_name="venues", verbose_name=gettext_lazy("培训机构")
    )
    name = models.CharField(gettext_lazy("场地名称"), max_length=100)
    address = models.CharField(gettext_lazy("地址"), max_length=200)
    region = models.ForeignKey(
        "core.Region", models.PROTECT, null=True, blank=True, verbose_name=gettext_lazy("所在区划")
    )
    capacity = models.PositiveIntegerField(gettext_lazy("容纳人数"))
    is_practical = models.BooleanField(gettext_lazy("实训场地"), default=False)
    active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        ordering = ["provider", "name"]
        verbose_name = verbose_name_plural = gettext_lazy("培训场地")

    def __str__(self) -> str:
        return self.name


class BlacklistEntry(models.Model):
    """A period during which a provider is blacklisted (may not file or run subsidized classes)."""

    provider = models.ForeignKey(
        Provider, models.PROTECT, related_name="blacklist", verbose_name=gettext_lazy("培训机构")
    )
    reason = models.CharField(gettext_lazy("原因"), max_length=500)
    starts_on = models.DateField(gettext_lazy("开始日期"))
    ends_on = models.DateField(
        gettext_lazy("结束日期"), null=True, blank=True, help_text=gettext_lazy("空表示长期")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=gettext_lazy("登记人")
    )
    created_at = models.DateTimeField(gettext_lazy("登记时间"), auto_now_add=True)
    lifted_at = models.DateTimeField(gettext_lazy("解除时间"), null=True, blank=True)
    lift_reason = models.CharField(gettext_lazy("解除原因"), max_length=500, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = verbose_name_plural = gettext_lazy("黑名单")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="providers_blacklist_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.starts_on}–{self.ends_on or ''}"


class CreditEvent(models.Model):
    """An entry in a provider's credit record: complaint, sanction or commendation."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", gettext_lazy("投诉")
        SANCTION = "sanction", gettext_lazy("处罚")
        COMMENDATION = "commendation", gettext_lazy("表彰")

    provider = models.ForeignKey(
        Provider, models.CASCADE, related_name="credit_events", verbose_name=gettext_lazy("培训机构")
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=15, choices=Kind.choices)
    occurred_on = models.DateField(gettext_lazy("日期"))
    description = models.CharField(gettext_lazy("说明"), max_length=500)
    points = models.SmallIntegerField(gettext_lazy("信用分变动"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=gettext_lazy("登记人")
    )
    created_at = models.DateTimeField(gettext_lazy("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on"]
        verbose_name = verbose_name_plural = gettext_lazy("信用记录")

    def __str__(self) -> str:
        return f"{self.provider} {self.get_kind_display()} {self.occurred_on}"
