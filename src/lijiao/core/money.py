"""Money (SPEC D4): yuan as exact ``Decimal`` with two places, never floats."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

CENT = Decimal("0.01")


class InvalidAmount(ValueError):
    """An amount that is not a valid yuan value."""


def to_yuan(value: object) -> Decimal:
    """Parse a yuan amount: Decimal, int or text such as ``"1,500"``, ``"1500.5"``, ``"￥1500元"``.

    Floats are refused (they cannot hold cents exactly). More than two decimal places is an error
    rather than a silent rounding.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidAmount(_("金额不能为空"))
    if isinstance(value, float):
        raise InvalidAmount(_("金额必须是精确的十进制数"))
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").replace("￥", "").replace("¥", "")
        text = text.removesuffix("元").strip()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise InvalidAmount(_("“%(value)s”不是有效的金额") % {"value": value}) from None
    if not amount.is_finite():
        raise InvalidAmount(_("“%(value)s”不是有效的金额") % {"value": value})
    if amount != amount.quantize(CENT):
        raise InvalidAmount(_("金额最多两位小数：%(value)s") % {"value": value})
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_yuan(amount: Decimal) -> Decimal:
    """Round a computed amount (e.g. standard × uplift) to the cent, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_yuan(amount: Decimal | None) -> str:
    """``Decimal("1500")`` → ``"¥1,500.00"``."""
    if amount is None:
        return "—"
    return f"¥{amount:,.2f}"


class MoneyField(models.DecimalField):  # type: ignore[type-arg]
    """A yuan amount: ``DecimalField(max_digits=14, decimal_places=2)``."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_digits") == 14:
            del kwargs["max_digits"]
        if kwargs.get("decimal_places") == 2:
            del kwargs["decimal_places"]
        return name, path, args, kwargs
