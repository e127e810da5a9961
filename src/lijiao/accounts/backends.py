"""Password login: refuses an account an administrator locked; throttling is django-axes' (accounts/throttle.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from lijiao.accounts.models import User


class AccountModelBackend(ModelBackend):
    """``ModelBackend`` that also refuses a locked account, doing the same work for unknown and locked names."""

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
        if user.check_password(password) and self.user_can_authenticate(user) and not user.is_locked:
            return user
        return None
