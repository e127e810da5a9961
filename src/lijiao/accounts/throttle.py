"""Login throttling by client address (django-axes): who may try a password, and the answer when not.

The policy (README, "Login throttling"): failed logins are counted per client address and per account name at
that address, within ``LOGIN_LOCKOUT_MINUTES``. ``LOGIN_FAILURE_LIMIT`` failures for one name from one address
stop that name there; ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures from one address, whatever the names, stop the
address. An attacker can therefore never lock a user out who logs in from another address, and an unknown name
is counted and answered exactly like a real one (the lock-out does not depend on whether the account exists).
API tokens are separate credentials: throttling never touches them; an account an administrator locked
(``User.locked_until``) or deactivated loses its tokens at once.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from lijiao.accounts.forms import LoginForm

# The two counts, in the order ``AXES_LOCKOUT_PARAMETERS`` names them (settings.py).
LOCKOUT_PARAMETERS: list[Any] = ["ip_address", ["username", "ip_address"]]


def client_ip(request: HttpRequest) -> str:
    """The client's address: the peer, or behind our own proxy the address the proxy appended last."""
    if settings.SECURE_PROXY_SSL_HEADER is not None:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-1])
    return str(request.META.get("REMOTE_ADDR") or "")


class LoginThrottleHandler(AxesDatabaseHandler):  # type: ignore[misc]  # django-axes has no type hints
    """Axes' database handler with a limit of its own for each count (one address; one name at one address)."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_address, by_name_at_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(int(by_name_at_address), settings.LOGIN_FAILURE_LIMIT)
        return int(by_name_at_address)


def throttled_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The login page with one message for everyone refused by throttling (real or unknown name alike)."""
    form = LoginForm(request)
    message = gettext("登录尝试过于频繁，请 %(minutes)s 分钟后再试。") % {
        "minutes": settings.LOGIN_LOCKOUT_MINUTES
    }
    return render(
        request,
        "registration/login.html",
        {"form": form, "throttled_message": message, "next": request.POST.get("next", "")},
        status=429,
    )
