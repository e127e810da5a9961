"""A provider's training venues: add and change (a venue out of use stays on the classes that used it)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.core.actors import Actor
from lijiao.core.errors import FieldError
from lijiao.core.models import Region
from lijiao.providers.models import Provider, Venue
from lijiao.providers.services.access import _deactivate, _locked, _require_editable, _require_manager
from lijiao.providers.services.validation import _invalid, _text

VENUE_FIELDS = ("provider", "name", "address", "region", "capacity", "is_practical", "active")


MAX_VENUE_CAPACITY = 10000


def _clean_venue(
    provider: Provider,
    *,
    name: str,
    address: str,
    capacity: Any,
    region: Region | None,
    exclude: Venue | None = None,
) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {
        "name": _text(name, "name", _("场地名称"), 100, errors, required=True),
        "address": _text(address, "address", _("场地地址"), 200, errors, required=True),
        "region": region,
        "capacity": capacity,
    }
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_VENUE_CAPACITY:
        errors.append(
            FieldError("capacity", _("容纳人数应为 1–%(max)s 的整数") % {"max": MAX_VENUE_CAPACITY})
        )
    if cleaned["name"]:
        same = Venue.objects.filter(provider=provider, name=cleaned["name"])
        if exclude is not None:
            same = same.exclude(pk=exclude.pk)
        if same.exists():
            errors.append(FieldError("name", _("本机构已有同名场地")))
    if errors:
        raise _invalid(_("场地信息有误"), errors)
    return cleaned


@transaction.atomic
def add_venue(
    *,
    actor: Actor,
    provider: Provider,
    name: str,
    address: str,
    capacity: int,
    region: Region | None = None,
    is_practical: bool = False,
) -> Venue:
    """Add a training venue (address, capacity; practical-training venues flagged)."""
    provider = _locked(provider)
    _require_manager(actor, provider, "providers.add_venue")
    _require_editable(provider)
    cleaned = _clean_venue(provider, name=name, address=address, capacity=capacity, region=region)
    venue = Venue.objects.create(provider=provider, is_practical=bool(is_practical), **cleaned)
    record_event(actor=actor, action="providers.venue.added", obj=venue, after=snapshot(venue, VENUE_FIELDS))
    return venue


@transaction.atomic
def update_venue(
    *,
    actor: Actor,
    venue: Venue,
    name: str,
    address: str,
    capacity: int,
    region: Region | None = None,
    is_practical: bool = False,
    active: bool = True,
) -> Venue:
    """Change a venue (``active=False`` takes it out of use; classes that used it keep it)."""
    venue = Venue.objects.select_for_update().select_related("provider").get(pk=venue.pk)
    _require_manager(actor, venue.provider, "providers.change_venue")
    _require_editable(venue.provider)
    cleaned = _clean_venue(
        venue.provider, name=name, address=address, capacity=capacity, region=region, exclude=venue
    )
    before = snapshot(venue, VENUE_FIELDS)
    for key, value in cleaned.items():
        setattr(venue, key, value)
    venue.is_practical, venue.active = bool(is_practical), bool(active)
    venue.save()
    record_event(
        actor=actor,
        action="providers.venue.updated",
        obj=venue,
        before=before,
        after=snapshot(venue, VENUE_FIELDS),
    )
    return venue


@transaction.atomic
def deactivate_venue(*, actor: Actor, venue: Venue) -> Venue:
    """Take a venue out of use (it stays on the classes that used it)."""
    return _deactivate(
        actor, Venue, venue.pk, perm="providers.change_venue", action="providers.venue.deactivated"
    )
