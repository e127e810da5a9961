"""Paging of the claim list API at city scale (ADR 0014, as the class list): ``?limit=&offset=`` with the offset
bounded by :data:`~lijiao.core.pagination.MAX_DEPTH` (a deeper one is a 422 telling to narrow the filters), and
a page after the first read by a deferred join — the ids through the ordering's index, then the page's rows by
id — so the joins run for the page alone, never for the skipped rows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field

from lijiao.core.errors import DomainError, FieldError
from lijiao.core.pagination import MAX_DEPTH, MAX_OFFSET, LimitOffsetPagination, deferred_page

__all__ = ["ClaimPagination"]


class ClaimPagination(LimitOffsetPagination):
    """``limit`` and ``offset`` (at most :data:`MAX_DEPTH`); the answer is ``{"items": [...], "count": n}``."""

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(
            0,
            ge=0,
            le=MAX_OFFSET,
            description=f"起始位置（从 0 起，最大 {MAX_DEPTH}；更深请用筛选条件缩小范围）",
        )

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        if pagination.offset > MAX_DEPTH:
            message = _("起始位置不能大于 %(max)s；请用筛选条件缩小范围") % {"max": MAX_DEPTH}
            raise DomainError(
                message=message, code="offset_too_deep", errors=(FieldError("offset", message),), status=422
            )
        limit: int = min(pagination.limit, self.max_limit)
        start = pagination.offset
        items = list(queryset[:limit]) if start == 0 else deferred_page(queryset, start, start + limit)
        return {self.items_attribute: items, "count": self._items_count(queryset)}
