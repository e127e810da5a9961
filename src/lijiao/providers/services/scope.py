"""A provider's training scope: the occupations (with their highest level) and special items it may train."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.catalog.models import Level, Occupation, SpecialItem
from lijiao.core.actors import Actor
from lijiao.core.errors import FieldError
from lijiao.providers.models import Provider, ProviderScope
from lijiao.providers.services.access import _locked, _require_editable, _require_reviewer
from lijiao.providers.services.validation import _invalid


def _scope_rows(provider: Provider) -> list[dict[str, Any]]:
    rows = ProviderScope.objects.filter(provider=provider).select_related("occupation", "special_item")
    out: list[dict[str, Any]] = []
    for row in rows.order_by("pk"):
        if row.occupation is not None:
            out.append({"occupation": row.occupation.code, "highest_level": row.highest_level})
        else:
            out.append({"special_item": row.special_item.code if row.special_item else None})
    return sorted(out, key=lambda r: (r.get("occupation") or "", r.get("special_item") or ""))


def _level_error(level: Any, field: str, subject: str) -> FieldError | None:
    if not isinstance(level, int) or isinstance(level, bool) or level not in Level.values:
        return FieldError(field, _("“%(subject)s”的最高等级应为1（一级）至5（五级）") % {"subject": subject})
    return None


@transaction.atomic
def set_scope(
    *,
    actor: Actor,
    provider: Provider,
    occupations: list[tuple[Occupation, int]],
    special_items: list[SpecialItem],
) -> list[ProviderScope]:
    """Replace the provider's training scope: occupations each up to a highest level (1 highest … 5 lowest; the
    level and every lower one are covered), and special / business-start items."""
    provider = _locked(provider)
    _require_reviewer(actor, provider)
    _require_editable(provider)
    errors: list[FieldError] = []
    seen_occ: set[int] = set()
    for occupation, level in occupations:
        if occupation.pk in seen_occ:
            errors.append(
                FieldError("occupations", _("职业“%(occupation)s”重复") % {"occupation": occupation})
            )
        seen_occ.add(occupation.pk)
        if (error := _level_error(level, "occupations", str(occupation))) is not None:
            errors.append(error)
    seen_special: set[int] = set()
    for item in special_items:
        if item.pk in seen_special:
            errors.append(FieldError("special_items", _("项目“%(item)s”重复") % {"item": item}))
        seen_special.add(item.pk)
    if errors:
        raise _invalid(_("培训范围有误"), errors)
    before = _scope_rows(provider)
    ProviderScope.objects.filter(provider=provider).delete()
    rows = [
        ProviderScope(provider=provider, occupation=occ, highest_level=level) for occ, level in occupations
    ]
    rows += [ProviderScope(provider=provider, special_item=item) for item in special_items]
    ProviderScope.objects.bulk_create(rows)
    record_event(
        actor=actor, action="providers.scope.set", obj=provider, before=before, after=_scope_rows(provider)
    )
    return list(ProviderScope.objects.filter(provider=provider).select_related("occupation", "special_item"))


@transaction.atomic
def add_scope_entry(
    *,
    actor: Actor,
    provider: Provider,
    occupation: Occupation | None = None,
    highest_level: int | None = None,
    special_item: SpecialItem | None = None,
) -> ProviderScope:
    """Add one subject to the scope (an occupation already in it gets the new highest level)."""
    provider = _locked(provider)
    _require_reviewer(actor, provider)
    _require_editable(provider)
    errors: list[FieldError] = []
    if (occupation is None) == (special_item is None):
        errors.append(FieldError("__all__", _("请选择一个职业（及最高等级）或一个专项/创业项目")))
    elif occupation is not None and (error := _level_error(highest_level, "highest_level", str(occupation))):
        errors.append(error)
    elif special_item is not None and highest_level is not None:
        errors.append(FieldError("highest_level", _("专项和创业项目不分等级")))
    if errors:
        raise _invalid(_("培训范围有误"), errors)
    before = _scope_rows(provider)
    if occupation is not None:
        entry, _created = ProviderScope.objects.update_or_create(
            provider=provider, occupation=occupation, defaults={"highest_level": highest_level}
        )
    else:
        entry, _created = ProviderScope.objects.get_or_create(provider=provider, special_item=special_item)
    record_event(
        actor=actor, action="providers.scope.added", obj=provider, before=before, after=_scope_rows(provider)
    )
    return entry


@transaction.atomic
def remove_scope_entry(*, actor: Actor, entry: ProviderScope) -> None:
    """Remove one subject from the provider's scope (classes already filed keep their approval)."""
    provider = _locked(entry.provider)
    _require_reviewer(actor, provider)
    _require_editable(provider)
    before = _scope_rows(provider)
    ProviderScope.objects.filter(pk=entry.pk).delete()
    record_event(
        actor=actor,
        action="providers.scope.removed",
        obj=provider,
        before=before,
        after=_scope_rows(provider),
    )
