"""The public list of approved providers that are not blacklisted (``GET /providers/listed``, no personal data)."""

from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query
from ninja.pagination import LimitOffsetPagination, paginate

from lijiao.accounts.api_auth import optional_auth
from lijiao.providers import selectors
from lijiao.providers.api.common import router
from lijiao.providers.models import Provider
from lijiao.providers.schemas import ListedProviderOut


@router.get(
    "/listed", auth=optional_auth, response=list[ListedProviderOut], summary="已认定的培训机构（公开）"
)
@paginate(LimitOffsetPagination)
def listed(
    request: HttpRequest,
    q: Annotated[str | None, Query(description="机构名称（包含）")] = None,
    area: Annotated[str | None, Query(description="经办区域代码")] = None,
) -> QuerySet[Provider]:
    """Approved providers that are not blacklisted today, with their training scope (SPEC C11)."""
    qs = selectors.listed_providers().prefetch_related("scopes__occupation", "scopes__special_item")
    if q and q.strip():
        qs = qs.filter(name__icontains=q.strip())
    if area and area.strip():
        qs = qs.filter(handling_area__code=area.strip())
    return qs
