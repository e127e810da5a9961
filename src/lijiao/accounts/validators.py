"""Password rules beyond Django's: letters and digits both required."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """A password must contain at least one letter and one digit."""

    def validate(self, password: str, user: Any = None) -> None:
        if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
            raise ValidationError(
                _("密码必须同时包含字母和数字"),
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return _("密码须同时包含字母和数字。")
