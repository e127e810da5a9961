"""What the certificates screens share: login and the model permission, domain refusals as 403/404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from lijiao.core.errors import NotFound
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied

PAGE_SIZE = 50


def certificates_view(
    perm: str,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Login (else the login page) and ``perm`` (else 403); a service's refusal is a 403, an id outside the
    user's scope a 404."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perm(perm):
                raise DjangoPermissionDenied()
            try:
                return view(request, *args, **kwargs)
            except DomainPermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from None
            except NotFound as exc:
                raise Http404(exc.message) from None

        return login_required(wrapper)

    return decorate
