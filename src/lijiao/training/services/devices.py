"""Attendance devices (考勤设备, ADR 0010): a provider's check-in terminals and integrations, each with its own
credential, the only source of check-ins that claim a device (人脸识别, 刷卡, 扫码, 线上).

The credential works as the accounts API tokens do (a random secret shown once, only its SHA-256 stored, an
expiry, revocation) but it is not a person's token: it authenticates only the device endpoints of the API, acts
as the device (not as the staff member who registered it) and may only post check-ins of the methods it is registered for for its
provider's classes. A staff token presented to the device endpoints, or a device credential presented anywhere
else, is refused.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.models import hash_token
from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError, NotFound
from lijiao.core.permissions import require_perm
from lijiao.providers.models import Provider
from lijiao.training.models import AttendanceDevice, CheckIn
from lijiao.training.services.actors import user_of

__all__ = ["DEVICE_PREFIX", "authenticate_device", "register_device", "revoke_device"]

DEVICE_PREFIX = "ljd_"  # a visible prefix that tells device credentials from staff tokens ("lj_")
DEFAULT_TTL_DAYS = 366
MAX_TTL_DAYS = 3 * 366


def _own_provider(actor: Actor, provider_id: int) -> None:
    if getattr(actor, "provider_id", None) != provider_id:
        raise NotFound(_("考勤设备不存在"))


@transaction.atomic
def register_device(
    *, actor: Actor, name: str, methods: Sequence[str], ttl_days: int | None = None
) -> tuple[AttendanceDevice, str]:
    """Register a device of the actor's provider; returns the device and its credential, shown only now.

    Needs ``training.add_attendancedevice`` as staff of a provider. ``methods``: what the device records
    (人脸识别, 刷卡, 扫码, 线上; at least one).
    """
    require_perm(actor, "training.add_attendancedevice")
    provider_id = getattr(actor, "provider_id", None)
    if not provider_id:
        raise DomainError(_("只有培训机构的工作人员可以登记考勤设备"), code="not_provider_staff")
    name = (name or "").strip()
    errors: list[FieldError] = []
    if not name:
        errors.append(FieldError("name", _("请填写设备名称")))
    elif len(name) > 100:
        errors.append(FieldError("name", _("设备名称最多100字")))
    chosen = sorted(set(methods))
    if not chosen or not set(chosen) <= CheckIn.DEVICE_METHODS:
        allowed = "、".join(str(CheckIn.Method(m).label) for m in sorted(CheckIn.DEVICE_METHODS))
        errors.append(FieldError("method", _("考勤设备的签到方式应为：%(allowed)s") % {"allowed": allowed}))
    days = DEFAULT_TTL_DAYS if ttl_days is None else ttl_days
    if not 1 <= days <= MAX_TTL_DAYS:
        errors.append(FieldError("ttl_days", _("有效期应为1至%(max)s天") % {"max": MAX_TTL_DAYS}))
    if errors:
        raise DomainError(_("考勤设备信息有误"), code="invalid_device", errors=tuple(errors))
    provider = Provider.objects.get(pk=provider_id)
    raw = DEVICE_PREFIX + secrets.token_urlsafe(32)
    device = AttendanceDevice.objects.create(
        provider=provider,
        name=name,
        methods=chosen,
        prefix=raw[:10],
        key_hash=hash_token(raw),
        created_by=user_of(actor),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    record_event(
        actor=actor,
        action="training.device.registered",
        obj=device,
        after={"provider": provider.pk, "name": name, "methods": chosen, "expires_at": device.expires_at},
    )
    return device, raw


@transaction.atomic
def revoke_device(*, actor: Actor, device: AttendanceDevice) -> AttendanceDevice:
    """Revoke a device's credential (staff of its provider with ``training.change_attendancedevice``)."""
    require_perm(actor, "training.change_attendancedevice")
    device = AttendanceDevice.objects.select_for_update().get(pk=device.pk)
    _own_provider(actor, device.provider_id)
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        record_event(actor=actor, action="training.device.revoked", obj=device)
    return device


def authenticate_device(raw: str) -> AttendanceDevice | None:
    """The active device behind a credential, or None (a staff token, a revoked or expired device, garbage).
    Records last use at most once a minute."""
    if not raw or not raw.startswith(DEVICE_PREFIX) or len(raw) > 200:
        return None
    device = AttendanceDevice.objects.select_related("provider").filter(key_hash=hash_token(raw)).first()
    if device is None or not device.is_active:
        return None
    now = timezone.now()
    if device.last_used_at is None or now - device.last_used_at > dt.timedelta(minutes=1):
        AttendanceDevice.objects.filter(pk=device.pk).update(last_used_at=now)
    return device
