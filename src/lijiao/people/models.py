"""Real-name people (trainees, workers) and the groups a clerk records for them (SPEC C4, D1, D3).

Every domain above this one (training, certificates, subsidies, talent) hangs its records on :class:`Person`.
Writes go through :mod:`lijiao.people.services`, reads through :mod:`lijiao.people.selectors`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lijiao.core.pii import EncryptedPIIField, PIIDigestField, PIIKind, digest_index, digest_unique


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Person(models.Model):
    """A real-name person (trainee, worker) identified by a citizen ID (SPEC C4, D1, D3).

    Gender and birth date are derived from the ID number; the ID and phone are encrypted personal data found by
    their keyed digests. Other domains (certificates, subsidies, talent) hang their records on this row.
    """

    class Household(models.TextChoices):
        URBAN = "urban", _("城镇")
        RURAL = "rural", _("农村")

    class Education(models.TextChoices):
        PRIMARY = "primary", _("小学及以下")
        JUNIOR = "junior", _("初中")
        SENIOR = "senior", _("高中/中专/技校")
        COLLEGE = "college", _("大专")
        BACHELOR = "bachelor", _("本科")
        POSTGRADUATE = "postgraduate", _("研究生")

    class Position(models.TextChoices):
        """A woman's position, which sets her original statutory retirement age (50 or 55) before the 2025
        reform (:mod:`lijiao.core.retirement`); not recorded: the later age is assumed, and the decision says so."""

        WORKER = "worker", _("工人岗位（原退休年龄50周岁）")
        CADRE = "cadre", _("管理或专业技术岗位（原退休年龄55周岁）")

    name = models.CharField(_("姓名"), max_length=50)
    citizen_id = EncryptedPIIField(_("身份证号"), kind=PIIKind.CITIZEN_ID)
    citizen_id_digest = PIIDigestField(source="citizen_id", db_index=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = EncryptedPIIField(_("手机号"), kind=PIIKind.PHONE, blank=True)
    phone_digest = PIIDigestField(source="phone", db_index=False)
    household = models.CharField(_("户籍类型"), max_length=10, choices=Household.choices, blank=True)
    education = models.CharField(_("学历"), max_length=15, choices=Education.choices, blank=True)
    employer_name = models.CharField(_("工作单位"), max_length=100, blank=True)
    position = models.CharField(
        _("岗位类别"),
        max_length=10,
        choices=Position.choices,
        blank=True,
        help_text=_("女职工的原法定退休年龄按岗位确定；未登记时按管理或专业技术岗位计算"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        db_table = "core_person"  # the table kept its name when Person moved out of core (ADR 0001, Layout)
        verbose_name = verbose_name_plural = _("人员")
        constraints = [digest_unique("citizen_id_digest", "core_person_citizen_id_uniq")]
        indexes = [
            digest_index("phone_digest", "core_person_phone_idx"),
            # a name from its first character (the full name or the surname): a prefix LIKE, as the claim search
            models.Index(fields=["name"], name="core_person_name_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name


class PersonGroup(models.Model):
    """A group a person belongs to (SPEC C4), with the evidence the clerk recorded for it."""

    class Group(models.TextChoices):
        GRADUATE = "graduate", _("高校毕业生（毕业年度及离校3年内）")
        UPCOMING_GRADUATE = "upcoming_graduate", _("毕业年度高校毕业生")
        UNEMPLOYED = "unemployed", _("城镇登记失业人员")
        RURAL_MIGRANT = "rural_migrant", _("农村转移劳动者")
        LOW_INCOME = "low_income", _("脱贫/低保家庭成员")
        VETERAN = "veteran", _("退役军人")
        DISABLED = "disabled", _("残疾人")
        EMPLOYEE = "employee", _("企业职工")
        INSURED = "insured", _("参保职工")
        STUDENT = "student", _("在校学生")
        PUBLIC_INSTITUTION = "public_institution", _("事业单位人员")

    class Source(models.TextChoices):
        """Where the evidence comes from (graduation year, unemployment registration, months insured)."""

        REGISTER = "register", _("部门数据核验")  # 学信网, 失业登记, 社保参保记录
        DOCUMENT = "document", _("查验证明材料")
        DECLARED = "declared", _("本人申报")

    person = models.ForeignKey(  # indexed by core_person_group_unique (person, group)
        Person, models.CASCADE, related_name="groups", verbose_name=_("人员"), db_index=False
    )
    group = models.CharField(_("人员类别"), max_length=20, choices=Group.choices)
    graduation_year = models.PositiveSmallIntegerField(_("毕业年份"), null=True, blank=True)
    registration_number = models.CharField(
        _("登记/证明编号"), max_length=50, blank=True, help_text=_("失业登记证号等")
    )
    insured_months = models.PositiveSmallIntegerField(_("参保月数"), null=True, blank=True)
    employer_name = models.CharField(_("单位"), max_length=100, blank=True)
    as_of = models.DateField(
        _("证据截至日期"), null=True, blank=True, help_text=_("证明材料或核验数据所反映情况的日期")
    )
    source = models.CharField(_("证据来源"), max_length=10, choices=Source.choices, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        db_table = "core_persongroup"
        verbose_name = verbose_name_plural = _("人员类别")
        constraints = [models.UniqueConstraint(fields=["person", "group"], name="core_person_group_unique")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_group_display()}"


class Notification(models.Model):
    """An in-app message to a person (shown on their 我的 pages); an SMS copy goes through the gateway adapter.

    Written by the domains above (a subsidy claim filed in the person's name, a certificate issued); ``url`` is
    the screen the message points to.
    """

    person = models.ForeignKey(Person, models.CASCADE, related_name="notifications", verbose_name=_("接收人"))
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    sms_sent_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = _("站内消息")
        indexes = [models.Index(fields=["person", "-created_at", "-id"], name="people_notification_person")]

    def __str__(self) -> str:
        return self.title
