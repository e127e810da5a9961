"""Schemas of the reference data API (:mod:`lijiao.core.api`): regions, handling areas, calendar, identity checks."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None


class HandlingAreaOut(Schema):
    code: str
    name: str
    region_codes: list[str]


class WorkingDayOut(Schema):
    start: dt.date
    working_days: int
    result: dt.date
    official: bool


class CheckIn(Schema):
    value: str


class CitizenIdCheckOut(Schema):
    valid: bool
    birth_date: dt.date
    gender: str
    address_code: str
    kind: str
    upgraded_from_15: bool
    warnings: list[str]
    masked: str


class CreditCodeCheckOut(Schema):
    valid: bool
    code: str
