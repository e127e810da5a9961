"""Schemas of the accounts API (:mod:`lijiao.accounts.api`): who am I, and my API tokens."""

from __future__ import annotations

import datetime as dt

from ninja import Field

from lijiao.core.schemas import InputSchema, Schema


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    handling_area: str | None
    permissions: list[str]


class TokenIn(InputSchema):
    name: str = Field(..., max_length=100, description="用途")
    ttl_days: int | None = Field(None, ge=1, le=730, description="有效天数（1–730，不填为默认值）")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str
