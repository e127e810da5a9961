"""What a filing is checked against: the catalog item in force on the filing date, the lesson-hour rules and the timetable's totals, the provider's listing and scope, venue and teachers, the program."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.catalog.models import CatalogItem, Edition, Level, Occupation, SpecialItem, WorkType
from lijiao.catalog.selectors import edition_in_force
from lijiao.core.errors import FieldError
from lijiao.providers.models import Provider, Teacher, Venue
from lijiao.providers.selectors import listing_problems, scope_covers
from lijiao.training.models import (
    ClassSession,
    LessonHourRule,
    TrainingClass,
)
from lijiao.training.services.classes.common import LESSON_MINUTES, Timetable, _fail, _today
from lijiao.training.services.programs import program_item_problems

# ---------------------------------------------------------------------------------------------------------------
# Subject (catalog item) resolution


def _subject_label(item: CatalogItem) -> str:
    return str(item)


def _no_edition(on: dt.date) -> str:
    return _("%(date)s没有生效的补贴性培训目录") % {"date": on.isoformat()}


def _outside_scope(subject: CatalogItem) -> str:
    return _("“%(subject)s”不在本机构的培训范围内") % {"subject": subject}


def same_subject_item(edition: Edition, item: CatalogItem) -> CatalogItem | None:
    """The item of ``edition`` with the same subject as ``item`` (occupation, 工种 and level, or special item)."""
    qs = CatalogItem.objects.filter(edition=edition).select_related(
        "occupation", "work_type", "special_item", "edition"
    )
    if item.occupation_id is not None:
        return qs.filter(
            occupation_id=item.occupation_id, work_type_id=item.work_type_id, level=item.level
        ).first()
    return qs.filter(special_item_id=item.special_item_id).first()


def resolve_subject(
    *,
    catalog_item: CatalogItem | None = None,
    occupation: Occupation | None = None,
    level: int | None = None,
    special_item: SpecialItem | None = None,
    work_type: WorkType | None = None,
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
    qs = CatalogItem.objects.filter(edition=edition).select_related(
        "occupation", "work_type", "special_item", "edition"
    )
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
        if work_type is not None and work_type.occupation_id != occupation.pk:
            raise _fail(
                _("工种与职业不符"),
                [
                    FieldError(
                        "work_type", _("工种“%(work_type)s”不属于所选职业") % {"work_type": work_type.name}
                    )
                ],
            )
        item = qs.filter(occupation=occupation, work_type=work_type, level=level).first()
        label = _("%(occupation)s %(level)s") % {
            "occupation": occupation.name + (f"（{work_type.name}）" if work_type else ""),
            "level": Level(level).label if level in Level.values else level,
        }
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
    """Session count, lesson hours (all and practical), minutes, first start and last end of a class."""
    rows = list(
        ClassSession.objects.filter(training_class_id=training_class.pk)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at", "kind", "lesson_hours")
    )
    practical_kind = ClassSession.Kind.PRACTICAL
    return Timetable(
        sessions=len(rows),
        total_minutes=sum(_session_minutes(s, e) for s, e, _k, _h in rows),
        practical_minutes=sum(_session_minutes(s, e) for s, e, k, _h in rows if k == practical_kind),
        first_start=rows[0][0] if rows else None,
        last_end=max((e for _s, e, _k, _h in rows), default=None),
        lesson_minutes=lesson_minutes,
        total_hours=sum(h for _s, _e, _k, h in rows),
        practical_hours=sum(h for _s, _e, k, h in rows if k == practical_kind),
    )


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
        if table.total_hours < required:
            level = subject.get_level_display() or subject.get_kind_display()
            errors.append(
                FieldError(
                    "sessions",
                    _("课程表共 %(hours)s 课时，%(level)s至少需要 %(required)s 课时")
                    % {"hours": table.total_hours, "level": level, "required": required},
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
