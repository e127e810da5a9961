"""Classes (培训班, SPEC C4, R10): create and edit a draft, set its timetable, and one service per transition.

Every service is keyword-only with an explicit ``actor``, atomic, and audited (before/after snapshots). Who may
do what:

* the provider's own staff create, edit, set the timetable, file, start, finish and mark assessed
  (``training.add_trainingclass`` / ``change_trainingclass`` / ``change_classsession`` / ``file_trainingclass`` /
  ``record_assessment``); staff of another provider get :class:`NotFound`, as if the class did not exist;
* the district clerk whose handling area covers the class (``training.review_trainingclass`` and
  :meth:`lijiao.accounts.scope.Scope.filter_by_area` on ``handling_area``) approves, returns, rejects and closes;
  a clerk of another area gets :class:`NotFound`.

Filing (:func:`file_class`) runs every check of :func:`filing_problems` and writes nothing unless all pass: the
subject is resolved in the catalog edition in force **on the filing date** (SPEC C2: a class keeps that edition),
the provider is listed and not blacklisted over the class dates and the subject is in its scope (R10), the
timetable reaches the lesson-hour rule of the item's kind and level (1 lesson hour = 45 minutes; the practical
share is practical minutes / all minutes) and matches the declared hours, the venue holds the class, the program
fits the item, and the class starts today or later. Each failure is a field error naming the input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.audit.services import record_event, snapshot
from lijiao.catalog.models import CatalogItem, Edition, Occupation, SpecialItem
from lijiao.catalog.selectors import edition_in_force
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, FieldError, NotFound, PermissionDenied
from lijiao.core.models import HandlingArea
from lijiao.core.permissions import has_any_perm, require_perm
from lijiao.providers.models import Provider, Teacher, Venue
from lijiao.providers.selectors import listing_problems, scope_covers
from lijiao.training import workflows
from lijiao.training.models import (
    AssessmentResult,
    ClassSession,
    ClassStatus,
    Enrollment,
    LessonHourRule,
    Program,
    TrainingClass,
)
from lijiao.training.services.actors import user_of

__all__ = [
    "CLASS_FIELDS",
    "PROVIDER_ACTION_PERMS",
    "ClassInput",
    "SessionInput",
    "Timetable",
    "allowed_actions",
    "approve_class",
    "close_class",
    "create_class",
    "delete_class",
    "file_class",
    "filing_problems",
    "finish_class",
    "lesson_rule_for",
    "mark_assessed",
    "next_class_code",
    "program_item_problems",
    "reject_class",
    "resolve_subject",
    "return_class",
    "set_sessions",
    "start_class",
    "timetable",
    "update_class",
]

CLASS_FIELDS = (
    "code",
    "name",
    "provider",
    "handling_area",
    "catalog_item",
    "program",
    "start_date",
    "end_date",
    "lesson_hours",
    "practical_hours",
    "capacity",
    "venue",
    "mode",
    "status",
    "status_reason",
    "filed_on",
    "reviewed_by",
)
LESSON_MINUTES = 45
MAX_CAPACITY = 5000
MAX_SESSIONS = 1000
MAX_SESSION_MINUTES = 12 * 60
MAX_CLASS_DAYS = 3 * 366  # apprenticeships run 1–2 years, 3 exceptionally (SPEC R8)
CODE_PREFIX = "PX"


@dataclass(frozen=True, slots=True)
class ClassInput:
    """What a class application says, as the form and the API hand it to the services.

    ``catalog_item`` is resolved by :func:`resolve_subject` (an item of the edition in force today).
    ``lesson_hours`` / ``practical_hours`` are the declared hours; None leaves them as they are (a new class
    starts at 0 and :func:`set_sessions` fills them in from the timetable).
    """

    name: str
    catalog_item: CatalogItem
    start_date: dt.date
    end_date: dt.date
    capacity: int
    program: Program | None = None
    venue: Venue | None = None
    teachers: Sequence[Teacher] = field(default_factory=tuple)
    mode: str = TrainingClass.Mode.OFFLINE
    lesson_hours: int | None = None
    practical_hours: int | None = None


@dataclass(frozen=True, slots=True)
class SessionInput:
    """One session of a timetable (aware datetimes; naive ones are taken as Beijing time)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: str = ClassSession.Kind.THEORY
    topic: str = ""
    teacher: Teacher | None = None


@dataclass(frozen=True, slots=True)
class Timetable:
    """Totals of a class's sessions."""

    sessions: int
    total_minutes: int
    practical_minutes: int
    first_start: dt.datetime | None
    last_end: dt.datetime | None
    lesson_minutes: int = LESSON_MINUTES

    @property
    def lesson_hours(self) -> int:
        """Whole lesson hours (minutes // 45)."""
        return self.total_minutes // self.lesson_minutes

    @property
    def practical_hours(self) -> int:
        return self.practical_minutes // self.lesson_minutes

    @property
    def exact_hours(self) -> Decimal:
        """Lesson hours to two decimals (minutes / 45)."""
        return (Decimal(self.total_minutes) / self.lesson_minutes).quantize(Decimal("0.01"))

    @property
    def practical_share(self) -> Decimal:
        """Practical minutes / all minutes (4 decimals; 0 without sessions)."""
        if not self.total_minutes:
            return Decimal(0)
        return (Decimal(self.practical_minutes) / self.total_minutes).quantize(Decimal("0.0001"))


# ---------------------------------------------------------------------------------------------------------------
# Permission and scope helpers


def _not_found() -> NotFound:
    return NotFound(_("培训班不存在"))


# The permission each provider action's service requires (reviewer actions need ``review_trainingclass``).
PROVIDER_ACTION_PERMS = {
    "file": "training.file_trainingclass",
    "start": "training.change_trainingclass",
    "finish": "training.change_trainingclass",
    "assess": "training.record_assessment",
}


def _is_own_provider(actor: Actor, training_class: TrainingClass) -> bool:
    provider_id = getattr(actor, "provider_id", None)
    return bool(provider_id) and provider_id == training_class.provider_id


def _reviews_area_of(actor: Actor, training_class: TrainingClass) -> bool:
    return (
        Scope.for_user(actor)
        .filter_by_area(TrainingClass.objects.filter(pk=training_class.pk), area_field="handling_area")
        .exists()
    )


def _require_own_provider(actor: Actor, training_class: TrainingClass, perm: str) -> None:
    """The actor holds ``perm`` and works for the class's provider (others: the class does not exist)."""
    require_perm(actor, perm)
    if not _is_own_provider(actor, training_class):
        raise _not_found()


def _require_reviewer(actor: Actor, training_class: TrainingClass) -> None:
    """The actor reviews classes and the class's handling area is within their scope."""
    require_perm(actor, "training.review_trainingclass")
    if not _reviews_area_of(actor, training_class):
        raise _not_found()


def allowed_actions(actor: Actor, training_class: TrainingClass) -> list[str]:
    """The workflow actions ``actor`` may take on the class now: its status allows them, and the actor passes the
    checks the action's service makes (the permission, and the own provider or the class's handling area)."""
    own = _is_own_provider(actor, training_class)
    reviewer: bool | None = None
    allowed = []
    for action in workflows.available_actions(training_class.status):
        if action in PROVIDER_ACTION_PERMS:
            if own and has_any_perm(actor, PROVIDER_ACTION_PERMS[action]):
                allowed.append(action)
        elif has_any_perm(actor, "training.review_trainingclass"):
            if reviewer is None:
                reviewer = _reviews_area_of(actor, training_class)
            if reviewer:
                allowed.append(action)
    return allowed


def _locked(training_class: TrainingClass) -> TrainingClass:
    """The class re-read under a row lock (its current status, not the caller's copy)."""
    fresh = (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("provider", "catalog_item", "venue", "program", "handling_area")
        .filter(pk=training_class.pk)
        .first()
    )
    if fresh is None:
        raise _not_found()
    return fresh


def _today() -> dt.date:
    return timezone.localdate()


def _fail(message: str, errors: Sequence[FieldError], code: str = "invalid_class") -> DomainError:
    return DomainError(message, code=code, errors=tuple(errors))


def _status_label(status: str) -> str:
    return str(ClassStatus(status).label)


def _require_editable(training_class: TrainingClass) -> None:
    if training_class.status not in workflows.EDITABLE:
        raise Conflict(
            _("培训班“%(name)s”当前为“%(status)s”，只有草稿或退回修改的培训班可以修改")
            % {"name": training_class.name, "status": _status_label(training_class.status)},
            code="class_not_editable",
        )


# ---------------------------------------------------------------------------------------------------------------
# Subject (catalog item) resolution


def _subject_label(item: CatalogItem) -> str:
    return str(item)


def _no_edition(on: dt.date) -> str:
    return _("%(date)s没有生效的补贴性培训目录") % {"date": on.isoformat()}


def _outside_scope(subject: CatalogItem) -> str:
    return _("“%(subject)s”不在本机构的培训范围内") % {"subject": subject}


def same_subject_item(edition: Edition, item: CatalogItem) -> CatalogItem | None:
    """The item of ``edition`` with the same subject as ``item`` (occupation and level, or special item)."""
    qs = CatalogItem.objects.filter(edition=edition).select_related("occupation", "special_item", "edition")
    if item.occupation_id is not None:
        return qs.filter(occupation_id=item.occupation_id, level=item.level).first()
    return qs.filter(special_item_id=item.special_item_id).first()


def resolve_subject(
    *,
    catalog_item: CatalogItem | None = None,
    occupation: Occupation | None = None,
    level: int | None = None,
    special_item: SpecialItem | None = None,
    on: dt.date | None = None,
) -> CatalogItem:
    """The catalog item of the edition in force on ``on`` (default today) for a subject.

    The subject is given as an item (of any edition: its subject is looked up in the edition in force), or as an
    occupation and level, or as a special / business-start item. Field error ``catalog_item`` when there is no
    edition in force or the subject is not in it.
    """
    on = on or _today()
    edition = edition_in_force(on)
    if edition is None:
        raise _fail(_("没有生效的培训目录"), [FieldError("catalog_item", _no_edition(on))])
    qs = CatalogItem.objects.filter(edition=edition).select_related("occupation", "special_item", "edition")
    item: CatalogItem | None
    if catalog_item is not None:
        item = (
            catalog_item
            if catalog_item.edition_id == edition.pk
            else same_subject_item(edition, catalog_item)
        )
        label = _subject_label(catalog_item)
    elif occupation is not None:
        if level is None:
            raise _fail(_("请选择等级"), [FieldError("level", _("职业类培训必须选择等级"))])
        item = qs.filter(occupation=occupation, level=level).first()
        label = _("%(occupation)s %(level)s级") % {"occupation": occupation.name, "level": level}
    elif special_item is not None:
        item = qs.filter(special_item=special_item).first()
        label = special_item.name
    else:
        raise _fail(_("请选择培训的目录项目"), [FieldError("catalog_item", _("请选择培训的目录项目"))])
    if item is None:
        raise _fail(
            _("所选项目不在现行目录中"),
            [
                FieldError(
                    "catalog_item",
                    _("“%(subject)s”不在%(date)s生效的“%(edition)s”中，不能开班")
                    % {"subject": label, "date": on.isoformat(), "edition": edition.name},
                )
            ],
        )
    return item


# ---------------------------------------------------------------------------------------------------------------
# Rules and totals


def lesson_rule_for(item: CatalogItem) -> LessonHourRule | None:
    """The most specific active lesson-hour rule for the item: its kind and level, else its kind for all levels."""
    level = Q(level__isnull=True) if item.level is None else Q(level=item.level) | Q(level__isnull=True)
    rules = {rule.level: rule for rule in LessonHourRule.objects.filter(level, active=True, kind=item.kind)}
    if item.level is not None and item.level in rules:
        return rules[item.level]
    return rules.get(None)


def _session_minutes(starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    return int((ends_at - starts_at).total_seconds() // 60)


def timetable(training_class: TrainingClass, lesson_minutes: int = LESSON_MINUTES) -> Timetable:
    """Session count, total and practical minutes, first start and last end of a class."""
    rows = list(
        ClassSession.objects.filter(training_class_id=training_class.pk)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at", "kind")
    )
    total = sum(_session_minutes(s, e) for s, e, _k in rows)
    practical = sum(_session_minutes(s, e) for s, e, k in rows if k == ClassSession.Kind.PRACTICAL)
    return Timetable(
        sessions=len(rows),
        total_minutes=total,
        practical_minutes=practical,
        first_start=rows[0][0] if rows else None,
        last_end=max((e for _s, e, _k in rows), default=None),
        lesson_minutes=lesson_minutes,
    )


def program_item_problems(program: Program, item: CatalogItem) -> list[str]:
    """Why ``item`` does not fit ``program`` (empty when it does)."""
    problems: list[str] = []
    if not program.active:
        problems.append(_("培训项目“%(name)s”已停用") % {"name": program.name})
    kind = program.kind
    if kind == Program.Kind.GRADUATE_CONVERSION and not item.allows_graduate_conversion:
        problems.append(_("“%(item)s”未列为可用于高校毕业生专业转换培训的项目") % {"item": item})
    elif kind == Program.Kind.ELDER_CHILD and not item.is_elder_child_care:
        problems.append(_("“%(item)s”不是“一老一小”项目") % {"item": item})
    elif kind == Program.Kind.MASTER_CRAFTSMAN and item.level not in (1, 2):
        problems.append(_("大师工匠培育提升计划只培训技师（二级）和高级技师（一级）"))
    elif kind == Program.Kind.APPRENTICESHIP and (item.level is None or item.level > 4):
        problems.append(_("企业新型学徒制培养中级工至高级技师（四级至一级）"))
    return problems


def _venue_and_teacher_errors(
    provider: Provider, venue: Venue | None, teachers: Sequence[Teacher]
) -> list[FieldError]:
    errors: list[FieldError] = []
    if venue is not None:
        if venue.provider_id != provider.pk:
            errors.append(FieldError("venue", _("只能选择本机构的培训场地")))
        elif not venue.active:
            errors.append(FieldError("venue", _("培训场地“%(name)s”已停用") % {"name": venue.name}))
    foreign = [t.name for t in teachers if t.provider_id != provider.pk]
    if foreign:
        errors.append(
            FieldError("teachers", _("只能选择本机构的教师：%(names)s") % {"names": "、".join(foreign)})
        )
    inactive = [t.name for t in teachers if t.provider_id == provider.pk and not t.active]
    if inactive:
        errors.append(FieldError("teachers", _("教师已离职：%(names)s") % {"names": "、".join(inactive)}))
    return errors


def _timetable_problems(tc: TrainingClass, subject: CatalogItem) -> list[FieldError]:
    """The timetable's hours, practical share, declared hours and dates against the class and its item."""
    errors: list[FieldError] = []
    rule = lesson_rule_for(subject)
    lesson_minutes = rule.lesson_minutes if rule is not None else LESSON_MINUTES
    table = timetable(tc, lesson_minutes)
    if table.sessions == 0:
        errors.append(FieldError("sessions", _("请先编排课程表")))
    else:
        required = max(rule.min_total_hours if rule else 0, subject.min_lesson_hours or 0)
        if table.total_minutes < required * lesson_minutes:
            level = subject.get_level_display() or subject.get_kind_display()
            errors.append(
                FieldError(
                    "sessions",
                    _("课程表共 %(hours)s 课时，每课时%(minutes)s分钟，%(level)s至少需要 %(required)s 课时")
                    % {
                        "hours": table.exact_hours,
                        "minutes": lesson_minutes,
                        "level": level,
                        "required": required,
                    },
                )
            )
        min_share = rule.min_practical_share if rule is not None else Decimal(0)
        if table.practical_share < min_share:
            errors.append(
                FieldError(
                    "sessions",
                    _("实操课时占比%(share)s，低于要求的%(required)s")
                    % {"share": f"{table.practical_share:.1%}", "required": f"{min_share:.0%}"},
                )
            )
        if tc.lesson_hours != table.lesson_hours:
            errors.append(
                FieldError(
                    "lesson_hours",
                    _("申报总课时%(declared)s与课程表的%(timetable)s课时不一致")
                    % {"declared": tc.lesson_hours, "timetable": table.lesson_hours},
                )
            )
        if tc.practical_hours != table.practical_hours:
            errors.append(
                FieldError(
                    "practical_hours",
                    _("申报实操课时%(declared)s与课程表的%(timetable)s课时不一致")
                    % {"declared": tc.practical_hours, "timetable": table.practical_hours},
                )
            )
        assert table.first_start is not None and table.last_end is not None
        first_day = timezone.localtime(table.first_start).date()
        last_day = timezone.localtime(table.last_end).date()
        if first_day < tc.start_date or last_day > tc.end_date:
            errors.append(
                FieldError(
                    "sessions",
                    _("课程安排的日期%(first)s至%(last)s超出培训班起止日期%(start)s至%(end)s")
                    % {
                        "first": first_day.isoformat(),
                        "last": last_day.isoformat(),
                        "start": tc.start_date.isoformat(),
                        "end": tc.end_date.isoformat(),
                    },
                )
            )
    return errors


def filing_problems(
    training_class: TrainingClass, *, on: dt.date | None = None
) -> tuple[CatalogItem | None, list[FieldError]]:
    """Every filing check of a class on ``on`` (default today): the resolved item and the failures (field errors).

    The item is the class's subject in the edition in force on ``on`` (None when it cannot be resolved).
    """
    on = on or _today()
    tc = training_class
    provider = tc.provider
    errors: list[FieldError] = []

    if tc.start_date < on:
        errors.append(
            FieldError(
                "start_date",
                _("开班日期%(start)s早于申请日期%(date)s，请修改开班日期")
                % {"start": tc.start_date.isoformat(), "date": on.isoformat()},
            )
        )
    if tc.end_date < tc.start_date:
        errors.append(FieldError("end_date", _("结业日期不能早于开班日期")))

    item: CatalogItem | None = None
    edition = edition_in_force(on)
    if edition is None:
        errors.append(FieldError("catalog_item", _no_edition(on)))
    else:
        item = same_subject_item(edition, tc.catalog_item)
        if item is None:
            errors.append(
                FieldError(
                    "catalog_item",
                    _("“%(subject)s”不在申请日%(date)s生效的“%(edition)s”中，不能申请开班")
                    % {"subject": tc.catalog_item, "date": on.isoformat(), "edition": edition.name},
                )
            )

    for problem in listing_problems(provider, start=tc.start_date, end=max(tc.end_date, tc.start_date)):
        errors.append(FieldError("provider", problem))
    subject = item or tc.catalog_item
    if not scope_covers(provider, subject):
        errors.append(FieldError("catalog_item", _outside_scope(subject)))

    errors.extend(_timetable_problems(tc, subject))

    venue = tc.venue
    teachers = list(tc.teachers.all())
    errors.extend(_venue_and_teacher_errors(provider, venue, teachers))
    if venue is None and tc.mode != TrainingClass.Mode.ONLINE:
        errors.append(FieldError("venue", _("线下或混合培训必须选择培训场地")))
    if venue is not None and tc.capacity > venue.capacity:
        errors.append(
            FieldError(
                "capacity",
                _("计划人数%(capacity)s超过场地“%(venue)s”的容纳人数%(venue_capacity)s")
                % {"capacity": tc.capacity, "venue": venue.name, "venue_capacity": venue.capacity},
            )
        )
    if not teachers:
        errors.append(FieldError("teachers", _("请至少选择一名授课教师")))

    if tc.program is not None:
        for problem in program_item_problems(tc.program, subject):
            errors.append(FieldError("program", problem))
    return item, errors


# ---------------------------------------------------------------------------------------------------------------
# Creating and editing


def _field_errors(
    provider: Provider, data: ClassInput, *, training_class: TrainingClass | None = None
) -> list[FieldError]:
    errors: list[FieldError] = []
    name = data.name.strip()
    if not name:
        errors.append(FieldError("name", _("请填写班级名称")))
    elif len(name) > 100:
        errors.append(FieldError("name", _("班级名称最多100个字符")))
    today = _today()
    if data.start_date < today:
        errors.append(
            FieldError(
                "start_date", _("开班日期不能早于今天，今天是%(today)s") % {"today": today.isoformat()}
            )
        )
    if data.end_date < data.start_date:
        errors.append(FieldError("end_date", _("结业日期不能早于开班日期")))
    elif (data.end_date - data.start_date).days > MAX_CLASS_DAYS:
        errors.append(FieldError("end_date", _("培训周期不能超过3年")))
    if not 1 <= data.capacity <= MAX_CAPACITY:
        errors.append(FieldError("capacity", _("计划人数应在1–%(max)s之间") % {"max": MAX_CAPACITY}))
    elif training_class is not None and data.capacity < training_class.enrolled_count:
        errors.append(
            FieldError(
                "capacity",
                _("计划人数不能少于已报名的%(count)s人") % {"count": training_class.enrolled_count},
            )
        )
    if data.mode not in TrainingClass.Mode.values:
        errors.append(FieldError("mode", _("未知的培训方式“%(mode)s”") % {"mode": data.mode}))
    errors.extend(_venue_and_teacher_errors(provider, data.venue, data.teachers))
    if data.program is not None and not data.program.active:
        errors.append(FieldError("program", _("培训项目“%(name)s”已停用") % {"name": data.program.name}))
    for name_, value in (("lesson_hours", data.lesson_hours), ("practical_hours", data.practical_hours)):
        if value is not None and not 0 <= value <= 5000:
            errors.append(FieldError(name_, _("课时应在0–5000之间")))
    lesson = (
        data.lesson_hours if data.lesson_hours is not None else getattr(training_class, "lesson_hours", 0)
    )
    practical = (
        data.practical_hours
        if data.practical_hours is not None
        else getattr(training_class, "practical_hours", 0)
    )
    if (lesson or 0) < (practical or 0):
        errors.append(FieldError("practical_hours", _("实操课时不能多于总课时")))
    if not scope_covers(provider, data.catalog_item):
        errors.append(FieldError("catalog_item", _outside_scope(data.catalog_item)))
    return errors


def _current_item(item: CatalogItem) -> CatalogItem:
    """The item of the edition in force today with the same subject (field error when there is none)."""
    return resolve_subject(catalog_item=item)


def next_class_code(area: HandlingArea, year: int) -> str:
    """The next free class code ``PX<year><area><serial>`` as the table stands now (the last serial + 1).

    Two creators may compute the same code at the same moment; :func:`create_class` then retries with the next
    one (this function is the seam the concurrency tests hold both creators at).
    """
    prefix = f"{CODE_PREFIX}{year}{area.code}"
    last = TrainingClass.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    serial = 0
    if last:
        tail = last[len(prefix) :]
        serial = int(tail) if tail.isdigit() else 0
    return f"{prefix}{serial + 1:06d}"


def _insert_with_code(training_class: TrainingClass, *, attempts: int = 20) -> None:
    """Save a new class with the next free code ``PX<year><area><serial>``; two concurrent creators never share one."""
    year = _today().year
    for _attempt in range(attempts):
        code = next_class_code(training_class.handling_area, year)
        training_class.code = code
        try:
            with transaction.atomic():
                training_class.save(force_insert=True)
            return
        except IntegrityError:
            training_class.pk = None
            if not TrainingClass.objects.filter(code=code).exists():
                raise
    raise Conflict(_("班级编号生成冲突，请重试"), code="code_conflict")


@transaction.atomic
def create_class(*, actor: Actor, data: ClassInput) -> TrainingClass:
    """A draft class of the actor's provider, for a subject of the catalog edition in force today."""
    require_perm(actor, "training.add_trainingclass")
    provider = getattr(actor, "provider", None)
    if provider is None:
        raise PermissionDenied(_("只有培训机构人员可以新建培训班"))
    item = _current_item(data.catalog_item)
    data_item = replace(data, catalog_item=item)
    errors = _field_errors(provider, data_item)
    if errors:
        raise _fail(_("培训班信息有误"), errors)
    training_class = TrainingClass(
        name=data.name.strip(),
        provider=provider,
        handling_area=provider.handling_area,
        catalog_item=item,
        program=data.program,
        start_date=data.start_date,
        end_date=data.end_date,
        lesson_hours=data.lesson_hours or 0,
        practical_hours=data.practical_hours or 0,
        capacity=data.capacity,
        venue=data.venue,
        mode=data.mode,
        status=ClassStatus.DRAFT,
        created_by=user_of(actor),
    )
    _insert_with_code(training_class)
    training_class.teachers.set(list(data.teachers))
    record_event(
        actor=actor,
        action="training.class.created",
        obj=training_class,
        after={**snapshot(training_class, CLASS_FIELDS), "teachers": sorted(t.pk for t in data.teachers)},
    )
    return training_class


def _snapshot(training_class: TrainingClass) -> dict[str, Any]:
    return {
        **snapshot(training_class, CLASS_FIELDS),
        "teachers": sorted(training_class.teachers.values_list("pk", flat=True)),
    }


@transaction.atomic
def update_class(*, actor: Actor, training_class: TrainingClass, data: ClassInput) -> TrainingClass:
    """Change a draft or returned class (name, subject, program, dates, capacity, venue, teachers, mode, hours)."""
    _require_own_provider(actor, training_class, "training.change_trainingclass")
    tc = _locked(training_class)
    _require_editable(tc)
    item = _current_item(data.catalog_item)
    data_item = replace(data, catalog_item=item)
    errors = _field_errors(tc.provider, data_item, training_class=tc)
    if errors:
        raise _fail(_("培训班信息有误"), errors)
    before = _snapshot(tc)
    tc.name = data.name.strip()
    tc.catalog_item = item
    tc.program = data.program
    tc.start_date = data.start_date
    tc.end_date = data.end_date
    tc.capacity = data.capacity
    tc.venue = data.venue
    tc.mode = data.mode
    if data.lesson_hours is not None:
        tc.lesson_hours = data.lesson_hours
    if data.practical_hours is not None:
        tc.practical_hours = data.practical_hours
    tc.save()
    tc.teachers.set(list(data.teachers))
    record_event(actor=actor, action="training.class.updated", obj=tc, before=before, after=_snapshot(tc))
    return tc


def _aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


@transaction.atomic
def set_sessions(
    *,
    actor: Actor,
    training_class: TrainingClass,
    sessions: Sequence[SessionInput],
    update_hours: bool = True,
) -> TrainingClass:
    """Replace the timetable of a draft or returned class.

    Every session lies within the class dates, lasts at most 12 hours, and no two sessions of the class overlap.
    With ``update_hours`` the declared lesson and practical hours become the timetable's (minutes // 45).
    """
    _require_own_provider(actor, training_class, "training.change_classsession")
    tc = _locked(training_class)
    _require_editable(tc)
    errors: list[FieldError] = []
    if len(sessions) > MAX_SESSIONS:
        errors.append(FieldError("sessions", _("课程最多%(max)s节") % {"max": MAX_SESSIONS}))
    rows: list[tuple[int, dt.datetime, dt.datetime, SessionInput]] = []
    for number, session in enumerate(sessions, start=1):
        starts_at, ends_at = _aware(session.starts_at), _aware(session.ends_at)
        prefix = _("第%(number)s节 %(time)s：") % {
            "number": number,
            "time": f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}",
        }
        if ends_at <= starts_at:
            errors.append(FieldError("sessions", prefix + _("结束时间必须晚于开始时间")))
            continue
        if _session_minutes(starts_at, ends_at) > MAX_SESSION_MINUTES:
            errors.append(FieldError("sessions", prefix + _("一节课不能超过12小时")))
        first, last = timezone.localtime(starts_at).date(), timezone.localtime(ends_at).date()
        if first < tc.start_date or last > tc.end_date:
            errors.append(
                FieldError(
                    "sessions",
                    prefix
                    + _("不在培训班起止日期%(start)s至%(end)s内")
                    % {"start": tc.start_date.isoformat(), "end": tc.end_date.isoformat()},
                )
            )
        if session.kind not in ClassSession.Kind.values:
            errors.append(
                FieldError("sessions", prefix + _("未知的课程类型“%(kind)s”") % {"kind": session.kind})
            )
        if len(session.topic.strip()) > 200:
            errors.append(FieldError("sessions", prefix + _("内容最多200字")))
        if session.teacher is not None and session.teacher.provider_id != tc.provider_id:
            errors.append(FieldError("sessions", prefix + _("只能选择本机构的教师")))
        rows.append((number, starts_at, ends_at, session))
    ordered = sorted(rows, key=lambda r: (r[1], r[2]))
    latest: tuple[int, dt.datetime, dt.datetime, SessionInput] | None = None
    for row in ordered:
        if latest is not None and row[1] < latest[2]:
            errors.append(
                FieldError(
                    "sessions",
                    _("第%(number)s节与第%(other)s节时间重叠") % {"number": row[0], "other": latest[0]},
                )
            )
        if latest is None or row[2] > latest[2]:
            latest = row
    if errors:
        raise _fail(_("课程表有误"), errors, code="invalid_timetable")
    before = {
        "sessions": tc.sessions.count(),
        "lesson_hours": tc.lesson_hours,
        "practical_hours": tc.practical_hours,
    }
    ClassSession.objects.filter(training_class=tc).delete()
    ClassSession.objects.bulk_create(
        [
            ClassSession(
                training_class=tc,
                starts_at=starts_at,
                ends_at=ends_at,
                kind=session.kind,
                topic=session.topic.strip(),
                teacher=session.teacher,
            )
            for _n, starts_at, ends_at, session in ordered
        ],
        batch_size=500,
    )
    if update_hours:
        rule = lesson_rule_for(tc.catalog_item)
        table = timetable(tc, rule.lesson_minutes if rule else LESSON_MINUTES)
        tc.lesson_hours, tc.practical_hours = table.lesson_hours, table.practical_hours
        tc.save(update_fields=["lesson_hours", "practical_hours", "updated_at"])
    record_event(
        actor=actor,
        action="training.class.sessions_set",
        obj=tc,
        before=before,
        after={
            "sessions": len(ordered),
            "lesson_hours": tc.lesson_hours,
            "practical_hours": tc.practical_hours,
            "timetable": [
                [timezone.localtime(s).isoformat(), timezone.localtime(e).isoformat(), x.kind]
                for _n, s, e, x in ordered
            ],
        },
    )
    return tc


@transaction.atomic
def delete_class(*, actor: Actor, training_class: TrainingClass) -> None:
    """Delete a draft or returned class that nobody is enrolled in."""
    _require_own_provider(actor, training_class, "training.change_trainingclass")
    tc = _locked(training_class)
    _require_editable(tc)
    if Enrollment.objects.filter(training_class=tc).exists():
        raise Conflict(_("培训班已有学员报名，不能删除"), code="class_has_enrollments")
    before = _snapshot(tc)
    record_event(actor=actor, action="training.class.deleted", obj=tc, before=before)
    tc.delete()


# ---------------------------------------------------------------------------------------------------------------
# Transitions


def _record(actor: Actor, action: str, tc: TrainingClass, before: dict[str, Any], reason: str = "") -> None:
    record_event(
        actor=actor,
        action=f"training.class.{action}",
        obj=tc,
        before=before,
        after=snapshot(tc, CLASS_FIELDS),
        reason=reason,
    )


@transaction.atomic
def file_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Draft/returned → filed (开班申请), after every check of :func:`filing_problems` passes on today's date.

    The class's catalog item becomes the item of the edition in force today (classes keep the edition in force
    on their filing date).
    """
    _require_own_provider(actor, training_class, "training.file_trainingclass")
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.FILED)
    today = _today()
    item, errors = filing_problems(tc, on=today)
    if errors:
        raise _fail(_("开班申请未通过检查，请修改后再提交"), errors, code="filing_refused")
    assert item is not None
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(
        tc,
        ClassStatus.FILED,
        catalog_item=item,
        filed_on=today,
        status_reason="",
        reviewed_by=None,
        reviewed_at=None,
    )
    _record(actor, "filed", tc, before)
    return tc


def _listing_errors(tc: TrainingClass) -> list[FieldError]:
    errors = [
        FieldError("provider", problem)
        for problem in listing_problems(tc.provider, start=tc.start_date, end=tc.end_date)
    ]
    if not scope_covers(tc.provider, tc.catalog_item):
        errors.append(FieldError("catalog_item", _outside_scope(tc.catalog_item)))
    return errors


@transaction.atomic
def approve_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Filed → approved (备案) by the clerk of the class's handling area; R10 is checked again today."""
    _require_reviewer(actor, training_class)
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.APPROVED)
    errors = _listing_errors(tc)
    if errors:
        raise _fail(
            _("培训机构当前不符合开班条件，不能备案"),
            errors,
            "listing_refused",
        )
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(
        tc, ClassStatus.APPROVED, reviewed_by=actor, reviewed_at=timezone.now(), status_reason=""
    )
    _record(actor, "approved", tc, before)
    return tc


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError.for_fields(_("请填写原因"), {"reason": _("请填写原因")})
    if len(text) > 500:
        raise DomainError.for_fields(_("原因过长"), {"reason": _("原因最多500字")})
    return text


def _review_with_reason(
    actor: Actor, training_class: TrainingClass, target: str, reason: str, action: str
) -> TrainingClass:
    _require_reviewer(actor, training_class)
    tc = _locked(training_class)
    workflows.require_transition(tc, target)
    text = _reason(reason)
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, target, reviewed_by=actor, reviewed_at=timezone.now(), status_reason=text)
    _record(actor, action, tc, before, reason=text)
    return tc


@transaction.atomic
def return_class(*, actor: Actor, training_class: TrainingClass, reason: str) -> TrainingClass:
    """Filed → returned for correction, with the reason the provider reads."""
    return _review_with_reason(actor, training_class, ClassStatus.RETURNED, reason, "returned")


@transaction.atomic
def reject_class(*, actor: Actor, training_class: TrainingClass, reason: str) -> TrainingClass:
    """Filed → rejected (不予备案), with the reason; final."""
    return _review_with_reason(actor, training_class, ClassStatus.REJECTED, reason, "rejected")


@transaction.atomic
def start_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Approved → running, on or after the start date; a provider suspended or blacklisted meanwhile cannot."""
    _require_own_provider(actor, training_class, "training.change_trainingclass")
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.RUNNING)
    today = _today()
    errors: list[FieldError] = []
    if today < tc.start_date:
        errors.append(
            FieldError(
                "start_date",
                _("开班日期为%(date)s，不能提前开班") % {"date": tc.start_date.isoformat()},
            )
        )
    elif today > tc.end_date:
        errors.append(
            FieldError(
                "end_date",
                _("结业日期%(date)s已过，不能再开班") % {"date": tc.end_date.isoformat()},
            )
        )
    errors.extend(_listing_errors(tc))
    if errors:
        raise _fail(_("培训班现在不能开班"), errors, "start_refused")
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, ClassStatus.RUNNING)
    _record(actor, "started", tc, before)
    return tc


def _attendance_rates(tc: TrainingClass) -> dict[int, Decimal]:
    from lijiao.training.checks import attendance_rates

    return attendance_rates(tc)


@transaction.atomic
def finish_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Running → finished (结业) on or after the end date: active enrollments become completed, and every
    enrollment gets its attendance rate (attended sessions / sessions, 4 decimals)."""
    _require_own_provider(actor, training_class, "training.change_trainingclass")
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.FINISHED)
    today = _today()
    if today < tc.end_date:
        raise _fail(
            _("培训班尚未到结业日期"),
            [
                FieldError(
                    "end_date",
                    _("结业日期为%(date)s，不能提前结业") % {"date": tc.end_date.isoformat()},
                )
            ],
            "finish_refused",
        )
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, ClassStatus.FINISHED)
    rates = _attendance_rates(tc)
    enrollments = list(Enrollment.objects.filter(training_class=tc).order_by("pk"))
    completed = 0
    for enrollment in enrollments:
        enrollment.attendance_rate = rates.get(enrollment.pk, Decimal("0.0000"))
        if enrollment.status == Enrollment.Status.ACTIVE:
            enrollment.status = Enrollment.Status.COMPLETED
            completed += 1
    by_values: dict[tuple[Decimal | None, str], list[int]] = {}
    for enrollment in enrollments:
        by_values.setdefault((enrollment.attendance_rate, enrollment.status), []).append(enrollment.pk)
    for (rate, status), pks in by_values.items():  # a handful of UPDATEs rather than a CASE per row
        Enrollment.objects.filter(pk__in=pks).update(attendance_rate=rate, status=status)
    record_event(
        actor=actor,
        action="training.class.finished",
        obj=tc,
        before=before,
        after={
            **snapshot(tc, CLASS_FIELDS),
            "completed_enrollments": completed,
            "enrollments": len(enrollments),
        },
    )
    return tc


@transaction.atomic
def mark_assessed(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Finished → assessed once every completed enrollment has an assessment result."""
    _require_own_provider(actor, training_class, "training.record_assessment")
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.ASSESSED)
    missing = (
        Enrollment.objects.filter(training_class=tc, status=Enrollment.Status.COMPLETED)
        .exclude(
            pk__in=AssessmentResult.objects.filter(enrollment__training_class=tc).values("enrollment_id")
        )
        .count()
    )
    if missing:
        raise _fail(
            _("还有学员没有评价结果"),
            [
                FieldError(
                    "__all__",
                    _("还有%(count)s名结业学员没有录入评价结果") % {"count": missing},
                )
            ],
            "assessment_incomplete",
        )
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, ClassStatus.ASSESSED)
    _record(actor, "assessed", tc, before)
    return tc


@transaction.atomic
def close_class(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """Assessed → closed by the clerk of the class's handling area."""
    _require_reviewer(actor, training_class)
    tc = _locked(training_class)
    workflows.require_transition(tc, ClassStatus.CLOSED)
    before = snapshot(tc, CLASS_FIELDS)
    workflows.transition(tc, ClassStatus.CLOSED, reviewed_by=actor, reviewed_at=timezone.now())
    _record(actor, "closed", tc, before)
    return tc
