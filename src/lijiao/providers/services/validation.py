"""Checks of values shared by the provider services: phones, texts, reasons, and the error they raise."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from lijiao.core.errors import DomainError, FieldError
from lijiao.core.pii import PIIKind, canonical
from lijiao.core.text import unsafe_text_problem

MAX_REASON = 500


_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_LANDLINE_RE = re.compile(r"0\d{9,11}")


def _invalid(message: str, errors: list[FieldError], code: str = "invalid") -> DomainError:
    return DomainError(message=message, code=code, errors=tuple(errors))


def clean_phone(value: str, field: str, errors: list[FieldError]) -> str:
    """A mobile (11 digits, 1[3-9]…) or landline with area code (0411-88886666); ``""`` stays ``""``."""
    text = (value or "").strip()
    if not text:
        return ""
    digits = canonical(PIIKind.PHONE, text)
    if _MOBILE_RE.fullmatch(digits) or _LANDLINE_RE.fullmatch(digits):
        return digits
    errors.append(
        FieldError(
            field,
            _("电话号码“%(phone)s”格式不正确，应为11位手机号或带区号的固定电话，如 0411-88886666")
            % {"phone": text},
        )
    )
    return ""


def _text(
    value: str | None,
    field: str,
    label: str,
    max_length: int,
    errors: list[FieldError],
    *,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Stripped text within ``max_length``, refused when it could act as a spreadsheet formula or carries control
    characters (:func:`lijiao.core.text.unsafe_text_problem`; line breaks allowed when ``multiline``)."""
    text = (value or "").strip()
    if required and not text:
        errors.append(FieldError(field, _("请填写%(label)s") % {"label": label}))
    elif len(text) > max_length:
        errors.append(FieldError(field, _("%(label)s最多%(max)s字") % {"label": label, "max": max_length}))
    elif problem := unsafe_text_problem(text, label=label, allow_line_breaks=multiline):
        errors.append(FieldError(field, problem))
    return text


def _reason(reason: str | None, field: str = "reason") -> str:
    errors: list[FieldError] = []
    text = _text(reason, field, _("原因"), MAX_REASON, errors, required=True, multiline=True)
    if errors:
        raise _invalid(_("请说明原因"), errors, code="reason_required")
    return text
