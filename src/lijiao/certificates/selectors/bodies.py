"""Reading evaluating bodies, their sites and accreditations, scoped to what the user may see (SPEC C5, C12).

Two checks for every read (ADR 0005): the model permission (``certificates.view_evaluatingbody``), refused with
:class:`~lijiao.core.errors.PermissionDenied` before anything is looked up; then the object scope: city-wide roles
see every body, district clerks the bodies of their handling area, an evaluating body's staff (and an employer's
staff who evaluate) their own body, provider staff the bodies linked to their provider. Out of scope answers
:class:`~lijiao.core.errors.NotFound`, like an unknown id.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.certificates.models import Accreditation, EvaluatingBody, EvaluationSite, EvaluatorMembership
from lijiao.core.actors import Actor, is_authenticated
from lijiao.core.errors import NotFound
from lijiao.core.permissions import has_any_perm, require_perm

__all__ = [
    "VIEW_BODY",
    "body_accreditations",
    "body_sites",
    "get_body",
    "member_body_id",
    "require_body_reader",
    "scope_by_body",
    "visible_bodies",
]

VIEW_BODY = "certificates.view_evaluatingbody"


def member_body_id(user: Actor | None) -> int | None:
    """The evaluating body the user works for (:class:`EvaluatorMembership`), or None; read once per user object."""
    if user is None or not is_authenticated(user):
        return None
    cache = getattr(user, "__dict__", {})
    if "_lijiao_body_id" not in cache:
        cache["_lijiao_body_id"] = (
            EvaluatorMembership.objects.filter(user_id=user.pk).values_list("body_id", flat=True).first()
        )
    value = cache["_lijiao_body_id"]
    return int(value) if value is not None else None


def scope_by_body[M: Any](
    user: Actor | None,
    queryset: QuerySet[M],
    *,
    body_field: str,
    area_field: str,
    provider_field: str | None,
) -> QuerySet[M]:
    """Rows the user may see: all (city-wide), their body's (evaluator staff), their areas' (area roles),
    their provider's (provider staff, through ``provider_field``), else none."""
    scope = Scope.for_user(user)
    if scope.all_areas:
        return queryset
    condition = Q()
    matched = False
    if (body_id := member_body_id(user)) is not None:
        condition |= Q(**{body_field: body_id})
        matched = True
    if scope.provider_ids and provider_field is not None:
        condition |= Q(**{f"{provider_field}__in": scope.provider_ids})
        matched = True
    if scope.area_ids:
        condition |= Q(**{f"{area_field}__in": scope.area_ids})
        matched = True
    return queryset.filter(condition) if matched else queryset.none()


def require_body_reader(user: Actor | None) -> None:
    """:class:`PermissionDenied` without ``certificates.view_evaluatingbody``."""
    require_perm(user, VIEW_BODY)


def visible_bodies(user: Actor | None) -> QuerySet[EvaluatingBody]:
    """Bodies the user may see, with their area, provider and counts of sites and accreditations."""
    if not has_any_perm(user, VIEW_BODY):
        return EvaluatingBody.objects.none()
    queryset = (
        EvaluatingBody.objects.select_related("handling_area", "provider")
        .annotate(
            site_count=Count("sites", distinct=True),
            accreditation_count=Count("accreditations", distinct=True),
        )
        .order_by("kind", "code")
    )
    return scope_by_body(
        user, queryset, body_field="pk", area_field="handling_area", provider_field="provider"
    )


def get_body(user: Actor | None, pk: int) -> EvaluatingBody:
    """One visible body: :class:`PermissionDenied` without the view permission, :class:`NotFound` out of scope."""
    require_body_reader(user)
    body = visible_bodies(user).filter(pk=pk).first()
    if body is None:
        raise NotFound(_("评价机构不存在"))
    return body


def body_sites(body: EvaluatingBody) -> QuerySet[EvaluationSite]:
    """The body's sites by code, with their area."""
    return EvaluationSite.objects.filter(body=body).select_related("handling_area").order_by("code")


def body_accreditations(body: EvaluatingBody) -> QuerySet[Accreditation]:
    """What the body may assess: occupations (with 工种) first, then 专项 items."""
    return (
        Accreditation.objects.filter(body=body)
        .select_related("occupation", "work_type", "special_item")
        .order_by("special_item__code", "occupation__code", "work_type__code", "id")
    )


def bodies_with_children(user: Actor | None) -> QuerySet[EvaluatingBody]:
    """:func:`visible_bodies` with sites and accreditations prefetched (the API's list)."""
    return visible_bodies(user).prefetch_related(
        Prefetch("sites", queryset=EvaluationSite.objects.select_related("handling_area").order_by("code")),
        Prefetch(
            "accreditations",
            queryset=Accreditation.objects.select_related("occupation", "work_type", "special_item"),
        ),
    )
