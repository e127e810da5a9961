"""Schemas of the roster import API (:mod:`lijiao.training.api.roster`): results, row errors, jobs."""

from __future__ import annotations

from ninja import Field

from lijiao.core.schemas import Schema


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldErrorOut] = Field(default_factory=list)


class RowErrorOut(Schema):
    row_number: int = Field(..., description="文件中的行号（0 表示整个文件，如名额不足）")
    column: str | None = Field(None, description="出错的列（文件中的表头）")
    message: str = Field(..., description="错误原因")


class JobOut(Schema):
    id: int
    status: str = Field(..., description="pending 等待中 / running 导入中 / succeeded 成功 / failed 失败")
    status_label: str
    file_name: str
    class_id: int | None
    total_rows: int = Field(..., description="总行数（读完文件前为估计值）")
    processed_rows: int = Field(..., description="已处理行数（先校验，后写入）")
    imported_rows: int
    error_count: int
    progress: int = Field(..., description="进度百分比 0–100")
    message: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    url: str = Field(..., description="本接口地址，可轮询")
    page_url: str = Field(..., description="导入任务页面")
    report_url: str | None = Field(None, description="错误报告 xlsx（失败且有行错误时）")


class ImportOut(Schema):
    job_id: int
    total_rows: int
    imported_rows: int
    people_created: int = Field(..., description="新登记的人员")
    people_updated: int = Field(..., description="信息有更新的已登记人员")
    groups_recorded: int = Field(..., description="记录的人员类别")
    reenrolled: int = Field(..., description="曾退出、重新报名的学员")
    message: str


class ImportErrorOut(ErrorOut):
    job_id: int
    total_rows: int
    imported_rows: int
    error_count: int = Field(..., description="错误总数（row_errors 只列出前若干条）")
    row_errors: list[RowErrorOut]
    report_url: str | None


class QueuedOut(Schema):
    job_id: int
    status: str
    message: str
    url: str = Field(..., description="轮询进度：GET 此地址")
    page_url: str
