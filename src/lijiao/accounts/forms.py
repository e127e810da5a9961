"""Login form that tells a locked-out user when to try again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone


class LoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            locked_until = getattr(self.request, "lijiao_locked_until", None)
            if locked_until is not None:
                minutes = max(1, int((locked_until - timezone.now()).total_seconds() // 60) + 1)
                raise forms.ValidationError(
                    f"登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试（account locked; try again in {minutes} min）",
                    code="locked",
                ) from None
            raise


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=100)
    ttl_days = forms.IntegerField(label="有效天数", min_value=1, max_value=730, initial=365)
