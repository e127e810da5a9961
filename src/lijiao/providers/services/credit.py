"""A provider's credit record: blacklist periods (SPEC R10) and credit events (complaints, sanctions, commendations)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.models import User
from lijiao.audit.services import record_event, snapshot
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, FieldError
from lijiao.providers.models import BlacklistEntry, CreditEvent, Provider
from lijiao.providers.services.access import _locked, _require_reviewer
from lijiao.providers.services.validation import MAX_REASON, _invalid, _reason, _text

BLACKLIST_FIELDS = ("provider", "reason", "starts_on", "ends_on", "lifted_at", "lift_reason")
CREDIT_FIELDS = ("provider", "kind", "occurred_on", "description", "points")


MAX_CREDIT_POINTS = 100


@transaction.atomic
def blacklist_provider(
    *, actor: Actor, provider: Provider, reason: str, starts_on: dt.date, ends_on: dt.date | None = None
) -> BlacklistEntry:
    """Blacklist a provider for ``[starts_on, ends_on]`` (open-ended when ``ends_on`` is None): it may not file or
    run subsidized classes on those days (SPEC R10)."""
    provider = _locked(provider)
    _require_reviewer(actor, provider, "providers.blacklist_provider")
    errors: list[FieldError] = []
    text = _text(reason, "reason", _("原因"), MAX_REASON, errors, required=True, multiline=True)
    if not isinstance(starts_on, dt.date):
        errors.append(FieldError("starts_on", _("请填写开始日期")))
    elif ends_on is not None and ends_on < starts_on:
        errors.append(FieldError("ends_on", _("结束日期不能早于开始日期")))
    else:
        overlapping = BlacklistEntry.objects.filter(provider=provider, lifted_at__isnull=True).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
        )
        if ends_on is not None:
            overlapping = overlapping.filter(starts_on__lte=ends_on)
        existing = overlapping.order_by("starts_on").first()
        if existing is not None:
            errors.append(
                FieldError(
                    "starts_on",
                    _("与已有黑名单期间（%(start)s 至 %(end)s）重叠")
                    % {
                        "start": f"{existing.starts_on:%Y-%m-%d}",
                        "end": f"{existing.ends_on:%Y-%m-%d}" if existing.ends_on else _("长期"),
                    },
                )
            )
    if errors:
        raise _invalid(_("黑名单信息有误"), errors)
    entry = BlacklistEntry.objects.create(
        provider=provider, reason=text, starts_on=starts_on, ends_on=ends_on, created_by=cast(User, actor)
    )
    record_event(
        actor=actor,
        action="providers.blacklist.added",
        obj=entry,
        after=snapshot(entry, BLACKLIST_FIELDS),
        reason=text,
    )
    return entry


@transaction.atomic
def lift_blacklist(*, actor: Actor, entry: BlacklistEntry, reason: str) -> BlacklistEntry:
    """Lift a blacklist entry early, with the reason (the entry stays on record, no longer in force)."""
    entry = BlacklistEntry.objects.select_for_update().select_related("provider").get(pk=entry.pk)
    _require_reviewer(actor, entry.provider, "providers.blacklist_provider")
    text = _reason(reason)
    if entry.lifted_at is not None:
        raise Conflict(
            _("该黑名单记录已于 %(day)s 解除") % {"day": f"{timezone.localtime(entry.lifted_at):%Y-%m-%d}"},
            code="already_lifted",
        )
    before = snapshot(entry, BLACKLIST_FIELDS)
    entry.lifted_at, entry.lift_reason = timezone.now(), text
    entry.save(update_fields=["lifted_at", "lift_reason"])
    record_event(
        actor=actor,
        action="providers.blacklist.lifted",
        obj=entry,
        before=before,
        after=snapshot(entry, BLACKLIST_FIELDS),
        reason=text,
    )
    return entry


@transaction.atomic
def record_credit_event(
    *,
    actor: Actor,
    provider: Provider,
    kind: str,
    occurred_on: dt.date,
    description: str,
    points: int = 0,
) -> CreditEvent:
    """Record a complaint, sanction or commendation (complaints and sanctions take points, commendations add)."""
    _require_reviewer(actor, provider, "providers.add_creditevent")
    errors: list[FieldError] = []
    text = _text(description, "description", _("说明"), 500, errors, required=True, multiline=True)
    if kind not in CreditEvent.Kind.values:
        errors.append(FieldError("kind", _("未知的记录类型“%(kind)s”") % {"kind": kind}))
    if not isinstance(occurred_on, dt.date):
        errors.append(FieldError("occurred_on", _("请填写日期")))
    elif occurred_on > timezone.localdate():
        errors.append(FieldError("occurred_on", _("日期不能晚于今天")))
    if not isinstance(points, int) or isinstance(points, bool) or abs(points) > MAX_CREDIT_POINTS:
        errors.append(
            FieldError("points", _("信用分变动应为 -%(max)s–%(max)s 的整数") % {"max": MAX_CREDIT_POINTS})
        )
    elif kind == CreditEvent.Kind.COMMENDATION and points < 0:
        errors.append(FieldError("points", _("表彰不能扣分")))
    elif kind in (CreditEvent.Kind.COMPLAINT, CreditEvent.Kind.SANCTION) and points > 0:
        errors.append(FieldError("points", _("投诉和处罚不能加分")))
    if errors:
        raise _invalid(_("信用记录有误"), errors)
    event = CreditEvent.objects.create(
        provider=provider,
        kind=kind,
        occurred_on=occurred_on,
        description=text,
        points=points,
        created_by=cast(User, actor),
    )
    record_event(
        actor=actor, action="providers.credit.recorded", obj=event, after=snapshot(event, CREDIT_FIELDS)
    )
    return event
