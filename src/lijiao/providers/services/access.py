"""Who may act on a provider: reviewers of its handling area, its own staff, and the checks every write makes first."""

from __future__ import annotations

from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, PermissionDenied
from lijiao.providers import workflows
from lijiao.providers.models import Provider, ProviderStatus, Teacher, Venue


def _authenticated(actor: Actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _own_provider(actor: Actor, provider: Provider) -> bool:
    return _authenticated(actor) and getattr(actor, "provider_id", None) == provider.pk


def covers_area(actor: Actor, area_id: int | None) -> bool:
    """Whether the actor's scope covers a handling area (city-wide roles cover every area)."""
    if not _authenticated(actor):
        return False
    scope = Scope.for_user(actor)
    return scope.all_areas or (area_id is not None and area_id in scope.area_ids)


def is_reviewer(actor: Actor, provider: Provider, perm: str = "providers.review_provider") -> bool:
    """``perm`` over the provider's handling area, and not a member of the provider's own staff."""
    return (
        _authenticated(actor)
        and actor.has_perm(perm)
        and covers_area(actor, provider.handling_area_id)
        and not _own_provider(actor, provider)
    )


def allowed_actions(actor: Actor, provider: Provider) -> list[str]:
    """The workflow actions ``actor`` may take on the provider now: the status allows them and the actor reviews
    the provider (screens show these buttons, the API lists them in ``actions``)."""
    if not is_reviewer(actor, provider):
        return []
    return workflows.available_actions(provider.status)


def can_manage(actor: Actor, provider: Provider, perm: str) -> bool:
    """Teachers, venues, contact: the provider's own staff holding ``perm``, or a reviewer of the provider."""
    if _own_provider(actor, provider) and actor.has_perm(perm):
        return True
    return is_reviewer(actor, provider)


def _require_reviewer(actor: Actor, provider: Provider, perm: str = "providers.review_provider") -> None:
    if _own_provider(actor, provider) and actor.has_perm(perm):
        raise PermissionDenied(_("不能审核或处理本机构"))
    if not is_reviewer(actor, provider, perm):
        raise PermissionDenied()


def _require_manager(actor: Actor, provider: Provider, perm: str) -> None:
    if not can_manage(actor, provider, perm):
        raise PermissionDenied()


def _require_editable(provider: Provider) -> None:
    if provider.status in (ProviderStatus.REJECTED, ProviderStatus.REMOVED):
        raise Conflict(
            _("培训机构“%(name)s”%(status)s，不能再修改")
            % {"name": provider.name, "status": ProviderStatus(provider.status).label},
            code="provider_closed",
        )


def _locked(provider: Provider) -> Provider:
    return Provider.objects.select_for_update().get(pk=provider.pk)


def _deactivate[M: (Teacher, Venue)](
    actor: Actor, model: type[M], pk: int, *, perm: str, action: str, reason: str = ""
) -> M:
    """Take a provider's teacher or venue out of use (it stays on the classes it served); audited, idempotent."""
    row = model.objects.select_for_update().select_related("provider").get(pk=pk)
    _require_manager(actor, row.provider, perm)
    _require_editable(row.provider)
    if not row.active:
        return row
    row.active = False
    row.save(update_fields=["active"])
    record_event(
        actor=actor, action=action, obj=row, before={"active": True}, after={"active": False}, reason=reason
    )
    return row
