"""Catalog writes (SPEC C2). Every service: keyword-only arguments, an explicit actor, atomic, audited.

Only draft editions can be edited. Publishing a draft supersedes the edition it follows, and the two never
overlap: the old one ends (exclusive) on the day the new one starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.models import User
from lijiao.audit.services import record_event, snapshot
from lijiao.catalog import workflows
from lijiao.catalog.models import (
    CatalogItem,
    Category,
    Edition,
    EditionStatus,
    Level,
    Occupation,
    ShortageTier,
    SpecialItem,
    WorkType,
)
from lijiao.catalog.selectors import latest_published
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, FieldError
from lijiao.core.permissions import require_perm

EDITION_FIELDS = ("name", "year", "status", "effective_from", "effective_to", "document_number", "notes")
ITEM_FIELDS = (
    "kind",
    "occupation",
    "work_type",
    "special_item",
    "level",
    "category",
    "subsidy_standard",
    "assessment_subsidy",
    "min_lesson_hours",
    "shortage_tier",
    "is_digital",
    "is_elder_child_care",
    "allows_graduate_conversion",
    "is_new_business_form",
    "note",
)


@dataclass(frozen=True, slots=True)
class ItemInput:
    """What a catalog item says, as forms, the API and the importer hand it to the services."""

    kind: str
    occupation: Occupation | None
    special_item: SpecialItem | None
    level: int | None
    category: Category
    subsidy_standard: Decimal
    min_lesson_hours: int
    assessment_subsidy: Decimal | None = None
    shortage_tier: str = ""
    is_digital: bool = False
    is_elder_child_care: bool = False
    allows_graduate_conversion: bool = False
    is_new_business_form: bool = False
    note: str = ""
    work_type: WorkType | None = None


def _require_draft(edition: Edition) -> None:
    if edition.status != EditionStatus.DRAFT:
        raise Conflict(
            _("目录版本“%(name)s”已%(status)s，不能修改")
            % {"name": edition.name, "status": EditionStatus(edition.status).label},
            code="edition_not_draft",
        )


def _subject_errors(data: ItemInput) -> list[FieldError]:
    """An occupation item names an occupation and a level; a special or business-start item names neither."""
    errors: list[FieldError] = []
    if data.kind == CatalogItem.Kind.OCCUPATION:
        if data.occupation is None:
            errors.append(FieldError("occupation", _("职业类项目必须选择职业")))
        if data.level is None:
            errors.append(FieldError("level", _("职业类项目必须选择等级")))
        elif data.occupation is not None:
            errors.extend(_level_errors(data.occupation, data.level))
        if data.work_type is not None and data.work_type.occupation_id != getattr(
            data.occupation, "pk", None
        ):
            errors.append(
                FieldError(
                    "work_type",
                    _("工种“%(work_type)s”不属于职业“%(occupation)s”")
                    % {"work_type": data.work_type.name, "occupation": getattr(data.occupation, "name", "")},
                )
            )
        if data.special_item is not None:
            errors.append(FieldError("special_item", _("职业类项目不能同时选择专项项目")))
    elif data.kind in (CatalogItem.Kind.SPECIAL, CatalogItem.Kind.BUSINESS_START):
        if data.special_item is None:
            errors.append(FieldError("special_item", _("请选择专项或创业项目")))
        elif data.special_item.kind != data.kind:
            errors.append(FieldError("special_item", _("所选项目与类型不符")))
        if data.occupation is not None or data.level is not None:
            errors.append(FieldError("level", _("专项和创业项目不分职业等级")))
        if data.work_type is not None:
            errors.append(FieldError("work_type", _("专项和创业项目没有工种")))
    else:
        errors.append(FieldError("kind", _("未知的项目类型“%(kind)s”") % {"kind": data.kind}))
    return errors


def _level_errors(occupation: Occupation, level: int) -> list[FieldError]:
    """A level the occupation's national standard does not define is refused, naming the ones it does."""
    if level in occupation.allowed_levels:
        return []
    label = Level(level).label if level in Level.values else str(level)
    return [
        FieldError(
            "level",
            _("职业“%(occupation)s”的国家职业标准没有“%(level)s”，只设%(levels)s")
            % {"occupation": occupation.name, "level": label, "levels": occupation.allowed_levels_text()},
        )
    ]


def validate_item(data: ItemInput, *, cap: Decimal | None = None) -> list[FieldError]:
    """Field errors of an item on its own (no database look-ups); empty when it is valid. ``cap`` is the
    edition's policy cap (:attr:`Edition.policy_cap`); without it, the city-wide default."""
    errors = _subject_errors(data)
    if cap is None:
        cap = Decimal(settings.SUBSIDY_POLICY_CAP)
    if data.subsidy_standard <= 0:
        errors.append(FieldError("subsidy_standard", _("补贴标准必须大于0")))
    elif data.subsidy_standard > cap:
        errors.append(FieldError("subsidy_standard", _("补贴标准不得超过政策上限 %(cap)s 元") % {"cap": cap}))
    if data.assessment_subsidy is not None and not (0 <= data.assessment_subsidy <= cap):
        errors.append(FieldError("assessment_subsidy", _("评价补贴应在 0–%(cap)s 元之间") % {"cap": cap}))
    if data.min_lesson_hours <= 0 or data.min_lesson_hours > 2000:
        errors.append(FieldError("min_lesson_hours", _("最低课时应在 1–2000 之间")))
    if data.shortage_tier not in ShortageTier.values:
        errors.append(
            FieldError("shortage_tier", _("未知的紧缺程度“%(tier)s”") % {"tier": data.shortage_tier})
        )
    if len(data.note) > 200:
        errors.append(FieldError("note", _("备注最多200字")))
    return errors


def _check_item(edition: Edition, data: ItemInput, *, exclude: CatalogItem | None = None) -> None:
    errors = validate_item(data, cap=edition.policy_cap)
    if not errors:
        duplicates = CatalogItem.objects.filter(edition=edition)
        if data.kind == CatalogItem.Kind.OCCUPATION:
            duplicates = duplicates.filter(
                occupation=data.occupation, work_type=data.work_type, level=data.level
            )
        else:
            duplicates = duplicates.filter(special_item=data.special_item)
        if exclude is not None:
            duplicates = duplicates.exclude(pk=exclude.pk)
        if duplicates.exists():
            errors.append(FieldError("__all__", _("本版目录中已有该项目")))
    if errors:
        raise DomainError(_("目录项目信息有误"), code="invalid_item", errors=tuple(errors))


@transaction.atomic
def create_edition(
    *,
    actor: Actor,
    name: str,
    year: int,
    effective_from: dt.date | None = None,
    document_number: str = "",
    notes: str = "",
    subsidy_cap: Decimal | None = None,
) -> Edition:
    """Start an empty draft edition (``subsidy_cap``: its R5 policy cap; None for the city-wide default)."""
    require_perm(actor, "catalog.add_edition")
    _check_edition_fields(name=name, year=year)
    if subsidy_cap is not None and subsidy_cap <= 0:
        raise DomainError.for_fields(_("目录版本信息有误"), {"subsidy_cap": _("补贴政策上限必须大于0")})
    edition = Edition.objects.create(
        name=name.strip(),
        year=year,
        effective_from=effective_from,
        document_number=document_number.strip(),
        notes=notes,
        subsidy_cap=subsidy_cap,
        created_by=cast(User, actor),
    )
    after = snapshot(edition, EDITION_FIELDS)
    if subsidy_cap is not None:
        after["subsidy_cap"] = str(subsidy_cap)
    record_event(actor=actor, action="catalog.edition.created", obj=edition, after=after)
    return edition


def _check_edition_fields(*, name: str, year: int) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = _("请填写版本名称")
    if not 2000 <= year <= 2100:
        errors["year"] = _("年度应在2000–2100之间")
    if errors:
        raise DomainError.for_fields(_("目录版本信息有误"), errors)


@transaction.atomic
def start_edition_from(
    *, actor: Actor, source: Edition, name: str, year: int, effective_from: dt.date | None = None
) -> Edition:
    """A new draft that copies every item of ``source`` (usually the last published edition)."""
    require_perm(actor, "catalog.add_edition")
    _check_edition_fields(name=name, year=year)
    edition = Edition.objects.create(
        name=name.strip(),
        year=year,
        effective_from=effective_from,
        based_on=source,
        subsidy_cap=source.subsidy_cap,
        created_by=cast(User, actor),
    )
    copies = []
    for item in CatalogItem.objects.filter(edition=source).order_by("pk"):
        item.pk = None
        item.edition = edition
        copies.append(item)
    CatalogItem.objects.bulk_create(copies, batch_size=500)
    record_event(
        actor=actor,
        action="catalog.edition.created",
        obj=edition,
        after={**snapshot(edition, EDITION_FIELDS), "based_on": source.pk, "items_copied": len(copies)},
    )
    return edition


@transaction.atomic
def update_edition(
    *,
    actor: Actor,
    edition: Edition,
    name: str,
    year: int,
    effective_from: dt.date | None,
    document_number: str = "",
    notes: str = "",
) -> Edition:
    """Change a draft's name, year, planned start, document number or notes."""
    require_perm(actor, "catalog.change_edition")
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _require_draft(edition)
    _check_edition_fields(name=name, year=year)
    before = snapshot(edition, EDITION_FIELDS)
    edition.name, edition.year, edition.effective_from = name.strip(), year, effective_from
    edition.document_number, edition.notes = document_number.strip(), notes
    edition.save(update_fields=["name", "year", "effective_from", "document_number", "notes", "updated_at"])
    record_event(
        actor=actor,
        action="catalog.edition.updated",
        obj=edition,
        before=before,
        after=snapshot(edition, EDITION_FIELDS),
    )
    return edition


@transaction.atomic
def delete_draft_edition(*, actor: Actor, edition: Edition) -> None:
    """Delete a draft and its items (published editions are history and are never deleted)."""
    require_perm(actor, "catalog.delete_edition")
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _require_draft(edition)
    before = snapshot(edition, EDITION_FIELDS)
    record_event(actor=actor, action="catalog.edition.deleted", obj=edition, before=before)
    edition.delete()


@transaction.atomic
def add_item(*, actor: Actor, edition: Edition, data: ItemInput) -> CatalogItem:
    """Add one item to a draft edition."""
    require_perm(actor, "catalog.add_catalogitem")
    _require_draft(edition)
    _check_item(edition, data)
    item = CatalogItem.objects.create(edition=edition, **asdict(data))
    record_event(actor=actor, action="catalog.item.added", obj=item, after=snapshot(item, ITEM_FIELDS))
    return item


@transaction.atomic
def update_item(*, actor: Actor, item: CatalogItem, data: ItemInput) -> CatalogItem:
    """Change an item of a draft edition."""
    require_perm(actor, "catalog.change_catalogitem")
    item = CatalogItem.objects.select_related("edition").select_for_update().get(pk=item.pk)
    _require_draft(item.edition)
    _check_item(item.edition, data, exclude=item)
    before = snapshot(item, ITEM_FIELDS)
    for name, value in asdict(data).items():
        setattr(item, name, value)
    item.save(update_fields=list(ITEM_FIELDS))
    record_event(
        actor=actor, action="catalog.item.updated", obj=item, before=before, after=snapshot(item, ITEM_FIELDS)
    )
    return item


@transaction.atomic
def remove_item(*, actor: Actor, item: CatalogItem) -> None:
    """Remove an item from a draft edition."""
    require_perm(actor, "catalog.delete_catalogitem")
    item = CatalogItem.objects.select_related("edition").select_for_update().get(pk=item.pk)
    _require_draft(item.edition)
    record_event(actor=actor, action="catalog.item.removed", obj=item, before=snapshot(item, ITEM_FIELDS))
    item.delete()


def _check_items(items: list[ItemInput], *, cap: Decimal | None = None) -> None:
    """Every item valid on its own and no subject (occupation and level, or special item) listed twice."""
    errors: list[FieldError] = []
    first: dict[tuple[Any, ...], int] = {}
    for number, data in enumerate(items, start=1):
        errors.extend(
            FieldError(e.field, _("第%(number)s项：%(problem)s") % {"number": number, "problem": e.message})
            for e in validate_item(data, cap=cap)
        )
        key = (
            data.kind,
            getattr(data.occupation, "pk", None),
            getattr(data.work_type, "pk", None),
            data.level,
            getattr(data.special_item, "pk", None),
        )
        if key in first:
            errors.append(
                FieldError(
                    "__all__",
                    _("第%(number)s项与第%(first)s项是同一项目") % {"number": number, "first": first[key]},
                )
            )
        first.setdefault(key, number)
    if errors:
        raise DomainError(_("目录项目信息有误"), code="invalid_item", errors=tuple(errors))


@transaction.atomic
def replace_items(*, actor: Actor, edition: Edition, items: list[ItemInput], source: str = "") -> int:
    """Replace every item of a draft at once (the importer's write); all or nothing. Each item is checked as
    :func:`add_item` checks one (:func:`validate_item`, no subject twice in the edition)."""
    require_perm(actor, "catalog.change_edition")
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _require_draft(edition)
    _check_items(items, cap=edition.policy_cap)
    removed = CatalogItem.objects.filter(edition=edition).count()
    CatalogItem.objects.filter(edition=edition).delete()
    CatalogItem.objects.bulk_create(
        [CatalogItem(edition=edition, **asdict(d)) for d in items], batch_size=500
    )
    record_event(
        actor=actor,
        action="catalog.edition.items_replaced",
        obj=edition,
        before={"items": removed},
        after={"items": len(items), "source": source},
    )
    return len(items)


@transaction.atomic
def publish_edition(*, actor: Actor, edition: Edition, effective_from: dt.date | None = None) -> Edition:
    """Publish a draft: it is in force from ``effective_from`` and supersedes the latest published edition.

    Refused when the draft has no items, no start date, or starts on or before the edition it would replace.
    """
    require_perm(actor, "catalog.publish_edition")
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.status != EditionStatus.DRAFT:
        workflows.transition(edition, EditionStatus.PUBLISHED)  # raises the table's refusal
    start = effective_from or edition.effective_from
    errors: dict[str, str] = {}
    if start is None:
        errors["effective_from"] = _("请填写生效日期")
    if not CatalogItem.objects.filter(edition=edition).exists():
        errors["__all__"] = _("目录版本没有任何项目，不能发布")
    previous = latest_published(exclude=edition)
    if (
        start is not None
        and previous is not None
        and previous.effective_from
        and start <= previous.effective_from
    ):
        errors["effective_from"] = _("生效日期必须晚于现行版本“%(name)s”的生效日期 %(day)s") % {
            "name": previous.name,
            "day": previous.effective_from,
        }
    if errors:
        raise DomainError.for_fields(_("目录版本不能发布"), errors, code="cannot_publish")
    assert start is not None
    before = snapshot(edition, EDITION_FIELDS)
    if previous is not None:
        supersede_edition(actor=actor, edition=previous, ends_on=start)
    now = timezone.now()
    try:
        with transaction.atomic():
            workflows.transition(
                edition, EditionStatus.PUBLISHED, effective_from=start, published_at=now, published_by=actor
            )
    except IntegrityError:
        raise Conflict(_("已有版本在该日期生效"), code="start_taken") from None
    record_event(
        actor=actor,
        action="catalog.edition.published",
        obj=edition,
        before=before,
        after={**snapshot(edition, EDITION_FIELDS), "supersedes": previous.pk if previous else None},
    )
    return edition


@transaction.atomic
def supersede_edition(*, actor: Actor, edition: Edition, ends_on: dt.date) -> Edition:
    """Mark a published edition as replaced from ``ends_on`` (it stays in force on earlier dates)."""
    require_perm(actor, "catalog.publish_edition")
    before = snapshot(edition, EDITION_FIELDS)
    workflows.transition(edition, EditionStatus.SUPERSEDED, effective_to=ends_on)
    record_event(
        actor=actor,
        action="catalog.edition.superseded",
        obj=edition,
        before=before,
        after=snapshot(edition, EDITION_FIELDS),
    )
    return edition
