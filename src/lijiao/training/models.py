"""Training (SPEC C4): programs, classes with their timetable, enrollment, attendance and assessment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Program(models.Model):
    """A training program (培训项目) with its lead department, target groups and eligibility rule (as data).

    ``eligibility_rule`` is evaluated by :func:`lijiao.core.rules.evaluate` against facts about the person
    (age, groups, graduation year, insured months…); each enrollment points at the decision and its trace, stored
    once as a shared :class:`lijiao.core.models.DecisionRecord`.
    """

    class Kind(models.TextChoices):
        GENERAL = "general", _("职业技能培训")
        GRADUATE_CONVERSION = "graduate_conversion", _("高校毕业生专业转换及技能提升培训")
        INDUSTRY_PLUS = "industry_plus", _("“行业+培训”专项培训")
        MASTER_CRAFTSMAN = "master_craftsman", _("大师工匠培育提升计划")
        APPRENTICESHIP = "apprenticeship", _("企业新型学徒制")
        JOB_TRANSFER = "job_transfer", _("转岗培训")
        ELDER_CHILD = "elder_child", _("一老一小培训")

    class Funding(models.TextChoices):
        """The accounts training is paid from today (the 2019–2021 职业技能提升行动专账 is closed)."""

        EMPLOYMENT_SUBSIDY = "就业补助资金", _("就业补助资金")
        UNEMPLOYMENT_INSURANCE = "失业保险基金（技能提升）", _("失业保险基金（技能提升）")

    code = models.CharField(_("项目编码"), max_length=30, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    kind = models.CharField(_("项目类型"), max_length=25, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    lead_department = models.CharField(_("牵头部门"), max_length=50, default="市人力资源和社会保障局")
    target_groups = models.JSONField(_("目标人群"), default=list, blank=True)
    eligibility_rule = models.JSONField(_("参训条件（规则）"), default=dict, blank=True)
    item_rule = models.JSONField(
        _("适用目录项目（规则）"),
        default=dict,
        blank=True,
        help_text=_("本项目可开班的目录项目，按职业编码、等级、一老一小等标记写成规则；空表示不限"),
    )
    quota = models.PositiveIntegerField(_("年度计划人次"), default=0)
    attendance_threshold = models.DecimalField(
        _("出勤率要求"), max_digits=4, decimal_places=3, default=Decimal("0.800")
    )
    funding_source = models.CharField(_("资金来源"), max_length=100, choices=Funding.choices, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = verbose_name_plural = _("培训项目")

    def __str__(self) -> str:
        return str(_("%(year)s年%(name)s") % {"year": self.year, "name": self.name})


class LessonHourRule(models.Model):
    """Minimum lesson hours per kind and level, as data (e.g. 初级 ≥ 40, 中级 and up ≥ 56, practical ≥ 60%)."""

    kind = models.CharField(_("目录项目类型"), max_length=20, default="occupation")
    level = models.PositiveSmallIntegerField(
        _("等级"), null=True, blank=True, help_text=_("空表示该类型所有等级")
    )
    min_total_hours = models.PositiveSmallIntegerField(_("最低总课时"))
    min_practical_share = models.DecimalField(
        _("实操课时最低占比"), max_digits=4, decimal_places=3, default=0
    )
    lesson_minutes = models.PositiveSmallIntegerField(_("每课时分钟数"), default=45)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "level"]
        verbose_name = verbose_name_plural = _("课时规则")
        constraints = [models.UniqueConstraint(fields=["kind", "level"], name="training_lesson_rule_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.level or '*'} ≥{self.min_total_hours}"


class ClassStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    FILED = "filed", _("已申请")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("不予备案")
    APPROVED = "approved", _("已备案")
    RUNNING = "running", _("开班中")
    FINISHED = "finished", _("已结业")
    ASSESSED = "assessed", _("已结业考核")
    CLOSED = "closed", _("已关闭")


class TrainingClass(models.Model):
    """A class (培训班) a provider files against a catalog item of the edition in force on the filing date."""

    class Mode(models.TextChoices):
        OFFLINE = "offline", _("线下")
        ONLINE = "online", _("线上")
        MIXED = "mixed", _("线上线下结合")

    code = models.CharField(_("班级编号"), max_length=30, unique=True)
    name = models.CharField(_("班级名称"), max_length=100)
    provider = models.ForeignKey(
        "providers.Provider", models.PROTECT, related_name="classes", verbose_name=_("培训机构")
    )
    handling_area = models.ForeignKey(
        "core.HandlingArea", models.PROTECT, related_name="classes", verbose_name=_("经办区域")
    )
    catalog_item = models.ForeignKey(
        "catalog.CatalogItem", models.PROTECT, related_name="classes", verbose_name=_("目录项目")
    )
    # The 工种 of the class: always its catalog item's (set by the services from the item, never typed).
    work_type = models.ForeignKey(
        "catalog.WorkType",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="classes",
        verbose_name=_("工种"),
    )
    program = models.ForeignKey(
        Program, models.PROTECT, null=True, blank=True, related_name="classes", verbose_name=_("培训项目")
    )
    start_date = models.DateField(_("开班日期"))
    end_date = models.DateField(_("结业日期"))
    lesson_hours = models.PositiveSmallIntegerField(_("总课时"))
    practical_hours = models.PositiveSmallIntegerField(_("实操课时"), default=0)
    capacity = models.PositiveIntegerField(_("计划人数"))
    enrolled_count = models.PositiveIntegerField(_("已报名人数"), default=0)
    # the class's assessment results, kept by the assessment services (a provider's pass rate sums them)
    assessed_count = models.PositiveIntegerField(_("已评价人数"), default=0, editable=False)
    passed_count = models.PositiveIntegerField(_("评价合格人数"), default=0, editable=False)
    venue = models.ForeignKey(
        "providers.Venue",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="classes",
        verbose_name=_("培训场地"),
    )
    teachers = models.ManyToManyField(
        "providers.Teacher", blank=True, related_name="classes", verbose_name=_("教师")
    )
    mode = models.CharField(_("培训方式"), max_length=10, choices=Mode.choices, default=Mode.OFFLINE)
    status = models.CharField(
        _("状态"), max_length=10, choices=ClassStatus.choices, default=ClassStatus.DRAFT, db_index=True
    )
    status_reason = models.CharField(_("退回/不予备案原因"), max_length=500, blank=True)
    filed_on = models.DateField(_("申请日期"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
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
        ordering = ["-start_date", "-id"]
        verbose_name = verbose_name_plural = _("培训班")
        permissions = [
            ("file_trainingclass", _("可申请开班")),
            ("review_trainingclass", _("可审核开班备案")),
            ("record_attendance", _("可记录考勤")),
            ("record_assessment", _("可录入结业考核结果")),
            ("import_roster", _("可导入花名册")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="training_class_dates"),
            models.CheckConstraint(
                condition=Q(enrolled_count__lte=F("capacity")), name="training_class_capacity"
            ),
            models.CheckConstraint(
                condition=Q(practical_hours__lte=F("lesson_hours")), name="training_class_practical_hours"
            ),
        ]
        indexes = [
            models.Index(fields=["handling_area", "status"], name="training_class_area_status"),
            # the list's ordering, alone and behind the filters scoped users always apply (ADR 0014)
            models.Index(fields=["-start_date", "-id"], name="training_class_newest"),
            models.Index(fields=["provider", "-start_date", "-id"], name="training_class_provider_newest"),
            models.Index(fields=["handling_area", "-start_date", "-id"], name="training_class_area_newest"),
            models.Index(fields=["status", "-start_date", "-id"], name="training_class_status_newest"),
            # a provider's counted classes and results (credit record); a program's places used in a year, read from the
            # index alone (ADR 0014; a key column rather than INCLUDE, which SQLite lacks)
            models.Index(
                fields=["provider", "status", "assessed_count", "passed_count"],
                name="training_class_provider_status",
            ),
            models.Index(
                fields=["program", "start_date", "enrolled_count"], name="training_class_program_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ClassSession(models.Model):
    """One session of a class's timetable with its lesson hours (课时): attendance is counted in these hours.

    The hours are stated per session (a lesson is 45 minutes unless the lesson-hour rule says otherwise; a
    session holds at most as many lessons as fit in its time, breaks included).
    """

    class Kind(models.TextChoices):
        THEORY = "theory", _("理论")
        PRACTICAL = "practical", _("实操")

    training_class = models.ForeignKey(
        TrainingClass, models.CASCADE, related_name="sessions", verbose_name=_("培训班")
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.THEORY)
    topic = models.CharField(_("内容"), max_length=200, blank=True)
    lesson_hours = models.PositiveSmallIntegerField(_("课时"), default=1)
    teacher = models.ForeignKey(
        "providers.Teacher", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("教师")
    )
    venue = models.ForeignKey(
        "providers.Venue", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("场地")
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = verbose_name_plural = _("课程安排")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="training_session_order"),
            models.CheckConstraint(condition=Q(lesson_hours__gte=1), name="training_session_lesson_hours"),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="training_session_time")]

    def __str__(self) -> str:
        return f"{self.training_class.code} {self.starts_at:%Y-%m-%d %H:%M}"


class Enrollment(models.Model):
    """A person's place in a class, with the eligibility decision (what ran and why) taken when enrolling.

    The decision is a shared, immutable :class:`lijiao.core.models.DecisionRecord` (one row per distinct
    decision, see :mod:`lijiao.core.decisions`); :attr:`eligibility` reads it.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("在读")
        WITHDRAWN = "withdrawn", _("已退出")
        COMPLETED = "completed", _("已结业")

    training_class = models.ForeignKey(  # indexed by training_enrollment_unique (training_class, person)
        TrainingClass, models.PROTECT, related_name="enrollments", verbose_name=_("培训班"), db_index=False
    )
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="enrollments", verbose_name=_("学员")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    eligibility_decision = models.ForeignKey(
        "core.DecisionRecord",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("资格审核结果"),
    )
    attendance_rate = models.DecimalField(_("出勤率"), max_digits=5, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["training_class", "id"]
        verbose_name = verbose_name_plural = _("报名")
        constraints = [
            models.UniqueConstraint(fields=["training_class", "person"], name="training_enrollment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.training_class.code}"

    @property
    def eligibility(self) -> dict[str, Any]:
        """The stored eligibility decision record (passed, reasons, trace, on, program), or ``{}`` when none.

        Reads the related row: list enrollments with ``select_related("eligibility_decision")``.
        """
        if self.eligibility_decision_id is None:  # no query for an enrollment without a decision
            return {}
        decision = self.eligibility_decision
        record: dict[str, Any] = decision.record if decision is not None else {}
        return record


class AttendanceDevice(models.Model):
    """A check-in terminal or integration (人脸识别机, 刷卡机, 扫码, 线上平台) of one provider, with its own credential.

    Only a device may record the methods that claim one (:data:`CheckIn.DEVICE_METHODS`), and only for its
    provider's classes; staff entries are always 手工补录 with a reason (ADR 0010). The credential is a bearer
    token shown once; only its SHA-256 is stored (as for :class:`lijiao.accounts.models.ApiToken`).

    A device is the :class:`~lijiao.core.actors.Actor` of the check-ins it posts: not a logged-in person
    (the audit records it by its label), holding only ``training.record_attendance``.
    """

    provider = models.ForeignKey(
        "providers.Provider", models.PROTECT, related_name="attendance_devices", verbose_name=_("培训机构")
    )
    name = models.CharField(_("设备名称"), max_length=100)
    methods = models.JSONField(_("签到方式"), default=list)  # codes among CheckIn.DEVICE_METHODS
    prefix = models.CharField(_("前缀"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最后使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    is_authenticated = False  # an Actor, but not a logged-in person: the audit names it by str()
    is_superuser = False

    class Meta:
        ordering = ["provider", "name", "id"]
        verbose_name = verbose_name_plural = _("考勤设备")

    def __str__(self) -> str:
        return _("考勤设备“%(name)s”（%(prefix)s…）") % {"name": self.name, "prefix": self.prefix}

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return perm == "training.record_attendance"

    @property
    def method_labels(self) -> list[str]:
        return [str(CheckIn.Method(m).label) for m in self.methods if m in CheckIn.Method.values]


class CheckIn(models.Model):
    """A person's check-in to one session: from a device (face, card, QR, online) or 手工补录 with a reason."""

    class Method(models.TextChoices):
        FACE = "face", _("人脸识别")
        CARD = "card", _("刷卡")
        QR = "qr", _("扫码")
        ONLINE = "online", _("线上")
        MANUAL = "manual", _("手工补录")

    # methods that claim a device: recorded only by an AttendanceDevice through the API
    DEVICE_METHODS = frozenset({"face", "card", "qr", "online"})

    session = models.ForeignKey(ClassSession, models.CASCADE, related_name="checkins", verbose_name=_("课程"))
    enrollment = models.ForeignKey(
        Enrollment, models.CASCADE, related_name="checkins", verbose_name=_("报名")
    )
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="checkins", verbose_name=_("学员")
    )
    checked_at = models.DateTimeField(_("签到时间"))
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    reason = models.CharField(_("补录原因"), max_length=200, blank=True)
    device = models.ForeignKey(
        AttendanceDevice,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="checkins",
        verbose_name=_("考勤设备"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        ordering = ["session", "id"]
        verbose_name = verbose_name_plural = _("签到")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrollment"], name="training_checkin_unique"),
            models.CheckConstraint(
                condition=~Q(method="manual") | ~Q(reason=""), name="training_checkin_manual_reason"
            ),
            models.CheckConstraint(
                condition=Q(method="manual") | Q(device__isnull=False), name="training_checkin_device_method"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.checked_at:%Y-%m-%d %H:%M}"


class AssessmentResult(models.Model):
    """The completion result (结业考核 / 培训合格) of one enrollment: theory and practical scores, passed or not,
    who recorded it and when. Under 培评分离 this is never a skill-level result (those are
    ``certificates.LevelAssessment``, recorded by an evaluating body); it leads to a 培训合格证 at most.
    ``evaluating_organisation`` keeps what providers typed before issue 11 and is no longer entered or shown."""

    enrollment = models.OneToOneField(
        Enrollment, models.CASCADE, related_name="assessment", verbose_name=_("报名")
    )
    theory_score = models.DecimalField(_("理论成绩"), max_digits=5, decimal_places=2, null=True, blank=True)
    practical_score = models.DecimalField(
        _("实操成绩"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("是否培训合格"))
    evaluating_organisation = models.CharField(
        _("原填写的考核单位（已停用）"), max_length=100, blank=True, default=""
    )
    assessed_on = models.DateField(_("考核日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("结业考核结果")
        constraints = [
            models.CheckConstraint(
                condition=(Q(theory_score__isnull=True) | Q(theory_score__gte=0, theory_score__lte=100))
                & (Q(practical_score__isnull=True) | Q(practical_score__gte=0, practical_score__lte=100)),
                name="training_assessment_score_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} {_('合格') if self.passed else _('不合格')}"
