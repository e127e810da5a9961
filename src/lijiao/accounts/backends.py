"""Password login with lock-out after repeated failures (``LOGIN_FAILURE_LIMIT`` within a lock window)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.audit.services import record_event


class LockoutModelBackend(ModelBackend):
    """``ModelBackend`` that refuses a locked account and locks one after too many wrong passwords."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle for names
            return None
        if user.is_locked:
            if request is not None:
                request.lijiao_locked_until = user.locked_until  # type: ignore[attr-defined]
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_login_count:
                User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
            return user
        self._record_failure(user, request)
        return None

    @staticmethod
    def _record_failure(user: User, request: HttpRequest | None) -> None:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
            user.refresh_from_db(fields=["failed_login_count"])
            if user.failed_login_count >= settings.LOGIN_FAILURE_LIMIT:
                locked_until = timezone.now() + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
                User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=locked_until)
                record_event(
                    actor=None,
                    action="accounts.user.locked",
                    obj=user,
                    after={"locked_until": locked_until},
                    reason=f"{settings.LOGIN_FAILURE_LIMIT} failed logins",
                )
                if request is not None:
                    request.lijiao_locked_until = locked_until  # type: ignore[attr-defined]
