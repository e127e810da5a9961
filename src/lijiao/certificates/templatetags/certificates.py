"""Template helpers of the certificate screens."""

from __future__ import annotations

from django import template

from lijiao.certificates.services.numbering import level_label

register = template.Library()


@register.filter
def level_name(level: int | None) -> str:
    """``{{ assessment.level|level_name }}`` → ``四级/中级工``; an em dash when there is no level (专项)."""
    return "—" if level is None else level_label(level)
