"""Lists filtered by one django-filter FilterSet, shared by a screen and the API.

A screen shows the FilterSet's form with its errors (an invalid value is ignored, the rest still filters); the
API answers 422 with the same messages, each under the parameter's name (``errors[].field`` is for programs).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import FilterSet

from lijiao.core.errors import DomainError, FieldError


def filtered_or_error(filterset: FilterSet) -> QuerySet[Any]:
    """The FilterSet's rows, or a 422 :class:`DomainError` carrying its form's messages."""
    if not filterset.is_valid():
        errors = tuple(
            FieldError(name, " ".join(str(message) for message in messages))
            for name, messages in filterset.errors.items()
        )
        raise DomainError(_("筛选条件有误"), code="invalid", errors=errors, status=422)
    queryset: QuerySet[Any] = filterset.qs
    return queryset
