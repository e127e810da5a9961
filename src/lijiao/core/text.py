"""Free text that ends up in spreadsheets: refused when it could act as a formula or hide characters (ADR 0007).

A name or other free text a person types (or a roster carries) is later exported to xlsx and csv files that
staff open in Excel or WPS. Text that starts with ``=``, ``+``, ``-`` or ``@`` is what a spreadsheet program
takes for a formula (``=HYPERLINK(...)`` sends whoever clicks it to an attacker's address); NUL and other control
characters are invisible, break files and make two different names look the same. :func:`unsafe_text_problem`
says what is wrong in the clerk's words; :func:`validate_safe_text` is the Django validator for forms and model
fields. Exports write text as text anyway (``strings_to_formulas=False``); csv cells pass :func:`csv_safe`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

__all__ = ["FORMULA_PREFIXES", "csv_safe", "unsafe_text_problem", "validate_safe_text"]

FORMULA_PREFIXES = ("=", "+", "-", "@")
_ALLOWED_CONTROLS = frozenset("\t\n\r")  # a line break typed in a note is text, not a trick


def unsafe_text_problem(value: str, *, label: str = "", allow_line_breaks: bool = False) -> str | None:
    """Why ``value`` may not be stored as a name or free text (``label`` names the field in the message), or
    ``None``: a control character (NUL, U+0001 …, and also tab and line breaks unless ``allow_line_breaks``), or
    a leading ``=``, ``+``, ``-`` or ``@``."""
    label = label or _("内容")
    for char in value:
        if unicodedata.category(char) == "Cc" and not (allow_line_breaks and char in _ALLOWED_CONTROLS):
            return _("%(label)s不能包含控制字符或不可见字符（如 NUL），请重新输入") % {"label": label}
    if value.lstrip().startswith(FORMULA_PREFIXES):
        return _("%(label)s不能以 =、+、-、@ 开头（表格软件会把它当作公式），请删除开头的符号") % {
            "label": label
        }
    return None


def validate_safe_text(value: Any) -> None:
    """Django validator: raise :class:`ValidationError` (code ``unsafe_text``) for what
    :func:`unsafe_text_problem` refuses."""
    if isinstance(value, str):
        problem = unsafe_text_problem(value)
        if problem:
            raise ValidationError(problem, code="unsafe_text")


def csv_safe(value: Any) -> Any:
    """A csv cell that no spreadsheet program evaluates: text starting like a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, "\t", "\r")):
        return "'" + value
    return value
