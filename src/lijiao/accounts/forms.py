"""Login form that tells a locked-out user when to try again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            locked_until = getattr(self.request, "lijiao_locked_until", None)
            if locked_until is not None:
                minutes = max(1, int((locked_until - timezone.now()).total_seconds() // 60) + 1)
                raise forms.ValidationError(
                    gettext("登录失败次数过多，账户已锁定，请 %(minutes)s 分钟后再试") % {"minutes": minutes},
                    code="locked",
                ) from None
            raise


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100)
    ttl_days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=730, initial=365)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("界面语言"), choices=[("", _("跟随浏览器")), *settings.LANGUAGES], required=False
    )
