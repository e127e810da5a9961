"""Creating and editing a draft class, its timetable and its deletion (only drafts and returned classes change)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
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
    ClassStatus,
    Enrollment,
    TrainingClass,
)
from lijiao.training.services.actors import user_of
from lijiao.training.services.classes.common import (
    CLASS_FIELDS,
    CODE_PREFIX,
    MAX_CAPACITY,
    MAX_CLASS_DAYS,
    ClassInput,
    _fail,
    _locked,
    _require_editable,
    _require_own_provider,
    _today,
)
from lijiao.training.services.classes.filing import (
    _outside_scope,
    _venue_and_teacher_errors,
    resolve_subject,
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
