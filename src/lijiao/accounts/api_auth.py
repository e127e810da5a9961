"""API authentication: bearer tokens or the browser session; ``optional_auth`` also lets the public in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from lijiao.accounts.services import authenticate_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class PublicAccess:
    """Last in a list of authenticators: lets anonymous callers through as ``AnonymousUser``."""

    def __call__(self, request: HttpRequest) -> Any:
        return _Anonymous()


class _Anonymous(AnonymousUser):
    def __bool__(self) -> bool:  # ninja treats a falsy result as "not authenticated"
        return True


required_auth = [TokenAuth(), django_auth]
optional_auth = [TokenAuth(), django_auth, PublicAccess()]


def current_user(request: HttpRequest) -> Any:
    """The user the request acts as (token user, session user, or anonymous)."""
    return request.user
