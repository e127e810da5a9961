"""The claim list as xlsx: the rows the screen shows (same selector, same filter set), every page; the person's
ID number is never exported."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.core.xlsx import ListExport, list_xlsx
from lijiao.subsidies.models import Claim

__all__ = ["claims_xlsx"]

CHUNK = 2_000


def _row(c: Claim) -> list[Any]:
    return [
        c.number,
        c.person.name,
        c.get_kind_display(),
        c.get_part_display(),
        c.get_applicant_display(),
        c.applicant_name,
        c.catalog_item.subject_name if c.catalog_item else "",
        c.handling_area.name,
        c.application_date,
        c.amount,
        c.get_status_display(),
        c.status_reason,
    ]


def claims_xlsx(claims: QuerySet[Claim]) -> ListExport:
    return list_xlsx(
        sheet_name=_("补贴申请"),
        title=_("补贴申请（导出于 %(date)s）") % {"date": timezone.localdate().isoformat()},
        header=[
            _("申请编号"),
            _("补贴对象"),
            _("补贴类型"),
            _("拨付部分"),
            _("申请方式"),
            _("申请单位/人"),
            _("项目"),
            _("经办区域"),
            _("申请日期"),
            _("金额（元）"),
            _("状态"),
            _("退回/不予补贴原因"),
        ],
        rows=(_row(c) for c in claims.iterator(chunk_size=CHUNK)),
    )
