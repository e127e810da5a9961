"""Account forms: login, API token, interface language."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The login form; a throttled client sees one message for every name (accounts/throttle.py)."""


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100)
    ttl_days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=730, initial=365)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("界面语言"), choices=[("", _("跟随浏览器")), *settings.LANGUAGES], required=False
    )
