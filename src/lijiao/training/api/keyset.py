"""Keyset (cursor) paging of the class list (ADR 0014).

``?limit=&offset=`` keeps working for the first :data:`~lijiao.core.pagination.MAX_DEPTH` (10,000) rows — as
deep as the screen's 200 pages; a deeper offset is a 422 (``offset_too_deep``) that points to the cursor, since
the database reads every skipped row and deep offsets grow with history. ``?cursor=`` instead continues after the last class of the previous
page: it encodes that class's ``(start_date, id)`` — the list's ordering — so the next page is one index range
read however deep it is. Every answer carries ``next_cursor`` (``null`` on the last page); a cursor that was not
issued by this API is a 422 in the common error format (``{code, message, errors}``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field

from lijiao.core.errors import DomainError, FieldError
from lijiao.core.pagination import MAX_DEPTH, MAX_OFFSET, LimitOffsetPagination, capped_count, deferred_page
from lijiao.core.schemas import Schema

__all__ = ["ClassCursorPagination", "decode_cursor", "encode_cursor", "offset_too_deep"]

MAX_CURSOR = 64


def encode_cursor(start_date: dt.date, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{start_date.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.date, int]:
    """``(start_date, id)`` of a cursor, or :class:`DomainError` (422) saying the cursor is not valid."""
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
        day, pk = text.split("|")
        key = dt.date.fromisoformat(day), int(pk)
        if not 0 < key[1] <= 2**63 - 1:
            raise ValueError
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise DomainError(
            message=_("翻页标记无效"),
            code="invalid_cursor",
            errors=(FieldError("cursor", _("翻页标记无效，请使用上一页返回的翻页标记")),),
            status=422,
        ) from None
    return key


def offset_too_deep() -> DomainError:
    """The 422 of an offset past :data:`MAX_DEPTH`: the sentence says how to go deeper (the cursor)."""
    message = _("起始位置不能大于 %(max)s；更深的翻页请使用 cursor（上一页返回的 next_cursor）") % {
        "max": MAX_DEPTH
    }
    return DomainError(
        message=message, code="offset_too_deep", errors=(FieldError("offset", message),), status=422
    )


class ClassCursorPagination(LimitOffsetPagination):
    """``limit`` with ``offset`` or ``cursor``; the answer is ``{"items", "count", "count_capped", "next_cursor"}``
    (``count`` counted up to ``MAX_DEPTH + 1`` only)."""

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(
            0,
            ge=0,
            le=MAX_OFFSET,
            description=f"起始位置（从 0 起，最大 {MAX_DEPTH}；更深请用 cursor）",
        )
        cursor: str | None = Field(
            None,
            max_length=MAX_CURSOR,
            description="翻页标记：上一页返回的 next_cursor；给出时忽略 offset，深页同样快",
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(..., description=f"符合条件的条数，最多数到 {MAX_DEPTH + 1}（见 count_capped）")
        count_capped: bool = Field(
            ...,
            description=f"为 true 时符合条件的超过 {MAX_DEPTH} 条（count 不是总数），可用筛选条件缩小范围",
        )
        next_cursor: str | None = Field(None, description="下一页的翻页标记（已是最后一页时为 null）")

    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        limit: int = min(pagination.limit, self.max_limit)
        if pagination.cursor:
            start_date, pk = decode_cursor(pagination.cursor)
            page = queryset.filter(Q(start_date__lt=start_date) | Q(start_date=start_date, pk__lt=pk))[:limit]
            items = list(page)
        else:
            if pagination.offset > MAX_DEPTH:
                raise offset_too_deep()
            # the offset walks the ordering's index reading ids only; the page's rows are then read by id, so
            # the joins and prefetches run for the page alone, never for the skipped rows
            items = deferred_page(queryset, pagination.offset, pagination.offset + limit)
        last = items[-1] if len(items) == limit else None
        count = capped_count(queryset)  # stops at MAX_DEPTH + 1, like the screen's (ADR 0015)
        return {
            self.items_attribute: items,
            "count": count,
            "count_capped": count > MAX_DEPTH,
            "next_cursor": encode_cursor(last.start_date, last.pk) if last is not None else None,
        }
