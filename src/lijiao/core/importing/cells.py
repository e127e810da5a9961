"""Cells as clerks type them: text, amounts, whole numbers, yes/no and dates, each refused with the message the clerk reads."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from lijiao.core.importing.types import _EXACT_FLOAT_LIMIT, _INVISIBLE, CellError
from lijiao.core.money import CENT, InvalidAmount, to_yuan
from lijiao.core.text import unsafe_text_problem

# --- cells ----------------------------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    """An empty cell: ``None``, ``""`` or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip(" \t\r\n\u3000\xa0" + _INVISIBLE))


def is_number_cell(value: Any) -> bool:
    """The spreadsheet stored a number (not text) in this cell — what Excel does to an ID typed without ``'``."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _excel_display(number: float) -> str:
    """How Excel's General format shows a long number: ``3.70102E+17``."""
    return f"{number:.6G}"


def _number_text(value: int | float, *, allow_number: bool) -> str:
    """A number cell as text: integral numbers as their digits; refused where Excel may have changed it."""
    if not allow_number:
        raise CellError(
            _(
                "该单元格是数字格式（显示为 %(shown)s），Excel 可能已丢失位数或前导零，"
                "请把该列设为“文本”格式后重新录入"
            )
            % {"shown": _excel_display(float(value))}
        )
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(_("单元格的数值无效"))
        if value.is_integer():
            if abs(value) >= _EXACT_FLOAT_LIMIT:
                raise CellError(
                    _("数字 %(shown)s 超过15位，Excel 已丢失位数，请以文本格式录入")
                    % {"shown": _excel_display(value)}
                )
            return str(int(value))
        return repr(value)
    return str(value)


def cell_text(value: Any, *, allow_number: bool = True) -> str:
    """A cell as stripped text. An integral number cell becomes its digits (``6.0`` → ``"6"``).

    With ``allow_number=False`` (ID numbers, codes with leading zeros) a number cell is refused: Excel has
    already dropped leading zeros or digits beyond the 15th, so the value cannot be trusted.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip().strip(_INVISIBLE).strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return _number_text(value, allow_number=allow_number)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def cell_free_text(value: Any) -> str:
    """A cell of free text (a name, a note) as stripped text, refused (:class:`CellError`) when it starts like a
    spreadsheet formula or holds control characters (:func:`lijiao.core.text.unsafe_text_problem`)."""
    text = cell_text(value)
    if problem := unsafe_text_problem(text, allow_line_breaks=True):
        raise CellError(problem)
    return text


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().strip(_INVISIBLE).strip()


def cell_decimal(value: Any, *, required: bool = True) -> Decimal | None:
    """A yuan amount (SPEC D4) with at most two decimals; ``None`` for an empty optional cell.

    Text goes through :func:`lijiao.core.money.to_yuan` (``"1,500"``, ``"￥1500元"``). A number cell is a
    float in every spreadsheet format; it is accepted when it has at most two decimals and converted through
    its shortest decimal form, never used as a float.
    """
    if is_blank(value):
        if required:
            raise CellError(_("金额不能为空"))
        return None
    if isinstance(value, bool):
        raise CellError(_("应填写金额，而不是是/否"))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(_("金额无效"))
        rounded = round(value, 2)
        if abs(value - rounded) > 1e-9 * max(1.0, abs(value)):
            raise CellError(_("金额最多两位小数：%(value)s") % {"value": repr(value)})
        return Decimal(str(rounded)).quantize(CENT)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise CellError(_("应填写金额，而不是日期或时间：%(value)s") % {"value": cell_text(value)})
    try:
        return to_yuan(_normal(value) if isinstance(value, str) else value)
    except InvalidAmount as exc:
        raise CellError(str(exc)) from None


_INT_RE = re.compile(r"^[+-]?\d+(?:\.0*)?$")


def cell_int(value: Any, *, required: bool = True) -> int | None:
    """A whole number (``40``, ``"40"``, ``40.0``); ``None`` for an empty optional cell."""
    if is_blank(value):
        if required:
            raise CellError(_("不能为空"))
        return None
    if isinstance(value, bool):
        raise CellError(_("应填写整数，而不是是/否"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise CellError(_("应填写整数：%(value)s") % {"value": repr(value)})
    text = _normal(str(value)).replace(",", "")
    if _INT_RE.match(text):
        return int(Decimal(text))
    raise CellError(_("“%(value)s”不是整数") % {"value": cell_text(value)})


_TRUE = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "✔", "对", "有", "t"})
_FALSE = frozenset({"否", "n", "no", "false", "0", "×", "✗", "✘", "无", "f", "-", "—"})


def cell_bool(value: Any, *, default: bool = False) -> bool:
    """Yes/no: 是/否, Y/N, √/×, 1/0, true/false (any case); an empty cell is ``default``."""
    if is_blank(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
    else:
        text = _normal(str(value)).casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise CellError(_("“%(value)s”应为“是”或“否”") % {"value": cell_text(value)})


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


def _make_date(year: int, month: int, day: int, shown: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(_("日期“%(value)s”不存在") % {"value": shown}) from None


def cell_date(value: Any, *, required: bool = True) -> dt.date | None:
    """A date: an Excel date cell, or text 2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日, 20250301."""
    if is_blank(value):
        if required:
            raise CellError(_("日期不能为空"))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool | dt.time | dt.timedelta):
        raise CellError(_("“%(value)s”不是日期") % {"value": cell_text(value)})
    if isinstance(value, int | float):
        if float(value).is_integer():
            whole = int(value)
            if 10_000_000 <= whole <= 99_999_999:
                return _make_date(whole // 10000, whole // 100 % 100, whole % 100, str(whole))
            if 1 <= whole <= _EXCEL_MAX_SERIAL:
                return _EXCEL_EPOCH + dt.timedelta(days=whole)
        raise CellError(_("“%(value)s”不是日期") % {"value": cell_text(value)})
    text = _normal(str(value))
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        raise CellError(
            _("日期“%(value)s”格式无法识别，请填写如 2025-03-01 或 2025年3月1日") % {"value": text}
        )
    return _make_date(int(match[1]), int(match[2]), int(match[3]), text)
