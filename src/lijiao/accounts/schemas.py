"""Schemas of the accounts API (:mod:`lijiao.accounts.api`): who am I, and my API tokens."""

from __future__ import annotations

import datetime as dt

from lijiao.core.schemas import InputSchema, Schema


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    handling_area: str | None
    permissions: list[str]


class TokenIn(InputSchema):
    name: str
    ttl_days: int | None = None


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
