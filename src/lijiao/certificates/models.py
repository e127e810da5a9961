"""Certificates (SPEC C5): evaluating bodies and their sites, level assessments, certificates and their numbers.

培评分离: a training provider trains; a level (职业技能等级认定) is assessed by an evaluating body — an employer
(用人单位, letter Y) or a social training-and-evaluation organisation (社会培训评价组织, letter S) — whose staff
record the results. Pass is derived from the scores by :class:`PassRule` (data), never typed. A certificate is
issued for a passed assessment, an employer's confirmed self-evaluation, a 专项职业能力 assessment, a class's
completion (培训合格证 only) or imported from elsewhere; it keeps its number for life, may be revoked (it then
verifies as revoked) and is reported upward to the national certificate database.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_verification_token() -> str:
    """The secret in a certificate's QR link (128 bits, URL-safe): the link verifies without the holder's name."""
    return secrets.token_urlsafe(16)


class EvaluatingBody(models.Model):
    """An evaluating body (评价机构) with its 4-digit code: an employer (Y) or a social organisation (S).

    ``provider`` links a body that is also a training provider, so 培评分离 can refuse it the assessment of
    its own trainees.
    """

    class Kind(models.TextChoices):
        EMPLOYER = "Y", _("用人单位")
        SOCIAL = "S", _("社会培训评价组织")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        SUSPENDED = "suspended", _("暂停")
        WITHDRAWN = "withdrawn", _("已退出")

    kind = models.CharField(_("机构类型"), max_length=1, choices=Kind.choices)
    code = models.CharField(_("机构代码"), max_length=4, help_text=_("4位数字"))
    name = models.CharField(_("机构名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    province_code = models.CharField(_("省份代码"), max_length=2, default="21")
    handling_area = models.ForeignKey(
        "core.HandlingArea", models.PROTECT, related_name="evaluating_bodies", verbose_name=_("经办区域")
    )
    provider = models.ForeignKey(
        "providers.Provider",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluating_bodies",
        verbose_name=_("同为培训机构"),
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    registered_on = models.DateField(_("备案日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = verbose_name_plural = _("评价机构")
        permissions = [
            ("record_levelassessment", _("可录入等级认定结果")),
            ("confirm_selfevaluation", _("可确认企业自主评价结果")),
            ("issue_certificate", _("可颁发证书")),
            ("revoke_certificate", _("可撤销证书")),
            ("import_certificate", _("可导入历史证书")),
            ("report_certificate", _("可上报全国证书库")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="certificates_body_code_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{4}$"), name="certificates_body_code_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.kind}{self.code}）"


class EvaluationSite(models.Model):
    """A site (评价站点) of an evaluating body, with the 6-digit code that goes into certificate numbers."""

    body = models.ForeignKey(EvaluatingBody, models.CASCADE, related_name="sites", verbose_name=_("评价机构"))
    code = models.CharField(_("站点代码"), max_length=6, help_text=_("6位数字"))
    name = models.CharField(_("站点名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    handling_area = models.ForeignKey(
        "core.HandlingArea", models.PROTECT, related_name="evaluation_sites", verbose_name=_("经办区域")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["body", "code"]
        verbose_name = verbose_name_plural = _("评价站点")
        constraints = [
            models.UniqueConstraint(fields=["body", "code"], name="certificates_site_code_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{6}$"), name="certificates_site_code_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Accreditation(models.Model):
    """What a body may assess: one occupation (optionally one 工种) at listed levels, or one 专项 item."""

    body = models.ForeignKey(
        EvaluatingBody, models.CASCADE, related_name="accreditations", verbose_name=_("评价机构")
    )
    occupation = models.ForeignKey(
        "catalog.Occupation", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("职业")
    )
    work_type = models.ForeignKey(
        "catalog.WorkType", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("工种")
    )
    special_item = models.ForeignKey(
        "catalog.SpecialItem",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("专项职业能力"),
    )
    levels = models.JSONField(_("可评等级"), default=list, blank=True)  # Level values; [] for a 专项 item
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)

    class Meta:
        ordering = ["body", "id"]
        verbose_name = verbose_name_plural = _("评价范围")
        constraints = [
            models.CheckConstraint(
                condition=Q(occupation__isnull=False) ^ Q(special_item__isnull=False),
                name="certificates_accreditation_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.body_id}: {self.occupation_id or self.special_item_id} {self.levels}"


class EvaluatorMembership(models.Model):
    """A user who works for an evaluating body (its staff record results; an employer's staff, self-evaluation)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="evaluator_membership", verbose_name=_("用户")
    )
    body = models.ForeignKey(
        EvaluatingBody, models.PROTECT, related_name="members", verbose_name=_("评价机构")
    )

    class Meta:
        verbose_name = verbose_name_plural = _("评价机构人员")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.body_id}"


class PassRule(models.Model):
    """When a level assessment passes, as data: minimum scores per level (default 60/60; 技师 and 高级技师 also
    need a 综合评审 result). ``level`` null is the default for every level without its own row."""

    level = models.PositiveSmallIntegerField(_("等级"), null=True, blank=True, unique=True)
    theory_min = models.DecimalField(_("理论最低分"), max_digits=5, decimal_places=2, default=Decimal("60"))
    practical_min = models.DecimalField(
        _("实操最低分"), max_digits=5, decimal_places=2, default=Decimal("60")
    )
    needs_review = models.BooleanField(_("需综合评审"), default=False)
    review_min = models.DecimalField(
        _("综合评审最低分"), max_digits=5, decimal_places=2, default=Decimal("60")
    )
    policy_text = models.CharField(_("政策依据"), max_length=200, blank=True)

    class Meta:
        ordering = ["level"]
        verbose_name = verbose_name_plural = _("合格标准")

    def __str__(self) -> str:
        return f"{self.level or '*'}: {self.theory_min}/{self.practical_min}"


class LevelAssessment(models.Model):
    """One person's result in a 职业技能等级认定, an employer's self-evaluation or a 专项职业能力 assessment.

    ``passed`` is derived by the services from the scores and the :class:`PassRule` in force, with the rule's
    figures kept in ``pass_basis`` (what ran and why). A self-evaluation counts only once the bureau confirms it.
    """

    class Kind(models.TextChoices):
        LEVEL = "level", _("职业技能等级认定")
        SELF_EVALUATION = "self_evaluation", _("企业自主评价")
        SPECIAL = "special", _("专项职业能力考核")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("已录入")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("不予确认")

    kind = models.CharField(_("评价类型"), max_length=20, choices=Kind.choices, default=Kind.LEVEL)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="level_assessments", verbose_name=_("考生")
    )
    enrollment = models.ForeignKey(
        "training.Enrollment",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="level_assessments",
        verbose_name=_("培训报名"),
    )
    body = models.ForeignKey(
        EvaluatingBody, models.PROTECT, related_name="assessments", verbose_name=_("评价机构")
    )
    site = models.ForeignKey(
        EvaluationSite, models.PROTECT, related_name="assessments", verbose_name=_("评价站点")
    )
    occupation = models.ForeignKey(
        "catalog.Occupation", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("职业")
    )
    work_type = models.ForeignKey(
        "catalog.WorkType", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("工种")
    )
    special_item = models.ForeignKey(
        "catalog.SpecialItem",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("专项职业能力"),
    )
    level = models.PositiveSmallIntegerField(_("等级"), null=True, blank=True)
    theory_score = models.DecimalField(_("理论成绩"), max_digits=5, decimal_places=2, null=True, blank=True)
    practical_score = models.DecimalField(
        _("实操成绩"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    review_score = models.DecimalField(
        _("综合评审成绩"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("是否合格"))
    pass_basis = models.JSONField(_("判定依据"), default=dict, blank=True)
    assessed_on = models.DateField(_("认定日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_reason = models.CharField(_("不予确认原因"), max_length=500, blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = verbose_name_plural = _("等级认定结果")
        constraints = [
            models.CheckConstraint(
                condition=(Q(theory_score__isnull=True) | Q(theory_score__gte=0, theory_score__lte=100))
                & (Q(practical_score__isnull=True) | Q(practical_score__gte=0, practical_score__lte=100))
                & (Q(review_score__isnull=True) | Q(review_score__gte=0, review_score__lte=100)),
                name="certificates_assessment_score_range",
            ),
            models.CheckConstraint(
                condition=Q(occupation__isnull=False) ^ Q(special_item__isnull=False),
                name="certificates_assessment_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["body", "-assessed_on", "-id"], name="certificates_assess_body"),
            models.Index(fields=["person", "-assessed_on"], name="certificates_assess_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_kind_display()} {'✓' if self.passed else '✗'}"


class CertificateType(models.TextChoices):
    SKILL_LEVEL = "skill_level", _("职业技能等级证书")
    SPECIAL = "special", _("专项职业能力证书")
    QUALIFICATION = "qualification", _("职业资格证书")
    TRAINING = "training", _("培训合格证")


class Certificate(models.Model):
    """A certificate a person holds: its number for life, what it attests, who issued it and its status.

    ``holder_name`` is the name printed on it (verification compares it); it changes only through the audited
    correction service. ``status_index`` is the certificate's bit in the published revocation status list.
    """

    class Source(models.TextChoices):
        ASSESSMENT = "assessment", _("等级认定")
        SELF_EVALUATION = "self_evaluation", _("企业自主评价")
        SPECIAL = "special", _("专项职业能力考核")
        COMPETITION = "competition", _("竞赛晋级")
        COMPLETION = "completion", _("培训结业")
        IMPORT = "import", _("历史导入")

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    class Report(models.TextChoices):
        NOT_REQUIRED = "not_required", _("无需上报")
        PENDING = "pending", _("待上报")
        EXPORTED = "exported", _("已导出待回执")
        ACCEPTED = "accepted", _("全国库已收录")
        FAILED = "failed", _("上报失败")

    certificate_type = models.CharField(_("证书类型"), max_length=20, choices=CertificateType.choices)
    number = models.CharField(_("证书编号"), max_length=40, unique=True)
    holder = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="certificates", verbose_name=_("持证人")
    )
    holder_name = models.CharField(_("持证人姓名"), max_length=50)
    occupation = models.ForeignKey(
        "catalog.Occupation", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("职业")
    )
    work_type = models.ForeignKey(
        "catalog.WorkType", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("工种")
    )
    special_item = models.ForeignKey(
        "catalog.SpecialItem",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("专项职业能力"),
    )
    subject_name = models.CharField(_("职业（工种）/项目名称"), max_length=100, blank=True)
    level = models.PositiveSmallIntegerField(_("等级"), null=True, blank=True)
    body = models.ForeignKey(
        EvaluatingBody,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("评价机构"),
    )
    site = models.ForeignKey(
        EvaluationSite,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("评价站点"),
    )
    issuer_name = models.CharField(_("发证机构"), max_length=100, blank=True)  # as printed; imports name it
    issued_on = models.DateField(_("发证日期"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.VALID)
    assessment = models.OneToOneField(
        LevelAssessment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificate",
        verbose_name=_("认定结果"),
    )
    enrollment = models.ForeignKey(
        "training.Enrollment",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("培训报名"),
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("培训班"),
    )
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=500, blank=True)
    flags = models.JSONField(_("核查提示"), default=list, blank=True)  # e.g. ["issued_before_class_end"]
    imported_from = models.CharField(_("导入来源"), max_length=100, blank=True)
    report_status = models.CharField(
        _("上报状态"), max_length=15, choices=Report.choices, default=Report.NOT_REQUIRED
    )
    reported_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    status_index = models.PositiveIntegerField(_("状态列表位置"), unique=True)
    verification_token = models.CharField(max_length=32, unique=True, default=new_verification_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = verbose_name_plural = _("证书")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="valid", revoked_on__isnull=True)
                | Q(status="revoked", revoked_on__isnull=False) & ~Q(revoked_reason=""),
                name="certificates_certificate_revocation",
            ),
        ]
        indexes = [
            models.Index(fields=["holder", "-issued_on"], name="certificates_cert_holder"),
            models.Index(fields=["body", "-issued_on", "-id"], name="certificates_cert_body"),
            models.Index(fields=["training_class"], name="certificates_cert_class"),
            models.Index(fields=["report_status", "id"], name="certificates_cert_report"),
            models.Index(fields=["-issued_on", "-id"], name="certificates_cert_issued"),
            # the staff list (ADR 0015): a name from its first character as an index range (PostgreSQL's
            # pattern operators serve LIKE 'x%'; other databases ignore the operator class), and the
            # report-status filter in the list's order
            models.Index(
                fields=["holder_name"], name="certificates_cert_holder_nm", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["report_status", "-issued_on", "-id"], name="certificates_cert_rep_issued"),
        ]

    def __str__(self) -> str:
        return f"{self.get_certificate_type_display()} {self.number}"


class SerialCounter(models.Model):
    """The last serial used per number prefix (e.g. the 16 characters before a 职业技能等级证书's serial).

    Incremented with a conditional ``UPDATE … SET last = last + 1`` inside the issuing transaction, so two
    concurrent issuances can never draw the same serial.
    """

    prefix = models.CharField(max_length=40, unique=True)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("证书流水号")

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_serial}"


class NumberFormat(models.Model):
    """How numbers of a certificate type the bureau defines itself are built (专项, 培训合格证), as data.

    ``template`` is a Python format string over ``province``, ``city``, ``year`` (2 digits), ``yyyy``, ``body``,
    ``site``, ``item`` and ``serial``; everything before ``{serial`` is the counter's prefix.
    """

    certificate_type = models.CharField(
        _("证书类型"), max_length=20, choices=CertificateType.choices, unique=True
    )
    template = models.CharField(_("编号格式"), max_length=100)
    pattern = models.CharField(_("校验正则"), max_length=200, help_text=_("导入时校验编号结构"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("证书编号规则")

    def __str__(self) -> str:
        return f"{self.get_certificate_type_display()}: {self.template}"


class ReportBatch(models.Model):
    """One exchange file of certificates reported upward to the national certificate database (全国证书库).

    The file holds the holders' ID numbers in clear (the national format needs them), so it is stored with
    owner-only permissions and every download is audited; receipts come back per certificate (:class:`ReportEntry`).
    """

    file = models.FileField(_("交换文件"), upload_to="certificates/reports/", blank=True)
    certificate_count = models.PositiveIntegerField(_("证书数"), default=0)
    accepted_count = models.PositiveIntegerField(_("已收录"), default=0)
    failed_count = models.PositiveIntegerField(_("失败"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导出人"),
    )
    created_at = models.DateTimeField(_("导出时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = _("上报批次")

    def __str__(self) -> str:
        return f"{self.pk}: {self.certificate_count}"


class ReportEntry(models.Model):
    """A certificate in a :class:`ReportBatch` and what the national database answered for it."""

    class Outcome(models.TextChoices):
        EXPORTED = "exported", _("已导出待回执")
        ACCEPTED = "accepted", _("已收录")
        FAILED = "failed", _("失败")

    batch = models.ForeignKey(ReportBatch, models.CASCADE, related_name="entries", verbose_name=_("上报批次"))
    certificate = models.ForeignKey(
        Certificate, models.CASCADE, related_name="report_entries", verbose_name=_("证书")
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.EXPORTED)
    reason = models.CharField(_("失败原因"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("回执时间"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = verbose_name_plural = _("上报记录")
        constraints = [
            models.UniqueConstraint(fields=["batch", "certificate"], name="certificates_report_entry_unique")
        ]
        indexes = [models.Index(fields=["certificate", "-id"], name="certificates_report_cert")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.certificate_id}: {self.outcome}"


class VerificationCounter(models.Model):
    """How many public verification answers one client had in the current minute and day (ADR 0018).

    The rate limit lives in the database so that it holds across every server process and machine; the client
    is kept only as a keyed hash of its address (an IPv6 address counts by its /64). ``minute`` is the number of
    minutes since the epoch and ``day`` the local date's ordinal of the window each count belongs to.
    """

    client = models.CharField(max_length=64, unique=True)
    minute = models.BigIntegerField(default=0)
    minute_count = models.PositiveIntegerField(default=0)
    day = models.PositiveIntegerField(default=0)
    day_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("证书查验计数")
        indexes = [models.Index(fields=["day"], name="certificates_vcounter_day")]

    def __str__(self) -> str:
        return f"{self.client[:8]}: {self.minute_count}/{self.day_count}"


class VerificationBatch(models.Model):
    """One batch verification an employer ran (a spreadsheet of numbers and names): who, when, how many rows.

    The daily quota per employer (``quota_key``: its evaluating body when the user has one, else the account)
    sums ``rows`` of today's batches. The file and its names are not kept.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("核验人")
    )
    quota_key = models.CharField(_("额度归属"), max_length=40)
    file_name = models.CharField(_("文件名"), max_length=200)
    rows = models.PositiveIntegerField(_("核验条数"))
    matched = models.PositiveIntegerField(_("相符条数"))
    created_at = models.DateTimeField(_("核验时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = _("批量核验记录")
        permissions = [("verify_batch", _("可批量核验证书"))]
        indexes = [models.Index(fields=["quota_key", "created_at"], name="certificates_vbatch_quota")]

    def __str__(self) -> str:
        return f"{self.quota_key} {self.rows}"
