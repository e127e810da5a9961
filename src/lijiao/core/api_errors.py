"""Errors of the API in one format, and input errors as messages for people (ADR 0003, ADR 0006).

Every error the API answers (4xx, and a 5xx should one slip through) is one JSON object,
``{"code": "<machine code>", "message": "<a sentence for people>", "errors": [{"field", "message"}]}``:
:func:`status_error` gives the code and sentence of a bare HTTP status (405, 413, an unknown path…) where no
domain error says more.

Pydantic says ``results.5169.theory_score: Input should be a valid number``; a user reads
“第5170项：理论成绩必须是数字” (or its English translation). The machine path stays in ``errors[].field``.
Fields are named by the ``verbose_name`` of a model field of the same name (the label users see on screens),
so the message follows the active language like every other label.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.core.errors import DomainError, FieldError

# Where pydantic's location starts with where the value came from, not with the field.
_SOURCES = frozenset({"body", "query", "path", "payload", "form", "header", "cookie"})

_NUMBER = ("float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number")
_INTEGER = ("int_parsing", "int_type", "int_from_float", "int_parsing_size")
_DATE = ("date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact")
_DATETIME = ("datetime_parsing", "datetime_type", "datetime_from_date_parsing", "datetime_object_invalid")


# One sentence per kind of pydantic error (``%(field)s`` and ``%(limit)s`` filled in later); the kinds that
# depend on the error's context are decided in :func:`_problem`.
_SENTENCES: dict[str, Callable[[], str]] = {
    "missing": lambda: _("%(field)s必须填写"),
    **dict.fromkeys(_NUMBER, lambda: _("%(field)s必须是数字")),
    **dict.fromkeys(_INTEGER, lambda: _("%(field)s必须是整数")),
    **dict.fromkeys(("string_type", "string_unicode"), lambda: _("%(field)s必须是文本")),
    **dict.fromkeys(("bool_parsing", "bool_type"), lambda: _("%(field)s必须是 true 或 false")),
    **dict.fromkeys(_DATE, lambda: _("%(field)s必须是日期，格式为 YYYY-MM-DD")),
    **dict.fromkeys(_DATETIME, lambda: _("%(field)s必须是日期时间")),
    "string_too_long": lambda: _("%(field)s最多 %(limit)s 个字符"),
    "too_long": lambda: _("%(field)s最多 %(limit)s 项"),
    "too_short": lambda: _("%(field)s至少 %(limit)s 项"),
    "greater_than_equal": lambda: _("%(field)s不能小于 %(limit)s"),
    "greater_than": lambda: _("%(field)s必须大于 %(limit)s"),
    "less_than_equal": lambda: _("%(field)s不能大于 %(limit)s"),
    "less_than": lambda: _("%(field)s必须小于 %(limit)s"),
    **dict.fromkeys(
        ("decimal_max_places", "decimal_max_digits", "decimal_whole_digits"),
        lambda: _("%(field)s的小数位数过多"),
    ),
    **dict.fromkeys(("literal_error", "enum"), lambda: _("%(field)s不是可选的值")),
    "string_pattern_mismatch": lambda: _("%(field)s的格式不对"),
    **dict.fromkeys(("list_type", "tuple_type", "set_type"), lambda: _("%(field)s必须是列表")),
    "json_invalid": lambda: _("请求内容不是有效的 JSON"),
    **dict.fromkeys(
        ("model_type", "model_attributes_type", "dict_type"), lambda: _("%(field)s必须是 JSON 对象")
    ),
    "string_control_characters": lambda: _("%(field)s含有不允许的字符（控制字符或无效字符）"),
}


def _problem(error_type: str, ctx: Mapping[str, Any]) -> str:
    """The sentence for one kind of error, with ``%(field)s`` still to fill in."""
    if error_type == "string_too_short":
        return _("%(field)s至少 %(limit)s 个字符") if ctx.get("min_length", 1) > 1 else _("%(field)s不能为空")
    sentence = _SENTENCES.get(error_type)
    return sentence() if sentence else _("%(field)s格式有误")


def _limit(ctx: Mapping[str, Any]) -> object:
    for key in ("max_length", "min_length", "ge", "gt", "le", "lt"):
        if key in ctx:
            return ctx[key]
    return ""


# Inputs of the API that are no model field (query parameters, mostly).
_PARAMETER_LABELS: Final = {
    "days": gettext_lazy("天数"),
    "start": gettext_lazy("开始日期"),
    "on": gettext_lazy("日期"),
    "limit": gettext_lazy("每页条数"),
    "offset": gettext_lazy("起始位置"),
    "page": gettext_lazy("页码"),
    "q": gettext_lazy("搜索词"),
    "value": gettext_lazy("号码"),
    "payload": gettext_lazy("请求内容"),  # the whole body (django-ninja's name for it)
}


@functools.cache
def _model_field_labels() -> dict[str, Any]:
    """Field name → the verbose_name (lazily translated) of the first model field with that name."""
    labels: dict[str, Any] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            verbose_name = getattr(field, "verbose_name", None)
            name = getattr(field, "name", None)
            if name and verbose_name and name not in labels:
                labels[name] = verbose_name
    return labels


def field_label(name: str) -> str:
    """The label users know for an input named ``name`` (“理论成绩”), or a neutral word when there is none."""
    labels = _model_field_labels()
    label = _PARAMETER_LABELS.get(name) or labels.get(name) or labels.get(name.removesuffix("_id"))
    return str(label) if label else _("该项")


def _message(error: Mapping[str, Any], loc: list[str | int]) -> str:
    error_type = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    names = [part for part in loc if isinstance(part, str)]
    items = [part for part in loc if isinstance(part, int)]
    label = field_label(names[-1]) if names else (_("该项") if items else _("请求内容"))
    if error_type == "value_error":  # our own validators' messages, already for people
        text = str(error.get("msg", "")).removeprefix("Value error, ")
    elif error_type == "extra_forbidden":  # a name the client made up: theirs to read, not one of our labels
        text = _("“%(name)s”不是可提交的字段") % {"name": names[-1] if names else ""}
    else:
        text = _problem(error_type, ctx) % {"field": label, "limit": _limit(ctx)}
    if items:
        # the position in the list as people count: the first item is 第1项
        text = _("第%(item)s项：%(message)s") % {"item": items[-1] + 1, "message": text}
    return text


def validation_field_errors(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic's errors as field errors: the machine path in ``field``, a sentence for people in ``message``."""
    result: list[FieldError] = []
    for error in errors:
        loc: list[str | int] = [part for part in error.get("loc", ()) if part not in _SOURCES]
        field = ".".join(str(part) for part in loc) or "__all__"
        result.append(FieldError(field, _message(error, loc)))
    return result


# A bare HTTP status as (code, sentence), where nothing more specific is known.
_STATUS_ERRORS: Final[dict[int, tuple[str, Callable[[], str]]]] = {
    400: ("bad_request", lambda: _("请求有误")),
    401: ("unauthenticated", lambda: _("请先登录或提供有效令牌")),
    403: ("permission_denied", lambda: _("您没有执行此操作的权限")),
    404: ("not_found", lambda: _("请求的地址不存在")),
    405: ("method_not_allowed", lambda: _("此地址不支持该请求方法")),
    406: ("not_acceptable", lambda: _("无法按要求的格式作答")),
    409: ("conflict", lambda: _("数据已被他人修改，请刷新后重试")),
    413: ("too_large", lambda: _("请求内容过大")),
    415: ("unsupported_media_type", lambda: _("不支持的请求内容类型")),
    422: ("invalid", lambda: _("输入有误")),
    429: ("throttled", lambda: _("请求过于频繁，请稍后再试")),
}


def status_error(status: int) -> DomainError:
    """The error of a bare HTTP status, in the API's one format (``.as_dict()``)."""
    code, sentence = _STATUS_ERRORS.get(status) or (
        ("server_error", lambda: _("服务器出错，请稍后再试")) if status >= 500 else _STATUS_ERRORS[400]
    )
    return DomainError(message=sentence(), code=code, status=status)


def invalid_json() -> DomainError:
    """A body that is no JSON at all (django-ninja's parse error)."""
    return DomainError(message=_("请求内容不是有效的 JSON"), code="invalid_json", status=400)
