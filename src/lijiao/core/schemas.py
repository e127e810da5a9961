"""The API's schema base classes (every app's schemas derive from them, ADR 0006), then the schemas of the
reference data API (:mod:`lijiao.core.api`): regions, handling areas, calendar, identity checks.

django-ninja's ``Schema`` reads its fields from *any* object (it wraps the value in a ``DjangoGetter`` so that
model instances validate), so a JSON array, a number or ``null`` sent where an object is expected passed as an
object without attributes: every field took its default, and ``[null, null]`` sent to ``PUT …/scope`` replaced
a provider's whole scope with nothing. :class:`Schema` refuses a JSON value that is no object before anything
reads it; :class:`InputSchema` (what clients send) also refuses unknown fields and control characters.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from ninja import Field
from ninja import Schema as NinjaSchema  # noqa: TID251  (the one place that may)
from pydantic import ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

# What JSON gives besides an object: none of them is an object to read fields from.
_NOT_AN_OBJECT = (list, tuple, set, frozenset, str, bytes, int, float, type(None))

# C0 control characters other than tab, line feed and carriage return (PostgreSQL refuses NUL), and the halves
# of surrogate pairs that JSON's "\\ud800" escapes can produce alone (no text, and not encodable as UTF-8).
_UNWANTED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _refuse_non_objects(schema: type[Any], value: Any) -> None:
    if isinstance(value, _NOT_AN_OBJECT):
        raise PydanticCustomError("model_type", "Input should be an object", {"class_name": schema.__name__})


class Schema(NinjaSchema):
    """The base of every schema of the API: an object is read from an object (a dict or a model instance),
    never from a JSON array, string, number, boolean or ``null``."""

    @model_validator(mode="wrap")
    @classmethod
    def _only_objects(cls, values: Any, handler: Any, info: ValidationInfo) -> Any:
        # runs before django-ninja's own wrap validator, which would wrap anything in a DjangoGetter
        _refuse_non_objects(cls, values)
        return handler(values)


class InputSchema(Schema):
    """The base of what clients send (request bodies, the objects inside them, query filters): an object with
    known fields only, text without control characters. A typo in a field name is an error, not a field quietly
    left at its default (which, for a replace, would blank the stored value)."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: Any, info: ValidationInfo) -> Any:
        # replaces django-ninja's (same name): a body is a dict, validated as it is, once (no DjangoGetter)
        return handler(values)

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_control_characters(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and _UNWANTED_CHARACTERS.search(text) for text in texts):
            raise PydanticCustomError("string_control_characters", "Control characters are not allowed")
        return value


class FieldErrorOut(Schema):
    field: str = Field(..., description="出错的输入项（机器路径，如 occupations.0.code；__all__ 表示整体）")
    message: str = Field(..., description="错误说明（按 Accept-Language 的语言）")


class ErrorOut(Schema):
    """The one error format of the API (ADR 0006), whatever the status."""

    code: str = Field(
        ..., description="机器可读的错误代码，如 invalid、invalid_json、not_found、permission_denied"
    )
    message: str = Field(..., description="给人看的错误说明（按 Accept-Language 的语言）")
    errors: list[FieldErrorOut] = Field(default_factory=list, description="逐项的错误（可为空）")


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


class CheckIn(InputSchema):
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
