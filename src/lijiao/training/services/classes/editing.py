"""Creating and editing a draft class, its timetable and its deletion (only drafts and returned classes change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.catalog.models import CatalogItem
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, FieldError, PermissionDenied
from lijiao.core.models import HandlingArea
from lijiao.core.permissions import require_perm
from lijiao.providers.models import Provider
from lijiao.providers.selectors import scope_covers
from lijiao.training.models import (
    ClassSession,
    ClassStatus,
    Enrollment,
    TrainingClass,
)
from lijiao.training.services.actors import user_of
from lijiao.training.services.classes.common import (
    CLASS_FIELDS,
    CODE_PREFIX,
    LESSON_MINUTES,
    MAX_CAPACITY,
    MAX_CLASS_DAYS,
    MAX_SESSION_MINUTES,
    MAX_SESSIONS,
    ClassInput,
    SessionInput,
    _fail,
    _locked,
    _require_editable,
    _require_own_provider,
    _today,
)
from lijiao.training.services.classes.filing import (
    _outside_scope,
    _session_minutes,
    _venue_and_teacher_errors,
    lesson_rule_for,
    resolve_subject,
    timetable,
)

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
        work_type_id=item.work_type_id,
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
    tc.work_type_id = item.work_type_id
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
