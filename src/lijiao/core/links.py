"""Links to one object per row of a list, without a ``reverse()`` per row (ADR 0015, rendering cost).

``{% url 'training:class_detail' c.pk %}`` in a row loop resolves the pattern for every row: at 50 rows and two
links a row it was a measurable share of a list page. :func:`pk_url` reverses the pattern once, with a
placeholder, and returns a function that puts the row's id in its place — the same URL ``reverse()`` gives
(the id is an integer, so it needs no quoting)::

    detail_url = pk_url("training:class_detail")
    for row in rows:
        row.url = detail_url(row.pk)
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

__all__ = ["pk_url"]

_PLACEHOLDER = 987654321987654321  # an id no table reaches, matched by any <int:…> converter


def pk_url(viewname: str, *args: object) -> Callable[[int], str]:
    """A function ``pk -> url`` equal to ``reverse(viewname, args=[*args, pk])``, reversing only once."""
    url = reverse(viewname, args=[*args, _PLACEHOLDER])
    head, placeholder, tail = url.rpartition(str(_PLACEHOLDER))
    if not placeholder:  # a converter that changed the value: fall back to reversing per row
        return lambda pk: reverse(viewname, args=[*args, pk])
    return lambda pk: f"{head}{int(pk)}{tail}"
