"""Training API: attendance devices (ADR 0010).

* ``/devices``: a provider's staff register, list and revoke their check-in devices (staff token or session);
* ``/device/...``: a device posts check-ins with its own credential (``Authorization: Bearer ljd_…``), for its
  provider's classes only and only the methods it is registered for. Staff tokens are refused here, and device credentials
  everywhere else (they are not API tokens of a person).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.security import HttpBearer

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.core.errors import NotFound
from lijiao.core.permissions import require_perm
from lijiao.training.models import AttendanceDevice, CheckIn, ClassSession, TrainingClass
from lijiao.training.schemas.devices import (
    DeviceCheckInIn,
    DeviceCreatedOut,
    DeviceIn,
    DeviceOut,
    DeviceSheetIn,
)
from lijiao.training.schemas.enrollment import CheckInOut, ErrorOut, SheetCreatedOut
from lijiao.training.services import attendance, devices

_READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class DeviceAuth(HttpBearer):
    """A device's own credential; the device is the request's actor (``request.auth``)."""

    def authenticate(self, request: HttpRequest, token: str) -> AttendanceDevice | None:
        return devices.authenticate_device(token)


router = Router(auth=required_auth)
device_router = Router(auth=DeviceAuth())


# ---------------------------------------------------------------------------------------------------------------
# Staff: the provider's devices


def _own_devices(request: HttpRequest) -> Any:
    user = current_user(request)
    require_perm(user, "training.view_attendancedevice")
    return AttendanceDevice.objects.filter(provider_id=getattr(user, "provider_id", None) or 0)


@router.get("/devices", response={200: list[DeviceOut], **_READ_ERRORS}, summary="本机构的考勤设备")
def list_devices(request: HttpRequest) -> Any:
    return _own_devices(request).order_by("name", "id")


@router.post(
    "/devices", response={201: DeviceCreatedOut, **_WRITE_ERRORS}, summary="登记考勤设备（凭据只显示一次）"
)
def register_device(request: HttpRequest, payload: DeviceIn) -> Status[dict[str, Any]]:
    device, raw = devices.register_device(
        actor=current_user(request), name=payload.name, methods=payload.methods, ttl_days=payload.ttl_days
    )
    out = DeviceOut.from_orm(device).dict()
    return Status(201, {**out, "credential": raw})


@router.post(
    "/devices/{device_id}/revoke", response={200: DeviceOut, **_WRITE_ERRORS}, summary="吊销考勤设备凭据"
)
def revoke_device(request: HttpRequest, device_id: int) -> AttendanceDevice:
    device = _own_devices(request).filter(pk=device_id).first()
    if device is None:
        raise NotFound(_("考勤设备不存在"))
    return devices.revoke_device(actor=current_user(request), device=device)


# ---------------------------------------------------------------------------------------------------------------
# Devices: check-ins


def _device(request: HttpRequest) -> AttendanceDevice:
    device = request.auth  # type: ignore[attr-defined]
    assert isinstance(device, AttendanceDevice)
    return device


def _only_method(device: AttendanceDevice) -> str:
    """The device's method when it is registered for one (else "" and the service asks for the method)."""
    return device.methods[0] if len(device.methods) == 1 else ""


def _device_session(device: AttendanceDevice, session_id: int) -> ClassSession:
    session = (
        ClassSession.objects.select_related("training_class")
        .filter(pk=session_id, training_class__provider_id=device.provider_id)
        .first()
    )
    if session is None:
        raise NotFound(_("课程不存在"))
    return session


@device_router.post(
    "/device/sessions/{session_id}/checkins",
    response={201: CheckInOut, **_WRITE_ERRORS},
    summary="考勤设备签到（人脸识别、刷卡、扫码、线上）",
)
def device_check_in(request: HttpRequest, session_id: int, payload: DeviceCheckInIn) -> Status[CheckIn]:
    device = _device(request)
    checkin = attendance.check_in(
        actor=device,
        session=_device_session(device, session_id),
        enrollment_id=payload.enrollment_id,
        person_id=payload.person_id,
        checked_at=payload.checked_at,
        method=payload.method or _only_method(device),
    )
    return Status(201, checkin)


@device_router.post(
    "/device/classes/{class_id}/attendance",
    response={200: SheetCreatedOut, **_WRITE_ERRORS},
    summary="考勤设备批量上传一节课的签到（全部成功或全部不保存）",
)
def device_attendance(request: HttpRequest, class_id: int, payload: DeviceSheetIn) -> dict[str, int]:
    device = _device(request)
    training_class = TrainingClass.objects.filter(pk=class_id, provider_id=device.provider_id).first()
    if training_class is None:
        raise NotFound(_("培训班不存在"))
    sheet = attendance.AttendanceSheet(
        payload.session_id, payload.person_ids, payload.method or _only_method(device), "", payload.checked_at
    )
    created = attendance.record_attendance(actor=device, training_class=training_class, sheets=[sheet])
    return {"created": created}
