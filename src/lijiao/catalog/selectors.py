"""Reading the catalog, scoped to what the user may see: the public never sees a draft."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.catalog.models import CatalogItem, Edition, EditionStatus, Occupation, SpecialItem
from lijiao.core.actors import Actor
from lijiao.core.errors import NotFound


def can_see_drafts(user: Actor) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("catalog.change_edition"))


def visible_editions(user: Actor) -> QuerySet[Edition]:
    """Editions the user may see: published and superseded for everyone, drafts for catalog staff.

    Newest first. The order is explicit because Django drops ``Meta.ordering`` from a GROUP BY query.
    """
    qs = Edition.objects.annotate(item_count=Count("items")).order_by(
        "-year", F("effective_from").desc(nulls_first=True), "-id"
    )
    if not can_see_drafts(user):
        qs = qs.exclude(status=EditionStatus.DRAFT)
    return qs


def get_edition(user: Actor, edition_id: int) -> Edition:
    """One visible edition, or :class:`NotFound` (a draft looks the same as a missing id to the public)."""
    edition = visible_editions(user).filter(pk=edition_id).first()
    if edition is None:
        raise NotFound(_("目录版本不存在"))
    return edition


def edition_in_force(on: dt.date) -> Edition | None:
    """The edition in force on a date: published or superseded, started on or before it, not yet ended."""
    return (
        Edition.objects.exclude(status=EditionStatus.DRAFT)
        .filter(effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
        .order_by("-effective_from")
        .first()
    )


def current_edition() -> Edition | None:
    """The edition in force today (Asia/Shanghai)."""
    return edition_in_force(timezone.localdate())


def latest_published(exclude: Edition | None = None) -> Edition | None:
    """The published edition with the latest start date (the one a new publication supersedes)."""
    qs = Edition.objects.filter(status=EditionStatus.PUBLISHED).order_by("-effective_from")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.first()


def replaced_base(edition: Edition) -> tuple[Edition, Edition] | None:
    """For a draft copied from an edition that a later publication has since replaced: (its base, the latest
    published edition), so that screens warn before it is edited or published over the newer one; else None."""
    if not edition.is_draft or edition.based_on_id is None:
        return None
    latest = latest_published(exclude=edition)
    base = edition.based_on
    if latest is None or base is None or latest.pk == base.pk:
        return None
    if base.effective_from and latest.effective_from and latest.effective_from <= base.effective_from:
        return None
    return base, latest


def edition_items(edition: Edition) -> QuerySet[CatalogItem]:
    """Items of an edition with what screens and exports show, in catalog order."""
    return CatalogItem.objects.filter(edition=edition).select_related(
        "occupation", "work_type", "special_item", "category"
    )


def get_item(user: Actor, item_id: int) -> CatalogItem:
    item = CatalogItem.objects.select_related(
        "edition", "occupation", "work_type", "special_item", "category"
    ).filter(pk=item_id)
    if not can_see_drafts(user):
        item = item.exclude(edition__status=EditionStatus.DRAFT)
    found = item.first()
    if found is None:
        raise NotFound(_("目录项目不存在"))
    return found


def occupation_by_code(code: str) -> Occupation | None:
    """The occupation with this code (surrounding spaces ignored), or None."""
    text = (code or "").strip()
    return Occupation.objects.filter(code=text).first() if text else None


def special_item_by_code(code: str) -> SpecialItem | None:
    """The special or business-start item with this code (surrounding spaces ignored), or None."""
    text = (code or "").strip()
    return SpecialItem.objects.filter(code=text).first() if text else None


def unknown_occupation_message(code: str) -> str:
    """What every form and API says about an occupation code that is not in the classification."""
    return _("未知的职业编码“%(code)s”") % {"code": (code or "").strip()}


def unknown_special_item_message(code: str) -> str:
    """What every form and API says about a special or business-start item code that is not registered."""
    return _("未知的项目编码“%(code)s”") % {"code": (code or "").strip()}
