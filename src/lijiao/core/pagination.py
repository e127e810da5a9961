"""Paging of every API list (ADR 0006): ``limit`` 1 … ``NINJA_PAGINATION_MAX_LIMIT`` (500), ``offset`` 0 … 2³¹−1.

django-ninja bounds neither by default, and a ``limit`` or ``offset`` beyond what the database takes as an
integer (``?offset=99999999999999999999``) reached SQLite or PostgreSQL and answered 500. Here the bounds are
part of the query parameters' schema, so such a value is a 422 with a sentence (“起始位置不能大于 …”) before
any query runs, and the OpenAPI document states them. Every list uses this class: ``NINJA_PAGINATION_CLASS``
names it, ``@paginate`` without arguments picks it, and ruff refuses django-ninja's own (``make lint``).
"""

from __future__ import annotations

from typing import Final

from django.conf import settings
from ninja import Field
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination  # noqa: TID251
from ninja.pagination import paginate

from lijiao.core.schemas import Schema

MAX_LIMIT: Final = int(getattr(settings, "NINJA_PAGINATION_MAX_LIMIT", 500))
MAX_OFFSET: Final = 2**31 - 1  # far beyond any list, and an integer every database accepts


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


__all__ = ["MAX_LIMIT", "MAX_OFFSET", "LimitOffsetPagination", "paginate"]
