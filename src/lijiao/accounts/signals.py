"""At login and logout: audit events, and the user's interface language into the session."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from lijiao.accounts.middleware import SESSION_LANGUAGE_KEY
from lijiao.audit.services import record_event


@receiver(user_logged_in, dispatch_uid="lijiao_audit_login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event(actor=user, action="accounts.login", obj=user)


@receiver(user_logged_in, dispatch_uid="lijiao_user_language")
def remember_language(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The user's interface language applies from the next request on (see UserLanguageMiddleware)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if getattr(user, "language", ""):
        session[SESSION_LANGUAGE_KEY] = user.language
    else:
        session.pop(SESSION_LANGUAGE_KEY, None)


@receiver(user_logged_out, dispatch_uid="lijiao_audit_logout")
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event(actor=user, action="accounts.logout", obj=user)


@receiver(user_locked_out, dispatch_uid="lijiao_audit_login_throttled")
def audit_login_throttled(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    """A client stopped by login throttling: the name it typed and its address, in the audit log."""
    record_event(
        actor=None,
        action="accounts.login.throttled",
        after={"username": username or "", "ip_address": ip_address or ""},
        reason="login throttled",
    )
