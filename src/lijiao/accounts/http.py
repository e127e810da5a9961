"""Request type for views behind ``login_required``: ``request.user`` is a real user there."""

from __future__ import annotations

from django.http import HttpRequest

from lijiao.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User
