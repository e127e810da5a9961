"""Object scope (SPEC C12): what part of the city's data a user may see, applied by every selector.

``Scope.for_user(user)`` is computed once per request; a selector filters through ``scope.filter_by_area`` so
a query cannot forget it. Bureau-wide roles see everything; area roles (district clerk, reviewers) see their
handling area only; a user of an area role with no area sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

from lijiao.accounts.roles import AREA_SCOPED_ROLES, Role, roles_of


@dataclass(frozen=True, slots=True)
class Scope:
    user_id: int | None
    roles: frozenset[Role]
    all_areas: bool
    area_ids: frozenset[int]
    provider_ids: frozenset[int] = frozenset()

    @classmethod
    def for_user(cls, user: Any) -> Scope:
        """The user's scope, computed once per user object (like Django's permission cache: a request has a
        fresh user; a changed role shows on a user read again), so per-row checks in a list cost no query."""
        if not getattr(user, "is_authenticated", False):
            return cls(None, frozenset(), False, frozenset())
        key = (user.pk, user.is_superuser, user.handling_area_id, user.provider_id)
        cached = user.__dict__.get("_lijiao_scope")
        if cached is not None and cached[0] == key:
            return cached[1]  # type: ignore[no-any-return]
        scope = cls._compute(user)
        user.__dict__["_lijiao_scope"] = (key, scope)
        return scope

    @classmethod
    def _compute(cls, user: Any) -> Scope:
        roles = frozenset(roles_of(user))
        if user.is_superuser or (roles and not roles <= AREA_SCOPED_ROLES and roles & _CITY_WIDE):
            return cls(user.pk, roles, True, frozenset())
        area_ids = frozenset({user.handling_area_id}) if user.handling_area_id else frozenset()
        provider_ids = frozenset({user.provider_id}) if user.provider_id else frozenset()
        if Role.PROVIDER_STAFF in roles and roles <= {Role.PROVIDER_STAFF}:
            area_ids = frozenset()
        return cls(user.pk, roles, False, area_ids, provider_ids)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def filter_by_area[M: Model](
        self, queryset: QuerySet[M], area_field: str = "handling_area"
    ) -> QuerySet[M]:
        """Rows of the user's handling areas (all rows for city-wide roles, none for the rest)."""
        if self.all_areas:
            return queryset
        if not self.area_ids:
            return queryset.none()
        return queryset.filter(**{f"{area_field}__in": self.area_ids})

    def filter_by_provider[M: Model](
        self,
        queryset: QuerySet[M],
        provider_field: str = "provider",
        area_field: str = "provider__handling_area",
    ) -> QuerySet[M]:
        """Rows of the user's own provider (provider staff), of their areas (area roles), or all (city-wide)."""
        if self.all_areas:
            return queryset
        if self.provider_ids:
            return queryset.filter(**{f"{provider_field}__in": self.provider_ids})
        if self.area_ids:
            return queryset.filter(**{f"{area_field}__in": self.area_ids})
        return queryset.none()


_CITY_WIDE = frozenset({Role.CITY_ADMIN, Role.CATALOG_OFFICER, Role.FINANCE, Role.LEADERSHIP, Role.AUDITOR})
