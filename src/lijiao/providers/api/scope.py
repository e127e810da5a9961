"""A provider's training scope: read it, replace it."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lijiao.accounts.api_auth import current_user
from lijiao.catalog.models import Occupation, SpecialItem
from lijiao.catalog.selectors import unknown_occupation_message, unknown_special_item_message
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.permissions import require_perm
from lijiao.providers import selectors, services
from lijiao.providers.api.common import _READ_ERRORS, _WRITE_ERRORS, _provider, router
from lijiao.providers.models import ProviderScope
from lijiao.providers.schemas import ScopeEntryOut, ScopeIn


@router.get("/{provider_id}/scope", response={200: list[ScopeEntryOut], **_READ_ERRORS}, summary="培训范围")
def get_scope(request: HttpRequest, provider_id: int) -> QuerySet[ProviderScope]:
    return selectors.provider_scopes(_provider(request, provider_id))


@router.put(
    "/{provider_id}/scope",
    response={200: list[ScopeEntryOut], **_WRITE_ERRORS},
    summary="设置培训范围（整体替换）",
)
def put_scope(request: HttpRequest, provider_id: int, payload: ScopeIn) -> QuerySet[ProviderScope]:
    user = current_user(request)
    require_perm(user, "providers.review_provider")
    provider = _provider(request, provider_id)
    errors: list[FieldError] = []
    occupations: list[tuple[Occupation, int]] = []
    found_occ = {
        o.code: o for o in Occupation.objects.filter(code__in=[e.code.strip() for e in payload.occupations])
    }
    for index, entry in enumerate(payload.occupations):
        occupation = found_occ.get(entry.code.strip())
        if occupation is None:
            errors.append(FieldError(f"occupations.{index}.code", unknown_occupation_message(entry.code)))
        else:
            occupations.append((occupation, entry.highest_level))
    codes = [c.strip() for c in payload.special_items]
    found_special = {s.code: s for s in SpecialItem.objects.filter(code__in=codes)}
    special_items: list[SpecialItem] = []
    for index, code in enumerate(codes):
        item = found_special.get(code)
        if item is None:
            errors.append(FieldError(f"special_items.{index}", unknown_special_item_message(code)))
        else:
            special_items.append(item)
    if errors:
        raise DomainError(_("培训范围有误"), errors=tuple(errors))
    services.set_scope(actor=user, provider=provider, occupations=occupations, special_items=special_items)
    return selectors.provider_scopes(provider)
