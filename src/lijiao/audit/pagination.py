"""Keyset (cursor) paging of the audit log, newest first (ADR 0015).

The log only grows and ``sequence`` is unique, so a page is "the ``limit`` events before (or after) sequence S"
and is read through the ``sequence`` index whatever the page's depth; nothing counts the whole log. The API
carries the position as an opaque ``cursor`` (``next_cursor`` / ``previous_cursor`` of the answer), the screen
as ``?after=`` / ``?before=`` links ("下一页" / "上一页").
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field
from ninja.conf import settings as ninja_settings
from ninja.pagination import PaginationBase

from lijiao.audit.models import AuditEvent
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.pagination import MAX_LIMIT, MAX_OFFSET
from lijiao.core.schemas import Schema

_CURSOR: Final = re.compile(r"^([ab]):([1-9][0-9]{0,18})$")
MAX_SEQUENCE: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of events, newest first; ``after``/``before`` are the sequences to continue from (``None``:
    no page that way)."""

    events: list[AuditEvent]
    after: int | None
    before: int | None


def page_of_events(
    queryset: QuerySet[AuditEvent], *, limit: int, after: int | None = None, before: int | None = None
) -> EventPage:
    """The ``limit`` events older than ``after`` (or newer than ``before``, or the newest): one query."""
    if before is not None:
        rows = list(queryset.filter(sequence__gt=before).order_by("sequence")[: limit + 1])
        newer = len(rows) > limit
        events = rows[:limit][::-1]
        return EventPage(
            events,
            after=events[-1].sequence if events else before + 1,
            before=events[0].sequence if newer else None,
        )
    if after is not None:
        queryset = queryset.filter(sequence__lt=after)
    rows = list(queryset.order_by("-sequence")[: limit + 1])
    events = rows[:limit]
    return EventPage(
        events,
        after=events[-1].sequence if len(rows) > limit else None,
        before=None if after is None else (events[0].sequence if events else after - 1),
    )


def encode_cursor(direction: str, sequence: int | None) -> str | None:
    if sequence is None:
        return None
    return base64.urlsafe_b64encode(f"{direction}:{sequence}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int | None, int | None]:
    """``(after, before)`` from an API cursor; a 422 for anything this module did not write."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _CURSOR.match(text)
    if match is None or int(match[2]) > MAX_SEQUENCE:
        raise DomainError(
            _("筛选条件有误"),
            code="invalid",
            errors=(FieldError("cursor", _("翻页位置无效，请从第一页重新开始")),),
            status=422,
        )
    sequence = int(match[2])
    return (sequence, None) if match[1] == "a" else (None, sequence)


class AuditCursorPagination(PaginationBase):
    """``?limit=&cursor=`` (or a bounded ``?offset=``); the answer is ``{"items", "next_cursor",
    "previous_cursor"}`` without a total: counting a log of millions on every page is what this avoids."""

    class Input(Schema):
        limit: int = Field(
            ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}）"
        )
        cursor: str | None = Field(
            None,
            max_length=40,
            description="翻页位置：上一次结果中的 next_cursor（更早的事件）或 previous_cursor（更新的事件）；"
            "不传则从最新事件开始",
        )
        offset: int = Field(
            0,
            ge=0,
            le=MAX_OFFSET,
            description="起始位置（从 0 起；与 cursor 不能同时使用，深翻页请用 cursor）",
        )

    class Output(Schema):
        items: list[Any]
        next_cursor: str | None = Field(description="下一页（更早的事件）的 cursor；没有更多时为 null")
        previous_cursor: str | None = Field(description="上一页（更新的事件）的 cursor；第一页为 null")

    def paginate_queryset(
        self, queryset: QuerySet[AuditEvent], pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        if pagination.cursor is not None and pagination.offset:
            raise DomainError(
                _("筛选条件有误"),
                code="invalid",
                errors=(FieldError("offset", _("使用翻页位置时不能同时指定起始位置")),),
                status=422,
            )
        if pagination.offset:
            rows = list(
                queryset.order_by("-sequence")[pagination.offset : pagination.offset + pagination.limit + 1]
            )
            events = rows[: pagination.limit]
            page = EventPage(
                events,
                after=events[-1].sequence if len(rows) > pagination.limit else None,
                before=events[0].sequence if events else None,
            )
        else:
            after, before = decode_cursor(pagination.cursor) if pagination.cursor else (None, None)
            page = page_of_events(queryset, limit=pagination.limit, after=after, before=before)
        return {
            "items": page.events,
            "next_cursor": encode_cursor("a", page.after),
            "previous_cursor": encode_cursor("b", page.before),
        }
