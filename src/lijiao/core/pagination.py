"""Paging of every API list (ADR 0006): ``limit`` 1 … ``NINJA_PAGINATION_MAX_LIMIT`` (500), ``offset`` 0 … 2³¹−1.

django-ninja bounds neither by default, and a ``limit`` or ``offset`` beyond what the database takes as an
integer (``?offset=99999999999999999999``) reached SQLite or PostgreSQL and answered 500. Here the bounds are
part of the query parameters' schema, so such a value is a 422 with a sentence (“起始位置不能大于 …”) before
any query runs, and the OpenAPI document states them. Every list uses this class: ``NINJA_PAGINATION_CLASS``
names it, ``@paginate`` without arguments picks it, and ruff refuses django-ninja's own (``make lint``).
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from ninja import Field
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination  # noqa: TID251
from ninja.pagination import paginate

from lijiao.core.errors import DomainError, FieldError
from lijiao.core.schemas import Schema

MAX_LIMIT: Final = int(getattr(settings, "NINJA_PAGINATION_MAX_LIMIT", 500))
MAX_OFFSET: Final = 2**31 - 1  # far beyond any list, and an integer every database accepts
# How deep a list can be paged by number (screens) or offset (the class API): 200 pages of 50. Beyond it the
# filters narrow the list, or the API's cursor continues (ADR 0014); no request skips more rows than this.
MAX_DEPTH: Final = 10_000


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    """``?limit=&offset=`` with both bounded; the answer is ``{"items": [...], "count": n}``."""

    class Input(Schema):
        limit: int = Field(
            ninja_settings.PAGINATION_PER_PAGE,
            ge=1,
            le=MAX_LIMIT,
            description=f"每页条数（1–{MAX_LIMIT}）",
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="起始位置（从 0 起）")


class BoundedPaginator(Paginator[Any]):
    """A screen's paginator that reaches the first :data:`MAX_DEPTH` rows (ADR 0014).

    - ``num_pages`` stops at ``MAX_DEPTH // per_page``: a page number past it shows the last of them;
    - ``count`` counts at most ``MAX_DEPTH + 1`` rows (``SELECT count(*) FROM (… LIMIT 10001)``), so a search
      matching most of a city's classes does not count them all; ``capped`` says the list goes on beyond
      (the screen says "10000 个以上");
    - a page after the first is read by :func:`deferred_page` (ids through the ordering's index, then the rows).
    """

    @property
    def max_pages(self) -> int:
        return max(1, MAX_DEPTH // int(self.per_page))

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list)

    @property
    def capped(self) -> bool:
        """More rows match than the pages reach: the screen says "超过 10000 个" instead of a total."""
        return self.count > MAX_DEPTH

    @property
    def reach(self) -> int:
        return MAX_DEPTH

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, self.max_pages)

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * int(self.per_page)
        if bottom == 0 or not isinstance(self.object_list, QuerySet):
            return super().page(number)
        top = min(bottom + int(self.per_page), MAX_DEPTH)
        return Page(deferred_page(self.object_list, bottom, top), number, self)


def capped_count(rows: Any) -> int:
    """How many rows ``rows`` has, counting at most ``MAX_DEPTH + 1`` (``SELECT count(*) FROM (SELECT id … LIMIT
    10001)`` without the ordering, so the scan stops early): a result above :data:`MAX_DEPTH` means "more than the
    pages reach" (ADR 0014)."""
    if isinstance(rows, QuerySet):
        return int(rows.order_by().values("pk")[: MAX_DEPTH + 1].count())
    return min(len(rows), MAX_DEPTH + 1)


def offset_beyond_depth() -> DomainError:
    """The 422 of an ``offset`` past :data:`MAX_DEPTH` on a list without a cursor (the class list's own points to
    its cursor): the sentence says to narrow the list."""
    message = _("起始位置不能大于 %(max)s；更深的记录请用筛选条件缩小范围") % {"max": MAX_DEPTH}
    return DomainError(
        message=message, code="offset_too_deep", errors=(FieldError("offset", message),), status=422
    )


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """``?limit=&offset=`` over a list that may hold millions of rows (ADR 0014, 0015): ``offset`` at most
    :data:`MAX_DEPTH` (deeper, the filters narrow the list), the page read by :func:`deferred_page`, and
    ``count`` counted up to ``MAX_DEPTH + 1`` only — ``count_capped`` says more rows match than that (the
    screens' "超过 10000 …"). The answer is ``{"items", "count", "count_capped"}``. The schema bounds ``offset``
    like every list's (ADR 0006); past :data:`MAX_DEPTH` it is a 422 ``offset_too_deep``."""

    class Input(Schema):
        limit: int = Field(
            ninja_settings.PAGINATION_PER_PAGE,
            ge=1,
            le=MAX_LIMIT,
            description=f"每页条数（1–{MAX_LIMIT}）",
        )
        offset: int = Field(
            0,
            ge=0,
            le=MAX_OFFSET,
            description=f"起始位置（从 0 起，最大 {MAX_DEPTH}；更深请用筛选条件缩小范围）",
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(..., description=f"符合条件的条数，最多数到 {MAX_DEPTH + 1}（见 count_capped）")
        count_capped: bool = Field(
            ...,
            description=f"为 true 时符合条件的超过 {MAX_DEPTH} 条（count 不是总数），可用筛选条件缩小范围",
        )

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        limit: int = min(pagination.limit, self.max_limit)
        if pagination.offset > MAX_DEPTH:
            raise offset_beyond_depth()
        start = pagination.offset
        count = capped_count(queryset)
        # the first page in one query; a later one by ids first, so the skipped rows are index entries only
        items = list(queryset[:limit]) if start == 0 else deferred_page(queryset, start, start + limit)
        return {self.items_attribute: items, "count": count, "count_capped": count > MAX_DEPTH}


def deferred_page(queryset: QuerySet[Any], start: int, stop: int) -> list[Any]:
    """Rows ``start:stop`` of the ordered ``queryset`` by a deferred join (ADR 0014): the ids first, read through
    the ordering's index (an index-only scan at best), then the page's rows by id with their joins and
    prefetches. Skipping ten thousand rows then costs ten thousand index entries, not ten thousand joined rows."""
    ids = list(queryset.values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    by_id = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


__all__ = [
    "MAX_DEPTH",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "BoundedPaginator",
    "CappedLimitOffsetPagination",
    "LimitOffsetPagination",
    "capped_count",
    "deferred_page",
    "offset_beyond_depth",
    "paginate",
]
