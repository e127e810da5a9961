"""The public list of approved providers that are not blacklisted (``GET /providers/listed``, no personal data)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query

from lijiao.accounts.api_auth import optional_auth
from lijiao.core.filtering import filtered_or_error
from lijiao.core.pagination import LimitOffsetPagination, paginate
from lijiao.providers import selectors
from lijiao.providers.api.common import router
from lijiao.providers.filters import ListedProviderFilterSet
from lijiao.providers.models import Provider
from lijiao.providers.schemas import ErrorOut, ListedProviderFilters, ListedProviderOut


@router.get(
    "/listed",
    auth=optional_auth,
    response={200: list[ListedProviderOut], 422: ErrorOut},
    summary="已认定的培训机构（公开）",
)
@paginate(LimitOffsetPagination)
def listed(request: HttpRequest, filters: Query[ListedProviderFilters]) -> QuerySet[Provider]:
    """Approved providers that are not blacklisted today, with their training scope (SPEC C11); the same
    filter set as the public page."""
    queryset = selectors.listed_providers_with_scope()
    return filtered_or_error(ListedProviderFilterSet(request.GET, queryset=queryset))
