"""People who log in, their organisation scope, and API tokens for integrators."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lijiao.core.pii import EncryptedPIIField, PIIDigestField, PIIKind, digest_index


class User(AbstractUser):
    """A login. Roles are groups (see :mod:`lijiao.accounts.roles`); scope fields narrow what selectors return.

    ``handling_area`` scopes district clerks and reviewers; ``provider`` scopes provider staff to their own
    institution (later domains add employer/school scope).
    """

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    handling_area = models.ForeignKey(
        "core.HandlingArea",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("经办区域"),
    )
    provider = models.ForeignKey(
        "providers.Provider",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("所属培训机构"),
    )
    citizen_id = EncryptedPIIField(_("身份证号"), kind=PIIKind.CITIZEN_ID, blank=True)
    citizen_id_digest = PIIDigestField(source="citizen_id", db_index=False)
    phone = EncryptedPIIField(_("手机号"), kind=PIIKind.PHONE, blank=True)
    phone_digest = PIIDigestField(source="phone", db_index=False)
    # Set by an administrator: no login and no API token until then (login throttling is per address instead).
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    # The interface language; empty: follow the browser (ADR 0003). Kept in the session from login.
    language = models.CharField(
        _("界面语言"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta(AbstractUser.Meta):
        verbose_name = verbose_name_plural = _("用户")  # type: ignore[assignment]  # lazily translated
        indexes = [
            digest_index("citizen_id_digest", "accounts_user_citizen_id_idx"),
            digest_index("phone_digest", "accounts_user_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for an integrator, acting as its user with that user's permissions and scope.

    Only the SHA-256 of the token is stored; the token itself is shown once when created.
    """

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最后使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
