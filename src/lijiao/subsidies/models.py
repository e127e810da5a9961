"""Subsidies (SPEC C6): schemes whose rules are versioned data, claims decided by them, 公示, payment exactly once,
external registers checked before payment, and the anti-fraud audit's findings.

Money moves only through :mod:`lijiao.subsidies.services`; every status change goes through the table in
:mod:`lijiao.subsidies.workflows`. Two database constraints carry the promises that must hold under concurrency:
a certificate backs at most one live claim across all kinds (R4), and a claim sits on at most one payment line.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lijiao.core.money import MoneyField
from lijiao.core.pii import EncryptedPIIField, PIIDigestField, PIIKind


class SchemeKind(models.TextChoices):
    """The kinds of subsidy (SPEC C6); the talent kinds are here so their schemes can be versioned alike."""

    TRAINING = "training", _("职业培训补贴")
    SKILL_UPGRADE = "skill_upgrade", _("技能提升补贴")
    ASSESSMENT = "assessment", _("职业技能评价补贴")
    APPRENTICESHIP = "apprenticeship", _("企业新型学徒制补贴")
    LIVING = "living", _("生活费补贴")
    GRADUATE_CONVERSION = "graduate_conversion", _("毕业生专业转换培训补贴")
    APPOINTMENT_FUNDING = "appointment_funding", _("特级技师/首席技师评聘工作资助")
    COMPETITION_AWARD = "competition_award", _("职业技能竞赛奖励")
    CRAFTSMAN_AWARD = "craftsman_award", _("工匠奖励")


class Scheme(models.Model):
    """One subsidy kind as the bureau runs it; its rules and numbers live in its versions."""

    kind = models.CharField(_("补贴类型"), max_length=30, choices=SchemeKind.choices, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = verbose_name_plural = _("补贴项目")

    def __str__(self) -> str:
        return self.name


class SchemeVersion(models.Model):
    """A dated version of a scheme: every number of R1–R11 as a parameter, the rules as data, the policy text.

    ``parameters`` maps a parameter name to ``{"value": …, "policy": "…"}``; ``rules`` is the rule data the pure
    evaluator runs; ``content_hash`` is the SHA-256 of both (canonical JSON), stored on every decision it made.
    A published version is never edited: a change is a new version with its own effective dates.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    scheme = models.ForeignKey(Scheme, models.PROTECT, related_name="versions", verbose_name=_("补贴项目"))
    number = models.PositiveSmallIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    document_number = models.CharField(_("政策文号"), max_length=100, blank=True)
    policy_text = models.TextField(_("政策依据"), blank=True)
    parameters = models.JSONField(_("参数"), default=dict)
    rules = models.JSONField(_("规则"), default=dict)
    content_hash = models.CharField(_("内容摘要"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )

    class Meta:
        ordering = ["scheme", "-effective_from", "-number"]
        verbose_name = verbose_name_plural = _("补贴政策版本")
        permissions = [("publish_schemeversion", _("发布补贴政策版本"))]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="subsidies_version_number_uniq"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="subsidies_version_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} v{self.number}"


class ClaimStatus(models.TextChoices):
    """A claim's lifecycle (SPEC C6 workflow); the allowed moves are the table in ``workflows.py``."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待初审")
    FIRST_APPROVED = "first_approved", _("待复审")
    PUBLICITY = "publicity", _("公示中")
    APPROVED = "approved", _("待发放")
    PAID = "paid", _("已发放")
    ARCHIVED = "archived", _("已归档")
    RETURNED = "returned", _("退回补正")
    REJECTED = "rejected", _("不予补贴")
    CLAWED_BACK = "clawed_back", _("已追回")


# Statuses in which a claim holds its certificate (R4): the money is promised or paid.
CERTIFICATE_HOLDING_STATUSES = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.FIRST_APPROVED,
    ClaimStatus.PUBLICITY,
    ClaimStatus.APPROVED,
    ClaimStatus.PAID,
    ClaimStatus.ARCHIVED,
    ClaimStatus.CLAWED_BACK,
)


class Claim(models.Model):
    """A subsidy claim for one person: who filed it, on what (class, certificate, item), the decision, the money.

    ``amount`` is what the current decision (or a reviewer's reasoned override) grants. ``payment_hold`` stops
    payment while a register match or an audit finding is unresolved; the evidence is in ``hold_reason`` and the
    linked findings.
    """

    class Applicant(models.TextChoices):
        WORKER = "worker", _("本人申请")
        PROVIDER = "provider", _("培训机构代为申请")
        EMPLOYER = "employer", _("企业申请")
        EVALUATOR = "evaluator", _("评价机构代为申请")
        BULK = "bulk", _("按班级批量申请")

    class Part(models.TextChoices):
        FULL = "full", _("全额")
        ADVANCE = "advance", _("预拨部分")
        FINAL = "final", _("清算部分")

    number = models.CharField(_("申请编号"), max_length=20, unique=True)
    scheme = models.ForeignKey(Scheme, models.PROTECT, related_name="claims", verbose_name=_("补贴项目"))
    kind = models.CharField(_("补贴类型"), max_length=30, choices=SchemeKind.choices)
    part = models.CharField(_("拨付部分"), max_length=10, choices=Part.choices, default=Part.FULL)
    status = models.CharField(
        _("状态"), max_length=15, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="subsidy_claims", verbose_name=_("补贴对象")
    )
    applicant = models.CharField(_("申请方式"), max_length=10, choices=Applicant.choices)
    applicant_name = models.CharField(_("申请单位/人"), max_length=100)
    provider = models.ForeignKey(
        "providers.Provider",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("培训机构"),
    )
    evaluating_body = models.ForeignKey(
        "certificates.EvaluatingBody",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("评价机构"),
    )
    employer_name = models.CharField(_("企业名称"), max_length=100, blank=True)
    employer_credit_code = models.CharField(_("企业统一社会信用代码"), max_length=18, blank=True)
    enrollment = models.ForeignKey(
        "training.Enrollment",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("培训报名"),
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("培训班"),
    )
    certificate = models.ForeignKey(
        "certificates.Certificate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("证书"),
    )
    catalog_item = models.ForeignKey(
        "catalog.CatalogItem",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("目录项目"),
    )
    handling_area = models.ForeignKey(
        "core.HandlingArea", models.PROTECT, related_name="subsidy_claims", verbose_name=_("经办区域")
    )
    application_date = models.DateField(_("申请日期"), null=True, blank=True)
    facts = models.JSONField(
        _("申请事实"), default=dict, blank=True
    )  # what the applicant stated (contract dates…)
    scheme_version = models.ForeignKey(
        SchemeVersion,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("适用政策版本"),
    )
    amount = MoneyField(_("补贴金额（元）"), null=True, blank=True)
    decision_passed = models.BooleanField(_("规则审核通过"), null=True, blank=True)
    payment_hold = models.BooleanField(_("暂停发放"), default=False)
    hold_reason = models.CharField(_("暂停原因"), max_length=500, blank=True)
    status_reason = models.CharField(_("退回/不予补贴原因"), max_length=500, blank=True)
    publicity = models.ForeignKey(
        "Publicity", models.PROTECT, null=True, blank=True, related_name="claims", verbose_name=_("公示批次")
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    first_reviewed_at = models.DateTimeField(_("初审时间"), null=True, blank=True)
    first_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("初审人"),
    )
    second_reviewed_at = models.DateTimeField(_("复审时间"), null=True, blank=True)
    second_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("复审人"),
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = _("补贴申请")
        permissions = [
            ("file_claim", _("代为申请补贴")),
            ("review_first_claim", _("补贴初审")),
            ("review_second_claim", _("补贴复审")),
            ("override_rule_claim", _("说明理由后调整规则结论")),
            ("pay_claim", _("补贴发放")),
            ("clawback_claim", _("补贴追回")),
        ]
        constraints = [
            # R4: a certificate number backs at most one live claim, across all kinds.
            models.UniqueConstraint(
                fields=["certificate"],
                condition=Q(certificate__isnull=False, status__in=CERTIFICATE_HOLDING_STATUSES)
                & ~Q(part="advance"),
                name="subsidies_claim_certificate_once",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="subsidies_claim_amount"
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "handling_area", "-created_at", "-id"], name="subsidies_claim_queue"
            ),
            models.Index(fields=["person", "-created_at"], name="subsidies_claim_person"),
            models.Index(fields=["provider", "-created_at"], name="subsidies_claim_provider"),
            models.Index(fields=["-created_at", "-id"], name="subsidies_claim_created"),
        ]

    def __str__(self) -> str:
        return self.number


class ClaimEvaluation(models.Model):
    """One run of the rules on a claim: the version (and its hash), the facts, each line, the amount.

    Kept for ever: re-evaluation after a fact changes adds a row and marks it current, the earlier rows remain.
    """

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="evaluations", verbose_name=_("补贴申请"))
    scheme_version = models.ForeignKey(
        SchemeVersion, models.PROTECT, related_name="evaluations", verbose_name=_("政策版本")
    )
    version_hash = models.CharField(_("政策内容摘要"), max_length=64)
    facts = models.JSONField(_("事实"))
    lines = models.JSONField(
        _("逐条结论")
    )  # [{"rule", "label", "inputs", "passed", "policy", "explanation"}]
    passed = models.BooleanField(_("是否通过"))
    amount = MoneyField(_("核定金额（元）"))
    current = models.BooleanField(_("当前结论"), default=True)
    reason = models.CharField(_("评估原因"), max_length=200, blank=True)
    evaluated_at = models.DateTimeField(_("评估时间"), auto_now_add=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评估人"),
    )

    class Meta:
        ordering = ["claim", "-evaluated_at", "-id"]
        verbose_name = verbose_name_plural = _("规则评估记录")
        constraints = [
            models.UniqueConstraint(
                fields=["claim"], condition=Q(current=True), name="subsidies_evaluation_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.evaluated_at:%Y-%m-%d %H:%M}"


class RuleOverride(models.Model):
    """A reviewer's decision to set aside one failed rule for one claim, with the reason (audited)."""

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="overrides", verbose_name=_("补贴申请"))
    rule = models.CharField(_("规则"), max_length=20)
    reason = models.CharField(_("理由"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("审核人")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["claim", "created_at"]
        verbose_name = verbose_name_plural = _("规则调整")
        constraints = [models.UniqueConstraint(fields=["claim", "rule"], name="subsidies_override_once")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.rule}"


class Publicity(models.Model):
    """A 公示 batch: the claims it lists, from which day for how many working days, how to object."""

    number = models.CharField(_("公示编号"), max_length=20, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    handling_area = models.ForeignKey(
        "core.HandlingArea",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办区域"),
    )
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    working_days = models.PositiveSmallIntegerField(_("公示工作日"), default=5)
    objection_contact = models.CharField(_("异议受理方式"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = verbose_name_plural = _("公示")

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """An objection to a claim, raised by the person concerned or from the public 公示, and how it was resolved."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    class Source(models.TextChoices):
        PERSON = "person", _("本人")
        PUBLIC = "public", _("公示期间公众")

    claim = models.ForeignKey(Claim, models.PROTECT, related_name="objections", verbose_name=_("补贴申请"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提出人"),
    )
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    text = models.TextField(_("异议内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("处理意见"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = _("异议")
        indexes = [models.Index(fields=["claim", "status"], name="subsidies_objection_claim")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.get_status_display()}"


class PayeeAccount(models.Model):
    """The 社会保障卡 bank account a person's subsidies are paid to (encrypted; the digest finds shared accounts)."""

    person = models.OneToOneField(
        "people.Person", models.PROTECT, related_name="payee_account", verbose_name=_("持卡人")
    )
    bank_name = models.CharField(_("开户银行"), max_length=100)
    account_number = EncryptedPIIField(_("社会保障卡银行账号"), kind=PIIKind.BANK_ACCOUNT)
    account_digest = PIIDigestField(source="account_number")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("发放账户")

    def __str__(self) -> str:
        return self.bank_name


class PaymentBatch(models.Model):
    """A finance batch: the claims it pays, the bank file exported for it, and whether the bank has paid it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待导出")
        EXPORTED = "exported", _("已导出银行文件")
        PAID = "paid", _("已发放")

    number = models.CharField(_("批次号"), max_length=20, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    total = MoneyField(_("合计金额（元）"), default=0)
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    bank_reference = models.CharField(_("银行回单号"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = _("发放批次")

    def __str__(self) -> str:
        return self.number


class PaymentLine(models.Model):
    """One claim in one batch. ``claim`` is unique: a claim can be put on a payment line once, ever."""

    batch = models.ForeignKey(PaymentBatch, models.PROTECT, related_name="lines", verbose_name=_("发放批次"))
    claim = models.OneToOneField(
        Claim, models.PROTECT, related_name="payment_line", verbose_name=_("补贴申请")
    )
    amount = MoneyField(_("金额（元）"))
    payee_name = models.CharField(_("收款人"), max_length=50)
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    account_number = EncryptedPIIField(_("银行账号"), kind=PIIKind.BANK_ACCOUNT, blank=True)

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = verbose_name_plural = _("发放明细")

    def __str__(self) -> str:
        return f"{self.batch_id} {self.claim_id}"


class Clawback(models.Model):
    """Money paid and taken back (追回): why, how much, and how much has come back so far."""

    class Recovery(models.TextChoices):
        PENDING = "pending", _("待追回")
        PARTIAL = "partial", _("部分追回")
        RECOVERED = "recovered", _("已全部追回")
        WRITTEN_OFF = "written_off", _("无法追回（核销）")

    claim = models.OneToOneField(Claim, models.PROTECT, related_name="clawback", verbose_name=_("补贴申请"))
    reason = models.TextField(_("追回原因"))
    amount = MoneyField(_("应追回金额（元）"))
    recovered_amount = MoneyField(_("已追回金额（元）"), default=0)
    recovery_status = models.CharField(
        _("追回状态"), max_length=15, choices=Recovery.choices, default=Recovery.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = _("补贴追回")

    def __str__(self) -> str:
        return f"{self.claim_id} {self.get_recovery_status_display()}"


class RegisterKind(models.TextChoices):
    """The registers other offices keep, matched against claims before payment (SPEC C6 anti-fraud)."""

    PENSION = "pension", _("养老金领取人员")
    STUDENT = "student", _("在校学生（学籍）")
    PAYROLL = "payroll", _("财政供养人员")
    INSURANCE = "insurance", _("社会保险缴费")
    UNEMPLOYMENT = "unemployment", _("失业登记")


class RegisterSnapshot(models.Model):
    """One dated import of an external register (pension payees, students, payroll, contributions, unemployment)."""

    kind = models.CharField(_("名册类型"), max_length=15, choices=RegisterKind.choices)
    as_of = models.DateField(_("数据日期"))
    source = models.CharField(_("来源单位"), max_length=100, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("记录数"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("导入人")
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = verbose_name_plural = _("外部名册快照")
        permissions = [("import_registersnapshot", _("导入外部名册"))]
        indexes = [models.Index(fields=["kind", "-as_of"], name="subsidies_snapshot_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.as_of}"


class RegisterEntry(models.Model):
    """A person on a register snapshot, by the keyed digest of the ID number (never the number in plain text).

    ``starts_on``/``ends_on`` bound what the row says (pension since, enrolled until, on payroll from…);
    ``detail`` keeps the register's other columns that reviewers need as evidence (school, employer, month…).
    """

    snapshot = models.ForeignKey(
        RegisterSnapshot, models.CASCADE, related_name="entries", verbose_name=_("快照")
    )
    citizen_id_digest = models.CharField(_("身份证号摘要"), max_length=64)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    starts_on = models.DateField(_("起始日期"), null=True, blank=True)
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)
    detail = models.JSONField(_("其他信息"), default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("名册记录")
        indexes = [models.Index(fields=["citizen_id_digest", "snapshot"], name="subsidies_entry_digest")]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.name}"


class ContributionMonth(models.Model):
    """A month of social-insurance contributions (参保缴费) for a person, from the contribution register import.

    Stands in for the social-insurance system behind a narrow adapter; R6 counts these months as of the
    application date.
    """

    citizen_id_digest = models.CharField(_("身份证号摘要"), max_length=64)
    month = models.DateField(_("缴费月份"))  # the first day of the month
    employer_name = models.CharField(_("缴费单位"), max_length=100, blank=True)
    employer_kind = models.CharField(_("单位性质"), max_length=20, blank=True)  # e.g. 事业单位
    snapshot = models.ForeignKey(
        RegisterSnapshot, models.CASCADE, related_name="contribution_months", verbose_name=_("快照")
    )

    class Meta:
        verbose_name = verbose_name_plural = _("参保缴费月份")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen_id_digest", "month"], name="subsidies_contribution_month_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class AuditRun(models.Model):
    """One run of the anti-fraud audit: when, over which year, each check's time and how many findings."""

    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    timings = models.JSONField(_("各项耗时（秒）"), default=dict)
    counts = models.JSONField(_("各项发现数"), default=dict)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = verbose_name_plural = _("资金监管核查")
        permissions = [("run_auditrun", _("发起资金监管核查"))]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class Finding(models.Model):
    """A pattern the audit (or the pre-payment register check) found, with the evidence, awaiting a reviewer.

    ``fingerprint`` (the check and what it found, hashed) is unique, so re-running adds nothing twice.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        CONFIRMED = "confirmed", _("查实")
        DISMISSED = "dismissed", _("排除")

    check_code = models.CharField(_("核查项"), max_length=40)
    fingerprint = models.CharField(_("指纹"), max_length=64, unique=True)
    severity = models.PositiveSmallIntegerField(_("风险等级"), default=2)  # 1 high, 2 medium, 3 low
    summary = models.CharField(_("摘要"), max_length=300)
    evidence = models.JSONField(_("证据"), default=dict)
    claim = models.ForeignKey(
        Claim, models.CASCADE, null=True, blank=True, related_name="findings", verbose_name=_("补贴申请")
    )
    person = models.ForeignKey(
        "people.Person", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("人员")
    )
    provider = models.ForeignKey(
        "providers.Provider",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("培训机构"),
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("培训班"),
    )
    evaluating_body = models.ForeignKey(
        "certificates.EvaluatingBody",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评价机构"),
    )
    handling_area = models.ForeignKey(
        "core.HandlingArea",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办区域"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("核查结论"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核查人"),
    )
    resolved_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    first_run = models.ForeignKey(
        AuditRun, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("首次发现")
    )
    found_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("最近一次发现"), null=True, blank=True)

    class Meta:
        ordering = ["status", "severity", "-found_at", "-id"]
        verbose_name = verbose_name_plural = _("监管发现")
        permissions = [("resolve_finding", _("核查监管发现"))]
        indexes = [
            models.Index(fields=["status", "severity", "-found_at", "-id"], name="subsidies_finding_queue"),
            models.Index(fields=["claim"], name="subsidies_finding_claim"),
            models.Index(fields=["check_code", "status"], name="subsidies_finding_check"),
        ]

    def __str__(self) -> str:
        return self.summary
