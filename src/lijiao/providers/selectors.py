"""Reading providers, scoped to what the user may see, and the listing checks other domains call (SPEC C3, R10).

Two checks, in this order, for every screen and API read (ADR 0005): the model permission (``providers.view_provider``
and, for a provider's teachers, venues, blacklist or credit events, that model's view permission), refused with
:class:`~lijiao.core.errors.PermissionDenied` before anything is looked up; then the object scope: city-wide roles
see every provider, district clerks the providers of their handling area, provider staff their own institution
only (out of scope answers :class:`~lijiao.core.errors.NotFound`, like an unknown id). Anonymous callers see nothing
here (the public sees :func:`listed_providers`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.catalog.models import CatalogItem
from lijiao.core.actors import Actor
from lijiao.core.errors import NotFound
from lijiao.core.permissions import has_any_perm, require_perm
from lijiao.providers.models import (
    BlacklistEntry,
    CreditEvent,
    Provider,
    ProviderScope,
    ProviderStatus,
    Teacher,
    Venue,
)

# ---------------------------------------------------------------------------------------------------------------
# Scoped reads


VIEW_PROVIDER = "providers.view_provider"
VIEW_TEACHER = "providers.view_teacher"
VIEW_VENUE = "providers.view_venue"
VIEW_BLACKLIST = "providers.view_blacklistentry"
VIEW_CREDIT = "providers.view_creditevent"


def require_reader(user: Actor, perm: str = VIEW_PROVIDER) -> None:
    """:class:`PermissionDenied` unless the user holds ``providers.view_provider`` and ``perm`` (a child's view
    permission): the model-permission half of every read, before any row is looked up."""
    require_perm(user, VIEW_PROVIDER)
    if perm != VIEW_PROVIDER:
        require_perm(user, perm)


def visible_providers(user: Actor) -> QuerySet[Provider]:
    """Providers the user may see (own provider / handling area / all), by name; none without
    ``providers.view_provider`` (callers that answer 403 instead call :func:`require_reader` first)."""
    if not has_any_perm(user, VIEW_PROVIDER):
        return Provider.objects.none()
    qs = Provider.objects.select_related("handling_area")
    return Scope.for_user(user).filter_by_provider(qs, provider_field="pk", area_field="handling_area")


def get_provider(user: Actor, pk: int, *, perm: str = VIEW_PROVIDER) -> Provider:
    """One visible provider: :class:`PermissionDenied` without the view permission(s) (see
    :func:`require_reader`), :class:`NotFound` out of scope (looks the same as unknown)."""
    require_reader(user, perm)
    provider = visible_providers(user).filter(pk=pk).first()
    if provider is None:
        raise NotFound(_("培训机构不存在"))
    return provider


def provider_scopes(provider: Provider) -> QuerySet[ProviderScope]:
    """The provider's training scope: occupations (by code) first, then special / business-start items."""
    return (
        ProviderScope.objects.filter(provider=provider)
        .select_related("occupation", "special_item")
        .order_by("special_item__code", "occupation__code")
    )


def provider_teachers(provider: Provider, *, include_inactive: bool = True) -> QuerySet[Teacher]:
    qs = Teacher.objects.filter(provider=provider).select_related("occupation")
    return qs if include_inactive else qs.filter(active=True)


def provider_venues(provider: Provider, *, include_inactive: bool = True) -> QuerySet[Venue]:
    qs = Venue.objects.filter(provider=provider).select_related("region")
    return qs if include_inactive else qs.filter(active=True)


def provider_blacklist(provider: Provider) -> QuerySet[BlacklistEntry]:
    return (
        BlacklistEntry.objects.filter(provider=provider)
        .select_related("created_by")
        .order_by("-starts_on", "-id")
    )


def provider_credit_events(provider: Provider) -> QuerySet[CreditEvent]:
    return (
        CreditEvent.objects.filter(provider=provider)
        .select_related("created_by")
        .order_by("-occurred_on", "-id")
    )


_CHILD_PERMS: dict[type, str] = {
    Teacher: VIEW_TEACHER,
    Venue: VIEW_VENUE,
    BlacklistEntry: VIEW_BLACKLIST,
    CreditEvent: VIEW_CREDIT,
}


def _scoped_child[M: (Teacher, Venue, BlacklistEntry, CreditEvent)](
    user: Actor, model: type[M], pk: int, message: str
) -> M:
    require_reader(user, _CHILD_PERMS[model])
    qs = Scope.for_user(user).filter_by_provider(model.objects.select_related("provider"))
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound(message)
    return found


def get_teacher(user: Actor, pk: int, *, provider: Provider | None = None) -> Teacher:
    teacher = _scoped_child(user, Teacher, pk, _("教师不存在"))
    if provider is not None and teacher.provider_id != provider.pk:
        raise NotFound(_("教师不存在"))
    return teacher


def get_venue(user: Actor, pk: int, *, provider: Provider | None = None) -> Venue:
    venue = _scoped_child(user, Venue, pk, _("培训场地不存在"))
    if provider is not None and venue.provider_id != provider.pk:
        raise NotFound(_("培训场地不存在"))
    return venue


def get_blacklist_entry(user: Actor, pk: int, *, provider: Provider | None = None) -> BlacklistEntry:
    entry = _scoped_child(user, BlacklistEntry, pk, _("黑名单记录不存在"))
    if provider is not None and entry.provider_id != provider.pk:
        raise NotFound(_("黑名单记录不存在"))
    return entry


# ---------------------------------------------------------------------------------------------------------------
# Blacklist and listing (SPEC R10: 凡补必进、不进不补)


def _blacklist_overlapping(start: dt.date, end: dt.date) -> Q:
    """Entries in force (not lifted) on at least one day of ``[start, end]``."""
    return Q(lifted_at__isnull=True, starts_on__lte=end) & (Q(ends_on__isnull=True) | Q(ends_on__gte=start))


def active_blacklist_entry(provider: Provider, on: dt.date | None = None) -> BlacklistEntry | None:
    """The blacklist entry in force on ``on`` (default: today), if any."""
    day = on or timezone.localdate()
    return (
        BlacklistEntry.objects.filter(provider=provider)
        .filter(_blacklist_overlapping(day, day))
        .order_by("-starts_on")
        .first()
    )


def listed_providers(on: dt.date | None = None) -> QuerySet[Provider]:
    """Providers the public sees as listed on ``on`` (default today): approved, not blacklisted that day, with a
    licence that has not expired (SPEC C11)."""
    day = on or timezone.localdate()
    blacklisted = BlacklistEntry.objects.filter(provider=OuterRef("pk")).filter(
        _blacklist_overlapping(day, day)
    )
    return (
        Provider.objects.filter(status=ProviderStatus.APPROVED)
        .filter(Q(licence_expires_on__isnull=True) | Q(licence_expires_on__gte=day))
        .exclude(Exists(blacklisted))
        .select_related("handling_area")
    )


def listed_providers_with_scope(on: dt.date | None = None) -> QuerySet[Provider]:
    """:func:`listed_providers` with each one's training scope (occupations by code, then special items)."""
    return listed_providers(on).prefetch_related(
        Prefetch(
            "scopes",
            queryset=ProviderScope.objects.select_related("occupation", "special_item").order_by(
                "special_item__code", "occupation__code"
            ),
        )
    )


def _fmt(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else _("长期")


def listing_problems(provider: Provider, *, start: dt.date, end: dt.date) -> list[str]:
    """Why ``provider`` may NOT run a subsidized class over ``[start, end]`` (SPEC R10); empty when it may.

    Reasons (in the user's language): the provider is not approved (applied, rejected, suspended, removed); its
    school licence expires before ``end``; a blacklist entry that has not been lifted overlaps the period.
    """
    problems: list[str] = []
    if end < start:
        problems.append(
            _("培训结束日期 %(end)s 早于开始日期 %(start)s") % {"end": _fmt(end), "start": _fmt(start)}
        )
        end = start
    if provider.status != ProviderStatus.APPROVED:
        label = ProviderStatus(provider.status).label
        problems.append(
            _("培训机构“%(name)s”当前状态为“%(status)s”，不是已认定机构，不能开展补贴性培训")
            % {"name": provider.name, "status": label}
        )
    if provider.licence_expires_on is not None and provider.licence_expires_on < end:
        problems.append(
            _("办学许可证有效期至 %(expires)s，早于培训结束日期 %(end)s")
            % {"expires": _fmt(provider.licence_expires_on), "end": _fmt(end)}
        )
    entries = (
        BlacklistEntry.objects.filter(provider_id=provider.pk)
        .filter(_blacklist_overlapping(start, end))
        .order_by("starts_on")
    )
    for entry in entries:
        problems.append(
            _("培训机构在 %(from)s 至 %(to)s 列入黑名单（%(reason)s），与培训期间 %(start)s 至 %(end)s 重叠")
            % {
                "from": _fmt(entry.starts_on),
                "to": _fmt(entry.ends_on),
                "reason": entry.reason,
                "start": _fmt(start),
                "end": _fmt(end),
            }
        )
    return problems


def scope_covers(provider: Provider, catalog_item: CatalogItem) -> bool:
    """Whether the catalog item lies within the provider's training scope.

    An occupation item is covered by a scope row for that occupation whose highest level is the item's level or
    higher (levels: 1 highest … 5 lowest, so a scope up to 三级 (3) covers levels 3, 4 and 5). A special or
    business-start item is covered by a scope row for that item.
    """
    rows = ProviderScope.objects.filter(provider_id=provider.pk)
    if catalog_item.occupation_id is not None:
        if catalog_item.level is None:
            return False
        return rows.filter(
            occupation_id=catalog_item.occupation_id, highest_level__lte=catalog_item.level
        ).exists()
    if catalog_item.special_item_id is not None:
        return rows.filter(special_item_id=catalog_item.special_item_id).exists()
    return False


# ---------------------------------------------------------------------------------------------------------------
# Credit record


@dataclass(frozen=True, slots=True)
class CreditRecord:
    """A provider's performance and credit (SPEC C3).

    ``pass_rate`` is passed / assessed (4 decimals; None before anyone is assessed). ``employment_rate`` is None
    until the employment follow-up exists (a later issue measures it).
    """

    classes_count: int
    assessed_count: int
    passed_count: int
    pass_rate: Decimal | None
    employment_rate: Decimal | None
    complaints: int
    sanctions: int
    commendations: int
    points: int
    active_blacklist: BlacklistEntry | None

    @property
    def pass_rate_percent(self) -> str:
        if self.pass_rate is None:
            return "—"
        return f"{(self.pass_rate * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


@dataclass(frozen=True, slots=True)
class TrainingOutcomes:
    """What a provider's classes achieved: counted by the training app, which sits above this one (ADR 0001).

    ``classes_count`` counts the classes the bureau approved; ``assessed_count`` and ``passed_count`` the
    trainees with an assessment result and those who passed.
    """

    classes_count: int = 0
    assessed_count: int = 0
    passed_count: int = 0


TrainingOutcomesSource = Callable[[Provider], TrainingOutcomes]


def _no_outcomes(provider: Provider) -> TrainingOutcomes:
    return TrainingOutcomes()


_training_outcomes: TrainingOutcomesSource = _no_outcomes


def register_training_outcomes(source: TrainingOutcomesSource) -> None:
    """Let the app that runs the classes count their outcomes for :func:`credit_record`.

    Providers cannot import training (one-way layers), so training hands its selector down when Django starts
    (``TrainingConfig.ready``); the employment follow-up will hand down the employment rate the same way.
    """
    global _training_outcomes
    _training_outcomes = source


def credit_record(provider: Provider, *, on: dt.date | None = None) -> CreditRecord:
    """The provider's credit record, from set-based aggregates (three queries and the blacklist look-up)."""
    outcomes = _training_outcomes(provider)
    assessed, passed = outcomes.assessed_count, outcomes.passed_count
    pass_rate = (
        (Decimal(passed) / Decimal(assessed)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if assessed else None
    )
    events = CreditEvent.objects.filter(provider_id=provider.pk).aggregate(
        complaints=Count("pk", filter=Q(kind=CreditEvent.Kind.COMPLAINT)),
        sanctions=Count("pk", filter=Q(kind=CreditEvent.Kind.SANCTION)),
        commendations=Count("pk", filter=Q(kind=CreditEvent.Kind.COMMENDATION)),
        points=Sum("points"),
    )
    return CreditRecord(
        classes_count=outcomes.classes_count,
        assessed_count=assessed,
        passed_count=passed,
        pass_rate=pass_rate,
        employment_rate=None,
        complaints=events["complaints"] or 0,
        sanctions=events["sanctions"] or 0,
        commendations=events["commendations"] or 0,
        points=events["points"] or 0,
        active_blacklist=active_blacklist_entry(provider, on),
    )
