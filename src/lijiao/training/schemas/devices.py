"""Schemas of the attendance-device API (:mod:`lijiao.training.api.devices`)."""

from __future__ import annotations

import datetime as dt

from ninja import Field

from lijiao.core.schemas import InputSchema, Schema
from lijiao.training.models import CheckIn

_DEVICE_METHODS = "、".join(f"{m} {CheckIn.Method(m).label}" for m in sorted(CheckIn.DEVICE_METHODS))


class DeviceIn(InputSchema):
    name: str = Field(..., max_length=100, description="设备名称，如“一楼人脸识别机”")
    methods: list[str] = Field(
        ..., min_length=1, max_length=4, description="设备的签到方式：" + _DEVICE_METHODS
    )
    ttl_days: int | None = Field(None, ge=1, le=3 * 366, description="有效天数，默认366")


class DeviceOut(Schema):
    id: int
    name: str
    methods: list[str]
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class DeviceCreatedOut(DeviceOut):
    credential: str = Field(..., description="设备凭据（Bearer），只显示这一次")


class DeviceCheckInIn(InputSchema):
    enrollment_id: int | None = Field(None, description="报名编号（与 person_id 二选一）")
    person_id: int | None = Field(None, description="人员编号（与 enrollment_id 二选一）")
    checked_at: dt.datetime = Field(..., description="签到时间（课前30分钟至下课）")
    method: str | None = Field(None, description="签到方式；设备只登记了一种方式时可不填")


class DeviceSheetIn(InputSchema):
    session_id: int
    person_ids: list[int] = Field(..., max_length=5000)
    checked_at: dt.datetime | None = Field(None, description="签到时间；空为上课开始时间")
    method: str | None = Field(None, description="签到方式；设备只登记了一种方式时可不填")
