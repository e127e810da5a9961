"""Template helpers: masking personal data, formatting yuan."""

from __future__ import annotations

from decimal import Decimal

from django import template

from lijiao.core.money import format_yuan
from lijiao.core.pii import mask

register = template.Library()


@register.filter
def masked(value: str | None, kind: str = "other") -> str:
    """``{{ user.citizen_id|masked:"citizen_id" }}`` → ``2102**********123X``."""
    return mask(kind, value)


@register.filter
def yuan(value: Decimal | None) -> str:
    """``{{ amount|yuan }}`` → ``¥1,500.00``."""
    return format_yuan(value)
